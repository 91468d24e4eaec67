import type { EntryError, EntryState, LedgerEntry } from './ledgerEntry';
import type { Effect, LifecycleContext, LifecycleTimes, ListAnswer, Transition } from './lifecycle';
import { defaultPollTuning, nextPollDelay, pollDeadlineMs, type PollObservation } from './polling';
import { progressLevels, recordProgress, startOf } from './progressTrail';
import { lateReadTries, passesByWaiting } from './retry';
import { pollReason } from './pollReason';
import { runningOf } from './runningTasks';
import { isActive, keptFiles } from './taskState';
import type { TaskSnapshot } from './wire';

/*
 * The transitions of the task lifecycle, one method per kind of event; `next()` in
 * `lifecycle.ts` picks the method. Each method changes its own copy of the entry.
 */

/** A transition that changes nothing (and writes nothing). */
export const unchanged = (entry: LedgerEntry, effects: Effect[] = []): Transition => ({ entry, effects, changed: false });

/** One transition being built: the copy of the entry and the helpers that change it. */
export class Step {
  constructor(
    private readonly entry: LedgerEntry,
    private readonly context: LifecycleContext,
  ) {}

  private get times(): LifecycleTimes {
    return this.context.times;
  }

  whenIn(states: readonly EntryState[], body: () => Transition): Transition {
    return states.includes(this.entry.state) ? body() : unchanged(this.entry);
  }

  done(effects: Effect[]): Transition {
    if (isActive(this.entry.state)) this.entry.lease = { owner: this.context.owner, at: this.context.now };
    else delete this.entry.lease;
    return { entry: this.entry, effects, changed: true };
  }

  /** Moves to a state that is not active: the lease is let go and this window stops. */
  settle(state: EntryState, fields: { error?: EntryError; attention?: LedgerEntry['attention'] } = {}): Transition {
    this.entry.state = state;
    if (fields.error) this.entry.error = fields.error;
    if (fields.attention) this.entry.attention = fields.attention;
    else delete this.entry.attention;
    const effects: Effect[] = [{ kind: 'stop' }];
    if (state === 'saved') effects.push({ kind: 'discard', paths: keptFiles(this.entry) });
    return this.done(effects);
  }

  settleLease(): Transition {
    return this.done([{ kind: 'stop' }]);
  }

  private withinReplayWindow(): boolean {
    return this.context.now - this.entry.sentAt < this.times.replayWindowMs;
  }

  private pollDeadlinePassed(): boolean {
    const since = Math.max(this.entry.createdAt, this.entry.watchedSince ?? 0);
    return this.entry.polls > 1 && this.context.now - since > pollDeadlineMs(this.entry.estimatedSeconds) * this.times.pollScale;
  }

  /**
   * A moment of this machine's clock on the service's clock, on which the poll schedule reasons
   * (estimates and durations are the service's). They are the same, except where tests and
   * benchmarks run a service whose clock goes faster (`pollScale` below 1).
   */
  private serviceTime(ms: number): number {
    return ms / this.times.pollScale;
  }

  /** What the poll schedule knows of a task, on the service's clock. */
  private observationOf(entry: LedgerEntry): PollObservation {
    const at = (ms: number): number => this.serviceTime(ms);
    return {
      submittedAt: at(startOf(entry)),
      estimatedSeconds: entry.estimatedSeconds,
      polls: entry.polls,
      levels: progressLevels(entry).map((level) => ({ ...level, at: at(level.at), after: at(level.after) })),
      ...(entry.polledAt === undefined ? {} : { polledAt: at(entry.polledAt) }),
      ...(entry.progressShownAt === undefined ? {} : { shownAt: at(entry.progressShownAt) }),
      progress: entry.progress,
    };
  }

  /** What the poll schedule knows of the task, with what the model's earlier tasks taught and its tasks running beside it show. */
  private observation(): PollObservation {
    const { entry } = this;
    const calibration = this.context.calibration?.(entry.body.model);
    const others = this.context.running?.(entry.body.model, entry.localId) ?? [];
    const running = others.length > 0 ? runningOf(others.map((other) => this.observationOf(other)), this.serviceTime(this.context.now)) : undefined;
    return { ...this.observationOf(entry), ...(calibration ? { calibration } : {}), ...(running ? { running } : {}) };
  }

  private nextPoll(): Transition {
    if (this.pollDeadlinePassed()) return this.settle('stopped', { attention: 'deadline' });
    const observation = this.observation();
    const now = this.serviceTime(this.context.now);
    const delay = nextPollDelay(observation, now);
    return this.done([{ kind: 'wake', event: 'pollDue', delayMs: Math.round(delay * this.times.pollScale), why: () => pollReason(observation, now) }]);
  }

  /**
   * What a task that ended between its last read (`before`) and now teaches about its model's
   * progress. Only a task watched to its end counts: after a pause (a window closed, a network
   * down), the moment it ended is too loosely known. Two of the longest waits, and a second for
   * the reads themselves and a busy host, are no pause.
   */
  private learned(before: PollObservation): Effect[] {
    const now = this.serviceTime(this.context.now);
    if (before.polledAt === undefined || now - before.polledAt > 2 * defaultPollTuning.maxDelayMs + this.serviceTime(1000)) return [];
    // Learned into the model's calibration as it stands when the effect is carried out.
    const observation: PollObservation = { ...before };
    delete observation.calibration;
    return [{ kind: 'learn', model: this.entry.body.model, observation, endMs: (before.polledAt + now) / 2 }];
  }

  /** The submit (or a replay, or a task found in the list) was answered with the task. */
  accept(task: TaskSnapshot): Transition {
    this.entry.taskId = task.id;
    // A replay may be what made the task: the service's own moment tells, within the sends and now.
    if (task.createdAt !== undefined) this.entry.madeAt = Math.min(this.context.now, Math.max(this.entry.sentAt, task.createdAt));
    this.entry.estimatedSeconds = task.estimatedSeconds ?? this.entry.estimatedSeconds;
    if (task.creditsReserved !== undefined) this.entry.creditsReserved = task.creditsReserved;
    delete this.entry.error;
    delete this.entry.failedReads;
    delete this.entry.attention;
    if (!this.entry.watch) return this.settle('stopped', { attention: 'userStopped' });
    this.entry.state = 'running';
    // Watched from now: a task answered late (a replay, or one found in the list) has its whole deadline.
    this.entry.watchedSince = this.context.now;
    if (task.state === 'pending' || task.state === 'processing' || task.state === 'unknown') {
      this.noteProgress(task.progress);
      this.entry.polledAt = this.context.now; // a read of the task, not counted in `polls` (the first look stays)
      return this.nextPoll();
    }
    // A replay answers the task as it is now: it may already have ended.
    return this.observe(task);
  }

  refused(error: EntryError, userWaiting: boolean): Transition {
    // A refusal of the first send means no task was made: nothing was paid, and the user who
    // waits for the answer is told by the command.
    if (userWaiting && this.entry.sends === 1 && this.entry.state === 'submitting') {
      return { entry: undefined, effects: [{ kind: 'stop' }], changed: true };
    }
    // A refusal of a replay says nothing sure of the first send (a gateway may check the balance
    // before the key, and the first send may be what used the balance up): EvoLink may have it.
    return this.settle('unconfirmed', { error, attention: 'replayRefused' });
  }

  lost(error: EntryError): Transition {
    this.entry.error = error;
    if (!this.entry.watch) return this.settle('unconfirmed', { attention: 'userStopped' });
    if (!this.withinReplayWindow()) return this.settle('unconfirmed', { attention: 'windowPassed' });
    this.entry.state = 'unknownOutcome';
    const delay = Math.min(this.times.lookupDelayMs * Math.max(1, this.entry.sends), this.entry.sentAt + this.times.replayWindowMs - this.context.now);
    return this.done([{ kind: 'wake', event: 'lookupDue', delayMs: Math.max(0, delay) }]);
  }

  lookUp(): Transition {
    if (!this.withinReplayWindow()) return this.settle('unconfirmed', { attention: 'windowPassed' });
    this.entry.sends += 1;
    return this.done([{ kind: 'send' }]);
  }

  /**
   * A read is due. Also past the deadline (after a sleep of the machine, or a window opened
   * again hours later) the task is read once more first: it may have finished meanwhile, and its
   * images are saved then; only a task still running stops at its deadline (`nextPoll`).
   */
  pollDue(): Transition {
    return this.done([{ kind: 'poll' }]);
  }

  /** Progress an answer gave now, with the levels it went through (absent: it did not say; what was known stands). */
  private noteProgress(progress: number | undefined): void {
    const entry = this.entry;
    if (progress === undefined || progress === entry.progress) return;
    const levels = progressLevels(entry);
    entry.progressTrail = recordProgress(levels, progress, this.context.now, entry.polledAt ?? startOf(entry));
    const first = levels[0] ?? entry.progressTrail[0];
    if (first && entry.progressShownAt === undefined) entry.progressShownAt = (first.after + first.at) / 2;
    entry.progress = progress;
    entry.progressAt = this.context.now;
  }

  /** A task answer: progress, or its end. */
  observe(task: TaskSnapshot): Transition {
    const entry = this.entry;
    const before = this.observation();
    entry.polls += 1;
    this.noteProgress(task.progress);
    entry.polledAt = this.context.now;
    if (task.creditsUsed !== undefined) entry.creditsUsed = task.creditsUsed;
    delete entry.error;
    delete entry.failedReads;
    switch (task.state) {
      case 'completed':
        entry.progress = 100;
        entry.completedAt = this.context.now;
        if (task.resultUrls.length === 0) {
          return this.settle('failed', { error: { reason: 'invalidResponse', code: 'no_results' } });
        }
        entry.resultUrls = task.resultUrls;
        entry.results = task.resultUrls.map(() => ({}));
        entry.state = 'saving';
        return this.done([{ kind: 'save' }, ...this.learned(before)]);
      case 'failed':
        return this.settle('failed', { error: { reason: 'taskFailed', code: task.error?.code ?? 'unknown_error', message: task.error?.message ?? '' } });
      case 'cancelled':
        return this.settle('cancelled', { error: { reason: 'taskFailed', code: task.error?.code ?? 'request_cancelled', message: task.error?.message ?? '' } });
      default:
        entry.state = 'running';
        return this.nextPoll();
    }
  }

  pollFailed(error: EntryError): Transition {
    this.entry.polls += 1;
    // A task the service does not know: gone, or not known yet to the part that answered. Twice in a
    // row, it is no longer read on its own; it may have been paid for, so it can be checked again.
    if (error.reason === 'notFound' && this.entry.error?.reason === 'notFound') {
      return this.settle('stopped', { error, attention: 'notFound' });
    }
    // Past the deadline (a machine woken from sleep) the task has most likely ended: it is read again
    // while the way back fails, up to a point (`failedReads` counts from the deadline); else it stops.
    const late = this.pollDeadlinePassed() ? (this.entry.failedReads = (this.entry.failedReads ?? 0) + 1) : 0;
    if (late > 0 && (!passesByWaiting(error.reason) || late >= lateReadTries)) return this.settle('stopped', { error, attention: 'unread' });
    // The client has retried what may pass in seconds. The first failed read is read again when the
    // schedule would have read anyway (at the vendor's pace at the soonest, within the longest
    // wait): the task may end meanwhile. Failures that last (and rate limits) wait longer.
    const lasting = this.entry.error !== undefined || error.reason === 'rateLimited';
    this.entry.error = error;
    // A rate limit that says how long to wait is waited out (at the vendor's pace at least, five minutes at most).
    const asked = error.reason === 'rateLimited' && error.retryAfterMs !== undefined ? Math.min(300_000, Math.max(defaultPollTuning.vendorPaceMs * this.times.pollScale, error.retryAfterMs)) : undefined;
    const delay = error.reason === 'auth' ? this.times.authRetryMs : (asked ?? (lasting ? this.times.pollRetryMs : this.retryWait()));
    return this.done([{ kind: 'wake', event: 'pollDue', delayMs: delay }]);
  }

  /** The wait before reading again after one failed read: the schedule's, between the vendor's pace and the longest wait. */
  private retryWait(): number {
    const { vendorPaceMs, maxDelayMs } = defaultPollTuning;
    const scheduled = nextPollDelay(this.observation(), this.serviceTime(this.context.now));
    return Math.round(Math.min(maxDelayMs, Math.max(vendorPaceMs, scheduled)) * this.times.pollScale);
  }

  /** One result's progress while saving; the task is saved (or expired) once every result is settled. */
  slot(index: number, change: { kept?: string; target?: string; saved?: string; expired?: boolean }): Transition {
    const results = this.entry.results ?? [];
    const slot = results[index];
    if (!slot) return unchanged(this.entry);
    const effects: Effect[] = [];
    if (change.kept !== undefined) slot.kept = change.kept;
    if (change.target !== undefined) slot.target = change.target;
    if (change.saved !== undefined) {
      slot.saved = change.saved;
      // The download kept for it is no longer needed.
      if (slot.kept) effects.push({ kind: 'discard', paths: [slot.kept] });
      delete slot.kept;
      delete slot.target;
    }
    if (change.expired) slot.expired = true;
    const open = results.some((candidate) => !candidate.saved && !candidate.expired);
    if (open) return this.done(effects);
    delete this.entry.error;
    const ended = results.some((candidate) => candidate.expired) ? this.settle('expired', { error: { reason: 'expired' } }) : this.settle('saved');
    return { ...ended, effects: [...effects, ...ended.effects] };
  }

  listAnswered(answer: ListAnswer): Transition {
    if ('found' in answer) {
      this.entry.watch = true;
      return this.accept(answer.found);
    }
    return this.settle('unconfirmed', { attention: 'unavailable' in answer ? 'listUnavailable' : 'ambiguous' in answer ? 'listAmbiguous' : 'notFound' });
  }

  release(): Transition {
    // Results half saved are picked up by the next window from where they are.
    if (this.entry.state === 'saving') this.entry.state = 'completed';
    delete this.entry.lease;
    return { entry: this.entry, effects: [{ kind: 'stop' }], changed: true };
  }

  /** A window takes up an active task: continues it, or waits while another window's lease is alive. */
  resume(leaseStale: boolean): Transition {
    const entry = this.entry;
    if (!isActive(entry.state)) return unchanged(entry);
    const holder = entry.lease?.owner;
    if (holder !== undefined && holder !== this.context.owner && !leaseStale) {
      return unchanged(entry, [{ kind: 'wake', event: 'leaseCheck', delayMs: this.times.leaseStaleMs }]);
    }
    switch (entry.state) {
      case 'submitting':
      case 'unknownOutcome':
        // A window closed while its submit was on the way: the outcome is unknown.
        if (!entry.watch) return this.settle('unconfirmed', { attention: 'userStopped' });
        if (!this.withinReplayWindow()) return this.settle('unconfirmed', { attention: 'windowPassed' });
        entry.state = 'unknownOutcome';
        return this.done([{ kind: 'wake', event: 'lookupDue', delayMs: 0 }]);
      case 'running':
        return this.done([{ kind: 'wake', event: 'pollDue', delayMs: 0 }]);
      default:
        entry.state = 'saving';
        return this.done([{ kind: 'save' }]);
    }
  }

  stopWatching(): Transition {
    const entry = this.entry;
    switch (entry.state) {
      case 'submitting':
        // The submit is on its way: its answer decides (accepted: stopped; lost: unconfirmed).
        entry.watch = false;
        return { entry, effects: [], changed: true };
      case 'unknownOutcome':
        entry.watch = false;
        return this.settle('unconfirmed', { attention: 'userStopped' });
      case 'running':
        entry.watch = false;
        return this.settle('stopped', { attention: 'userStopped' });
      default:
        // Results being saved are saved whatever happens: they are paid for.
        return unchanged(entry);
    }
  }

  checkAgain(): Transition {
    const entry = this.entry;
    switch (entry.state) {
      case 'stopped':
        entry.watch = true;
        entry.state = 'running';
        entry.watchedSince = this.context.now;
        entry.polls = Math.max(entry.polls, 1);
        delete entry.error;
        delete entry.failedReads;
        delete entry.attention;
        return this.done([{ kind: 'wake', event: 'pollDue', delayMs: 0 }]);
      case 'saveFailed':
      case 'completed':
        entry.state = 'saving';
        delete entry.error;
        return this.done([{ kind: 'save' }]);
      case 'unconfirmed':
        return this.checkForIt();
      default:
        return unchanged(entry);
    }
  }

  checkForIt(): Transition {
    const entry = this.entry;
    if (entry.state === 'unknownOutcome') {
      return entry.lease?.owner === this.context.owner ? this.done([{ kind: 'wake', event: 'lookupDue', delayMs: 0 }]) : unchanged(entry);
    }
    entry.watch = true;
    if (this.withinReplayWindow()) {
      entry.state = 'unknownOutcome';
      delete entry.attention;
      return this.done([{ kind: 'wake', event: 'lookupDue', delayMs: 0 }]);
    }
    // Past the window a replay could make a second task: only the list of recent tasks is asked.
    entry.lease = { owner: this.context.owner, at: this.context.now };
    return { entry, effects: [{ kind: 'findInList' }], changed: true };
  }

  submitAgain(idempotencyKey: string): Transition {
    const entry = this.entry;
    entry.idempotencyKey = idempotencyKey;
    entry.sentAt = this.context.now;
    delete entry.madeAt;
    entry.sends = 1;
    entry.watch = true;
    entry.state = 'submitting';
    delete entry.error;
    delete entry.failedReads;
    delete entry.attention;
    return this.done([{ kind: 'send' }]);
  }

  saveElsewhere(folder: string): Transition {
    const entry = this.entry;
    if (!entry.resultUrls?.length && !keptFiles(entry).length) return unchanged(entry);
    entry.targetFolder = folder;
    entry.state = 'saving';
    delete entry.error;
    delete entry.attention;
    return this.done([{ kind: 'save' }]);
  }
}
