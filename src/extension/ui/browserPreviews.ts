import { createHash } from 'node:crypto';
import * as vscode from 'vscode';
import type { ImageFormat } from '../../common/models';
import type { PngConverter } from '../submit/pngConverter';

/** Formats a webview cannot draw (Chromium has no TIFF decoder) that the image worker reads. */
const undrawable: readonly ImageFormat[] = ['tiff'];

/**
 * What a webview shows for an image: the file itself, or for a format it cannot draw (TIFF) a
 * PNG made of it, kept under `folder` once per version of the file (its URI, size and time).
 * The PNG has the file's pixels and size, so a mask painted over it fits the file.
 */
export class BrowserPreviews {
  private readonly making = new Map<string, Promise<vscode.Uri>>();

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
      const stat = await vscode.workspace.fs.stat(uri);
      const key = createHash('sha256').update(`${uri.toString()}\n${stat.size}\n${stat.mtime}`).digest('hex').slice(0, 32);
      const extension = convert ? 'png' : (/\.([a-z0-9]{1,5})$/i.exec(uri.path)?.[1] ?? 'img');
      let made = this.making.get(key);
      if (!made) {
        made = this.make(uri, vscode.Uri.joinPath(this.folder, `${key}.${extension}`), convert);
        this.making.set(key, made);
        made.catch(() => this.making.delete(key));
      }
      return await made;
    } catch (error) {
      this.log.warn(`No preview could be made of an image (${format ?? 'unknown format'}): ${error instanceof Error ? error.message : String(error)}`);
      return uri;
    }
  }

  private async make(uri: vscode.Uri, target: vscode.Uri, convert: boolean): Promise<vscode.Uri> {
    const kept = await vscode.workspace.fs.stat(target).then(
      () => true,
      () => false,
    );
    if (kept) return target;
    const bytes = await vscode.workspace.fs.readFile(uri);
    await vscode.workspace.fs.writeFile(target, convert ? await this.images.toPng(bytes) : bytes);
    return target;
  }
}

/** Whether a file lies in a folder (the same scheme and authority, and a path below it). */
function isUnder(uri: vscode.Uri, folder: vscode.Uri): boolean {
  if (uri.scheme !== folder.scheme || uri.authority !== folder.authority) return false;
  const base = folder.path.endsWith('/') ? folder.path : `${folder.path}/`;
  return uri.path.startsWith(base);
}
