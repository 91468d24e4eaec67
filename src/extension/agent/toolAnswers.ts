import * as vscode from 'vscode';
import type { LedgerEntry } from '../../common/ledgerEntry';
import { isOutcomeUnknown, readRefusal, refusedDowngrade, savedFiles } from '../../common/taskState';
import type { RepeatVerdict } from './recentRequests';

/*
 * What the agent tool answers the agent, in English: the agent reads it, not the user. Every
 * answer about a task that may still be charged says not to submit it again.
 */

/** "1 image", "3 images". */
const images = (count: number): string => `${count} ${count === 1 ? 'image' : 'images'}`;

/** A workspace-relative path, with the folder's name when several are open. */
export const relative = (uri: vscode.Uri): string => vscode.workspace.asRelativePath(uri, (vscode.workspace.workspaceFolders?.length ?? 0) > 1);

/** What the agent is told about a task that is no longer followed to its end. */
export function answer(entry: LedgerEntry | undefined): string {
  if (!entry) return 'Stopped waiting. The task keeps running at EvoLink; its images are saved into the workspace when it completes (see "EvoLink: Show Tasks").';
  if (isOutcomeUnknown(entry.state)) {
    return 'The request may have been submitted: EvoLink did not confirm it. The extension asks again with the same idempotency key, which EvoLink answers with the task it already has, and saves the images if EvoLink has it. Do not submit it again; the user can see it in "EvoLink: Show Tasks".';
  }
  const refusal = readRefusal(entry);
  if (refusal) {
    const keyLimit = refusal === 'credits' && entry.error?.creditsScope === 'key';
    const wants = keyLimit ? "the API key has reached its own credit limit" : { auth: 'EvoLink does not accept the API key', noKey: 'no API key is set', keyElsewhere: 'the API key was not set for the address the settings name', credits: 'the balance is too low' }[refusal];
    const mend = keyLimit ? "raise the key's limit or set another key" : refusal === 'credits' ? 'top up' : 'set the API key';
    return `The task runs at EvoLink, but it cannot be read now: ${wants}. The user was told what to do (${mend}); the extension reads it again then and saves its images into the workspace (EvoLink keeps them 24 hours). Do not submit it again: that would be charged a second time.`;
  }
  const saved = savedFiles(entry).map((uri) => relative(vscode.Uri.parse(uri)));
  // Where some of a task's images were saved before the rest failed or expired: which, for the agent to use.
  const total = entry.resultUrls?.length ?? saved.length;
  const some = saved.length > 0 ? ` ${saved.length} of its ${images(total)} ${saved.length === 1 ? 'was' : 'were'} saved: ${saved.join(', ')}.` : '';
  switch (entry.state) {
    case 'saved': {
      const used = entry.creditsUsed !== undefined ? ` ${entry.creditsUsed} credits used.` : '';
      return `Saved ${images(saved.length)}: ${saved.join(', ')}.${used} Their prompt and settings are recorded in the workspace's EvoLink history (.evolink/history.jsonl in the workspace folder, unless the setting evolink.provenance keeps them elsewhere).`;
    }
    case 'saveFailed':
      if (refusedDowngrade(entry)) {
        return `The images were generated, but their download link redirects from https to plain http, which the extension refuses unless the user agrees: the user can choose "Download Over HTTP…" for the task in "EvoLink: Show Tasks".${some} Do not submit it again.`;
      }
      return `The images were generated but not all saved yet (${entry.error?.code ?? entry.error?.reason ?? 'error'}); the user can save them from "EvoLink: Show Tasks".${some} Do not submit it again.`;
    case 'cancelled':
      return `EvoLink cancelled the task (${entry.error?.code ?? 'request_cancelled'}). Submit it again only if the user still wants it.`;
    case 'stopped':
      // Not followed closely any more, yet it may still finish at EvoLink, and is paid then.
      if (entry.attention === 'userStopped') {
        return 'The user stopped watching the task. It still runs at EvoLink and is charged when it completes; its images can be saved from "EvoLink: Show Tasks" within 24 hours. Do not submit it again: that would be charged a second time.';
      }
      if (entry.error?.code === 'no_results') {
        return 'EvoLink says the task completed, but gave no image link yet. The extension looks again every few minutes while links could still come (24 hours) and saves the images into the workspace then; the user can check it in "EvoLink: Show Tasks". Do not submit it again: that would be charged a second time.';
      }
      if (entry.attention === 'notFound') {
        return 'EvoLink answered twice that it does not know the task. The user can check it again later from "EvoLink: Show Tasks". Do not submit it again before they have: it may still have been made, and a second request would be charged too.';
      }
      return 'The task is still running at EvoLink (it takes longer than expected, or could not be read for a while). The extension looks at it again every few minutes and saves its images into the workspace when it completes; the user can check it in "EvoLink: Show Tasks". Do not submit it again: that would be charged a second time.';
    case 'expired':
      return `The result links expired before all the images were saved (EvoLink keeps them 24 hours); nothing more can be saved from this task.${some}`;
    default:
      return `The task ended as ${entry.state}: ${entry.error ? [entry.error.code, entry.error.message].filter(Boolean).join(': ') : 'no detail'}.`;
  }
}

/** Why an identical request was not sent again, with where its images are or that it still runs. */
export function repeatAnswer(verdict: Exclude<RepeatVerdict, undefined>, entry: LedgerEntry | undefined): string {
  const notAgain = 'It was not sent again: an identical request (same model, prompt, parameters, source images and folder) is refused while the first one runs and for 2 minutes after it was sent or succeeded.';
  if (verdict === 'sending') return `An identical request was made moments ago and is being sent now. ${notAgain} Wait for the answer to the first one.`;
  if (verdict === 'running') {
    return `An identical request was already made and is still running at EvoLink; its images are saved into the workspace when it completes (the user can follow it in "EvoLink: Show Tasks"). ${notAgain}`;
  }
  if (entry?.state === 'saved') {
    const saved = savedFiles(entry).map((uri) => relative(vscode.Uri.parse(uri)));
    return `An identical request was already made and its images were saved: ${saved.join(', ')}. ${notAgain} Use those images, or change the request if the user wants different ones.`;
  }
  if (entry) return `An identical request was already made. ${notAgain} What became of it: ${answer(entry)}`;
  return `An identical request was already made. ${notAgain} The user can see it in "EvoLink: Show Tasks".`;
}
