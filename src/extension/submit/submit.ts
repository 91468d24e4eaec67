import * as vscode from 'vscode';
import { EvoLinkError } from '../../common/errors';
import { findModel } from '../../common/models';
import { checkMaskImage, checkReferenceImage, checkRequest, type GenerationRequest, type RequestIssue } from '../../common/request';
import { localizeIssue } from '../generate/issues';
import type { LedgerEntry } from '../tasks/ledger';
import type { TaskService } from '../tasks/taskService';
import { inspectLocalImage, readLocalImage, type LocalImage } from './localImages';
import type { Uploads } from './uploads';

/** Local inputs of a request: reference images and an optional mask for the first one. */
export interface LocalInputs {
  references: readonly vscode.Uri[];
  mask?: vscode.Uri;
  /** Write the results beside this image, as its edits. */
  editOf?: vscode.Uri;
}

/** What a request with local inputs needs from the window. */
export interface ReferenceSubmitDeps {
  tasks: TaskService;
  uploads: Uploads;
}

/** Placeholder links, so that the request's shape is checked before anything is uploaded. */
const pending = (index: number): string => `https://upload.invalid/${index}.png`;

/** Every problem of local images against a model: each reference, then the mask against the first. */
export function localImageIssues(model: string, references: readonly LocalImage[], mask?: LocalImage): RequestIssue[] {
  const spec = findModel(model);
  if (!spec) return [];
  const issues = references.flatMap((image, index) => checkReferenceImage(spec, image, index));
  if (mask && references[0]) issues.push(...(mask.format ? checkMaskImage(spec, mask, references[0]) : [{ param: 'mask_url', code: 'maskFormat' as const, values: { format: 'unknown' } }]));
  return issues;
}

/** The request's problems with its local inputs counted but not read: what can be told at once. */
export function shapeIssues(request: GenerationRequest, inputs: Pick<LocalInputs, 'references' | 'mask'>): RequestIssue[] {
  const shape = checkRequest({ ...request, imageUrls: inputs.references.map((_, index) => pending(index)), ...(inputs.mask ? { maskUrl: pending(99) } : {}) });
  return shape.ok ? [] : shape.issues;
}

function refuse(issues: RequestIssue[]): never {
  throw new EvoLinkError('invalidRequest', issues.map(localizeIssue).join(' '), { param: issues[0]?.param });
}

/**
 * Submits a request made from local images: checks the request and every image against the
 * model first (nothing is uploaded, no credit spent, for what the service would refuse), uploads
 * each image once (the same bytes reuse their link), then submits through the task service with
 * the images recorded as the results' sources.
 */
export async function submitWithLocalInputs(deps: ReferenceSubmitDeps, request: GenerationRequest, inputs: LocalInputs, target: vscode.Uri): Promise<LedgerEntry> {
  const shape = shapeIssues(request, inputs);
  if (shape.length > 0) refuse(shape);
  const references = await Promise.all(inputs.references.map((uri) => inspectLocalImage(uri)));
  const mask = inputs.mask ? await inspectLocalImage(inputs.mask) : undefined;
  const issues = localImageIssues(request.model, references, mask);
  if (issues.length > 0) refuse(issues);

  const uploads = [...references, ...(mask ? [mask] : [])];
  const urls = uploads.length === 0 ? [] : await vscode.window.withProgress(
    { location: vscode.ProgressLocation.Notification, title: vscode.l10n.t('Uploading images to EvoLink') },
    async (progress) => {
      const found: string[] = [];
      for (const [index, image] of uploads.entries()) {
        progress.report({ message: vscode.l10n.t('{0} ({1} of {2})', image.name, index + 1, uploads.length), increment: 100 / uploads.length });
        const bytes = await readLocalImage(image.uri);
        found.push((await deps.uploads.urlFor(bytes, image.name, image.format ?? 'png')).url);
      }
      return found;
    },
  );
  const withUrls: GenerationRequest = { ...request };
  if (references.length > 0) withUrls.imageUrls = urls.slice(0, references.length);
  if (mask) withUrls.maskUrl = urls[references.length]!;
  const checked = checkRequest(withUrls);
  if (!checked.ok) refuse(checked.issues);
  const lineage: Pick<LedgerEntry, 'sources' | 'maskSource' | 'editOf'> = {};
  if (references.length > 0) lineage.sources = inputs.references.map((uri) => uri.toString());
  if (inputs.mask) lineage.maskSource = inputs.mask.toString();
  if (inputs.editOf) lineage.editOf = inputs.editOf.toString();
  return deps.tasks.submit(checked.checked, withUrls, target, lineage);
}

/**
 * Submits a task again with its original parameters and local inputs (their uploads are reused
 * while valid), into the same folder.
 */
export function retryTask(deps: ReferenceSubmitDeps, entry: LedgerEntry): Promise<LedgerEntry> {
  // The links of the first attempt may have expired: the inputs are uploaded again or reused.
  const request: GenerationRequest = { ...entry.request };
  delete request.imageUrls;
  delete request.maskUrl;
  return submitWithLocalInputs(deps, request, inputsOf(entry), vscode.Uri.parse(entry.targetFolder));
}

/** The local inputs a task was made from. */
export function inputsOf(entry: LedgerEntry): LocalInputs {
  const inputs: LocalInputs = { references: (entry.sources ?? []).map((uri) => vscode.Uri.parse(uri)) };
  if (entry.maskSource) inputs.mask = vscode.Uri.parse(entry.maskSource);
  if (entry.editOf) inputs.editOf = vscode.Uri.parse(entry.editOf);
  return inputs;
}
