import type { EntryError, LedgerEntry } from './ledgerEntry';
import { TaskStep } from './lifecycleRequests';
import { unchanged } from './lifecycleSteps';
import type { PollObservation } from './polling';
import type { Calibration } from './progressCalibration';
import { isActive, keptFiles, lateLookDue } from './taskState';
import type { TaskSnapshot } from './wire';

/*
 * The life of a paid task, as one pure state machine: `next(entry, event, context)` answers the
 * new entry and the effects to carry out. The task service only carries out effects and feeds
 * their outcomes back as events; every user interface reads the predicates below. No other file
 * assigns a state or keeps a list of states.
 *
 * The money rules it enforces:
 * - A submit is re-sent only with its original Idempotency-Key, and only within the replay
 *   window after its first send. Past the window a task whose outcome is unknown is never sent
 *   again on its own: it waits as `unconfirmed` for the user to look for it or to send it again.
 * - Only the window that holds a task's lease works on it (sends, polls, saves); answers that reach
 *   any other window are ignored, so a slow answer never overwrites a newer state.
 * - Every state is terminal, or active with a deadline, or waits for the user with an action.
 */

/** The waits and deadlines of the lifecycle, in milliseconds. */
export interface LifecycleTimes {
  /** How long after the first send a lost submit may be asked again with its key. */
  replayWindowMs: number;
  /** The wait before asking again about a submit whose answer was lost. */
  lookupDelayMs: number;
  /** The wait before reading a task again after reads failed twice in a row, or were rate limited (after one failure, the schedule's). */
  pollRetryMs: number;
  /** The wait before reading again when the key or the balance was refused (a new key reads at once: `checkAgain`); the deadline does not count meanwhile. */
  authRetryMs: number;
  /** How often the window holding a lease renews it. */
  leaseRenewMs: number;
  /** A lease not renewed for this long (as seen by another window's own clock) may be taken over. */
  leaseStaleMs: number;
  /** How long result links live. */
  resultLifetimeMs: number;
  /** The first wait before saving again after a download failed in passing (then 6 and 24 times as long). */
  saveRetryMs: number;
  /** How often a task past its deadline is looked at again on its own, while its result links would last. */
  lateLookMs: number;
  /** Multiplies the poll schedule and the poll deadline (below 1 only against a sped-up simulator). */
  pollScale: number;
  /** How long a save may wait for the workspace's file system (a network drive that stopped answering) before it fails. */
  fileCallMs: number;
}

/** The times the extension uses. */
export const defaultLifecycleTimes: LifecycleTimes = {
  replayWindowMs: 15 * 60_000,
  lookupDelayMs: 30_000,
  pollRetryMs: 15_000,
  authRetryMs: 5 * 60_000,
  leaseRenewMs: 20_000,
  leaseStaleMs: 60_000,
  resultLifetimeMs: 24 * 3600_000,
  saveRetryMs: 5_000,
  lateLookMs: 5 * 60_000,
  pollScale: 1,
  fileCallMs: 2 * 60_000,
};

/** Every time scaled by `factor`, except the life of result links, which the service decides. */
export function scaledTimes(factor: number, base: LifecycleTimes = defaultLifecycleTimes): LifecycleTimes {
  const scale = (ms: number): number => Math.max(1, Math.round(ms * factor));
  return {
    replayWindowMs: scale(base.replayWindowMs),
    lookupDelayMs: scale(base.lookupDelayMs),
    pollRetryMs: scale(base.pollRetryMs),
    authRetryMs: scale(base.authRetryMs),
    leaseRenewMs: scale(base.leaseRenewMs),
    leaseStaleMs: scale(base.leaseStaleMs),
    resultLifetimeMs: base.resultLifetimeMs,
    saveRetryMs: scale(base.saveRetryMs),
    lateLookMs: scale(base.lateLookMs),
    pollScale: base.pollScale * factor,
    // A disk's pace does not follow the simulator's clock.
    fileCallMs: base.fileCallMs,
  };
}

/** What `next` needs besides the entry and the event. */
export interface LifecycleContext {
  now: number;
  /** The window that handles the event. */
  owner: string;
  times: LifecycleTimes;
  /** What the ends of a model's earlier tasks taught about its progress (none: nothing yet). */
  calibration?: (model: string) => Calibration | undefined;
  /** The model's other tasks this window is reading (`localId`'s excepted), for what they show of its progress (none: not known). */
  running?: (model: string, localId: string) => readonly LedgerEntry[];
}

/** A timer's event: the machine decides what is due when it fires. */
export type WakeEvent = 'pollDue' | 'lookupDue' | 'saveDue' | 'leaseCheck';

/** What the task service carries out. */
export type Effect =
  /** Send the submit (the entry's key and body). */
  | { kind: 'send' }
  /** Read the task now. */
  | { kind: 'poll' }
  /** Download and write every result not saved yet. */
  | { kind: 'save' }
  /** Look for the task among EvoLink's recent tasks (`GET /v1/tasks`). */
  | { kind: 'findInList' }
  /** Dispatch `event` after `delayMs` (one timer per task: a new one replaces the old). */
  /** (`why`: what the schedule rested a read's wait on, for the log; worked out only when asked.) */
  /** (`soonerOnly`: only where that is sooner than the wake already set; else the wake set stands.) */
  | { kind: 'wake'; event: WakeEvent; delayMs: number; why?: () => string; soonerOnly?: boolean }
  /** This window stops working on the task: timers cleared, requests aborted. */
  | { kind: 'stop' }
  /** Delete downloads kept in storage. */
  | { kind: 'discard'; paths: string[] }
  /**
   * Keep what a task's end (`endMs` on the schedule's clock) taught about its model's progress,
   * for the model's next tasks: what the schedule knew of the task (`observation`) is learned
   * into the model's calibration as it stands when the effect is carried out (`learnEnd`), so
   * that tasks of a model that end together all count.
   */
  | { kind: 'learn'; model: string; observation: PollObservation; endMs: number };

/** A task found among EvoLink's recent tasks, or why none could be. */
export type ListAnswer = { found: TaskSnapshot } | { notFound: true } | { ambiguous: true } | { unavailable: true };

/** What happens to a task. */
export type LifecycleEvent =
  /**
   * The answers to a send: `idempotencyKey` is the key it went with (absent: the entry's own). The
   * answer to a send of the key Submit Again replaced may come after it, when it was on its way
   * to be recorded as the user chose.
   */
  | { type: 'submitAnswered'; task: TaskSnapshot; idempotencyKey?: string }
  /**
   * The answer to a send of `idempotencyKey` that this window could not record when it came (the
   * disk of its storage was full or read-only), written again: the task is known, whatever the
   * replay window says since. Any window on the request may record it (see `TaskStep.answerKnown`).
   */
  | { type: 'answerKnown'; idempotencyKey: string; task: TaskSnapshot }
  /** The service refused the submit (4xx): no task was made. `userWaiting` when the user sees the refusal. */
  | { type: 'submitRefused'; error: EntryError; userWaiting: boolean; idempotencyKey?: string }
  | { type: 'answerLost'; error: EntryError; idempotencyKey?: string }
  | { type: 'pollAnswered'; task: TaskSnapshot }
  | { type: 'pollFailed'; error: EntryError }
  | { type: 'resultKept'; index: number; path: string }
  /** A result is about to be renamed to `uri`: recorded first, so that a crash cannot write it twice. */
  | { type: 'resultTarget'; index: number; uri: string }
  | { type: 'resultSaved'; index: number; uri: string }
  | { type: 'linkExpired'; index: number }
  | { type: 'saveFailed'; error: EntryError }
  | { type: 'listAnswered'; answer: ListAnswer }
  | { type: 'pollDue' }
  /** Another task of the model ended here: what it taught may want this one read sooner than planned. */
  | { type: 'replan' }
  | { type: 'lookupDue' }
  /** The wait after a download that failed in passing is over: save again. */
  | { type: 'saveDue' }
  /** The lease holder keeps its lease. */
  | { type: 'renew' }
  /**
   * A window takes up the task (at start, after a reload, or when another window's lease went
   * stale). `revision` is the revision the window judged stale: a lease renewed since is alive.
   */
  | { type: 'resume'; leaseStale: boolean; revision?: number }
  /** The window holding the lease lets go (it closes). */
  | { type: 'release' }
  /** A task that stopped at its deadline (or completed without a result link), or whose saving failed in passing, is due for a quiet look (`lateLookMs`). */
  | { type: 'lateLook' }
  | { type: 'stopWatching' }
  | { type: 'checkAgain' }
  | { type: 'checkForIt' }
  | { type: 'submitAgain'; idempotencyKey: string }
  | { type: 'saveElsewhere'; folder: string }
  /** The user agreed to download the results through a redirect from https to plain http: saved again so. */
  | { type: 'downloadOverHttp' }
  | { type: 'forget' };

/** The answer of {@link next}: the new entry (`undefined`: removed) and what to do. */
export interface Transition {
  entry: LedgerEntry | undefined;
  effects: Effect[];
  /** False when nothing changed: nothing is written. */
  changed: boolean;
}

/** What a new task's entry is made from. */
export interface NewEntry {
  localId: string;
  idempotencyKey: string;
  request: LedgerEntry['request'];
  body: LedgerEntry['body'];
  targetFolder: string;
  estimatedSeconds: number;
  creditsReserved: number;
  sources?: string[];
  maskSource?: string;
  editOf?: string;
}

/** The entry of a new task, recorded before its submit is sent; its effect is the send. */
export function createEntry(input: NewEntry, context: LifecycleContext): Transition {
  const entry: LedgerEntry = {
    version: 2,
    revision: 0,
    state: 'submitting',
    createdAt: context.now,
    updatedAt: context.now,
    sentAt: context.now,
    sends: 1,
    watch: true,
    progress: 0,
    polls: 0,
    lease: { owner: context.owner, at: context.now },
    ...input,
  };
  return { entry, effects: [{ kind: 'send' }], changed: true };
}

/** The events that answer this window's own work: only the lease holder may apply them. */
const workEvents: ReadonlySet<LifecycleEvent['type']> = new Set([
  'submitAnswered',
  'submitRefused',
  'answerLost',
  'pollAnswered',
  'pollFailed',
  'resultKept',
  'resultTarget',
  'resultSaved',
  'linkExpired',
  'saveFailed',
  'listAnswered',
  'pollDue',
  'replan',
  'lookupDue',
  'saveDue',
  'renew',
  'release',
]);


/**
 * The next entry and effects for an event. Pure: the same entry, event and context always give
 * the same answer. The entry passed in is not modified.
 */
export function next(current: LedgerEntry, event: LifecycleEvent, context: LifecycleContext): Transition {
  const mine = current.lease?.owner === context.owner;
  // A send's answer that came once Stop Watching (or the end of the replay window) had made the
  // request unconfirmed, and nobody holds it: it names the task, as an answer known late does.
  if (event.type === 'submitAnswered' && current.state === 'unconfirmed' && event.idempotencyKey !== undefined && (current.lease === undefined || mine)) {
    return next(current, { type: 'answerKnown', idempotencyKey: event.idempotencyKey, task: event.task }, context);
  }
  if (workEvents.has(event.type) && !mine) {
    // Another window holds the task, or nobody does: this window's answer is stale.
    return unchanged(current, [{ kind: 'stop' }]);
  }
  const entry = JSON.parse(JSON.stringify(current)) as LedgerEntry;
  entry.updatedAt = context.now;
  const t = new TaskStep(entry, context);
  switch (event.type) {
    case 'submitAnswered':
      return t.whenIn(['submitting', 'unknownOutcome'], () => t.answered(event.idempotencyKey, event.task));
    case 'answerKnown':
      return t.whenIn(['submitting', 'unknownOutcome', 'unconfirmed'], () => t.answerKnown(event.idempotencyKey, event.task));
    case 'submitRefused':
      return t.whenIn(['submitting', 'unknownOutcome'], () => t.replacedSend(event.idempotencyKey) ?? t.refused(event.error, event.userWaiting));
    case 'answerLost':
      return t.whenIn(['submitting', 'unknownOutcome'], () => t.replacedSend(event.idempotencyKey) ?? t.lost(event.error));
    case 'lookupDue':
      return t.whenIn(['unknownOutcome'], () => t.lookUp());
    case 'pollDue':
      return t.whenIn(['running'], () => t.pollDue());
    case 'replan':
      return t.whenIn(['running'], () => t.replan());
    case 'pollAnswered':
      return t.whenIn(['running'], () => t.observe(event.task));
    case 'pollFailed':
      return t.whenIn(['running'], () => t.pollFailed(event.error));
    case 'resultKept':
      return t.whenIn(['saving'], () => t.slot(event.index, { kept: event.path }));
    case 'resultTarget':
      return t.whenIn(['saving'], () => t.slot(event.index, { target: event.uri }));
    case 'resultSaved':
      return t.whenIn(['saving'], () => t.slot(event.index, { saved: event.uri }));
    case 'linkExpired':
      return t.whenIn(['saving'], () => t.slot(event.index, { expired: true }));
    case 'saveFailed':
      return t.whenIn(['saving'], () => t.saveFailed(event.error));
    case 'saveDue':
      return t.whenIn(['saving'], () => t.done([{ kind: 'save' }]));
    case 'listAnswered':
      return t.whenIn(['unconfirmed'], () => t.listAnswered(event.answer));
    case 'renew':
      return isActive(entry.state) ? t.done([]) : t.settleLease();
    case 'release':
      return t.release();
    case 'resume':
      // Judged on an older revision, and this window took the task up since (Submit Again while a
      // look at the ledger was under way): its work goes on, it is no send cut off by a closed window.
      if (event.revision !== undefined && event.revision !== current.revision && mine) return unchanged(current);
      return t.resume(event.leaseStale && (event.revision === undefined || event.revision === current.revision));
    case 'stopWatching':
      return t.stopWatching();
    case 'checkAgain':
      return t.checkAgain();
    case 'lateLook':
      // Due by the entry as it was: its last read, or its failure, and not this event's moment.
      return lateLookDue(current, context.now, context.times) ? t.lateLook() : unchanged(current);
    case 'checkForIt':
      return t.whenIn(['unconfirmed', 'unknownOutcome'], () => t.checkForIt());
    case 'submitAgain':
      return t.whenIn(['unconfirmed'], () => t.submitAgain(event.idempotencyKey));
    case 'saveElsewhere':
      return t.whenIn(['saveFailed', 'completed'], () => t.saveElsewhere(event.folder));
    case 'downloadOverHttp':
      return t.whenIn(['saveFailed'], () => t.downloadOverHttp());
    case 'forget':
      return isActive(entry.state) ? unchanged(current) : { entry: undefined, effects: [{ kind: 'stop' }, { kind: 'discard', paths: keptFiles(current) }], changed: true };
  }
}

