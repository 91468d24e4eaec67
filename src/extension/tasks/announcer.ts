import * as vscode from 'vscode';
import { isEvoLinkError } from '../../common/errors';
import type { LedgerEntry } from '../../common/ledgerEntry';
import { actionsFor, isActive, ReadRefusals, savedFiles } from '../../common/taskState';
import { DisposableBase } from '../base/disposable';
import { describeMessage } from '../commands/errorPresenter';
import type { Settings } from '../config/settings';
import type { Notifier, NoticeAction } from '../ui/notifier';
import type { ResultOpener } from '../ui/openResult';
import type { Followers } from './followers';
import { quotedPrompt } from '../../common/format';
import { outcomeMessage, readRefusalNotice } from './outcome';
import { actionTitle, runTaskAction } from './taskActions';
import type { TaskService } from './taskService';

/**
 * How many results of one task `beside` opens, each in its own editor: a batch of 15 would bury
 * the user's work under tabs; the others are in the output folder, one click away.
 */
export const besideLimit = 4;

/** What the announcer needs from the window. */
export interface AnnouncerDeps {
  tasks: TaskService;
  followers: Followers;
  notifier: Notifier;
  results: ResultOpener;
  /** The settings: `evolink.openResults` says how many of a task's results are opened. */
  settings: { readonly current: Pick<Settings, 'openResults'> };
  /** Opens the before/after view of a saved edit. */
  compare: (entry: LedgerEntry) => unknown;
  /** The key store: a new key is a new chance, and a refusal of it is told again. */
  apiKeys: { readonly onDidChange: vscode.Event<boolean> };
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
  /** Reads refused for the key or the balance: told once for the window, not once per task. */
  private readonly refusals = new ReadRefusals();

  constructor(private readonly deps: AnnouncerDeps) {
    super();
    this._register(deps.tasks.onDidChange((entry) => void this.changed(entry).catch(() => undefined)));
    this._register(
      deps.tasks.onDidRemove((localId) => {
        this.last.delete(localId);
        this.refusals.noted(localId, undefined);
      }),
    );
    this._register(deps.apiKeys.onDidChange(() => this.refusals.keyChanged()));
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
    if (this.refusals.noted(entry.localId, entry)) {
      const notice = readRefusalNotice(entry);
      if (notice) this.deps.notifier.show(notice.kind, notice.text, notice.actions);
    }
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
      // The message is shown even when a file cannot be opened (it was moved at once, say).
      // It is not revealed in the Explorer unasked: that takes the focus, and would close a
      // wizard the user is answering or send their keys to the Explorer.
      await this.open(files, (uri) => this.deps.results.saved(uri));
    }
    this.deps.notifier.show(message.kind, message.text, this.actions(entry, files));
  }

  /** Opens a task's results as `evolink.openResults` says: each of them (up to {@link besideLimit}) with `beside`, else the first. */
  private async open(files: readonly vscode.Uri[], show: (uri: vscode.Uri) => Promise<void>): Promise<void> {
    const shown = this.deps.settings.current.openResults === 'beside' ? files.slice(0, besideLimit) : files.slice(0, 1);
    for (const file of shown) await show(file).then(undefined, () => undefined);
  }

  private actions(entry: LedgerEntry, files: vscode.Uri[]): NoticeAction[] {
    if (entry.state === 'saved') {
      const first = files[0];
      if (!first) return [];
      // Open, whatever the setting (it may be `none`, or the preview was replaced since), and
      // the next step where the user is: a reference in the editor they work in, else the file in the Explorer.
      const open = { title: vscode.l10n.t('Open'), run: () => this.open(files, (uri) => this.deps.results.requested(uri)) };
      return vscode.window.activeTextEditor
        ? [open, { title: vscode.l10n.t('Insert Reference'), run: () => vscode.commands.executeCommand('evolink.insertImageReference', first) }]
        : [open, { title: vscode.l10n.t('Reveal in Explorer'), run: () => vscode.commands.executeCommand('revealInExplorer', first) }];
    }
    const offered = actionsFor(entry).filter((action) => action !== 'forget');
    const actions: NoticeAction[] = offered.slice(0, 2).map((action) => ({ title: actionTitle(action), run: () => runTaskAction(this.deps, action, entry.localId) }));
    if (actions.length < 2) actions.push({ title: vscode.l10n.t('Show Tasks'), run: () => vscode.commands.executeCommand('evolink.showTasks', entry.localId) });
    return actions;
  }
}
