import * as vscode from 'vscode';
import { EvoLinkError } from '../../common/errors';
import type { LedgerEntry } from '../../common/ledgerEntry';
import { findModel, models, type ModelSpec } from '../../common/models';
import type { RequestIssue } from '../../common/request';
import { pickRequestOptions, type PartialRequestOptions, type RequestOptions } from '../../common/requestOptions';
import type { ApiKeyCommands } from '../auth/apiKeyCommands';
import type { AppContext } from '../context';
import type { StudioPreload } from '../studio/studioPanel';
import { inspectLocalImage, referenceExtensions, type LocalImage } from '../submit/localImages';
import { notSentCode, planIssues, submitPlan, type SubmitPlan } from '../submit/submit';
import { showProgress } from '../tasks/progress';
import { localizeIssue } from '../ui/issues';
import { displayPath } from '../ui/paths';
import { chooseTargetFolder } from '../ui/target';
import { insideWorkspace } from '../ui/workspaceFiles';
import { ChoiceMemory } from '../ui/choiceMemory';
import { draftOptions } from '../ui/requestSteps';
import type { ShownStep } from '../ui/wizard';
import { skippedSteps } from '../generate/generateCommand';
import { paintMaskId, runEditWizard } from './editWizard';

/** What automation and tests may pass to `evolink.editImage` to skip the questions. */
export interface EditArgs extends PartialRequestOptions {
  /** A mask PNG (URI string) of the one image's size. */
  mask?: string;
}

export interface EditDeps {
  ctx: AppContext;
  apiKey: ApiKeyCommands;
  openStudio: (preload: StudioPreload) => Promise<void>;
}

/** The image of the active image preview, if one is open. */
export function activeImage(): vscode.Uri | undefined {
  const input = vscode.window.tabGroups.activeTabGroup.activeTab?.input;
  return input instanceof vscode.TabInputCustom && input.viewType === 'imagePreview.previewEditor' ? input.uri : undefined;
}

/**
 * The images a command from the explorer or an editor title applies to, the clicked one first:
 * VS Code gives the selection in the order it was selected, and the first is the one that counts
 * (the edits go beside it, Export As reads it).
 */
export function imagesFrom(clicked: unknown, selected: unknown): vscode.Uri[] {
  const isUri = (value: unknown): value is vscode.Uri => value instanceof vscode.Uri;
  if (Array.isArray(selected) && selected.length > 0 && selected.every(isUri)) {
    return isUri(clicked) ? [clicked, ...selected.filter((uri) => uri.toString() !== clicked.toString())] : selected;
  }
  if (isUri(clicked)) return [clicked];
  const active = activeImage();
  return active ? [active] : [];
}

/** Asks for images when none are at hand. */
export async function pickImages(title: string, extensions: readonly string[] = referenceExtensions): Promise<vscode.Uri[]> {
  const picked = await vscode.window.showOpenDialog({
    canSelectMany: true,
    defaultUri: vscode.workspace.workspaceFolders?.[0]?.uri,
    filters: { [vscode.l10n.t('Images')]: [...extensions] },
    title,
  });
  return picked ?? [];
}

/**
 * The selection without its folders (a folder is not an image to edit); refused when nothing else
 * is left. A file that cannot be looked at is kept, for the inspection to say so.
 */
async function withoutFolders(uris: readonly vscode.Uri[]): Promise<vscode.Uri[]> {
  const isFolder = async (uri: vscode.Uri): Promise<boolean> => {
    try {
      return ((await vscode.workspace.fs.stat(uri)).type & vscode.FileType.Directory) !== 0;
    } catch {
      return false;
    }
  };
  const folders = await Promise.all(uris.map(isFolder));
  const files = uris.filter((_, index) => !folders[index]);
  if (files.length === 0) {
    throw new EvoLinkError('invalidRequest', vscode.l10n.t('{0}: folders cannot be edited. Select one or more image files.', uris.map((uri) => displayPath(uri)).join(', ')), { param: 'image_urls', code: notSentCode });
  }
  return files;
}

/**
 * Where the edits of `original` go: beside it, as its edits, when its folder is in the workspace
 * (really: not through a symbolic link out of it) on a file system that can be written; else
 * where the user says, as new images. Decided before the key is asked for and anything is paid:
 * results written outside the workspace would be kept in no history, and a read-only file system
 * (an image from git history) would refuse them after they were paid for. `undefined` when the
 * user declines.
 */
async function editTarget(original: vscode.Uri): Promise<{ target: vscode.Uri; editOf?: vscode.Uri } | undefined> {
  const beside = vscode.Uri.joinPath(original, '..');
  if (vscode.workspace.fs.isWritableFileSystem(original.scheme) === true && (await insideWorkspace(beside))) return { target: beside, editOf: original };
  const target = await chooseTargetFolder();
  if (!target) return undefined;
  if (vscode.workspace.fs.isWritableFileSystem(target.scheme) !== true) {
    throw new EvoLinkError('fileSystem', vscode.l10n.t('The edits of {0} cannot be saved: {1} cannot be written to. Open a folder you can write to and edit the image again. Nothing was sent.', displayPath(original), displayPath(target)), { code: notSentCode });
  }
  return { target };
}

/** Why a model cannot take these images: its count limit, then each image's limits. */
function refusals(model: ModelSpec, images: readonly LocalImage[]): RequestIssue[] {
  // The images with the model's defaults: the prompt and size do not matter here.
  return planIssues({ options: { model: model.id, prompt: 'x' }, references: images }).filter((issue) => issue.param === 'image_urls');
}

/**
 * `EvoLink: Edit Image...`: the selected images become the references of a request whose
 * results are written beside the first one (`photo.edit-1.png`), then compared with it (or, for
 * an image outside the workspace or on a read-only file system, where the user says). Only
 * the models that take these images are offered; nothing is uploaded for an image a model
 * would refuse.
 */
export class EditCommand {
  private readonly memory: ChoiceMemory;
  /** The steps the wizard showed, in order (tests follow the quick input with it). */
  readonly shown: ShownStep[] = [];

  constructor(private readonly deps: EditDeps) {
    this.memory = new ChoiceMemory(deps.ctx.globalState, 'edit');
  }

  async run(clicked?: unknown, selected?: unknown, args: EditArgs = {}): Promise<LedgerEntry | undefined> {
    let uris = imagesFrom(clicked, selected);
    if (uris.length === 0) uris = await pickImages(vscode.l10n.t('Edit Image: choose images'));
    if (uris.length === 0) return undefined;
    uris = await withoutFolders(uris);
    const images = await Promise.all(uris.map((uri) => inspectLocalImage(uri)));
    const notImages = images.filter((image) => !image.format);
    if (notImages.length > 0) {
      throw new EvoLinkError('invalidRequest', vscode.l10n.t('{0} is not an image file (PNG, JPEG, WebP, GIF, BMP or TIFF).', notImages.map((image) => image.name).join(', ')), { param: 'image_urls', code: notSentCode });
    }
    const fits = models.map((model) => ({ model, issues: refusals(model, images) }));
    const accepting = fits.filter((fit) => fit.issues.length === 0).map((fit) => fit.model);
    if (accepting.length === 0) {
      const reasons = fits.map((fit) => `${fit.model.label}: ${fit.issues.map(localizeIssue).join(' ')}`).join(' ');
      throw new EvoLinkError('invalidRequest', vscode.l10n.t('No model takes {0}. {1}', images.map((image) => image.name).join(', '), reasons), { param: 'image_urls', code: notSentCode });
    }

    const where = await editTarget(uris[0]!);
    if (!where) return undefined;
    const key = await this.deps.apiKey.getOrPrompt();
    if (!key) return undefined;

    let model: ModelSpec | undefined;
    if (args.model !== undefined) {
      model = findModel(args.model);
      const fit = fits.find((candidate) => candidate.model.id === args.model);
      if (!model || !fit) throw new EvoLinkError('invalidRequest', localizeIssue({ param: 'model', code: 'modelUnknown', values: { value: args.model, allowed: accepting.map((m) => m.id).join(', ') } }), { param: 'model', code: notSentCode });
      if (fit.issues.length > 0) throw new EvoLinkError('invalidRequest', fit.issues.map(localizeIssue).join(' '), { param: fit.issues[0]?.param, code: notSentCode });
    }
    const refused = fits.filter((fit) => fit.issues.length > 0);
    const given = pickRequestOptions(args);
    const skip = skippedSteps(given);
    const { result, draft } = await runEditWizard({
      memory: this.memory,
      defaultModel: this.deps.ctx.settings.current.defaultModel,
      names: images.map((image) => image.name).join(', '),
      accepting,
      notOffered: refused.length > 0 ? vscode.l10n.t('Not offered: {0}', refused.map((fit) => `${fit.model.label} (${localizeIssue(fit.issues[0]!)})`).join('; ')) : undefined,
      canMask: images.length === 1,
      ...(model ? { model } : {}),
      prompt: given.prompt ?? '',
      skip,
      maxCount: (spec) => (spec.references.maxWithOutputs !== undefined ? spec.references.maxWithOutputs - images.length : undefined),
      onShow: (shown) => this.shown.push(shown),
    });
    if (result.kind === 'left') {
      const prompt = result.button === paintMaskId ? {} : { draft: { prompt: draft.prompt, model: draft.model.id } };
      await this.deps.openStudio({ references: uris, edit: { model: draft.model.id, paintMask: result.button === paintMaskId }, ...prompt });
      return undefined;
    }
    if (result.kind !== 'done') return undefined;
    model = draft.model;
    const asked = draftOptions(draft);
    if (skip.has('size')) delete asked.size;
    if (skip.has('count')) {
      delete asked.n;
      delete asked.quality;
    }
    const options: RequestOptions = { ...asked, ...given, model: model.id, prompt: draft.prompt };
    const plan: SubmitPlan = { options, references: images, ...where };
    if (args.mask) plan.mask = await inspectLocalImage(vscode.Uri.parse(args.mask));
    const entry = await submitPlan(this.deps.ctx, plan);
    await this.memory.remember(options);
    // The compare view opens when an edit beside its original is saved; those results are not opened
    // on their own. Results written elsewhere have no compare view: they open as new images do.
    return showProgress(this.deps.ctx, entry, vscode.l10n.t('Generating with {0}', model.label), { open: !plan.editOf });
  }
}
