import * as vscode from 'vscode';
import { diskOf } from '../base/disk';
import { isThumbnailKey, maxThumbnailBytes, thumbnailKey } from '../../common/gallery';
import { imageFormats, sniffImageFormat } from '../../common/imageType';
import type { ThumbnailMessage, ThumbnailStored } from '../../common/thumbnailMessages';
import { displayPath } from './paths';

/** An image a thumbnail is made of, as it is now on disk. */
export interface ThumbnailSource {
  image: vscode.Uri;
  size: number;
  mtime: number;
}

/** The formats a thumbnail may be stored in (what a canvas encodes). */
const storedFormats = new Set(['webp', 'png']);

/**
 * The thumbnails of the history's images, which the History gallery and the Image Studio both
 * show: kept in the extension's storage for this workspace (never in the workspace itself), one
 * small file per image version, named by its cache key (the image's URI, size and modification
 * time). A webview makes each thumbnail once; after that it is served from here. A thumbnail
 * whose image changed or left the history is deleted by {@link prune}.
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

  /** The cache key of an image as it is now, and its cached thumbnail when there is one. */
  of(source: ThumbnailSource): { key: string; cached: vscode.Uri | undefined } {
    const key = thumbnailKey({ uri: source.image.toString(), size: source.size, mtime: source.mtime });
    return { key, cached: this.get(key) };
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

  /**
   * Keeps the cache to a history's images: once the history has been searched (when a view first
   * asks for it) and whenever it changes after, the thumbnails of images changed or gone are
   * deleted, one prune at a time.
   */
  follow(history: { readonly isReady: boolean; readonly whenSearched: Promise<void>; list(): ThumbnailSource[]; onDidChange: vscode.Event<void> }, log: vscode.LogOutputChannel): vscode.Disposable {
    let pruning: Promise<unknown> = Promise.resolve();
    let followed = true;
    const prune = (): void => {
      if (!followed || !history.isReady) return;
      const live = new Set(history.list().map((source) => this.of(source).key));
      pruning = pruning.then(() => this.prune(live)).catch((error: unknown) => log.warn(`Pruning thumbnails failed: ${String(error)}`));
    };
    void history.whenSearched.then(prune);
    const listener = history.onDidChange(prune);
    return {
      dispose: () => {
        followed = false;
        listener.dispose();
      },
    };
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

/**
 * What a webview said of a thumbnail it made (or could not make) of an image it was listed:
 * keeps the thumbnail if it is still of the image as it is now, and answers what to tell the
 * webview (nothing for a changed image, whose new thumbnail will come, or a failure).
 */
export async function receiveThumbnail(
  deps: { thumbnails: ThumbnailCache; log: vscode.LogOutputChannel },
  source: ThumbnailSource,
  message: ThumbnailMessage,
  webview: vscode.Webview | undefined,
): Promise<ThumbnailStored | undefined> {
  const where = displayPath(source.image);
  if (message.type === 'thumbnailFailed') {
    deps.log.info(`No thumbnail for ${where} (the webview could not draw it)`);
    return undefined;
  }
  if (message.key !== deps.thumbnails.of(source).key) return undefined;
  const stored = await deps.thumbnails.store(message.key, Buffer.from(message.data, 'base64'));
  if (!stored) {
    deps.log.warn(`Refused a thumbnail for ${where} (not a small WebP or PNG)`);
    return undefined;
  }
  return { type: 'thumbnail', uri: message.uri, key: message.key, thumb: webview?.asWebviewUri(stored).toString() };
}
