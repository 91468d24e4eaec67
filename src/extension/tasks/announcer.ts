import * as vscode from 'vscode';
import { isEvoLinkError } from '../../common/errors';
import type { LedgerEntry } from '../../common/ledgerEntry';
import { actionsFor, isActive, savedFiles } from '../../common/taskState';
import { DisposableBase } from '../base/disposable';
import { describeMessage } from '../commands/errorPresenter';
import type { Notifier, NoticeAction } from '../ui/notifier';
import type { ResultOpener } from '../ui/openResult';
import type { Followers } from './followers';
import { quotedPrompt } from '../../common/format';
import { outcomeMessage } from './outcome';
import { actionTitle, runTaskAction } from './taskActions';
import type { TaskService } from './taskService';

/** What the announcer needs from the window. */
export interface AnnouncerDeps {
  tasks: TaskService;
  followers: Followers;
  notifier: Notifier;
  results: ResultOpener;
  /** Opens the before/after view of a saved edit. */
  compare: (entry: LedgerEntry) => unknown;
}

/**
 * The one place that tells the user how a task ended, whoever started it: a message with what
 * to do next, the saved images opened when the follower asked for it, the compare view for an
 * edit. A task the Studio follows is shown there instead of in a message.
 */
export class Announcer extends DisposableBase {
  /** The last state (and why it waits) this window saw of each task: only changes are announced. */
  private readonly last = new Map<string, string>();
  private readonly compared = new Set<string>();

  constructor(private readonly deps: AnnouncerDeps) {
    super();
    this._register(deps.tasks.onDidChange((entry) => void this.changed(entry).catch(() => undefined)));
    this._register(deps.tasks.onDidRemove((localId) => this.last.delete(localId)));
    this._register(deps.tasks.onDidFindSibling(({ entry, taskId }) => this.siblingFound(entry, taskId)));
    this._register(deps.tasks.onDidFailToRecord(({ localId, code }) => void this.unrecorded(localId, code).catch(() => undefined)));
  }

  /**
   * A task whose record cannot be written cannot move on (its images cannot be saved, its end
   * cannot be recorded): the user is told why and what to do, since its state will not say it.
   */
  private async unrecorded(localId: string, code: 'diskFull' | 'readOnly'): Promise<void> {
    const entry = await this.deps.tasks.get(localId);
    const prompt = quotedPrompt(entry?.request.prompt ?? '');
    this.deps.notifier.show(
      'error',
      code === 'diskFull'
        ? vscode.l10n.t('"{0}" cannot go on: the disk that holds the extension\'s storage is full. Free some space; the extension tries again on its own, and result links stay valid for 24 hours.', prompt)
        : vscode.l10n.t('"{0}" cannot go on: the extension\'s storage on this machine cannot be written (read-only, or no permission). Fix its permissions; the extension tries again on its own, and result links stay valid for 24 hours.', prompt),
    );
  }

  /** EvoLink may have made a request twice: the user decides whether the other task's images are saved too. */
  private siblingFound(entry: LedgerEntry, taskId: string): void {
    const save = vscode.l10n.t('Save Its Images');
    const text = vscode.l10n.t(
      'EvoLink answered "{0}", sent again after its answer was lost, as a new task. Task {1} of the same model was made while the first send was on its way: if EvoLink did not recognise the repeat, that is the same request made, and charged, twice. Save its images too?',
      quotedPrompt(entry.request.prompt),
      taskId,
    );
    const adopt = async (): Promise<void> => {
      await this.deps.tasks.adoptSibling(entry.localId, taskId).catch((error: unknown) => {
        // EvoLink's failures are told in their sentence; any other may name paths of this machine (a ledger that cannot be written).
        const reason = isEvoLinkError(error) ? describeMessage(error) : vscode.l10n.t('the task list could not be written ({0})', error instanceof Error ? error.name : typeof error);
        this.deps.notifier.show('error', vscode.l10n.t('Task {0} could not be taken up: {1}', taskId, reason));
      });
    };
    this.deps.notifier.show('warning', text, [{ title: save, run: adopt }]);
  }

  private async changed(entry: LedgerEntry): Promise<void> {
    const before = this.last.get(entry.localId);
    // A task that waits for the user for another reason (Check for It found nothing) is told again.
    const now = `${entry.state}/${entry.attention ?? ''}`;
    this.last.set(entry.localId, now);
    if (before === now || isActive(entry.state)) return;
    const follower = this.deps.followers.get(entry.localId);
    if (entry.state === 'saved' && entry.editOf && !this.compared.has(entry.localId)) {
      // An edit, however it was started, is compared with its original once it is saved.
      this.compared.add(entry.localId);
      this.deps.compare(entry);
    }
    if (follower?.studio) return;
    const message = outcomeMessage(entry, follower === undefined);
    if (!message) return;
    const files = savedFiles(entry).map((uri) => vscode.Uri.parse(uri));
    if (entry.state === 'saved' && follower?.open && files[0] && !entry.editOf) {
      // The message is shown even when the file cannot be opened (it was moved at once, say).
      // It is not revealed in the Explorer unasked: that takes the focus, and would close a
      // wizard the user is answering or send their keys to the Explorer.
      await this.deps.results.saved(files[0]).then(undefined, () => undefined);
    }
    this.deps.notifier.show(message.kind, message.text, this.actions(entry, files, follower === undefined));
  }

  private actions(entry: LedgerEntry, files: vscode.Uri[], resumed: boolean): NoticeAction[] {
    if (entry.state === 'saved') {
      const first = files[0];
      if (!first) return [];
      if (resumed) {
        return [
          { title: vscode.l10n.t('Open'), run: () => this.deps.results.requested(first) },
          { title: vscode.l10n.t('Reveal in Explorer'), run: () => vscode.commands.executeCommand('revealInExplorer', first) },
        ];
      }
      const reveal = { title: vscode.l10n.t('Reveal in Explorer'), run: () => vscode.commands.executeCommand('revealInExplorer', first) };
      return vscode.window.activeTextEditor ? [{ title: vscode.l10n.t('Insert Reference'), run: () => vscode.commands.executeCommand('evolink.insertImageReference', first) }, reveal] : [reveal];
    }
    const offered = actionsFor(entry).filter((action) => action !== 'forget');
    const actions: NoticeAction[] = offered.slice(0, 2).map((action) => ({ title: actionTitle(action), run: () => runTaskAction(this.deps, action, entry.localId) }));
    if (actions.length < 2) actions.push({ title: vscode.l10n.t('Show Tasks'), run: () => vscode.commands.executeCommand('evolink.showTasks', entry.localId) });
    return actions;
  }
}
