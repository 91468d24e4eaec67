import type { EntryError, EntryState, LedgerEntry } from './ledgerEntry';
import type { LifecycleTimes } from './lifecycle';
import { startOf } from './progressTrail';
import { adviceFor } from './taskErrors';
import { refusalOf, type ReadRefusal } from './retry';

/*
 * What every interface asks of a task's state: is it over, is the extension working on it, does
 * it wait for the user, and what can be done with it. These predicates are the only lists of
 * states outside the state machine (`lifecycle.ts`); the progress notification, the status bar,
 * Show Tasks, the Studio and the agent tool all read them.
 */

const terminalStates: ReadonlySet<EntryState> = new Set(['saved', 'failed', 'cancelled', 'expired']);
const activeStates: ReadonlySet<EntryState> = new Set(['submitting', 'unknownOutcome', 'running', 'completed', 'saving']);

/** The task is over: nothing more happens to it. */
export function isTerminal(state: EntryState): boolean {
  return terminalStates.has(state);
}

/** The extension is working on the task: it ends on its own, or reaches its deadline. */
export function isActive(state: EntryState): boolean {
  return activeStates.has(state);
}

/** The task waits for the user: it has an action and no deadline. */
export function needsAttention(state: EntryState): boolean {
  return !isTerminal(state) && !isActive(state);
}

/** Everything a user can do with a task. */
export const taskActions = ['stopWatching', 'checkAgain', 'checkForIt', 'submitAgain', 'saveElsewhere', 'downloadOverHttp', 'retry', 'compare', 'forget'] as const;

/** What a user can do with a task. */
export type TaskAction = (typeof taskActions)[number];

/** The actions a task offers now. `retry` makes a new task with the same settings and inputs. */
export function actionsFor(entry: LedgerEntry): TaskAction[] {
  switch (entry.state) {
    case 'submitting':
      return ['stopWatching'];
    case 'running':
      // Reads refused for the key or the balance wait slowly: once mended, the user may read it now.
      return readRefusal(entry) ? ['stopWatching', 'checkAgain'] : ['stopWatching'];
    case 'unknownOutcome':
      return ['stopWatching', 'checkForIt'];
    case 'unconfirmed':
      return ['checkForIt', 'submitAgain', 'forget'];
    case 'stopped':
      return completedEmpty(entry) ? ['checkAgain', 'retry', 'forget'] : ['checkAgain', 'forget'];
    case 'completed':
    case 'saving':
      return [];
    case 'saveFailed':
      // A link redirected to plain http is refused again and again, until the user agrees to it.
      if (refusedDowngrade(entry)) return ['downloadOverHttp', 'checkAgain', 'forget'];
      // A folder that cannot be written: another folder is the way out. Anything else: try again.
      return ['diskFull', 'readOnly', 'writeFailed', 'fileTimeout'].includes(entry.error?.code ?? '') ? ['saveElsewhere', 'checkAgain', 'forget'] : ['checkAgain', 'saveElsewhere', 'forget'];
    case 'failed':
      // Failed so by an earlier version: its links may still come, so checking again comes first.
      if (completedEmpty(entry)) return ['checkAgain', 'retry', 'forget'];
      return retryHelps(entry) ? ['retry', 'forget'] : ['forget'];
    case 'cancelled':
    case 'expired':
      return retryHelps(entry) ? ['retry', 'forget'] : ['forget'];
    case 'saved':
      // An edit can be compared with its original again, after its first view was closed.
      return entry.editOf ? ['compare', 'forget'] : ['forget'];
  }
}

/** Saving failed because a result link redirected from https to plain http, which the user did not agree to (yet). */
export function refusedDowngrade(entry: Pick<LedgerEntry, 'state' | 'error' | 'plainHttp'>): boolean {
  return entry.state === 'saveFailed' && entry.error?.code === 'refusedLink' && entry.error.param === 'downgrade' && entry.plainHttp !== true;
}

/**
 * Why a running task cannot be read until the user acts (the key, the balance: `refusalOf`);
 * `undefined` when its reads are not refused so. Such a task waits (it is read slowly, and does
 * not stop at its deadline for it); a new key should read it at once (`checkAgain`), and the
 * user is told once per window, not once per task.
 */
export function readRefusal(entry: Pick<LedgerEntry, 'state' | 'error'>): ReadRefusal | undefined {
  return entry.state === 'running' && entry.error ? refusalOf(entry.error) : undefined;
}

/**
 * The reasons for which reads are refused that the user was told of, in one window: each is told
 * once while any task is refused for it, and again only after every such task was read (or left
 * off) since, or the key changed (`forget`). The window feeds it every task it writes.
 */
export class ReadRefusals {
  private readonly refused = new Map<string, ReadRefusal>();
  private readonly told = new Set<ReadRefusal>();

  /** Notes a task as just written (`undefined`: it left the ledger); answers the reason to tell the user of now, if any. */
  noted(localId: string, entry: Pick<LedgerEntry, 'state' | 'error'> | undefined): ReadRefusal | undefined {
    const why = entry ? readRefusal(entry) : undefined;
    if (why === undefined) {
      const was = this.refused.get(localId);
      this.refused.delete(localId);
      if (was !== undefined && ![...this.refused.values()].includes(was)) this.told.delete(was);
      return undefined;
    }
    this.refused.set(localId, why);
    if (this.told.has(why)) return undefined;
    this.told.add(why);
    return why;
  }

  /** The key changed: a refusal of the key (or of its absence) that comes again is told again. */
  keyChanged(): void {
    for (const reason of ['auth', 'noKey', 'keyElsewhere'] as const) this.told.delete(reason);
  }
}

/** A task that completed without a result link (it may still come): it waits, or an earlier version failed it so. */
function completedEmpty(entry: Pick<LedgerEntry, 'state' | 'error'>): boolean {
  return (entry.state === 'stopped' || entry.state === 'failed') && entry.error?.code === 'no_results';
}

/** The saved files of a task (URI strings), in result order. */
export function savedFiles(entry: Pick<LedgerEntry, 'results'>): string[] {
  return (entry.results ?? []).flatMap((slot) => (slot.saved ? [slot.saved] : []));
}

/** Downloads kept in storage for a task. */
export function keptFiles(entry: Pick<LedgerEntry, 'results'>): string[] {
  return (entry.results ?? []).flatMap((slot) => (slot.kept ? [slot.kept] : []));
}


/**
 * Seconds until a running task may end: from its progress once that says enough, else from the
 * service's estimate. Every interface that shows "about N s left" uses this one formula.
 */
export function etaSeconds(entry: Pick<LedgerEntry, 'state' | 'progress' | 'sentAt' | 'madeAt' | 'estimatedSeconds' | 'polledAt'>, now: number): number | undefined {
  if (entry.state !== 'running') return undefined;
  const start = startOf(entry);
  // Progress is what the last read found: the rate is of the time until that read, and the time
  // since it (a reloaded window, a list in another window) counts down what was left then.
  const readAt = Math.max(start, Math.min(now, entry.polledAt ?? now));
  const since = Math.max(0, now - readAt) / 1000;
  const left = entry.progress > 5 ? ((readAt - start) / 1000) * ((100 - entry.progress) / entry.progress) - since : entry.estimatedSeconds - Math.max(0, now - start) / 1000;
  return Math.max(1, Math.round(left));
}

/**
 * The task ended without a charge: it failed, and the credits it reserved came back (EvoLink's
 * documented rule for failed tasks). A task that completed without images failed at the
 * extension, not at EvoLink, and a task EvoLink cancelled has no such rule: each costs what it
 * reserved until EvoLink says what it used, as every other task does.
 */
export function isRefunded(entry: Pick<LedgerEntry, 'state' | 'error'>): boolean {
  return entry.state === 'failed' && entry.error?.code !== 'no_results';
}

/** EvoLink may or may not have the request: it must not be submitted again without the user. */
export function isOutcomeUnknown(state: EntryState): boolean {
  return state === 'unknownOutcome' || state === 'unconfirmed';
}

/**
 * Whether submitting a task that ended without images again can end otherwise: a cancelled or
 * expired task, a failure the service says may pass, a completion without results. A refusal
 * or a failure that needs another prompt or image cannot.
 */
export function retryHelps(entry: Pick<LedgerEntry, 'state' | 'error'>): boolean {
  if (entry.state === 'cancelled' || entry.state === 'expired') return true;
  if (entry.state !== 'failed') return false;
  if (entry.error?.reason === 'taskFailed') return ['now', 'later'].includes(adviceFor(entry.error.code ?? 'unknown_error').advice);
  return entry.error?.code === 'no_results';
}

/** Failures of a save that may pass on their own: the network, the CDN's answers (but a link the extension does not follow). */
const passingSaveReasons: ReadonlySet<string> = new Set(['network', 'timeout', 'server', 'invalidResponse', 'rateLimited']);

/** Whether saving again may succeed without the user doing anything: the failure may pass. */
export function savePasses(error: Pick<EntryError, 'reason' | 'code'>): boolean {
  return passingSaveReasons.has(error.reason) && error.code !== 'refusedLink';
}

/** When the result links of a task stop working (ms since the epoch): a day after EvoLink made it. */
export function linksEndAt(entry: Pick<LedgerEntry, 'sentAt' | 'madeAt'>, times: Pick<LifecycleTimes, 'resultLifetimeMs'>): number {
  return startOf(entry) + times.resultLifetimeMs;
}

/** How many results of a task are paid for and neither saved, downloaded, nor gone with their link. */
export function unsavedResults(entry: Pick<LedgerEntry, 'resultUrls' | 'results'>): number {
  return (entry.resultUrls ?? []).filter((_, index) => {
    const slot = entry.results?.[index];
    return !slot?.saved && !slot?.kept && !slot?.expired;
  }).length;
}

/** How far the clock may step back (a time sync) and still be taken as no time passed. */
export const clockStepMs = 60_000;

/**
 * Whether a task is due for a quiet look on its own, while the result links it made (or may have
 * made by now) last: one that stopped at its deadline (taking longer than expected) once its last
 * read is `lateLookMs` old, and so one that completed without a result link (it may come
 * still); one whose reads past its deadline kept failing (a machine woken
 * before its network), one the service twice said it did not know, and one whose saving failed for a reason that may pass (a network that was
 * down, a CDN that refused for a while), once that failure is as old.
 */
export function lateLookDue(entry: LedgerEntry, now: number, times: Pick<LifecycleTimes, 'lateLookMs' | 'resultLifetimeMs'>): boolean {
  if (entry.taskId === undefined) return false;
  // Completed without a link and waiting for one: once links would be gone, due to end as failed.
  if (now >= linksEndAt(entry, times)) return entry.state === 'stopped' && completedEmpty(entry);
  // A last moment dated well after now (a clock set back) says nothing of how long ago it was: due.
  const dueSince = (at: number): boolean => now - at >= times.lateLookMs || now - at <= -clockStepMs;
  if ((entry.state === 'stopped' && entry.attention === 'deadline') || completedEmpty(entry)) return dueSince(entry.polledAt ?? entry.sentAt);
  // A task the service twice did not know may be known again (a proxy or a replica that answered 404): looked at as one unread.
  const failedInPassing = (entry.state === 'stopped' && (entry.attention === 'unread' || entry.attention === 'notFound')) || (entry.state === 'saveFailed' && entry.error !== undefined && savePasses(entry.error));
  return failedInPassing && dueSince(entry.updatedAt);
}

/** When the request was first sent, under any of its keys: a task it made is not older (`firstSentAt`). */
export function firstSend(entry: LedgerEntry): number {
  return Math.min(entry.sentAt, entry.firstSentAt ?? entry.sentAt, entry.replaced?.sentAt ?? entry.sentAt);
}
