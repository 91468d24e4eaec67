import { createHash } from 'node:crypto';
import * as vscode from 'vscode';
import { EvoLinkError } from '../../common/errors';
import { megabyte } from '../../common/limits';
import type { LedgerEntry } from '../../common/ledgerEntry';
import { findModel, uploadFormats, type ImageFormat } from '../../common/models';
import { checkMaskImage, checkReferenceImage, checkRequest, type RequestIssue } from '../../common/request';
import type { RequestOptions } from '../../common/requestOptions';
import type { Budget, OverLimit } from '../budget/budget';
import type { TaskService } from '../tasks/taskService';
import { localizeIssue } from '../ui/issues';
import { withoutPaths } from '../ui/paths';
import { showWhenSlow } from '../ui/slowWork';
import { inspectLocalImage, readLocalImage, type LocalImage } from './localImages';
import type { PngConverter } from './pngConverter';
import { describeBytes, type Uploads } from './uploads';

/*
 * The one way a request reaches EvoLink, from every entry point (the palette, the Studio, Edit
 * Image, the agent tool, a retry): the entry point collects the options and inspects its local
 * images once; this path checks everything against the model table, uploads each image once,
 * and hands the request to the task service, which records it before it is sent.
 */

/** A request ready to go: its options, its inspected local images, and where its results go. */
export interface SubmitPlan {
  options: RequestOptions;
  references: readonly LocalImage[];
  /** A painted mask for the one reference. */
  mask?: LocalImage;
  target: vscode.Uri;
  /** The results go beside this image, as its edits. */
  editOf?: vscode.Uri;
  /** How a request over the daily credit limit is met: asked (the default) or refused (the agent tool). */
  overLimit?: OverLimit;
}

/** What the submit path needs from the window. */
export interface SubmitDeps {
  tasks: TaskService;
  uploads: Uploads;
  images: Pick<PngConverter, 'toPng'>;
  budget: Pick<Budget, 'guard'>;
}

/** Placeholder links, so that the request's shape is checked before anything is uploaded. */
const pending = (index: number): string => `https://upload.invalid/${index}.png`;

/**
 * Every problem of a plan that can be told before anything is uploaded or paid: the options
 * against the model, each reference image against the model's limits, the mask against its
 * image. Each names its parameter and the limit.
 */
export function planIssues(plan: Pick<SubmitPlan, 'options' | 'references' | 'mask'>): RequestIssue[] {
  const shape = checkShape(plan);
  const issues = shape.ok ? [] : shape.issues;
  const model = findModel(plan.options.model);
  if (!model) return issues;
  issues.push(...plan.references.flatMap((image, index) => checkReferenceImage(model, image, index)));
  const first = plan.references[0];
  if (plan.mask && first) {
    issues.push(...(plan.mask.format ? checkMaskImage(model, plan.mask, first) : [{ param: 'mask_url', code: 'maskFormat' as const, values: { format: 'unknown' } }]));
  }
  return issues;
}

/** The request's shape against the model table, with placeholder links for its images. */
function checkShape(plan: Pick<SubmitPlan, 'options' | 'references' | 'mask'>): ReturnType<typeof checkRequest> {
  return checkRequest({
    ...plan.options,
    ...(plan.references.length > 0 ? { imageUrls: plan.references.map((_, index) => pending(index)) } : {}),
    ...(plan.mask ? { maskUrl: pending(99) } : {}),
  });
}

/** A refusal before anything was sent: one localized sentence per problem. */
export function refusal(issues: readonly RequestIssue[]): EvoLinkError {
  return new EvoLinkError('invalidRequest', issues.map(localizeIssue).join(' '), { param: issues[0]?.param, code: notSentCode });
}

/** The code of a request the extension refused itself: EvoLink never saw it. */
export const notSentCode = 'refusedBeforeSending';

/**
 * Submits a plan: checked first (nothing is uploaded, no credit spent, for what the service
 * would refuse), then held against the daily credit limit, each image read and checked again as
 * it is now and uploaded once (the same bytes reuse their link), then recorded and sent by the
 * task service. Answers the task's entry; throws the refusal.
 */
export async function submitPlan(deps: SubmitDeps, plan: SubmitPlan): Promise<LedgerEntry> {
  const issues = planIssues(plan);
  if (issues.length > 0) throw refusal(issues);
  // The daily credit limit, before anything is uploaded or paid: a request over it asks first.
  const shape = checkShape(plan);
  if (shape.ok) await deps.budget.guard({ model: shape.checked.body.model, n: shape.checked.body.n }, plan.overLimit ?? 'ask');
  const images = [...plan.references, ...(plan.mask ? [plan.mask] : [])];
  const urls = images.length === 0 ? [] : await uploadImages(deps, plan, images);
  const checked = checkRequest({
    ...plan.options,
    ...(plan.references.length > 0 ? { imageUrls: urls.slice(0, plan.references.length) } : {}),
    ...(plan.mask ? { maskUrl: urls[plan.references.length]! } : {}),
  });
  if (!checked.ok) throw refusal(checked.issues);
  // A send whose answer is slow (lost, and asked again with its key) says so instead of looking hung.
  const sending = deps.tasks.submit({
    request: plan.options,
    body: checked.checked.body,
    targetFolder: plan.target.toString(),
    estimatedSeconds: checked.checked.model.estimatedSeconds,
    creditsReserved: checked.checked.reservedCredits,
    ...(plan.references.length > 0 ? { sources: plan.references.map((image) => image.uri.toString()) } : {}),
    ...(plan.mask ? { maskSource: plan.mask.uri.toString() } : {}),
    ...(plan.editOf ? { editOf: plan.editOf.toString() } : {}),
  });
  const submitted = showWhenSlow(sending, vscode.l10n.t('Sending the request to EvoLink…'));
  // A link the service refused (deleted in the dashboard, purged) is not sent again by a retry.
  return submitted.catch(async (error: unknown) => {
    if (error instanceof EvoLinkError) await deps.uploads.forgetAfter(error.details, urls);
    throw error;
  });
}

/**
 * The links of the plan's images, each uploaded once (the same bytes reuse their link), under a
 * notification that may be cancelled: nothing is paid before the task is sent.
 */
function uploadImages(deps: SubmitDeps, plan: SubmitPlan, images: readonly LocalImage[]): Thenable<string[]> {
  const model = findModel(plan.options.model);
  return vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: vscode.l10n.t('Uploading images to EvoLink'), cancellable: true }, async (progress, token) => {
    const cancel = new AbortController();
    const listener = token.onCancellationRequested(() => cancel.abort());
    try {
      const read = await readAsSent(plan, images);
      if (cancel.signal.aborted) throw new EvoLinkError('cancelled', 'Cancelled.');
      // A mask's reference goes as a PNG (the vendor's pages); so does an image the files API does
      // not store. Those are converted, and their size checked, before the first upload: a PNG
      // over the limit stops the request before any of its images takes a place in the account.
      const why = (image: LocalImage, index: number): 'mask' | 'upload' | undefined => {
        const format = image.format ?? 'png';
        return index === 0 && plan.mask && model?.mask?.referenceFormat === 'png' && format !== 'png' ? 'mask' : uploadFormats.includes(format) ? undefined : 'upload';
      };
      const converted = new Map<number, { bytes: Uint8Array; name: string; format: ImageFormat }>();
      for (const [index, checked] of read.entries()) {
        const reason = why(checked.image, index);
        if (reason) converted.set(index, await asPng(deps, checked.image, await asChecked(checked), reason, model?.references.maxBytes));
        if (cancel.signal.aborted) throw new EvoLinkError('cancelled', 'Cancelled.');
      }
      const found: string[] = [];
      for (const [index, checked] of read.entries()) {
        const { image } = checked;
        progress.report({ message: vscode.l10n.t('{0} ({1} of {2})', image.name, index + 1, images.length), increment: 100 / images.length });
        const sent = converted.get(index) ?? { bytes: await asChecked(checked), name: image.name, format: image.format ?? 'png' };
        if (cancel.signal.aborted) throw new EvoLinkError('cancelled', 'Cancelled.');
        found.push((await deps.uploads.urlFor(sent.bytes, sent.name, sent.format, cancel.signal)).url);
      }
      return found;
    } finally {
      listener.dispose();
    }
  });
}

/**
 * The plan's images as they are now: each file read once, described by the bytes read (type,
 * size, pixels, whole or cut), and checked against the model again before anything is uploaded.
 * A file replaced since it was inspected (a wizard left open, a confirmation that waited) is
 * refused with the same sentences as before, and what is uploaded is what was checked.
 */
async function readAsSent(plan: SubmitPlan, images: readonly LocalImage[]): Promise<CheckedImage[]> {
  // One file in memory at a time (16 references of 50 MB would be 800 MB): its digest is kept instead.
  const read: CheckedImage[] = [];
  for (const image of images) {
    const bytes = await readLocalImage(image.uri);
    read.push({ image: { uri: image.uri, name: image.name, ...(await describeBytes(bytes)) }, digest: digestOf(bytes) });
  }
  const count = plan.references.length;
  const mask = plan.mask ? read[count]?.image : undefined;
  const issues = planIssues({ options: plan.options, references: read.slice(0, count).map((entry) => entry.image), ...(mask ? { mask } : {}) });
  if (issues.length > 0) throw refusal(issues);
  return read;
}

/** An image as it was read and checked, and the digest of the bytes that were. */
interface CheckedImage {
  image: LocalImage;
  digest: string;
}

const digestOf = (bytes: Uint8Array): string => createHash('sha256').update(bytes).digest('hex');

/** The bytes of an image read again to be sent: the ones checked, or a refusal when the file changed since. */
async function asChecked({ image, digest }: CheckedImage): Promise<Uint8Array> {
  const bytes = await readLocalImage(image.uri);
  if (digestOf(bytes) !== digest) {
    throw new EvoLinkError('invalidRequest', vscode.l10n.t('{0} changed while the request was being sent. Send it again once the file is saved; nothing was paid.', image.name), { param: 'image_urls', code: notSentCode });
  }
  return bytes;
}

/**
 * An image as a PNG of the same pixels, converted here before anything is uploaded: the reference
 * of a mask, which the model wants as a PNG (the vendor's pages), or an image in a format the
 * files API does not store (`uploadFormats`). Refused when the PNG is larger than the model takes.
 */
async function asPng(deps: SubmitDeps, image: LocalImage, bytes: Uint8Array, why: 'mask' | 'upload', max = Number.POSITIVE_INFINITY): Promise<{ bytes: Uint8Array; name: string; format: 'png' }> {
  const png = await deps.images.toPng(bytes).catch((error: unknown) => {
    // A variant the decoder does not know (a TIFF of an unusual layout, a damaged file).
    const detail = withoutPaths(error instanceof Error ? error.message : String(error));
    throw new EvoLinkError('invalidRequest', vscode.l10n.t('{0} could not be read to be sent as a PNG ({1}). Save it as a PNG or a JPEG and use that file. Nothing was sent.', image.name, detail), { param: 'image_urls', code: notSentCode });
  });
  // Rounded up: a PNG just over the limit never reads as the limit.
  const megabytes = (size: number): string => (Math.ceil((size / megabyte) * 10) / 10).toFixed(1);
  if (png.length > max) {
    const message =
      why === 'mask'
        ? vscode.l10n.t('With a mask, the image must be sent as a PNG, and {0} as a PNG is {1} MB; the model takes at most {2} MB. Use a smaller image. Nothing was sent.', image.name, megabytes(png.length), megabytes(max))
        : vscode.l10n.t("EvoLink's file upload takes JPEG, PNG, GIF and WebP only, so {0} is sent as a PNG, and as a PNG it is {1} MB; the model takes at most {2} MB. Save it as a JPEG, or use a smaller image. Nothing was sent.", image.name, megabytes(png.length), megabytes(max));
    throw new EvoLinkError('invalidRequest', message, { param: 'image_urls', code: notSentCode });
  }
  return { bytes: png, name: image.name, format: 'png' };
}

/**
 * Submits a task again with its original options and local inputs (inspected again, since
 * they may have changed; their uploads are reused while valid), into the same folder.
 */
export async function retryTask(deps: SubmitDeps, entry: LedgerEntry): Promise<LedgerEntry> {
  const references = await Promise.all((entry.sources ?? []).map((uri) => inspectLocalImage(vscode.Uri.parse(uri))));
  const plan: SubmitPlan = { options: entry.request, references, target: vscode.Uri.parse(entry.targetFolder) };
  if (entry.maskSource) plan.mask = await inspectLocalImage(vscode.Uri.parse(entry.maskSource));
  if (entry.editOf) plan.editOf = vscode.Uri.parse(entry.editOf);
  return submitPlan(deps, plan);
}
