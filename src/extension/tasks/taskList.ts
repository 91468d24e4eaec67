import * as vscode from 'vscode';
import type { LedgerEntry } from '../../common/ledgerEntry';
import { altText } from '../../common/reference';
import { actionsFor, isActive, savedFiles } from '../../common/taskState';
import { DisposableBase } from '../base/disposable';
import { todayLabel } from '../budget/budget';
import type { AppContext } from '../context';
import { credits } from '../ui/pickers';
import { stateLabel } from './outcome';
import { actionIcon, actionTitle, runTaskAction } from './taskActions';
import type { TaskService } from './taskService';

/** The status bar item: how many tasks are on their way; a click opens the task list. */
export class TaskStatusBar extends DisposableBase {
  private readonly item = this._register(vscode.window.createStatusBarItem('evolink.tasks', vscode.StatusBarAlignment.Left, 10));
  private readonly states = new Map<string, LedgerEntry['state']>();

  constructor(tasks: TaskService) {
    super();
    this.item.name = vscode.l10n.t('EvoLink Tasks');
    this.item.command = 'evolink.showTasks';
    const note = (entry: LedgerEntry): void => {
      this.states.set(entry.localId, entry.state);
      this.update();
    };
    // Tasks another window works on (a shared ledger) count too, and stop counting when they end there.
    this._register(tasks.onDidChange(note));
    this._register(tasks.onDidChangeElsewhere(note));
    this._register(
      tasks.onDidRemove((localId) => {
        this.states.delete(localId);
        this.update();
      }),
    );
    void tasks.list().then((entries) => {
      for (const entry of entries) if (!this.states.has(entry.localId)) this.states.set(entry.localId, entry.state);
      this.update();
    });
  }

  private update(): void {
    const count = [...this.states.values()].filter(isActive).length;
    if (count === 0) {
      this.item.hide();
      return;
    }
    const text = vscode.l10n.t('EvoLink: {0} running', count);
    this.item.text = `$(sync~spin) ${text}`;
    this.item.tooltip = vscode.l10n.t('EvoLink image tasks in progress. Click to see them.');
    this.item.accessibilityInformation = { label: text, role: 'button' };
    this.item.show();
  }
}

type Choice = { label: string; run: () => unknown };

/** What can be done with one task: its files, then the lifecycle's actions. */
function choicesFor(ctx: AppContext, entry: LedgerEntry): Choice[] {
  const files = savedFiles(entry).map((uri) => vscode.Uri.parse(uri));
  const choices: Choice[] = [];
  for (const file of files) {
    choices.push({ label: vscode.l10n.t('$(file-media) Open {0}', file.path.split('/').pop() ?? ''), run: () => ctx.results.requested(file) });
  }
  if (files[0]) {
    choices.push({ label: vscode.l10n.t('$(insert) Insert Reference'), run: () => vscode.commands.executeCommand('evolink.insertImageReference', files[0]) });
    choices.push({ label: vscode.l10n.t('$(folder-opened) Reveal in Explorer'), run: () => vscode.commands.executeCommand('revealInExplorer', files[0]) });
  }
  for (const action of actionsFor(entry)) {
    choices.push({ label: `$(${actionIcon(action)}) ${actionTitle(action)}`, run: () => runTaskAction(ctx, action, entry.localId) });
  }
  if (entry.taskId) {
    choices.push({ label: vscode.l10n.t('$(copy) Copy Task Id'), run: () => vscode.env.clipboard.writeText(entry.taskId ?? '') });
  }
  return choices;
}

/** The title of Show Tasks: the list's name and today's spend on this machine, with the daily limit. */
export async function taskListTitle(ctx: Pick<AppContext, 'budget' | 'log'>): Promise<string> {
  try {
    return vscode.l10n.t('EvoLink Tasks · {0}', todayLabel(await ctx.budget.summary()));
  } catch (error) {
    ctx.log.warn(`Budget: today's spend could not be told (${error instanceof Error ? error.message : String(error)})`);
    return vscode.l10n.t('EvoLink Tasks');
  }
}

/** `EvoLink: Show Tasks`: the ledger as a list, and what can be done with each task. */
export async function showTasks(ctx: AppContext, focusId?: string): Promise<void> {
  const entries = await ctx.tasks.list();
  // Ledger files that could not be read are told once, here and in the log.
  for (const problem of ctx.tasks.takeProblems()) {
    // Why it could not be read stays in the log: the parser's words may quote the file's text.
    ctx.notifier.show('warning', vscode.l10n.t('A task record could not be read and was set aside as {0}. If it was a paid request, look for it in your EvoLink dashboard.', problem.movedTo));
  }
  if (entries.length === 0) {
    ctx.notifier.show('info', vscode.l10n.t('No EvoLink tasks yet. Run "EvoLink: Generate Image..." to start one.'));
    return;
  }
  let entry = focusId ? entries.find((candidate) => candidate.localId === focusId) : undefined;
  if (!entry) {
    const picked = await vscode.window.showQuickPick(
      entries.map((candidate) => ({
        label: altText(candidate.request.prompt).slice(0, 80),
        description: stateLabel(candidate),
        detail: [
          candidate.body.model,
          new Date(candidate.createdAt).toLocaleString(vscode.env.language),
          candidate.creditsUsed !== undefined ? vscode.l10n.t('{0} credits used', credits(candidate.creditsUsed)) : vscode.l10n.t('{0} credits reserved', credits(candidate.creditsReserved ?? 0)),
          candidate.taskId ?? '',
          candidate.siblingOf ? vscode.l10n.t('made a second time by EvoLink') : '',
        ]
          .filter(Boolean)
          .join(' · '),
        entry: candidate,
      })),
      { title: await taskListTitle(ctx), matchOnDetail: true },
    );
    entry = picked?.entry;
  }
  if (!entry) return;
  const choice = await vscode.window.showQuickPick(choicesFor(ctx, entry), { title: altText(entry.request.prompt), placeHolder: stateLabel(entry).replace(/\$\([^)]+\)\s*/g, '') });
  await choice?.run();
}
