import * as vscode from 'vscode';
import { isEvoLinkError } from '../../common/errors';
import type { Notifier } from '../ui/notifier';
import { fileErrorCode } from '../tasks/taskWork';
import { describeError } from './errorPresenter';

/** What running a command needs from the window. */
export interface RunnerDeps {
  log: vscode.LogOutputChannel;
  notifier: Notifier;
}

/**
 * Presents a failure: one localized sentence that says what happened and what to do, with at
 * most two actions. `retry` is offered for failures that may pass on a second try.
 * Cancellation is silent.
 */
export function presentError(deps: RunnerDeps, error: unknown, retry?: () => unknown): void {
  if (isEvoLinkError(error, 'cancelled') || error instanceof vscode.CancellationError) return;
  if (isEvoLinkError(error)) {
    const { message, actions } = describeError(error, { setApiKey: () => vscode.commands.executeCommand('evolink.setApiKey'), showLog: () => deps.log.show() }, retry);
    deps.notifier.show('error', message, actions);
    return;
  }
  // An unexpected failure: its text may name paths of this machine, so it stays in the log. A full
  // disk (a task's record, a kept mask) is said as such: the user can do something about it.
  const openOutput = { title: vscode.l10n.t('Open Output'), run: () => deps.log.show() };
  if (fileErrorCode(error) === 'diskFull') {
    deps.notifier.show('error', vscode.l10n.t("A disk is full (the workspace's, or the one that holds the extension's storage). Free some space, then try again."), [openOutput]);
    return;
  }
  deps.notifier.show('error', vscode.l10n.t('Something went wrong ({0}). The details are in the output.', error instanceof Error ? error.name : typeof error), [openOutput]);
}

/**
 * Runs a command: its failure is logged and presented once; Retry runs the same command with
 * the same arguments. Answers the command's result (for automation and tests), or `undefined`
 * when it failed.
 */
export async function runCommand<T>(deps: RunnerDeps, commandId: string, args: readonly unknown[], body: () => Promise<T> | T): Promise<T | undefined> {
  try {
    return await body();
  } catch (error) {
    deps.log.error(`${commandId} failed: ${error instanceof Error ? `${error.name}: ${error.message}` : String(error)}`);
    presentError(deps, error, () => vscode.commands.executeCommand(commandId, ...args));
    return undefined;
  }
}
