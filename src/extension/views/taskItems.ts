import type { LedgerEntry } from '../../common/ledgerEntry';
import { actionsFor, isActive, needsAttention, savedFiles, type TaskAction } from '../../common/taskState';

/*
 * How the Tasks view arranges the ledger, in plain TypeScript (no `vscode`), so that it is
 * unit-tested in Node: which group a task is in, the order of each group, and the context value
 * that the view's menus read. Which actions a task offers comes from `actionsFor` alone; the
 * menus' `when` clauses only look for the tokens written here.
 */

/** The sections of the view, in the order they are shown. */
export const taskGroups = ['running', 'attention', 'recent'] as const;

/** A section of the view. */
export type TaskGroup = (typeof taskGroups)[number];

/** Finished tasks shown under Recent, newest first; older ones stay in Show Tasks and the Studio. */
export const recentLimit = 30;

/** The section a task belongs in: the extension works on it, it waits for the user, or it is over. */
export function groupOf(entry: Pick<LedgerEntry, 'state'>): TaskGroup {
  if (isActive(entry.state)) return 'running';
  if (needsAttention(entry.state)) return 'attention';
  return 'recent';
}

/** The ids of the tasks of each section, newest first; Recent is cut at `limit`. */
export function arrangeTasks(entries: readonly Pick<LedgerEntry, 'localId' | 'state' | 'createdAt'>[], limit = recentLimit): Record<TaskGroup, string[]> {
  const arranged: Record<TaskGroup, string[]> = { running: [], attention: [], recent: [] };
  const newestFirst = [...entries].sort((a, b) => b.createdAt - a.createdAt);
  for (const entry of newestFirst) arranged[groupOf(entry)].push(entry.localId);
  arranged.recent = arranged.recent.slice(0, limit);
  return arranged;
}

/** How many tasks the extension is working on (the view's badge). */
export function runningCount(entries: Iterable<Pick<LedgerEntry, 'state'>>): number {
  let count = 0;
  for (const entry of entries) if (isActive(entry.state)) count++;
  return count;
}

/** The token of a task action in a context value; `when` clauses match `viewItem =~ /\ba:<action>\b/`. */
export function actionToken(action: TaskAction): string {
  return `a:${action}`;
}

/**
 * The context value of a task's item: `task`, one token per action it offers now, `file` when it
 * has a saved image to open, `taskId` when EvoLink
 * gave it an id. A single saved image is opened from the task's own item.
 */
export function taskContextValue(entry: LedgerEntry): string {
  const tokens = ['task', ...actionsFor(entry).map(actionToken)];
  if (savedFiles(entry).length > 0) tokens.push('file');
  if (entry.taskId) tokens.push('taskId');
  return tokens.join(' ');
}

/** The context value of one saved image under a task with several. */
export const fileContextValue = 'file';
