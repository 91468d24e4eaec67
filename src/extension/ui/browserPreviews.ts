import { createHash } from 'node:crypto';
import * as vscode from 'vscode';
import type { ImageFormat } from '../../common/models';
import { isInsideFolder } from '../../common/referencePath';
import { exists, writeWhole } from '../base/disk';
import type { PngConverter } from '../submit/pngConverter';

/** How long a preview is kept after it was made. */
const maxPreviewAgeMs = 7 * 24 * 3600 * 1000;

/** Formats a webview cannot draw (Chromium has no TIFF decoder) that the image worker reads. */
const undrawable: readonly ImageFormat[] = ['tiff'];

/**
 * What a webview shows for an image: the file itself, or for a format it cannot draw (TIFF) a
 * PNG made of it, kept under `folder` once per version of the file (its URI, size and time).
 * The PNG has the file's pixels and size, so a mask painted over it fits the file.
 */
export class BrowserPreviews {
  /** The previews being made, so that two asks of one file version make it once. */
  private readonly making = new Map<string, Promise<vscode.Uri>>();
  private pruned: Promise<void> | undefined;

  constructor(
    /** Where the PNGs are kept; the webviews that show them list it among their resource roots. */
    readonly folder: vscode.Uri,
    private readonly images: Pick<PngConverter, 'toPng'>,
    private readonly log: Pick<vscode.LogOutputChannel, 'warn'>,
  ) {}

  /** Whether a file of this format is shown from a PNG made of it. */
  static needed(format: ImageFormat | undefined): boolean {
    return format !== undefined && undrawable.includes(format);
  }

  /**
   * The file to show for this image. A file outside `roots` (the folders the webview may load
   * from: a result saved to a folder picked outside the workspace) is shown from a copy. When no
   * PNG or copy can be made (the file is gone, or cannot be decoded), the file itself: the
   * webview then shows its name in place of its pixels.
   */
  async of(uri: vscode.Uri, format: ImageFormat | undefined, roots?: readonly vscode.Uri[]): Promise<vscode.Uri> {
    const convert = BrowserPreviews.needed(format);
    if (!convert && (!roots || roots.some((root) => isUnder(uri, root)))) return uri;
    try {
      this.pruned ??= this.prune();
      await this.pruned;
      const stat = await vscode.workspace.fs.stat(uri);
      const key = createHash('sha256').update(`${uri.toString()}\n${stat.size}\n${stat.mtime}`).digest('hex').slice(0, 32);
      const extension = convert ? 'png' : (/\.([a-z0-9]{1,5})$/i.exec(uri.path)?.[1] ?? 'img');
      let made = this.making.get(key);
      if (!made) {
        made = this.make(uri, vscode.Uri.joinPath(this.folder, `${key}.${extension}`), convert);
        this.making.set(key, made);
        void made.then(undefined, () => undefined).finally(() => this.making.delete(key));
      }
      return await made;
    } catch (error) {
      this.log.warn(`No preview could be made of an image (${format ?? 'unknown format'}): ${error instanceof Error ? error.message : String(error)}`);
      return uri;
    }
  }

  private async make(uri: vscode.Uri, target: vscode.Uri, convert: boolean): Promise<vscode.Uri> {
    if (await exists(target)) return target;
    const bytes = await vscode.workspace.fs.readFile(uri);
    // Written whole: a window closed meanwhile leaves no half file under the real name.
    await writeWhole(target, convert ? await this.images.toPng(bytes) : bytes);
    return target;
  }

  /**
   * Removes what no window may still show: previews made over a week ago (one shown now is
   * made again at once), and partial files that a closed window left.
   */
  private async prune(): Promise<void> {
    const entries = await Promise.resolve(vscode.workspace.fs.readDirectory(this.folder)).then(undefined, () => [] as [string, vscode.FileType][]);
    const now = Date.now();
    for (const [name] of entries) {
      const file = vscode.Uri.joinPath(this.folder, name);
      const stat = await Promise.resolve(vscode.workspace.fs.stat(file)).then(undefined, () => undefined);
      if (stat && now - stat.mtime > maxPreviewAgeMs) await Promise.resolve(vscode.workspace.fs.delete(file)).then(undefined, () => undefined);
    }
  }
}

/** Whether a file lies in a folder (the same scheme and authority, and a path below it). */
function isUnder(uri: vscode.Uri, folder: vscode.Uri): boolean {
  return uri.scheme === folder.scheme && uri.authority === folder.authority && isInsideFolder(uri.path, folder.path);
}
