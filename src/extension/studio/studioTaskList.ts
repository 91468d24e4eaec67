import * as vscode from 'vscode';
import type { LedgerEntry } from '../../common/ledgerEntry';
import type { HostMessage, StudioTask } from '../../common/protocol';
import { savedFiles } from '../../common/taskState';
import { exists, fileName } from '../base/disk';
import { DisposableBase } from '../base/disposable';
import { withinTime } from '../base/timeLimit';
import type { Followers } from '../tasks/followers';
import type { TaskService } from '../tasks/taskService';
import type { ShownImages } from './shownImages';
import { taskView } from './taskView';

/** The most recent tasks sent to the webview. */
const shownTasks = 50;
/** How long the list waits to learn whether a result is still there. */
const fileLookMs = 5000;

/**
 * The Studio's task list: the window's tasks as {@link taskView} shows them, sent to the webview
 * at most once per tick while progress comes in.
 */
export class StudioTaskList extends DisposableBase {
  private pending: ReturnType<typeof setTimeout> | undefined;
  /** Counts the sends: one that finished after a newer one began is not posted (it would show an older state). */
  private sends = 0;
  /** What the webview loads for each saved result (`undefined`: the file is gone), looked up once until files change. */
  private readonly shown = new Map<string, Promise<vscode.Uri | undefined>>();

  constructor(
    private readonly tasks: TaskService,
    private readonly images: ShownImages,
    private readonly webview: vscode.Webview,
    private readonly post: (message: HostMessage) => void,
    /** Who follows which task: the end of a task the Studio follows is told there, not in a message. */
    private readonly followers: Followers,
    /** The file the webview can load for a result (a copy of one saved outside its folders). */
    private readonly shownAs: (file: vscode.Uri) => Promise<vscode.Uri> = (file) => Promise.resolve(file),
  ) {
    super();
    this._register({ dispose: () => clearTimeout(this.pending) });
  }

  /** Sends the list soon: progress comes in bursts (several tasks at once), one update per tick is enough. */
  schedule(): void {
    if (this.pending) return;
    this.pending = setTimeout(() => {
      this.pending = undefined;
      void this.send();
    }, 100);
  }

  /** Files were deleted, moved or replaced: each result is looked up again by the next send. */
  filesChanged(): void {
    this.shown.clear();
    this.schedule();
  }

  /** Sends the list now. */
  async send(): Promise<void> {
    const send = ++this.sends;
    const entries = (await this.tasks.list()).slice(0, shownTasks);
    const tasks = await Promise.all(entries.map((entry) => this.view(entry)));
    if (send === this.sends) this.post({ type: 'tasks', tasks });
  }

  private async view(entry: LedgerEntry): Promise<StudioTask> {
    // Results deleted, moved or replaced since are not shown as broken tiles.
    const present = await Promise.all(
      savedFiles(entry)
        .filter((uri) => !this.images.isDeleted(uri))
        .map(async (uri) => {
          const file = vscode.Uri.parse(uri);
          let shown = this.shown.get(uri);
          if (!shown) {
            // A folder that does not answer (a network drive gone) holds neither the list nor the cache: looked at again next time.
            shown = withinTime(exists(file), fileLookMs, () => new Error('late')).then(
              (there) => (there ? this.shownAs(file) : undefined),
              () => void this.shown.delete(uri),
            );
            this.shown.set(uri, shown);
          }
          const src = await shown;
          return src ? { uri, file, src: this.webview.asWebviewUri(src).toString() } : undefined;
        }),
    );
    const images = present.flatMap((image) => {
      if (!image) return [];
      this.images.show(image.uri);
      return [{ uri: image.uri, src: image.src, name: fileName(image.file) }];
    });
    return taskView(entry, images, Date.now(), this.followers.get(entry.localId)?.by.has('studio') === true);
  }
}
