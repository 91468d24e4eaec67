import { mkdir, readdir, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type * as vscode from 'vscode';
import { EvoLinkError, isEvoLinkError, type ErrorReason } from '../../common/errors';
import type { EntryError, LedgerEntry } from '../../common/ledgerEntry';
import type { LifecycleEvent, LifecycleTimes } from '../../common/lifecycle';
import { keptFiles, savePasses } from '../../common/taskState';
import type { TaskSnapshot } from '../../common/wire';
import type { EvoLinkClient } from '../api/client';
import type { TaskLedger } from './ledger';
import type { PollBatcher } from './pollBatcher';
import { downloadResult, wholeImage } from './resultDownload';
import { FileCalls } from './fileCalls';
import { KeptAnswers } from './keptAnswers';
import { TaskSearch } from './taskSearch';
import { landed, type ResultWriter } from './landing';

export type { ResultWriter } from './landing';

/** What the work on tasks needs from the window. */
export interface TaskWorkDeps {
  ledger: TaskLedger;
  client: () => EvoLinkClient;
  apiKey: () => Promise<string | undefined>;
  /** A local folder for downloads on their way into the workspace. */
  downloadsDir: string;
  log: Pick<vscode.LogOutputChannel, 'info' | 'warn' | 'error' | 'trace' | 'logLevel'>;
  times: LifecycleTimes;
  maxDownloadBytes: number;
  /** A download that sends no byte for this long is given up (and tried again). */
  downloadIdleMs: number;
  writer: ResultWriter;
  /** The size of a file of the workspace (a URI string), or `undefined` when there is none. */
  fileSize: (uri: string) => Promise<number | undefined>;
  /** Removes what a window left of a result's temporary file beside its target (a URI string; `writer.ts`). */
  removePartials: (target: string, localId: string, index: number) => Promise<void>;
  /** Removes a cut copy of a kept download (a path) that a window crashed copying to a result's target (a URI string; `writer.ts`); answers whether it did. */
  removeCutCopy: (target: string, kept: string) => Promise<boolean>;
  /** True when the API is on this machine (the simulator): result links on loopback are allowed. */
  apiIsLocal: () => boolean;
  owner: string;
  now: () => number;
  /** Reads running tasks, several in one request where the service answers batches. */
  reads: Pick<PollBatcher, 'read'>;
  /** EvoLink's ids of the tasks other workspaces of this machine made lately (none: only this ledger's are known). */
  madeElsewhere?: () => Promise<readonly string[]>;
  /** Tells of a task EvoLink may have made for an entry's request besides the one it answered (the user decides). */
  siblingFound?: (entry: LedgerEntry, taskId: string) => void;
  /** The first wait before writing again a submit's answer that could not be recorded (1 s; `keptAnswers.ts`). */
  answerRetryMs?: number;
}

/** This window's hold on one task's work: how to stop it. */
export interface WorkHandle {
  controller: AbortController;
}

type Dispatch = (event: LifecycleEvent) => Promise<LedgerEntry | undefined>;

/** Past this many times its estimate a task is read with its own request, not in a batch (its deadline, late looks, Check Again). */
const aloneAfterEstimates = 2;
/** ... and never before it has run this long (an estimate of a few seconds says little). */
const aloneAfterMs = 3 * 60_000;

/** A failure as the ledger keeps it: the reason, the service's code and text, never a path of the machine. */
export function toEntryError(error: unknown): EntryError {
  if (!isEvoLinkError(error)) return { reason: 'unexpected' satisfies ErrorReason, message: error instanceof Error ? error.name : typeof error };
  const entryError: EntryError = { reason: error.reason };
  const { code, status, path, requestId, retryAfterMs, notSent, param, suggestion, creditsScope, location } = error.details;
  if (code !== undefined) entryError.code = code;
  if (param !== undefined) entryError.param = param.slice(0, 100);
  if (suggestion !== undefined) entryError.suggestion = suggestion.slice(0, 500);
  if (retryAfterMs !== undefined) entryError.retryAfterMs = retryAfterMs;
  if (status !== undefined) entryError.status = status;
  if (path !== undefined) entryError.path = path;
  if (requestId !== undefined) entryError.requestId = requestId;
  if (notSent) entryError.notSent = true;
  if (creditsScope !== undefined) entryError.creditsScope = creditsScope;
  if (location !== undefined) entryError.location = location.slice(0, 200);
  // Local failures keep their code and path only: their text names paths of this machine.
  if (error.reason !== 'fileSystem' && error.message) entryError.message = error.message.slice(0, 500);
  return entryError;
}

/** A record of a send that could not be written: the request may have reached EvoLink (submitting again could charge twice). */
function unrecorded(error: unknown): EvoLinkError {
  if (isEvoLinkError(error) && error.details.code === 'sentUnrecorded') return error;
  return new EvoLinkError('fileSystem', 'The record of a request that may have been sent could not be written.', { code: 'sentUnrecorded', outcomeUnknown: true, cause: error });
}

/** Whether a failed submit tells for sure that no task was made with its key. */
function isRefusal(error: unknown, entry: LedgerEntry): boolean {
  if (!isEvoLinkError(error) || error.details.outcomeUnknown) return false;
  const notSent = error.details.notSent === true;
  if (isEvoLinkError(error, 'invalidRequest', 'credits', 'permission', 'notFound')) return true;
  // The first send of a key (a new request, or Submit Again's) that never left (no key, a wrong
  // endpoint, no connection made) or was refused at the door (401, 429 after the retries) was
  // not taken. A replay's such failure says nothing of the sends before it.
  const firstOfKey = entry.state === 'submitting' && entry.sends === 1;
  return firstOfKey && (notSent || isEvoLinkError(error, 'auth', 'rateLimited', 'configuration'));
}

/**
 * The work behind the lifecycle's effects: sending, polling, looking a task up, downloading and
 * saving. Each piece ends by dispatching what it found; none decides a state.
 */
export class TaskWork {
  /** Submit answers the ledger could not take when they came, written again until it does. */
  private readonly answers: KeptAnswers;
  /** Tasks whose undocumented status was logged (once each). */
  private readonly oddStatuses = new Set<string>();
  /** Looks for tasks among EvoLink's recent ones. */
  private readonly search: TaskSearch;
  /** The file calls of saves, each with a time limit, known until they settle. */
  private readonly files: FileCalls;

  constructor(private readonly deps: TaskWorkDeps) {
    this.search = new TaskSearch(deps);
    this.files = new FileCalls(() => deps.times.fileCallMs);
    this.answers = new KeptAnswers({ log: deps.log, firstWaitMs: deps.answerRetryMs ?? 1000, ...(deps.siblingFound ? { siblingFound: deps.siblingFound } : {}) });
  }

  /** Whether the task waits for an answer of its submit to be recorded (nothing is to be sent for it). */
  keepsAnswer(localId: string): boolean {
    return this.answers.holds(localId);
  }

  private async call(signal: AbortSignal): Promise<{ apiKey: string; signal: AbortSignal }> {
    const apiKey = await this.deps.apiKey();
    if (!apiKey) throw new EvoLinkError('auth', 'No API key is set.', { code: 'noKey', notSent: true });
    return { apiKey, signal };
  }

  /**
   * Sends the submit with the entry's key. Answers the refusal, when the service refused it.
   * Throws only when what came of it cannot be recorded (a full disk): the request may be at
   * EvoLink then. A lost answer leaves the entry sending, to be sent again with its key once it
   * can be written; an answer that came is kept in memory and written again until it can be
   * (`keptAnswers.ts`), and the request is never sent again meanwhile.
   */
  async send(work: WorkHandle, entry: LedgerEntry, record: Dispatch, userWaiting = false): Promise<EvoLinkError | undefined> {
    const signal = work.controller.signal;
    const dispatch: Dispatch = (event) => record(event).catch((error: unknown) => Promise.reject(unrecorded(error)));
    if (this.answers.writeNow(entry.localId, entry.idempotencyKey)) return undefined;
    let answered = false;
    try {
      // The key may be sent again only within the replay window (on this machine's clock).
      const replayUntil = Date.now() + (entry.sentAt + this.deps.times.replayWindowMs - this.deps.now());
      const call = await this.call(signal);
      const { task, replayed, lostSince } = await this.deps.client().submit(entry.body, entry.idempotencyKey, call, replayUntil);
      // When a send of this key whose answer was lost went out first (this entry's first send, or an attempt of this call).
      const lostFrom = entry.sends > 1 ? entry.sentAt : lostSince;
      if (lostFrom !== undefined || replayed) this.deps.log.info(`${entry.localId}: ${replayed ? 'EvoLink had the request already' : 'EvoLink took the request now'} (${task.id})`);
      else this.deps.log.info(`${entry.localId}: accepted as ${task.id}`);
      answered = true;
      await record({ type: 'submitAnswered', task, idempotencyKey: entry.idempotencyKey }).catch((error: unknown) => {
        this.answers.keep(entry.localId, entry.idempotencyKey, task, record);
        throw unrecorded(error);
      });
      // Sent before and answered without the replay mark: an earlier send may have made a task too.
      if (lostFrom !== undefined && !replayed) void this.search.findSibling(entry, task, lostFrom, call);
      return undefined;
    } catch (error) {
      // An answer that could not be recorded is kept: nothing was lost.
      if (answered) throw error;
      if (signal.aborted) return undefined;
      this.deps.log.warn(`${entry.localId}: submit failed (${isEvoLinkError(error) ? error.reason : String(error)})`);
      if (isRefusal(error, entry)) {
        await dispatch({ type: 'submitRefused', error: toEntryError(error), userWaiting, idempotencyKey: entry.idempotencyKey });
        return error as EvoLinkError;
      }
      await dispatch({ type: 'answerLost', error: toEntryError(error), idempotencyKey: entry.idempotencyKey });
      return undefined;
    }
  }

  /** Reads a running task. */
  async poll(work: WorkHandle, entry: LedgerEntry, dispatch: Dispatch): Promise<void> {
    const signal = work.controller.signal;
    let task: TaskSnapshot;
    try {
      // A task long past its estimate is read on its own: a batch answer that lags behind the
      // task's own (a cache) must not keep a finished task unseen until its links expire.
      const alone = this.deps.now() - (entry.madeAt ?? entry.sentAt) > Math.max(aloneAfterEstimates * entry.estimatedSeconds * 1000, aloneAfterMs);
      task = await this.deps.reads.read(entry.taskId ?? '', await this.call(signal), alone);
    } catch (error) {
      if (signal.aborted) return;
      this.deps.log.warn(`Reading ${entry.taskId} failed (${isEvoLinkError(error) ? error.reason : String(error)}); trying again later`);
      await dispatch({ type: 'pollFailed', error: toEntryError(error) });
      return;
    }
    // A batch answers every task it read, also one that stopped meanwhile.
    if (signal.aborted) return;
    // A status the API does not document is read on until the deadline; the log says which, once per task.
    if (task.state === 'unknown' && !this.oddStatuses.has(entry.localId)) {
      this.oddStatuses.add(entry.localId);
      this.deps.log.warn(`${entry.taskId}: EvoLink answered the status "${task.rawStatus.slice(0, 40)}", which its API does not document; reading on until the task's deadline`);
    }
    // Result items that are no link the extension downloads (a `data:` URL) are not saved; the log says how many.
    if (task.state === 'completed' && task.unusableLinks) this.deps.log.warn(`${entry.taskId}: ${task.unusableLinks} of its results gave no http(s) link and cannot be downloaded`);
    await dispatch({ type: 'pollAnswered', task });
  }

  /** Looks for a task whose submit was never answered among the account's recent tasks (`taskSearch.ts`). */
  async findInList(work: WorkHandle, entry: LedgerEntry, dispatch: Dispatch): Promise<void> {
    const signal = work.controller.signal;
    await this.search.findInList(entry, dispatch, () => this.call(signal), signal);
  }

  /**
   * Downloads and writes every result that is not saved yet, one by one, each recorded as it
   * goes: a download is kept (and recorded) before it is written, so a failed write never costs
   * a second download. A result that fails does not hold the others back (each has its own
   * link, which may work, and a life of its own): all are tried, then the task's saving fails
   * with the failure that decides what comes next (one that may pass, so that the results still
   * missing are tried again on their own). Stops as soon as this window no longer holds the task.
   */
  async save(work: WorkHandle, entry: LedgerEntry, dispatch: Dispatch): Promise<void> {
    const signal = work.controller.signal;
    let current: LedgerEntry | undefined = entry;
    const failures: unknown[] = [];
    let stale = false;
    try {
      await mkdir(this.deps.downloadsDir, { recursive: true }).catch((error: unknown) => {
        throw new EvoLinkError('fileSystem', 'The extension storage cannot be written.', { code: fileErrorCode(error) === 'diskFull' ? 'storageFull' : 'storageFailed', cause: error });
      });
      for (const [index, url] of (entry.resultUrls ?? []).entries()) {
        // After a failure: what its try recorded (a kept download), and whether this window still holds the task.
        if (stale) current = await dispatch({ type: 'renew' });
        stale = false;
        if (!this.holds(current) || signal.aborted) return;
        try {
          current = await this.saveOne(current, index, url, signal, dispatch);
        } catch (error) {
          if (signal.aborted || isEvoLinkError(error, 'cancelled')) return;
          this.deps.log.error(`Saving result ${index + 1} of ${entry.localId} failed: ${failureText(error)}`);
          failures.push(error);
          stale = true;
        }
      }
    } catch (error) {
      if (signal.aborted || isEvoLinkError(error, 'cancelled')) return;
      this.deps.log.error(`Saving ${entry.localId} failed: ${failureText(error)}`);
      failures.push(error);
    }
    if (failures.length === 0 || (!stale && !this.holds(current))) return;
    const errors = failures.map((failure) => toEntryError(failure));
    await dispatch({ type: 'saveFailed', error: errors.find((error) => savePasses(error)) ?? errors[0]! });
  }

  /** Whether this window still saves the task. */
  private holds(entry: LedgerEntry | undefined): entry is LedgerEntry {
    return entry?.state === 'saving' && entry.lease?.owner === this.deps.owner;
  }

  /** Saves one result: from its kept download, or downloaded now. Answers the entry after it. */
  private async saveOne(current: LedgerEntry, index: number, url: string, signal: AbortSignal, dispatch: Dispatch): Promise<LedgerEntry | undefined> {
    const result = `${current.localId}:${index}`;
    if (this.files.busy(result)) {
      // An earlier save's file call outlived its limit and still runs: it goes first (it may land
      // the file, and record where), and this save goes on from the entry as it left it.
      await this.files.settled(result);
      const after = await dispatch({ type: 'renew' });
      if (!this.holds(after)) return after;
      current = after;
    }
    const slot = current.results?.[index] ?? {};
    if (slot.saved || slot.expired) return current;
    const keptSize = slot.kept ? await stat(slot.kept).then((info) => info.size, () => undefined) : undefined;
    let kept = keptSize !== undefined ? slot.kept : undefined;
    // A window closed (or crashed) between the rename and its record: the file is there already.
    if (slot.target && kept && (await this.inTime(result, landed(this.deps, slot.target, kept, keptSize)))) {
      // It may have crashed before it recorded the provenance, or removed its temporary file.
      await this.inTime(result, Promise.resolve(this.deps.writer.recordLanded?.(slot.target, kept, current, index))).catch((error: unknown) => this.deps.log.warn(`${current.localId}: no provenance for result ${index + 1} (${failureText(error)})`));
      await this.inTime(result, this.deps.removePartials(slot.target, current.localId, index)).catch(() => undefined);
      return dispatch({ type: 'resultSaved', index, uri: slot.target });
    }
    // A window crashed while it copied the result to its name (no hard links there): the cut copy is this task's own.
    if (slot.target && kept && (await this.inTime(result, this.deps.removeCutCopy(slot.target, kept)))) {
      this.deps.log.warn(`${current.localId}: removed the cut copy of result ${index + 1} that a closed window left`);
    }
    // A kept download that no longer reads as a whole image (a power loss before it reached the disk) is downloaded again.
    if (kept && !(await wholeImage(kept))) {
      this.deps.log.warn(`${current.localId}: the kept download of result ${index + 1} is damaged; downloading it again`);
      await rm(kept, { force: true });
      kept = undefined;
    }
    if (!kept) {
      // The link's age by the service's moment of making the task (this window may have seen it
      // end much later). Never judged by the clock alone (it may have jumped): the link is tried.
      const age = this.deps.now() - (current.madeAt ?? current.sentAt);
      try {
        kept = await downloadResult(this.deps, url, current, index, signal);
      } catch (error) {
        // Past the link's life, any failure of the link (a page, no such name) is its end.
        if (age > this.deps.times.resultLifetimeMs && isEvoLinkError(error, 'expired', 'network', 'timeout', 'server', 'invalidResponse') && error.details.code !== 'refusedLink') {
          this.deps.log.warn(`${current.localId}: result ${index + 1} failed past its link's life (${error.reason})`);
          return dispatch({ type: 'linkExpired', index });
        }
        if (!isEvoLinkError(error, 'expired')) throw error;
        // A CDN may refuse a fresh link for a while (not yet spread, a passing block): only near
        // the end of its life is a refusal taken for the link's end.
        if (age < this.deps.times.resultLifetimeMs - 3600_000) throw new EvoLinkError('invalidResponse', 'The result link was refused.', { code: 'linkRefused', ...(error.details.status ? { status: error.details.status } : {}) });
        this.deps.log.warn(`${current.localId}: result ${index + 1} is gone at the CDN (${error.details.status ?? ''})`);
        return dispatch({ type: 'linkExpired', index });
      }
      const after = await dispatch({ type: 'resultKept', index, path: kept });
      if (!this.holds(after)) return after;
      current = after;
    }
    const keptPath = kept;
    // The target is recorded (and the lease renewed) just before the file lands.
    const saved = await this.inTime(result, this.deps.writer(keptPath, current, index, this.deps.owner, async (target) => this.holds(await dispatch({ type: 'resultTarget', index, uri: target.toString() })) && !signal.aborted));
    if (!saved) return dispatch({ type: 'renew' });
    this.deps.log.info(`${current.localId}: saved ${saved.toString(true)}`);
    return dispatch({ type: 'resultSaved', index, uri: saved.toString() });
  }

  /**
   * The workspace's answer to a save's file call for `result`, or a failure once it has not come
   * in `fileCallMs` (a network drive that stopped answering): the task waits for the user then,
   * its download kept, instead of saving without end. The call goes on: the next save of the
   * result waits for it (`fileCalls.ts`), then looks for the file at its recorded name first.
   */
  private inTime<T>(result: string, work: Promise<T>): Promise<T> {
    return this.files.inTime(result, work);
  }

  /** Stops writing kept answers again: the window closes. */
  dispose(): void {
    this.answers.dispose();
  }

  /** Deletes downloads kept for tasks that no longer need them. */
  async discard(paths: readonly string[]): Promise<void> {
    for (const path of paths) await rm(path, { force: true }).catch(() => undefined);
  }

  /** Removes what a closed window left in the downloads folder: unfinished and unclaimed files. */
  async cleanDownloads(entries: readonly LedgerEntry[]): Promise<void> {
    const needed = new Set(entries.flatMap((entry) => keptFiles(entry)));
    let names: string[];
    try {
      names = await readdir(this.deps.downloadsDir);
    } catch {
      return;
    }
    for (const name of names) {
      const path = join(this.deps.downloadsDir, name);
      if (needed.has(path) || name.includes(this.deps.owner)) continue;
      const age = await stat(path).then((info) => this.deps.now() - info.mtimeMs, () => 0);
      if (age > 3600_000) await rm(path, { force: true });
    }
  }
}

/** A failure as the log says it. */
const failureText = (error: unknown): string => (isEvoLinkError(error) ? `${error.reason} ${error.details.code ?? ''}` : String(error));

/** The errno or VS Code code of a file system failure, for the sentence the user reads. */
export function fileErrorCode(error: unknown): string {
  const code = (error as { code?: unknown } | undefined)?.code;
  const text = `${typeof code === 'string' ? code : ''} ${error instanceof Error ? error.message : ''}`;
  if (/ENOSPC|EDQUOT|no space/i.test(text)) return 'diskFull';
  if (/EROFS|EACCES|EPERM|NoPermissions|read-?only|permission/i.test(text)) return 'readOnly';
  return 'writeFailed';
}
