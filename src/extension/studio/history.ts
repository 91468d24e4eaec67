import * as vscode from 'vscode';
import type { EntryState, LedgerEntry } from '../../common/ledgerEntry';
import { parseProvenance, type Provenance } from '../../common/provenance';
import type { StudioHistoryItem } from '../../common/protocol';
import { savedFiles } from '../../common/taskState';
import { DisposableBase } from '../base/disposable';
import { fileName, provenanceOf } from '../tasks/writer';
import type { ShownImages } from './shownImages';

/** The most past images the history holds. */
const historyLimit = 500;
/** The provenance files the history is read from: generations in the output folder, edits beside their originals. */
const provenanceGlob = '**/*.evolink.json';

/** The image a provenance file describes. */
const imageOf = (provenance: vscode.Uri): vscode.Uri => provenance.with({ path: provenance.path.replace(/\.evolink\.json$/, '') });

/**
 * The Studio's history: the provenance files of the workspace folders, newest first. It lives
 * with the project, so it is the same in every window and after a clone. The workspace is
 * searched once; after that the history follows the changes one file at a time: the files of
 * each saved task, the results deleted from the Studio, and provenance files created, changed or
 * deleted by anything else (a compare decision, the user, version control).
 */
export class StudioHistory extends DisposableBase {
  /** By image URI. */
  private readonly records = new Map<string, { image: vscode.Uri; provenance: Provenance }>();
  private scan: Promise<void> | undefined;
  /** Until the workspace has been searched, changes are only gathered: the first list is the whole one. */
  private searched = false;
  /** The last state seen of each task, to tell when one becomes saved. */
  private readonly states = new Map<string, EntryState>();
  private readonly changed = this._register(new vscode.EventEmitter<void>());
  /** Fires when an image comes or goes. */
  readonly onDidChange = this.changed.event;

  constructor(private readonly images: ShownImages) {
    super();
    const watcher = this._register(vscode.workspace.createFileSystemWatcher(provenanceGlob));
    this._register(watcher.onDidCreate((uri) => void this.read([imageOf(uri)])));
    this._register(watcher.onDidChange((uri) => void this.read([imageOf(uri)])));
    this._register(watcher.onDidDelete((uri) => this.remove(imageOf(uri).toString())));
  }

  /** The history once the workspace has been searched (the first call searches it). */
  async ready(): Promise<void> {
    this.scan ??= this.search();
    await this.scan;
  }

  /**
   * Reads the provenance of a task's saved files when the task has just been saved, and of no
   * other file. Later changes of a saved task (it may change again) read nothing.
   */
  async taskChanged(entry: LedgerEntry): Promise<void> {
    const before = this.states.get(entry.localId);
    this.states.set(entry.localId, entry.state);
    if (entry.state !== 'saved' || before === 'saved') return;
    const files = savedFiles(entry);
    for (const uri of files) this.images.written(uri);
    await this.read(files.map((uri) => vscode.Uri.parse(uri)));
  }

  /** Forgets an image (deleted from the Studio, or its provenance file is gone). */
  remove(uri: string): void {
    if (this.records.delete(uri) && this.searched) this.changed.fire();
  }

  /** The history as the webview shows it, newest first; every image listed counts as shown. */
  items(webview: vscode.Webview): StudioHistoryItem[] {
    const sorted = [...this.records.values()].sort((a, b) => b.provenance.createdAt.localeCompare(a.provenance.createdAt)).slice(0, historyLimit);
    return sorted.map(({ image, provenance }) => {
      const uri = image.toString();
      this.images.show(uri);
      const text = (name: string): string | undefined => {
        const value = provenance.parameters[name];
        return typeof value === 'string' ? value : undefined;
      };
      const n = provenance.parameters.n;
      return {
        uri,
        src: webview.asWebviewUri(image).toString(),
        name: fileName(image),
        prompt: provenance.prompt,
        model: provenance.model,
        size: text('size'),
        n: typeof n === 'number' ? n : undefined,
        quality: text('quality'),
        promptPriority: text('prompt_priority'),
        createdAt: provenance.createdAt,
      };
    });
  }

  /** Searches every workspace folder once. */
  private async search(): Promise<void> {
    const images: vscode.Uri[] = [];
    for (const folder of vscode.workspace.workspaceFolders ?? []) {
      const files = await vscode.workspace.findFiles(new vscode.RelativePattern(folder.uri, provenanceGlob), undefined, historyLimit);
      images.push(...files.map(imageOf));
    }
    await this.read(images);
    this.searched = true;
  }

  /** Reads the provenance of these images; an image without a readable one leaves the history. */
  private async read(images: readonly vscode.Uri[]): Promise<void> {
    const found = await Promise.all(
      images.map(async (image) => {
        try {
          const [text] = await Promise.all([vscode.workspace.fs.readFile(provenanceOf(image)), vscode.workspace.fs.stat(image)]);
          return { image, provenance: parseProvenance(new TextDecoder().decode(text)) };
        } catch {
          return { image, provenance: undefined }; // The image was moved or deleted: not part of the history.
        }
      }),
    );
    let changed = false;
    for (const { image, provenance } of found) {
      const uri = image.toString();
      if (provenance && !this.images.isDeleted(uri)) {
        const known = this.records.get(uri);
        // The same file is often read twice (the task's save and the watcher): no change, no update.
        if (known && JSON.stringify(known.provenance) === JSON.stringify(provenance)) continue;
        this.records.set(uri, { image, provenance });
        changed = true;
      } else if (this.records.delete(uri)) {
        changed = true;
      }
    }
    if (changed && this.searched) this.changed.fire();
  }
}
