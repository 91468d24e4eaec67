import { createHash } from 'node:crypto';
import * as vscode from 'vscode';
import { imageFormats, sniffImageFormat } from '../../common/imageType';
import { maxReferences } from '../../common/limits';
import type { StudioReference } from '../../common/protocol';
import { DisposableBase } from '../base/disposable';
import { inspectLocalImage, maxReferenceBytes, referenceExtensions, type LocalImage } from '../submit/localImages';
import { BrowserPreviews } from '../ui/browserPreviews';
import { droppedWorkspaceFile } from '../ui/workspaceFiles';
import { fileName } from '../base/disk';

/** Where the references' URIs are kept in the workspace state. */
const referencesKey = 'evolink.studio.references';

/**
 * Keeps bytes under the references folder, in a folder named by their hash (the same bytes are
 * kept once) under the name they came with; answers the file's URI. Pasted images, copies of
 * images from outside the workspace and painted masks are kept this way, so that the panel may
 * show them and a task may upload them.
 */
export async function keepBytes(referencesDir: vscode.Uri, folder: 'pasted' | 'outside' | 'masks', bytes: Uint8Array, name: string): Promise<vscode.Uri> {
  const safe = name.replace(/[^\p{L}\p{N}._ -]+/gu, '_').replace(/^[.\s]+/, '').slice(0, 120) || 'image';
  const uri = vscode.Uri.joinPath(referencesDir, folder, createHash('sha256').update(bytes).digest('hex').slice(0, 24), safe);
  await vscode.workspace.fs.writeFile(uri, bytes);
  return uri;
}

/** Asks for reference images with the file picker (anywhere: outside the workspace they are copied); `undefined` when dismissed. */
export function pickReferenceFiles(): Thenable<vscode.Uri[] | undefined> {
  return vscode.window.showOpenDialog({
    canSelectMany: true,
    canSelectFiles: true,
    defaultUri: vscode.workspace.workspaceFolders?.[0]?.uri,
    filters: { [vscode.l10n.t('Images')]: referenceExtensions },
    title: vscode.l10n.t('Add Reference Images'),
    openLabel: vscode.l10n.t('Add'),
  });
}

/**
 * The workspace files among URIs dropped from the explorer or an editor: only those are taken
 * this way (a drop names a file; one from elsewhere is copied only when picked on purpose).
 * `refused` says which were left out and what to do instead.
 */
export async function droppedReferenceFiles(uris: readonly string[]): Promise<{ files: vscode.Uri[]; refused?: string }> {
  const dropped = uris.map((value) => vscode.Uri.parse(value));
  const found = await Promise.all(dropped.map((uri) => droppedWorkspaceFile(uri)));
  const files = found.filter((uri): uri is vscode.Uri => uri !== undefined);
  const outside = dropped.filter((_, index) => found[index] === undefined).map((uri) => fileName(uri));
  if (outside.length === 0) return { files };
  return { files, refused: vscode.l10n.t('Outside the workspace, so not added by a drop: {0}. Pick them with Add… instead; files from elsewhere are copied.', outside.join(', ')) };
}

/**
 * The Studio's reference images, in order, kept in the workspace state so that they survive a
 * reload. Files that are not images are refused at once; images that break the current model's
 * limits are kept (another model may take them) and the webview names the limit.
 */
/** The files an addition refused, by why. */
interface Refused {
  notImage: string[];
  tooLarge: string[];
  unreadable: string[];
  overLimit: string[];
}

export class ReferenceSet extends DisposableBase {
  private images: LocalImage[] = [];
  private readonly changed = this._register(new vscode.EventEmitter<void>());
  /** Fires when the set changes (also once the last session's references are read back). */
  readonly onDidChange = this.changed.event;
  /** The references of the last session, read back; everything that changes the set waits for it. */
  private readonly restored: Promise<void>;

  /** The PNG shown for a reference the webview cannot draw (a TIFF), by the reference's URI. */
  private readonly shownAs = new Map<string, vscode.Uri>();

  constructor(
    private readonly referencesDir: vscode.Uri,
    private readonly state: vscode.Memento,
    private readonly previews?: BrowserPreviews,
  ) {
    super();
    this.restored = this.restore();
    // A TIFF is shown once its PNG is made (again when the file changed): the webview is told then.
    this._register(this.onDidChange(() => void this.makePreviews()));
  }

  private readonly previewed = this._register(new vscode.EventEmitter<void>());
  /** Fires when what the webview shows for a reference changed (its PNG was made), the set itself not. */
  readonly onDidChangePreview = this.previewed.event;

  private async makePreviews(): Promise<void> {
    const previews = this.previews;
    if (!previews) return;
    const wanted = this.images.filter((image) => BrowserPreviews.needed(image.format));
    let changed = false;
    for (const image of wanted) {
      // Asked on every change: the previews know each version of a file (its size and time).
      const shown = await previews.of(image.uri, image.format);
      const key = image.uri.toString();
      if (this.shownAs.get(key)?.toString() !== shown.toString()) {
        this.shownAs.set(key, shown);
        changed = true;
      }
    }
    for (const key of [...this.shownAs.keys()]) if (!this.images.some((image) => image.uri.toString() === key)) this.shownAs.delete(key);
    if (changed) this.previewed.fire();
  }

  /** The references, in order. */
  get list(): readonly LocalImage[] {
    return this.images;
  }

  find(uri: string): LocalImage | undefined {
    return this.images.find((image) => image.uri.toString() === uri);
  }

  /**
   * Makes these images the references, in place of the last session's (what the explorer sent
   * wins over what was restored). Answers a sentence about the files refused, if any.
   */
  async replace(uris: readonly vscode.Uri[]): Promise<string | undefined> {
    await this.restored;
    this.images = [];
    return this.add(uris, true);
  }

  /**
   * Adds references. With `copyOutside`, a file outside the workspace is copied under the
   * references folder so that the panel may show it. Answers a sentence about the files
   * refused, if any.
   */
  async add(uris: readonly vscode.Uri[], copyOutside: boolean): Promise<string | undefined> {
    await this.restored;
    const refused: Refused = { notImage: [], tooLarge: [], unreadable: [], overLimit: [] };
    for (const picked of uris) {
      if (this.images.length >= maxReferences) {
        refused.overLimit.push(fileName(picked));
        continue;
      }
      const uri = copyOutside ? await this.copyIfOutside(picked, refused) : picked;
      if (!uri || this.images.some((image) => image.uri.toString() === uri.toString())) continue;
      try {
        const image = await inspectLocalImage(uri);
        if (!image.format) refused.notImage.push(image.name);
        else this.images.push(image);
      } catch {
        // Its own text names a path of this machine and is English: the name says which file.
        refused.unreadable.push(fileName(picked));
      }
    }
    await this.save();
    const said = [
      refused.notImage.length > 0 ? vscode.l10n.t('Not an image file: {0}. References must be PNG, JPEG, WebP, GIF, BMP or TIFF.', refused.notImage.join(', ')) : '',
      refused.tooLarge.length > 0 ? vscode.l10n.t('Larger than any model takes ({1} MB): {0}. Use a smaller copy.', refused.tooLarge.join(', '), maxReferenceBytes / 1_000_000) : '',
      refused.unreadable.length > 0 ? vscode.l10n.t('Cannot be read: {0}. Check that the files still exist and can be opened.', refused.unreadable.join(', ')) : '',
      refused.overLimit.length > 0 ? vscode.l10n.t('The Studio holds at most {0} reference images; not added: {1}.', maxReferences, refused.overLimit.join(', ')) : '',
    ].filter(Boolean);
    return said.length > 0 ? said.join(' ') : undefined;
  }

  /** Adds a pasted (or dropped) image file's bytes. Answers a sentence about a refusal, if any. */
  async addPasted(name: string, bytes: Uint8Array): Promise<string | undefined> {
    const format = sniffImageFormat(bytes.subarray(0, 64));
    if (!format) return vscode.l10n.t('{0} is not an image file (PNG, JPEG, WebP, GIF, BMP or TIFF).', name);
    const stem = name.replace(/\.[^.]*$/, '') || 'pasted';
    return this.add([await keepBytes(this.referencesDir, 'pasted', bytes, `${stem}.${imageFormats[format].extension}`)], false);
  }

  /**
   * Reads a reference again as its file is now (an edit may have replaced it, another tool
   * cropped it): what is sent is checked as it is. The Studio is told when it changed.
   */
  async refresh(held: LocalImage): Promise<LocalImage> {
    const fresh = await inspectLocalImage(held.uri);
    const index = this.images.findIndex((image) => image.uri.toString() === held.uri.toString());
    const same = fresh.format === held.format && fresh.bytes === held.bytes && fresh.width === held.width && fresh.height === held.height;
    if (index >= 0 && !same) {
      this.images[index] = fresh;
      this.changed.fire();
    } else if (index >= 0) {
      // The same size may still be other pixels (a TIFF rewritten in place): its preview is looked at again.
      void this.makePreviews();
    }
    return fresh;
  }

  async remove(uri: string): Promise<void> {
    await this.restored;
    this.images = this.images.filter((image) => image.uri.toString() !== uri);
    await this.save();
  }

  /** The references as the webview shows them. */
  views(webview: vscode.Webview): StudioReference[] {
    return this.images.map((image) => ({
      uri: image.uri.toString(),
      src: webview.asWebviewUri(this.shownAs.get(image.uri.toString()) ?? image.uri).toString(),
      name: image.name,
      format: image.format,
      bytes: image.bytes,
      width: image.width,
      height: image.height,
      inWorkspace: vscode.workspace.getWorkspaceFolder(image.uri) !== undefined,
    }));
  }

  /**
   * A file outside the workspace (and outside the references folder), copied under the
   * references folder; any other file as it is. `undefined` when the file is refused (named in
   * `refused`).
   */
  private async copyIfOutside(picked: vscode.Uri, refused: Refused): Promise<vscode.Uri | undefined> {
    if (vscode.workspace.getWorkspaceFolder(picked) || picked.toString().startsWith(this.referencesDir.toString())) return picked;
    try {
      // Its size first: a file larger than any model takes is refused without being read.
      if ((await vscode.workspace.fs.stat(picked)).size > maxReferenceBytes) {
        refused.tooLarge.push(fileName(picked));
        return undefined;
      }
      const bytes = await vscode.workspace.fs.readFile(picked);
      const format = sniffImageFormat(bytes.subarray(0, 64));
      if (format) return await keepBytes(this.referencesDir, 'outside', bytes, fileName(picked) || `image.${imageFormats[format].extension}`);
    } catch {
      // Inspected as it is, which names the problem.
    }
    return picked;
  }

  private async restore(): Promise<void> {
    const saved = this.state.get<string[]>(referencesKey, []);
    const found = await Promise.all(saved.map((uri) => inspectLocalImage(vscode.Uri.parse(uri)).catch(() => undefined)));
    this.images = found.filter((image): image is LocalImage => image?.format !== undefined);
    this.changed.fire();
  }

  private async save(): Promise<void> {
    await this.state.update(referencesKey, this.images.map((image) => image.uri.toString()));
    this.changed.fire();
  }
}
