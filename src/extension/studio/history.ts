import * as vscode from 'vscode';
import type { EntryState, LedgerEntry } from '../../common/ledgerEntry';
import type { Provenance } from '../../common/provenance';
import type { StudioHistoryItem } from '../../common/protocol';
import { savedFiles } from '../../common/taskState';
import { DisposableBase } from '../base/disposable';
import { imageOfSidecar, indexGlob, sidecarGlob, type ProvenanceStore } from '../provenance/store';
import { keyOf, type ThumbnailCache } from '../ui/thumbnails';
import { fileName } from '../base/disk';
import { findFilesIn } from '../base/search';

/** The most past images the index holds. */
const historyLimit = 1000;
/** The most the Studio lists (it shows the first hundred matches of a search). */
const studioLimit = 500;
/** The images whose changes matter: the index reads one again only when it lists it. */
const imageGlob = '**/*.{png,jpg,jpeg,webp,gif,bmp,tif,tiff,PNG,JPG,JPEG,WEBP,GIF,BMP,TIF,TIFF}';

/** One image of the history: its provenance and the file's size and modification time. */
export interface HistoryRecord {
  image: vscode.Uri;
  provenance: Provenance;
  size: number;
  mtime: number;
}

/**
 * The images generated or edited in this workspace, with their provenance, newest first: one
 * list per window, which the Studio's history and the History gallery both show. It is read from
 * the provenance store (each folder's index, then old sidecars), so it is the same in every
 * window and, with the index committed, after a clone. The workspace is searched once; after
 * that the list follows the changes: the files of each saved task, the images deleted from a
 * view, an index or sidecar changed by anything else (another window, a compare decision, the
 * user, version control), and listed images changed or deleted.
 */
export class ImageHistory extends DisposableBase {
  /** By image URI. */
  private readonly records = new Map<string, HistoryRecord>();
  private scan: Promise<void> | undefined;
  /** Until the workspace has been searched, changes are only gathered: the first list is the whole one. */
  private searched = false;
  private markSearched!: () => void;
  /** Settles once the workspace has been searched, without starting the search (that waits for a view to ask). */
  readonly whenSearched = new Promise<void>((resolve) => (this.markSearched = resolve));
  /** The last state seen of each task, to tell when one becomes saved. */
  private readonly states = new Map<string, EntryState>();
  private readonly changed = this._register(new vscode.EventEmitter<void>());
  private readonly saved = this._register(new vscode.EventEmitter<readonly string[]>());
  /** Fires when an image comes, changes or goes. */
  readonly onDidChange = this.changed.event;
  /** Fires with the files of a task that has just been saved (written anew, perhaps under a name deleted before). */
  readonly onDidSave = this.saved.event;

  constructor(
    tasks: { onDidChange: vscode.Event<LedgerEntry> },
    /** Where every record is read from (and where the views record deletions). */
    readonly provenance: ProvenanceStore,
  ) {
    super();
    const watcher = this._register(vscode.workspace.createFileSystemWatcher(sidecarGlob));
    // A sidecar that goes may leave the image's record in the index: read it again, do not drop it.
    for (const event of [watcher.onDidCreate, watcher.onDidChange, watcher.onDidDelete]) this._register(event((uri) => void this.read([imageOfSidecar(uri)])));
    // Renamed or deleted in VS Code: the records follow (the index watcher then reads them again).
    this._register(vscode.workspace.onDidRenameFiles((event) => void provenance.followFiles(event.files)));
    this._register(vscode.workspace.onDidDeleteFiles((event) => void provenance.followFiles(event.files.map((oldUri) => ({ oldUri })))));
    const indexes = this._register(vscode.workspace.createFileSystemWatcher(indexGlob));
    for (const event of [indexes.onDidCreate, indexes.onDidChange, indexes.onDidDelete]) this._register(event((uri) => void this.indexChanged(uri)));
    const images = this._register(vscode.workspace.createFileSystemWatcher(imageGlob, true, false, false));
    const known = (uri: vscode.Uri): void => {
      if (this.records.has(uri.toString())) void this.read([uri]);
    };
    this._register(images.onDidChange(known));
    this._register(images.onDidDelete(known));
    // A deleted folder is reported as itself, not as the files it held.
    const folders = this._register(vscode.workspace.createFileSystemWatcher('**/*', true, true, false));
    this._register(folders.onDidDelete((uri) => this.removeUnder(uri.toString())));
    this._register(tasks.onDidChange((entry) => void this.taskChanged(entry)));
  }

  /** True once the workspace has been searched. */
  get isReady(): boolean {
    return this.searched;
  }

  /** The history once the workspace has been searched (the first call searches it). */
  async ready(): Promise<void> {
    this.scan ??= this.search();
    await this.scan;
  }

  /** The images, newest first. */
  list(): HistoryRecord[] {
    return [...this.records.values()].sort((a, b) => b.provenance.createdAt.localeCompare(a.provenance.createdAt));
  }

  /** The record of an image, when the history lists it. */
  get(uri: string): HistoryRecord | undefined {
    return this.records.get(uri);
  }

  /**
   * Reads the provenance of a task's saved files when the task has just been saved, and of no
   * other file. Later changes of a saved task (it may change again) read nothing.
   */
  private async taskChanged(entry: LedgerEntry): Promise<void> {
    const before = this.states.get(entry.localId);
    this.states.set(entry.localId, entry.state);
    if (entry.state !== 'saved' || before === 'saved') return;
    const files = savedFiles(entry);
    this.saved.fire(files);
    await this.read(files.map((uri) => vscode.Uri.parse(uri)));
  }

  /** Forgets an image (deleted from a view, or its provenance file is gone). */
  remove(uri: string): void {
    if (this.records.delete(uri) && this.searched) this.changed.fire();
  }

  /** Forgets every image inside a deleted folder. */
  private removeUnder(folder: string): void {
    const prefix = folder.endsWith('/') ? folder : `${folder}/`;
    let removed = false;
    for (const uri of [...this.records.keys()]) if (uri.startsWith(prefix)) removed = this.records.delete(uri) || removed;
    if (removed && this.searched) this.changed.fire();
  }

  /**
   * An index changed (this or another window, version control): reads again the images of its
   * folder whose record changed or went, and the ones it lists that the history does not.
   */
  private async indexChanged(index: vscode.Uri): Promise<void> {
    const folder = vscode.workspace.getWorkspaceFolder(index);
    if (!folder || !this.searched) return;
    const prefix = folder.uri.toString().replace(/\/?$/, '/');
    const listed = [...this.records.values()].filter((record) => record.image.toString().startsWith(prefix));
    const changed = await Promise.all(
      listed.map(async (record) => (JSON.stringify(await this.provenance.get(record.image)) === JSON.stringify(record.provenance) ? undefined : record.image)),
    );
    const indexed = (await this.provenance.images(folder)).filter((image) => !this.records.has(image.toString()));
    await this.read([...changed.filter((image) => image !== undefined), ...indexed.slice(-historyLimit)]);
  }

  /** Searches every workspace folder once: its indexes, then its sidecars (from before the index). */
  private async search(): Promise<void> {
    const images = new Map<string, vscode.Uri>();
    for (const folder of vscode.workspace.workspaceFolders ?? []) {
      for (const image of (await this.provenance.images(folder)).slice(-historyLimit)) images.set(image.toString(), image);
      // A folder that cannot be searched (a file system without a search provider) has its index only.
      const sidecars = await findFilesIn(folder.uri, sidecarGlob, historyLimit);
      for (const image of (sidecars ?? []).map(imageOfSidecar)) images.set(image.toString(), image);
    }
    await this.read([...images.values()]);
    this.searched = true;
    this.markSearched();
  }

  /** Reads the provenance of these images; an image without a readable one leaves the history. */
  private async read(images: readonly vscode.Uri[]): Promise<void> {
    const found = await Promise.all(
      images.map(async (image) => {
        try {
          const [provenance, stat] = await Promise.all([this.provenance.get(image), vscode.workspace.fs.stat(image)]);
          return { image, record: provenance && { image, provenance, size: stat.size, mtime: stat.mtime } };
        } catch {
          return { image, record: undefined }; // The image was moved or deleted: not part of the history.
        }
      }),
    );
    let changed = false;
    for (const { image, record } of found) {
      const uri = image.toString();
      if (record) {
        const known = this.records.get(uri);
        // The same file is often read twice (the task's save and the watcher): no change, no update.
        if (known && known.size === record.size && known.mtime === record.mtime && JSON.stringify(known.provenance) === JSON.stringify(record.provenance)) continue;
        this.records.set(uri, record);
        changed = true;
      } else if (this.records.delete(uri)) {
        changed = true;
      }
    }
    if (changed && this.searched) this.changed.fire();
  }
}

/**
 * An image of the history as the Studio shows it, with its cached thumbnail when there is one;
 * without a webview, the item carries no addresses.
 */
export function historyItemOf(record: HistoryRecord, webview: vscode.Webview | undefined, thumbnails?: ThumbnailCache): StudioHistoryItem {
  const { image, provenance } = record;
  const key = keyOf(record);
  const cached = thumbnails?.get(key);
  const text = (name: string): string | undefined => {
    const value = provenance.parameters[name];
    return typeof value === 'string' ? value : undefined;
  };
  const n = provenance.parameters.n;
  return {
    uri: image.toString(),
    src: webview ? webview.asWebviewUri(image).toString() : '',
    name: fileName(image),
    prompt: provenance.prompt,
    model: provenance.model,
    size: text('size'),
    n: typeof n === 'number' ? n : undefined,
    quality: text('quality'),
    promptPriority: text('prompt_priority'),
    createdAt: provenance.createdAt,
    key,
    thumb: webview && cached ? webview.asWebviewUri(cached).toString() : undefined,
  };
}

/**
 * The history as the Studio shows it, newest first, without the images it deleted; every image
 * listed counts as shown (the webview may then name it).
 */
export function studioHistoryItems(
  history: ImageHistory,
  thumbnails: ThumbnailCache,
  webview: vscode.Webview,
  images: { show(uri: string): void; isDeleted(uri: string): boolean },
): StudioHistoryItem[] {
  const records = history.list().filter(({ image }) => !images.isDeleted(image.toString()));
  return records.slice(0, studioLimit).map((record) => {
    images.show(record.image.toString());
    return historyItemOf(record, webview, thumbnails);
  });
}
