import * as vscode from 'vscode';
import { writeWhole } from '../base/disk';
import { isThumbnailKey, maxThumbnailBytes, thumbnailKey } from '../../common/gallery';
import { imageFormats, sniffImageFormat } from '../../common/imageType';
import type { ThumbnailMessage } from '../../common/thumbnailMessages';
import { DisposableBase } from '../base/disposable';
import { displayPath } from './paths';

/** An image a thumbnail is made of, as it is now on disk. */
export interface ThumbnailSource {
  image: vscode.Uri;
  size: number;
  mtime: number;
}

/** The formats a thumbnail may be stored in (what a canvas encodes). */
const storedFormats = new Set(['webp', 'png']);

/** The thumbnail key of an image as it is now. */
export function keyOf(source: ThumbnailSource): string {
  return thumbnailKey({ uri: source.image.toString(), size: source.size, mtime: source.mtime });
}

/**
 * The thumbnails of the history's images, which the History gallery and the Image Studio both
 * show: kept in the extension's storage for this workspace (never in the workspace itself), one
 * small file per image version, named by its cache key (the image's URI, size and modification
 * time). A webview makes each thumbnail once; after that it is served from here. A thumbnail
 * whose image changed or left the history is deleted by {@link prune}.
 */
export class ThumbnailCache extends DisposableBase {
  /** Key -> file name, once the folder has been read. */
  private files: Map<string, string> | undefined;
  private loading: Promise<void> | undefined;
  /** Stores under way, by key: a second view's thumbnail of the same version waits for the first. */
  private readonly storing = new Map<string, Promise<vscode.Uri>>();
  private readonly stored = this._register(new vscode.EventEmitter<{ image: string; key: string; file: vscode.Uri }>());
  /** Fires when an image's thumbnail is in the cache: every view that lists that version shows it. */
  readonly onDidStore = this.stored.event;
  /** How many thumbnails were written in this window, in all and per key (the tests read them). */
  writes = 0;
  readonly written = new Map<string, number>();

  constructor(readonly folder: vscode.Uri) {
    super();
  }

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
    const key = keyOf(source);
    return { key, cached: this.get(key) };
  }

  /** The cached thumbnail of this key, when there is one. */
  get(key: string): vscode.Uri | undefined {
    const name = this.files?.get(key);
    return name ? vscode.Uri.joinPath(this.folder, name) : undefined;
  }

  /**
   * Stores a thumbnail a webview made of an image, unless it is cached already (two views may
   * make it at once). Only a small WebP or PNG is kept (the bytes are checked, not trusted);
   * answers `false` when they were refused. Every view is then told by {@link onDidStore}.
   */
  async store(image: string, key: string, bytes: Uint8Array): Promise<boolean> {
    await this.load();
    const format = sniffImageFormat(bytes);
    if (!isThumbnailKey(key) || !format || !storedFormats.has(format) || bytes.length > maxThumbnailBytes) return false;
    const cached = this.get(key);
    let storing = this.storing.get(key);
    if (!cached && !storing) {
      storing = this.write(key, `${key}.${imageFormats[format].extension}`, bytes).finally(() => this.storing.delete(key));
      this.storing.set(key, storing);
    }
    const file = cached ?? (await storing!);
    this.stored.fire({ image, key, file });
    return true;
  }

  /** Writes a thumbnail whole, so that a reader never sees half a file. */
  private async write(key: string, name: string, bytes: Uint8Array): Promise<vscode.Uri> {
    const file = vscode.Uri.joinPath(this.folder, name);
    await writeWhole(file, bytes);
    this.files?.set(key, name);
    this.writes++;
    this.written.set(key, (this.written.get(key) ?? 0) + 1);
    return file;
  }

  /**
   * Keeps the cache to a history's images: once the history has been searched (when a view first
   * asks for it) and whenever it changes after, the thumbnails of images changed or gone are
   * deleted. One prune runs at a time, reading the history as it goes; changes while it runs make
   * one more.
   */
  follow(history: { readonly isReady: boolean; readonly whenSearched: Promise<void>; list(): ThumbnailSource[]; onDidChange: vscode.Event<void> }, log: vscode.LogOutputChannel): vscode.Disposable {
    let followed = true;
    let running = false;
    let again = false;
    const live = (): Set<string> => new Set(history.list().map((source) => this.of(source).key));
    const prune = async (): Promise<void> => {
      if (!followed || !history.isReady) return;
      if (running) {
        again = true;
        return;
      }
      running = true;
      try {
        do {
          again = false;
          await this.prune(live).catch((error: unknown) => log.warn(`Pruning thumbnails failed: ${String(error)}`));
        } while (again && followed);
      } finally {
        running = false;
      }
    };
    void history.whenSearched.then(prune);
    const listener = history.onDidChange(() => void prune());
    return {
      dispose: () => {
        followed = false;
        listener.dispose();
      },
    };
  }

  /**
   * Deletes every thumbnail whose key is not among the live ones (its image changed or is gone).
   * The history is read again every 50 deletions (it may change meanwhile); a thumbnail leaves
   * the cache's list before its file goes, so that a view storing it meanwhile writes it anew.
   */
  async prune(live: () => ReadonlySet<string>): Promise<number> {
    await this.load();
    let removed = 0;
    let keep = live();
    const doomed = [...(this.files ?? [])].filter(([key]) => !keep.has(key));
    for (const [index, [key, name]] of doomed.entries()) {
      if (index > 0 && index % 50 === 0) keep = live();
      if (keep.has(key) || this.storing.has(key) || this.files?.get(key) !== name) continue;
      this.files.delete(key);
      await vscode.workspace.fs.delete(vscode.Uri.joinPath(this.folder, name)).then(
        () => removed++,
        () => undefined,
      );
    }
    return removed;
  }
}

/**
 * What a webview said of a thumbnail it made (or could not make) of a history image it was
 * shown: keeps the thumbnail if it is still of the image as it is now (a changed image's new
 * thumbnail will come). The views learn of it from {@link ThumbnailCache.onDidStore}.
 */
export async function receiveThumbnail(
  deps: { thumbnails: ThumbnailCache; log: vscode.LogOutputChannel; history: { get(uri: string): ThumbnailSource | undefined } },
  message: ThumbnailMessage,
  who: string,
): Promise<void> {
  const source = deps.history.get(message.uri);
  if (!source) return;
  const where = displayPath(source.image);
  if (message.type === 'thumbnailFailed') {
    deps.log.info(`${who}: no thumbnail for ${where} (the webview could not draw it)`);
    return;
  }
  if (message.key !== deps.thumbnails.of(source).key) return;
  if (!(await deps.thumbnails.store(message.uri, message.key, Buffer.from(message.data, 'base64')))) {
    deps.log.warn(`${who}: refused a thumbnail for ${where} (not a small WebP or PNG)`);
  }
}
