import * as vscode from 'vscode';
import { altText } from '../../common/reference';
import { DisposableBase } from '../base/disposable';
import type { LedgerEntry } from '../tasks/ledger';
import type { TaskService } from '../tasks/taskService';

function stateLabel(entry: LedgerEntry): string {
  switch (entry.state) {
    case 'submitting':
      return vscode.l10n.t('$(cloud-upload) submitting');
    case 'unknownOutcome':
      return vscode.l10n.t('$(question) checking whether EvoLink took it');
    case 'running':
      return vscode.l10n.t('$(sync~spin) {0}%', entry.progress);
    case 'stopped':
      return vscode.l10n.t('$(debug-pause) not watched (may still finish)');
    case 'completed':
      return vscode.l10n.t('$(cloud-download) saving');
    case 'saved':
      return vscode.l10n.t('$(check) saved');
    case 'saveFailed':
      return vscode.l10n.t('$(warning) not saved: choose another folder');
    case 'failed':
      return vscode.l10n.t('$(error) failed: {0}', entry.error?.code ?? entry.error?.reason ?? '');
    case 'expired':
      return vscode.l10n.t('$(history) links expired');
  }
}

const active = new Set(['submitting', 'unknownOutcome', 'running', 'completed']);

/** The status bar item: how many tasks are on their way; a click opens the task list. */
export class TaskStatusBar extends DisposableBase {
  private readonly item = this._register(vscode.window.createStatusBarItem('evolink.tasks', vscode.StatusBarAlignment.Left, 10));
  private readonly states = new Map<string, string>();

  constructor(tasks: TaskService) {
    super();
    this.item.name = vscode.l10n.t('EvoLink Tasks');
    this.item.command = 'evolink.showTasks';
    this._register(
      tasks.onDidChange((entry) => {
        this.states.set(entry.localId, entry.state);
        this.update();
      }),
    );
    void tasks.list().then((entries) => {
      for (const entry of entries) if (!this.states.has(entry.localId)) this.states.set(entry.localId, entry.state);
      this.update();
    });
  }

  private update(): void {
    const count = [...this.states.values()].filter((state) => active.has(state)).length;
    if (count === 0) {
      this.item.hide();
      return;
    }
    this.item.text = `$(sync~spin) ${vscode.l10n.t('EvoLink: {0} running', count)}`;
    this.item.tooltip = vscode.l10n.t('EvoLink image tasks in progress. Click to see them.');
    this.item.show();
  }
}

/** `EvoLink: Show Tasks`: the ledger as a list, and what can be done with each task. */
export async function showTasks(tasks: TaskService, focusId?: string): Promise<void> {
  const entries = await tasks.list();
  if (entries.length === 0) {
    void vscode.window.showInformationMessage(vscode.l10n.t('No EvoLink tasks yet. Run "EvoLink: Generate Image..." to start one.'));
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
          candidate.creditsUsed !== undefined ? vscode.l10n.t('{0} credits used', candidate.creditsUsed) : vscode.l10n.t('{0} credits reserved', candidate.creditsReserved ?? 0),
          candidate.taskId ?? '',
        ]
          .filter(Boolean)
          .join(' · '),
        entry: candidate,
      })),
      { title: vscode.l10n.t('EvoLink Tasks'), matchOnDetail: true },
    );
    entry = picked?.entry;
  }
  if (!entry) return;
  const files = (entry.saved ?? []).filter((uri): uri is string => Boolean(uri)).map((uri) => vscode.Uri.parse(uri));
  type Action = { label: string; run: () => unknown };
  const actions: Action[] = [];
  for (const file of files) {
    actions.push({ label: vscode.l10n.t('$(file-media) Open {0}', file.path.split('/').pop() ?? ''), run: () => vscode.commands.executeCommand('vscode.open', file) });
  }
  if (files[0]) {
    actions.push({ label: vscode.l10n.t('$(insert) Insert Reference'), run: () => vscode.commands.executeCommand('evolink.insertImageReference', files[0]) });
    actions.push({ label: vscode.l10n.t('$(folder-opened) Reveal in Explorer'), run: () => vscode.commands.executeCommand('revealInExplorer', files[0]) });
  }
  if (entry.state === 'running' || entry.state === 'unknownOutcome') {
    actions.push({ label: vscode.l10n.t('$(debug-pause) Stop Watching'), run: () => tasks.stopWatching(entry.localId) });
  }
  if (entry.state === 'stopped' || entry.state === 'completed' || entry.state === 'unknownOutcome') {
    actions.push({ label: vscode.l10n.t('$(refresh) Check Again'), run: () => tasks.checkAgain(entry.localId) });
  }
  if (entry.state === 'saveFailed' || entry.state === 'completed') {
    actions.push({
      label: vscode.l10n.t('$(folder) Save to Another Folder…'),
      run: async () => {
        const folder = await vscode.window.showOpenDialog({ canSelectFolders: true, canSelectFiles: false, openLabel: vscode.l10n.t('Save Images Here') });
        if (folder?.[0]) await tasks.saveElsewhere(entry.localId, folder[0]);
      },
    });
  }
  if (entry.state === 'failed') {
    actions.push({ label: vscode.l10n.t('$(debug-restart) Retry with the Same Settings'), run: () => vscode.commands.executeCommand('evolink.retryTask', entry.localId) });
  }
  if (entry.taskId) {
    actions.push({ label: vscode.l10n.t('$(copy) Copy Task Id'), run: () => vscode.env.clipboard.writeText(entry.taskId ?? '') });
  }
  if (entry.state !== 'running' && entry.state !== 'submitting') {
    actions.push({ label: vscode.l10n.t('$(trash) Remove from List'), run: () => tasks.forget(entry.localId) });
  }
  const action = await vscode.window.showQuickPick(actions, { title: altText(entry.request.prompt), placeHolder: stateLabel(entry).replace(/\$\([^)]+\)\s*/g, '') });
  await action?.run();
}
