import * as vscode from 'vscode';
import { diskOf } from '../base/disk';
import { isThumbnailKey, maxThumbnailBytes } from '../../common/gallery';
import { imageFormats, sniffImageFormat } from '../../common/imageType';

/** The formats a thumbnail may be stored in (what a canvas encodes). */
const storedFormats = new Set(['webp', 'png']);

/**
 * The gallery's thumbnails, kept in the extension's storage for this workspace (never in the
 * workspace itself): one small file per image version, named by its cache key (the image's URI,
 * size and modification time). The webview makes each thumbnail once; after that it is served
 * from here. A thumbnail whose image changed or left the gallery is deleted by {@link prune}.
 */
export class ThumbnailCache {
  /** Key -> file name, once the folder has been read. */
  private files: Map<string, string> | undefined;
  private loading: Promise<void> | undefined;
  /** How many thumbnails were written in this window, in all and per key (the tests read them). */
  writes = 0;
  readonly written = new Map<string, number>();

  constructor(readonly folder: vscode.Uri) {}

  /** Reads the folder once; a folder not yet made is an empty cache. */
  load(): Promise<void> {
    this.loading ??= Promise.resolve(vscode.workspace.fs.readDirectory(this.folder)).then(
      (entries) => {
        this.files = new Map();
        for (const [name, type] of entries) {
          const key = name.replace(/\.[a-z]+$/, '');
          if (type === vscode.FileType.File && isThumbnailKey(key)) this.files.set(key, name);
        }
      },
      () => {
        this.files = new Map();
      },
    );
    return this.loading;
  }

  /** The cached thumbnail of this key, when there is one. */
  get(key: string): vscode.Uri | undefined {
    const name = this.files?.get(key);
    return name ? vscode.Uri.joinPath(this.folder, name) : undefined;
  }

  /**
   * Stores a thumbnail the webview made. Only a small WebP or PNG is kept (the bytes are checked,
   * not trusted); answers its URI, or `undefined` when the bytes were refused.
   */
  async store(key: string, bytes: Uint8Array): Promise<vscode.Uri | undefined> {
    await this.load();
    const format = sniffImageFormat(bytes);
    if (!isThumbnailKey(key) || !format || !storedFormats.has(format) || bytes.length > maxThumbnailBytes) return undefined;
    const name = `${key}.${imageFormats[format].extension}`;
    const target = vscode.Uri.joinPath(this.folder, name);
    // Written under a temporary name first: a reader never sees half a file.
    const partial = vscode.Uri.joinPath(this.folder, `.${name}.${Math.random().toString(36).slice(2)}.partial`);
    const disk = diskOf(this.folder);
    await disk.makeFolder(this.folder);
    await disk.write(partial, bytes);
    await disk.moveOver(partial, target);
    this.files?.set(key, name);
    this.writes++;
    this.written.set(key, (this.written.get(key) ?? 0) + 1);
    return target;
  }

  /** Deletes every thumbnail whose key is not among these (its image changed or is gone). */
  async prune(live: ReadonlySet<string>): Promise<number> {
    await this.load();
    let removed = 0;
    for (const [key, name] of [...(this.files ?? [])]) {
      if (live.has(key)) continue;
      this.files?.delete(key);
      await vscode.workspace.fs.delete(vscode.Uri.joinPath(this.folder, name)).then(
        () => removed++,
        () => undefined,
      );
    }
    return removed;
  }
}
