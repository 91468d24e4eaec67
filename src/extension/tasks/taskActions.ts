import * as vscode from 'vscode';
import type { LedgerEntry } from '../../common/ledgerEntry';
import { defaultLifecycleTimes } from '../../common/lifecycle';
import { keptFiles, linksEndAt, refusedDowngrade, unsavedResults, type TaskAction } from '../../common/taskState';
import type { Notifier } from '../ui/notifier';
import { quotedPrompt } from '../../common/format';
import { linksEnd } from './outcome';
import type { TaskService } from './taskService';

/** The name of a task action on a button or in a list. */
export function actionTitle(action: TaskAction): string {
  switch (action) {
    case 'stopWatching':
      return vscode.l10n.t('Stop Watching');
    case 'checkAgain':
      return vscode.l10n.t('Check Again');
    case 'checkForIt':
      return vscode.l10n.t('Check for It');
    case 'submitAgain':
      return vscode.l10n.t('Submit Again…');
    case 'saveElsewhere':
      return vscode.l10n.t('Save to Another Folder…');
    case 'downloadOverHttp':
      return vscode.l10n.t('Download Over HTTP…');
    case 'retry':
      return vscode.l10n.t('Retry');
    case 'compare':
      return vscode.l10n.t('Compare with Original');
    case 'forget':
      return vscode.l10n.t('Remove from List');
  }
}

/** The codicon of a task action, for lists. */
export function actionIcon(action: TaskAction): string {
  const icons: Record<TaskAction, string> = {
    stopWatching: 'debug-pause',
    checkAgain: 'refresh',
    checkForIt: 'search',
    submitAgain: 'debug-restart',
    saveElsewhere: 'folder',
    downloadOverHttp: 'unlock',
    retry: 'debug-restart',
    compare: 'diff',
    forget: 'trash',
  };
  return icons[action];
}

/**
 * Carries out a task action the user picked, wherever it was offered (a message, Show Tasks, the
 * Studio). Sending an unconfirmed request again asks first, in a modal dialog: it may be charged
 * twice. `confirmed` answers that question in advance (automation and tests).
 */
export async function runTaskAction(deps: { tasks: TaskService; notifier: Notifier }, action: TaskAction, localId: string, confirmed = false): Promise<void> {
  const { tasks } = deps;
  // A step that may charge twice or expose the images is asked in a modal dialog first.
  const agrees = async (button: string, question: string, detail: string): Promise<boolean> => confirmed || (await deps.notifier.ask('warning', question, detail, [button])) === button;
  switch (action) {
    case 'stopWatching':
      await tasks.stopWatching(localId);
      return;
    case 'checkAgain':
      await tasks.checkAgain(localId);
      return;
    case 'checkForIt':
      await tasks.checkForIt(localId);
      return;
    case 'submitAgain': {
      const again = vscode.l10n.t('Submit Again');
      const detail = vscode.l10n.t('EvoLink may already have this request: if it does, submitting again charges twice. Check your EvoLink dashboard first if you are not sure.');
      if (await agrees(again, vscode.l10n.t('Submit this request again?'), detail)) await tasks.submitAgain(localId);
      return;
    }
    case 'saveElsewhere': {
      const folder = await vscode.window.showOpenDialog({ canSelectFolders: true, canSelectFiles: false, openLabel: vscode.l10n.t('Save Images Here') });
      if (folder?.[0]) await tasks.saveElsewhere(localId, folder[0]);
      return;
    }
    case 'downloadOverHttp': {
      // Asked only while it applies: a message or a pick may be older than another window's answer.
      const entry = await tasks.get(localId);
      if (!entry || !refusedDowngrade(entry)) return;
      const download = vscode.l10n.t('Download Over HTTP');
      const detail = vscode.l10n.t("EvoLink's result link sends the download on from a secure https address to an insecure http one, where anyone on the network path can see or change the images. No API key goes with it. The extension checks that a whole image arrives, but cannot tell whether it was changed.");
      // The server it goes to is named where the refusal kept it (a task refused before 0.5.3 did not).
      const to = entry.error?.location;
      const question = to ? vscode.l10n.t('Download these images over plain http from {0}?', to) : vscode.l10n.t('Download these images over plain http?');
      if (await agrees(download, question, detail)) await tasks.dispatch(localId, { type: 'downloadOverHttp' });
      return;
    }
    case 'retry':
      await vscode.commands.executeCommand('evolink.retryTask', localId);
      return;
    case 'compare':
      await vscode.commands.executeCommand('evolink.compareEdit', localId);
      return;
    case 'forget': {
      const entry = await tasks.get(localId);
      const question = entry && !confirmed ? forgetQuestion(entry) : undefined;
      if (question) {
        const remove = vscode.l10n.t('Remove');
        const keep = actionTitle('saveElsewhere');
        const checkAgain = actionTitle('checkAgain');
        const answer = await deps.notifier.ask('warning', question.message, question.detail, question.kept ? [keep, remove] : question.unsaved ? [checkAgain, remove] : [remove]);
        if (answer === keep) return runTaskAction(deps, 'saveElsewhere', localId);
        if (answer === checkAgain) return runTaskAction(deps, 'checkAgain', localId);
        if (answer !== remove) return;
      }
      await tasks.forget(localId);
      return;
    }
  }
}

/**
 * What removing a task from the list would lose, asked first: images paid for that wait in the
 * extension's storage (deleted with the task), images paid for whose links still last but were
 * not saved (nothing saves them any more), or a task EvoLink may still make and charge (nothing
 * looks for it any more). A task that is over, saved or not made, is removed unasked.
 */
function forgetQuestion(entry: LedgerEntry): { message: string; detail: string; kept?: boolean; unsaved?: boolean } | undefined {
  const prompt = quotedPrompt(entry.request.prompt);
  const kept = keptFiles(entry).length;
  if (kept > 0) {
    return {
      message: vscode.l10n.t('Remove "{0}" and delete its images?', prompt),
      detail:
        kept === 1
          ? vscode.l10n.t('1 image of this task was downloaded but is not saved in the workspace yet. Removing the task deletes it, and the link EvoLink gave for it expires. Save it to another folder to keep it.')
          : vscode.l10n.t('{0} images of this task were downloaded but are not saved in the workspace yet. Removing the task deletes them, and the links EvoLink gave for them expire. Save them to another folder to keep them.', kept),
      kept: true,
    };
  }
  // Past its links' day nothing is left to lose.
  const unsaved = (entry.state === 'saveFailed' || entry.state === 'completed') && Date.now() < linksEndAt(entry, defaultLifecycleTimes) ? unsavedResults(entry) : 0;
  if (unsaved > 0) {
    return {
      message: vscode.l10n.t('Remove "{0}" from the list?', prompt),
      detail:
        unsaved === 1
          ? vscode.l10n.t("1 image of this task is paid for but not saved yet. EvoLink's link to it lasts until {0}: once the task is removed, the extension no longer saves it.", linksEnd(entry))
          : vscode.l10n.t("{0} images of this task are paid for but not saved yet. EvoLink's links to them last until {1}: once the task is removed, the extension no longer saves them.", unsaved, linksEnd(entry)),
      unsaved: true,
    };
  }
  if (entry.state === 'stopped' || entry.state === 'unconfirmed') {
    return {
      message: vscode.l10n.t('Remove "{0}" from the list?', prompt),
      detail:
        entry.state === 'stopped' && entry.error?.code === 'no_results'
          ? vscode.l10n.t('EvoLink completed this task without giving an image link so far; one may still come until {0}. Once the task is removed, the extension no longer looks for it, and its images are not saved here.', linksEnd(entry))
          : entry.state === 'stopped'
          ? vscode.l10n.t('EvoLink may still finish this task and charge it. Once it is removed, the extension no longer checks it, and its images are not saved here.')
          : vscode.l10n.t('EvoLink may have received this request and charge it. Once it is removed, the extension no longer looks for it, and its images are not saved here.'),
    };
  }
  return undefined;
}
