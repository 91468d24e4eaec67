import * as vscode from 'vscode';
import { EvoLinkError, type ErrorReason } from '../../common/errors';
import type { LedgerEntry } from '../../common/ledgerEntry';
import { quotedPrompt } from '../../common/format';
import { defaultLifecycleTimes } from '../../common/lifecycle';
import { etaSeconds, linksEndAt, readRefusal, savedFiles, savePasses } from '../../common/taskState';
import { adviceFor } from '../../common/taskErrors';
import { describeError, describeMessage, withRequestId, type ErrorAction, type ErrorActionHandlers } from '../commands/errorPresenter';
import { displayPath } from '../ui/paths';
import { credits } from '../ui/pickers';

/*
 * What a task's state means, in the user's language: one sentence per state for the message at
 * its end, a short label for lists, and a line for a running task's progress. Show Tasks, the
 * announcer, the progress notification and the Studio all read these.
 */


/** Why a download failed, in words (never the transport's own English). */
function downloadProblem(error: LedgerEntry['error']): string {
  switch (error?.reason) {
    case 'timeout':
      if (error.code === 'tooSlow') return vscode.l10n.t('it came slower than 1 KB/s for a minute');
      return vscode.l10n.t('no data arrived for a long while');
    case 'network':
      return vscode.l10n.t('the connection broke off');
    case 'invalidResponse':
      if (error.code === 'notImage') return vscode.l10n.t('the link did not return an image');
      if (error.code === 'badContentCoding') return vscode.l10n.t('the server sent it compressed in a way that could not be read');
      break;
  }
  return error?.status !== undefined ? vscode.l10n.t('the server answered HTTP {0}', error.status) : vscode.l10n.t('an unexpected answer ({0})', error?.reason ?? '?');
}

/** When a task's result links stop working, as the user reads a moment. */
export function linksEnd(entry: LedgerEntry): string {
  return new Date(linksEndAt(entry, defaultLifecycleTimes)).toLocaleString(vscode.env.language, { dateStyle: 'medium', timeStyle: 'short' });
}

/** Why saving failed, as a sentence; the path named is relative to the workspace. */
function saveFailure(entry: LedgerEntry): string {
  const error = entry.error;
  const where = error?.path ?? displayPath(vscode.Uri.parse(entry.targetFolder));
  switch (error?.code) {
    case 'diskFull':
      return vscode.l10n.t('The images were generated but could not be saved: the disk is full ({0}). They are kept: free some space and check again, or save them to another folder.', where);
    case 'readOnly':
      return vscode.l10n.t('The images were generated but {0} cannot be written (read-only, or no permission). They are kept: save them to another folder.', where);
    case 'writeFailed':
      return vscode.l10n.t('The images were generated but could not be written to {0}. They are kept: save them to another folder.', where);
    case 'fileTimeout':
      return vscode.l10n.t('The images were generated but {0} did not answer when they were written (a network drive or another file system that stopped responding). They are kept: check again once it answers, or save them to another folder.', where);
    case 'notImage':
      return vscode.l10n.t("EvoLink's link did not return an image, so nothing was saved. Check again in a moment: the link stays valid for 24 hours.");
    case 'linkRefused':
      return vscode.l10n.t("EvoLink's result link refused the download for now (HTTP {0}). Check again in a moment: the link stays valid for 24 hours.", error.status ?? '?');
    case 'redirects':
      return vscode.l10n.t("EvoLink's result link redirected too many times, so nothing was saved. Check again in a moment.");
    case 'refusedLink':
      // A redirect that left https for plain http (`downgrade`, kept in `param`) is told in words of its own.
      if (error.param === 'downgrade') {
        return vscode.l10n.t(
          'The images were generated, but their download was redirected from a secure https address to an insecure http one, and was refused so that nobody on the way can see or alter them. "Download Over HTTP…" downloads them anyway once you agree; or check your proxy settings, then check again. The links last until {0}.',
          linksEnd(entry),
        );
      }
      return vscode.l10n.t("EvoLink's result link leads where the extension does not download from (not http or https, a private network, or this machine). Nothing was saved.");
    case 'storageFull':
      return vscode.l10n.t("The images were generated but the disk that holds the extension's storage is full. Free some space, then check again: the links stay valid for 24 hours.");
    case 'storageFailed':
      return vscode.l10n.t("The images were generated but the extension's storage on this machine cannot be written. Check again: the links stay valid for 24 hours.");
    default:
      // The server of the links, not EvoLink's API: the same remedies, and the links wait.
      if (error?.reason === 'certificate') {
        return vscode.l10n.t(
          'The images were generated but their download was stopped because the certificate of the server that holds them is not trusted ({0}). If your network inspects HTTPS traffic, install its certificate authority as a system certificate and keep the setting "http.systemCertificates" on, then check again: the links stay valid for 24 hours.',
          error.code ?? '?',
        );
      }
      if (error?.reason === 'proxy') {
        if (error.status === 407) {
          return vscode.l10n.t('The images were generated but the proxy asks for credentials to download them (HTTP 407). Check the proxy settings ("http.proxy") or sign in to the proxy, then check again: the links stay valid for 24 hours.');
        }
        return vscode.l10n.t('The images were generated but the proxy refused their download (HTTP {0}). Check the proxy settings ("http.proxy"), then check again: the links stay valid for 24 hours.', error.status ?? '?');
      }
      if (error?.reason === 'tooLarge') return vscode.l10n.t('A result is larger than the extension accepts, so it was not saved.');
      if (error && savePasses(error)) {
        return vscode.l10n.t('The images were generated but could not be downloaded: {0}. The extension tries again every few minutes while the links last (until {1}); Check Again tries now.', downloadProblem(error), linksEnd(entry));
      }
      return vscode.l10n.t('The images were generated but could not be downloaded: {0}. Check again: the links stay valid for 24 hours.', downloadProblem(error));
  }
}

function failure(entry: LedgerEntry): string {
  const error = entry.error;
  if (error?.reason === 'taskFailed') {
    const code = error.code ?? 'unknown_error';
    const advice = adviceFor(code);
    const hint =
      advice.advice === 'changeInput'
        ? vscode.l10n.t('Change the prompt or the image, then try again.')
        : advice.advice === 'no'
          ? vscode.l10n.t('Trying again as is will not help.')
          : advice.advice === 'later'
            ? vscode.l10n.t('Try again in about {0} s.', advice.waitSeconds ?? 60)
            : vscode.l10n.t('Try again.');
    const said = (error.message ?? '').trim();
    const sentence = said === '' || /[.!?。！？]$/.test(said) ? said : `${said}.`;
    return vscode.l10n.t('The image task failed ({0}): {1} {2} Reserved credits are returned for failed tasks.', code, sentence, hint);
  }
  if (error?.code === 'no_results') {
    // Where EvoLink says it charged the task, no refund is promised: the task id is what its support needs.
    if ((entry.creditsUsed ?? 0) > 0) return vscode.l10n.t('The task completed without any image EvoLink could link to, yet EvoLink reports {0} credits used. Contact EvoLink support with the task id {1}.', credits(entry.creditsUsed!), entry.taskId ?? '?');
    if (entry.creditsUsed === 0) return vscode.l10n.t('The task completed without any image (task {0}). Reserved credits are returned.', entry.taskId ?? '?');
    // EvoLink did not say what it charged: nothing is promised.
    return vscode.l10n.t('The task completed without any image EvoLink could link to (task {0}). If credits were taken for it, contact EvoLink support with the task id.', entry.taskId ?? '?');
  }
  // Refused when it was asked again in the background: the same sentence as a refusal at once.
  return describeMessage(asError(error));
}

/** A task's recorded failure as the error it was, for the sentences and actions of a failure at once. */
function asError(error: LedgerEntry['error']): EvoLinkError {
  const details: ConstructorParameters<typeof EvoLinkError>[2] = {};
  if (error?.code !== undefined) details.code = error.code;
  if (error?.status !== undefined) details.status = error.status;
  if (error?.requestId !== undefined) details.requestId = error.requestId;
  if (error?.param !== undefined) details.param = error.param;
  if (error?.suggestion !== undefined) details.suggestion = error.suggestion;
  if (error?.notSent) details.notSent = true;
  if (error?.creditsScope !== undefined) details.creditsScope = error.creditsScope;
  return new EvoLinkError((error?.reason ?? 'server') as ErrorReason, error?.message ?? '', details);
}

/**
 * The one message of a window for its running tasks whose reads EvoLink refuses for the key or
 * the balance (`readRefusal`), with the action that mends it (Set API Key; Top Up), as a failure
 * at once offers it; `undefined` when the task's reads are not refused so. Shown once per reason
 * (`ReadRefusals`), not once per task: the tasks wait, and say so in their progress line.
 */
export function readRefusalNotice(entry: LedgerEntry, handlers?: ErrorActionHandlers): { kind: 'warning'; text: string; actions: ErrorAction[] } | undefined {
  const why = readRefusal(entry);
  if (why === undefined) return undefined;
  const error = asError(entry.error);
  const said = error.message || `HTTP ${error.details.status ?? '?'}`;
  const described = describeError(error, handlers ?? { setApiKey: () => vscode.commands.executeCommand('evolink.setApiKey'), showLog: () => undefined });
  const texts: Record<typeof why, () => string> = {
    auth: () => vscode.l10n.t('EvoLink refuses to read your running image tasks: it does not accept the API key ({0}). Set a valid key: the tasks wait, are read again as soon as it is set, and their images are saved (EvoLink keeps them 24 hours).', said),
    // Nothing was asked of EvoLink: no key, or none for the address the settings name (said as any such failure).
    noKey: () => vscode.l10n.t('No EvoLink API key is set, so your running image tasks cannot be read. Set your key: the tasks wait, are read again as soon as it is set, and their images are saved (EvoLink keeps them 24 hours).'),
    keyElsewhere: () => `${described.message} ${vscode.l10n.t('Your running image tasks wait until then, and their images are saved once they can be read (EvoLink keeps them 24 hours).')}`,
    credits: () =>
      error.details.creditsScope === 'key'
        ? vscode.l10n.t("EvoLink refuses to read your running image tasks: this API key has reached its own credit limit ({0}). Raise the key's limit in the EvoLink dashboard or set another key: the tasks wait, are read again every few minutes, and their images are saved once EvoLink reads them (it keeps them 24 hours).", said)
        : vscode.l10n.t('EvoLink refuses to read your running image tasks: the balance is too low ({0}). Top up: the tasks wait, are read again every few minutes, and their images are saved once EvoLink reads them (it keeps them 24 hours).', said),
  };
  const text = texts[why]();
  const { actions } = described;
  const shown = actions.slice(0, 2);
  if (shown.length < 2) shown.push({ title: vscode.l10n.t('Show Tasks'), run: () => vscode.commands.executeCommand('evolink.showTasks', entry.localId) });
  return { kind: 'warning', text: withRequestId(text, error), actions: shown };
}

/** A sentence about a task's results, and how many of them were saved where some were. */
function withSaved(text: string, entry: LedgerEntry): string {
  const saved = savedFiles(entry).length;
  return saved > 0 ? `${text} ${vscode.l10n.t('{0} of {1} images were saved.', saved, entry.resultUrls?.length ?? 0)}` : text;
}

/** The message at the end of a task, or `undefined` when its end needs none (the user stopped it). */
export function outcomeMessage(entry: LedgerEntry, resumed: boolean): { kind: 'info' | 'warning' | 'error'; text: string } | undefined {
  switch (entry.state) {
    case 'saved': {
      const files = savedFiles(entry);
      if (entry.siblingOf) {
        const [prompt, task, folder] = [quotedPrompt(entry.request.prompt), entry.taskId ?? '?', displayPath(vscode.Uri.parse(entry.targetFolder))];
        return {
          kind: 'info',
          text:
            files.length === 1
              ? vscode.l10n.t('Saved 1 image of the other task EvoLink made for "{0}" (task {1}) to {2}.', prompt, task, folder)
              : vscode.l10n.t('Saved {0} images of the other task EvoLink made for "{1}" (task {2}) to {3}.', files.length, prompt, task, folder),
        };
      }
      if (resumed) {
        const prompt = quotedPrompt(entry.request.prompt);
        return { kind: 'info', text: files.length === 1 ? vscode.l10n.t('Saved 1 image from an earlier request: "{0}".', prompt) : vscode.l10n.t('Saved {0} images from an earlier request: "{1}".', files.length, prompt) };
      }
      const used = entry.creditsUsed !== undefined ? vscode.l10n.t(' {0} credits used.', credits(entry.creditsUsed)) : '';
      // One image is named, with the path it has in the workspace; several, by their folder.
      const said = files.length === 1 ? vscode.l10n.t('Saved 1 image: {0}.', displayPath(vscode.Uri.parse(files[0]!))) : vscode.l10n.t('Saved {0} images to {1}.', files.length, displayPath(vscode.Uri.parse(entry.targetFolder)));
      return { kind: 'info', text: said + used };
    }
    case 'failed':
      return { kind: 'error', text: failure(entry) };
    case 'cancelled':
      return { kind: 'warning', text: vscode.l10n.t('EvoLink cancelled the image task ({0}). Submit it again if you still want it.', entry.error?.code ?? 'request_cancelled') };
    case 'expired':
      return { kind: 'error', text: withSaved(vscode.l10n.t('The result links expired before the images were saved (EvoLink keeps them 24 hours).'), entry) };
    case 'saveFailed':
      // Told once: the quiet tries after it (`lateLook`) say nothing until they save.
      if (entry.lateLooks) return undefined;
      return { kind: 'error', text: withSaved(saveFailure(entry), entry) };
    case 'stopped':
      // Completed without a result link: what happened, and that the links may come still. Told once, as below.
      if (entry.error?.code === 'no_results') {
        if (entry.lateLooks) return undefined;
        return { kind: 'warning', text: `${failure(entry)} ${vscode.l10n.t('Its images may still come: the extension looks again every few minutes while their links could last (until {0}); Check Again in "EvoLink: Show Tasks" looks now.', linksEnd(entry))}` };
      }
      // Told once: the quiet looks after it say nothing until one finds the task.
      if (entry.attention === 'notFound') {
        if (entry.lateLooks) return undefined;
        return { kind: 'warning', text: vscode.l10n.t('EvoLink answered twice that it does not know the task {0}. The extension looks for it again every few minutes while its result links could last (until {1}); if it is still not found then, it has expired. Check Again in "EvoLink: Show Tasks" looks now.', entry.taskId ?? '', linksEnd(entry)) };
      }
      // Past its deadline a read failed for good, or for minutes (a machine woken without its network): what failed, and that the links do not wait for ever.
      // Told once: the quiet looks after it say nothing until one saves.
      if (entry.attention === 'unread') {
        if (entry.lateLooks) return undefined;
        return { kind: 'warning', text: vscode.l10n.t('The task could not be read past its deadline, though it has most likely finished: {0} The extension looks at it again every few minutes while its result links last (until {1}); Check Again in "EvoLink: Show Tasks" tries now.', failure(entry), linksEnd(entry)) };
      }
      // Told once: the quiet looks after it (`lateLook`) say nothing while the task still runs.
      if (entry.attention !== 'deadline' || entry.lateLooks) return undefined;
      return { kind: 'warning', text: vscode.l10n.t('The task is taking longer than expected. The extension looks at it again every few minutes and saves its images when it ends, for 24 hours; Check Again in "EvoLink: Show Tasks" watches it closely again.') };
    case 'unconfirmed':
      switch (entry.attention) {
        case 'userStopped':
          return undefined;
        case 'notFound':
          return { kind: 'warning', text: vscode.l10n.t('EvoLink lists no recent task that matches "{0}". If you submit it again, check your EvoLink dashboard first: it may charge twice.', quotedPrompt(entry.request.prompt)) };
        case 'listAmbiguous':
          return { kind: 'warning', text: vscode.l10n.t('EvoLink lists more than one recent task that could be "{0}". Look in your EvoLink dashboard before you submit it again: it may charge twice.', quotedPrompt(entry.request.prompt)) };
        case 'listUnavailable':
          return { kind: 'warning', text: vscode.l10n.t('EvoLink could not be asked for its recent tasks. Look for "{0}" in your EvoLink dashboard before you submit it again: it may charge twice.', quotedPrompt(entry.request.prompt)) };
        case 'replayRefused':
          // Sent again (a replay, or Submit Again) and refused, or it never left: what happened comes first.
          return { kind: 'warning', text: vscode.l10n.t('Sending "{0}" again did not go through. {1} EvoLink may still have the request from before: check for it before you submit it again, as that may charge twice.', quotedPrompt(entry.request.prompt), failure(entry)) };
        default:
          return { kind: 'warning', text: vscode.l10n.t('EvoLink may have received the request "{0}" but never confirmed it. Check for it before you submit it again: submitting again may charge twice.', quotedPrompt(entry.request.prompt)) };
      }
    default:
      return undefined;
  }
}

/** A short label of a task's state, for lists (codicons included). */
export function stateLabel(entry: LedgerEntry): string {
  switch (entry.state) {
    case 'submitting':
      return vscode.l10n.t('$(cloud-upload) submitting');
    case 'unknownOutcome':
      return vscode.l10n.t('$(question) checking whether EvoLink took it');
    case 'unconfirmed':
      return vscode.l10n.t('$(warning) EvoLink may have received it');
    case 'running':
      return vscode.l10n.t('$(sync~spin) {0}%', entry.progress);
    case 'stopped':
      if (entry.error?.code === 'no_results') return vscode.l10n.t('$(question) completed, no images yet');
      return vscode.l10n.t('$(debug-pause) not watched (may still finish)');
    case 'completed':
    case 'saving':
      return vscode.l10n.t('$(cloud-download) saving');
    case 'saved':
      return vscode.l10n.t('$(check) saved');
    case 'saveFailed':
      // Why is told by the message and the Studio's line; the label stays short.
      return vscode.l10n.t('$(warning) not saved yet');
    case 'failed':
      // The service's own code is worth showing (people quote it to support); the extension's are not.
      return entry.error?.reason === 'taskFailed' && entry.error.code ? vscode.l10n.t('$(error) failed: {0}', entry.error.code) : vscode.l10n.t('$(error) failed');
    case 'cancelled':
      return vscode.l10n.t('$(circle-slash) cancelled at EvoLink');
    case 'expired':
      return vscode.l10n.t('$(history) links expired');
  }
}

/** The line under a running task's progress. */
export function progressLine(entry: LedgerEntry, now: number): string {
  switch (entry.state) {
    case 'submitting':
      return vscode.l10n.t('submitting; reserves {0} credits', credits(entry.creditsReserved ?? 0));
    case 'unknownOutcome':
      return vscode.l10n.t('EvoLink did not answer; asking again with the same request key, which it answers with the task it already has…');
    case 'running':
      // Refused for the key or the balance: it waits for the user, and says for what.
      if (readRefusal(entry) === 'auth') return vscode.l10n.t('{0}% · EvoLink does not accept the API key; waiting for a valid key…', entry.progress);
      if (readRefusal(entry) === 'noKey') return vscode.l10n.t('{0}% · no API key is set; waiting for one…', entry.progress);
      if (readRefusal(entry) === 'keyElsewhere') return vscode.l10n.t('{0}% · the API key is not set for this address; waiting…', entry.progress);
      if (readRefusal(entry) === 'credits' && entry.error?.creditsScope === 'key') return vscode.l10n.t("{0}% · EvoLink refuses to read it: the key's credit limit is reached; waiting…", entry.progress);
      if (readRefusal(entry) === 'credits') return vscode.l10n.t('{0}% · EvoLink refuses to read it: too few credits; waiting for a top-up…', entry.progress);
      // A read failed (the network, EvoLink): no time left is promised until one answers again.
      if (entry.error) return vscode.l10n.t('{0}% · the last read failed; reading again…', entry.progress);
      return vscode.l10n.t('{0}% · about {1} s left', entry.progress, etaSeconds(entry, now) ?? 1);
    default:
      // A download that failed in passing is tried again on its own (see the lifecycle's saveFailed).
      return entry.error ? vscode.l10n.t('saving… the download failed ({0}); trying again shortly', downloadProblem(entry.error)) : vscode.l10n.t('saving…');
  }
}
