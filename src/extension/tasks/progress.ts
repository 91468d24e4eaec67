import * as vscode from 'vscode';
import type { LedgerEntry } from '../../common/ledgerEntry';
import { isActive } from '../../common/taskState';
import type { Notifier } from '../ui/notifier';
import type { Followers, FollowOptions } from './followers';
import { progressLine } from './outcome';
import type { TaskService } from './taskService';

/**
 * Waits until `done` says so of a task, or it leaves the ledger (`undefined`), or `token` is
 * cancelled (`undefined`; the task goes on). By default: until the task is no longer active.
 */
export function waitFor(
  tasks: TaskService,
  localId: string,
  token: vscode.CancellationToken | undefined,
  done: (entry: LedgerEntry) => boolean = (entry) => !isActive(entry.state),
): Promise<LedgerEntry | undefined> {
  return new Promise((resolve) => {
    let finished = false;
    const finish = (value: LedgerEntry | undefined): void => {
      if (finished) return;
      finished = true;
      for (const disposable of disposables) disposable.dispose();
      resolve(value);
    };
    const disposables: vscode.Disposable[] = [
      tasks.onDidChange((entry) => (entry.localId === localId && done(entry) ? finish(entry) : undefined)),
      tasks.onDidRemove((removed) => (removed === localId ? finish(undefined) : undefined)),
    ];
    if (token) disposables.push(token.onCancellationRequested(() => finish(undefined)));
    // The task may have ended before the listeners were attached.
    void tasks.get(localId).then((entry) => (!entry ? finish(undefined) : done(entry) ? finish(entry) : undefined));
  });
}

/**
 * Shows a task's progress in a notification until it is no longer active. Closing the
 * notification only stops showing it: the task goes on, and its end is announced.
 */
export async function showProgress(deps: { tasks: TaskService; followers: Followers; notifier: Notifier }, entry: LedgerEntry, title: string, follow: Omit<FollowOptions, 'by'>): Promise<LedgerEntry | undefined> {
  const following = deps.followers.follow(entry.localId, { by: 'progress', ...follow });
  try {
    return await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title, cancellable: true }, async (progress, token) => {
      let reported = 0;
      const report = (current: LedgerEntry): void => {
        const increment = current.state === 'running' ? Math.max(0, current.progress - reported) : 0;
        reported = Math.max(reported, current.state === 'running' ? current.progress : reported);
        progress.report({ increment, message: progressLine(current, Date.now()) });
      };
      report(entry);
      const listener = deps.tasks.onDidChange((current) => (current.localId === entry.localId && isActive(current.state) ? report(current) : undefined));
      try {
        const final = await waitFor(deps.tasks, entry.localId, token);
        if (!final && token.isCancellationRequested) {
          // The notification goes away; the task does not.
          following.dispose();
          deps.notifier.show('info', vscode.l10n.t('The task goes on in the background; you are told when its images are saved. "EvoLink: Show Tasks" lists it.'));
        }
        return final;
      } finally {
        listener.dispose();
      }
    });
  } finally {
    following.dispose();
  }
}
