import type { EntryError, EntryState, LedgerEntry } from './ledgerEntry';
import type { Effect, LifecycleContext, LifecycleTimes, Transition } from './lifecycle';
import { defaultPollTuning, nextPollDelay, pollDeadlineMs, type PollObservation } from './polling';
import { progressLevels, recordProgress, startOf } from './progressTrail';
import { lateReadTries, maxRetryWaitMs, passesByWaiting, waitsForUser } from './retry';
import { pollReason } from './pollReason';
import { runningOf } from './runningTasks';
import { clockStepMs, isActive, keptFiles, linksEndAt, savePasses } from './taskState';
import type { TaskSnapshot } from './wire';

/*
 * The transitions of the task lifecycle, one method per kind of event; `next()` in
 * `lifecycle.ts` picks the method. Each method changes its own copy of the entry.
 */

/** A transition that changes nothing (and writes nothing). */
export const unchanged = (entry: LedgerEntry, effects: Effect[] = []): Transition => ({ entry, effects, changed: false });

/** The waits before each save again after a failure that may pass, in `saveRetryMs`. */
const saveRetryFactors = [1, 6, 24];

/** How many reads in a row may find a task completed without a result link before it waits for them as stopped. */
const emptyReadTries = 3;

/** Why a task that completed without a result link waits (or, its links gone, failed). */
const noResults: EntryError = { reason: 'invalidResponse', code: 'no_results' };

/** One transition being built: the copy of the entry and the helpers that change it. */
export class Step {
  constructor(
    protected readonly entry: LedgerEntry,
    protected readonly context: LifecycleContext,
  ) {}

  protected get times(): LifecycleTimes {
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

  /**
   * Whether the key may still be sent again. A first send dated well after now (the clock was
   * ahead then, and set right since) says nothing of how long ago it was: the window is taken as
   * passed. A step back of the clock by up to a minute (a time sync) is taken as no time.
   */
  protected withinReplayWindow(): boolean {
    const elapsed = this.context.now - this.entry.sentAt;
    return elapsed > -clockStepMs && elapsed < this.times.replayWindowMs;
  }

  /**
   * Whether the poll deadline passed. A start dated well after now (a clock set back by more than
   * a time sync) says nothing of how long the task was watched: it is watched from now on instead.
   */
  private pollDeadlinePassed(): boolean {
    // Watched from the answer, a Check Again, or the clock's step back (entries of old: created).
    const since = this.entry.watchedSince ?? this.entry.createdAt;
    const elapsed = this.context.now - since;
    if (elapsed <= -clockStepMs) {
      this.entry.watchedSince = this.context.now;
      return false;
    }
    return this.entry.polls > 1 && elapsed > pollDeadlineMs(this.entry.estimatedSeconds) * this.times.pollScale;
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

  protected nextPoll(): Transition {
    delete this.entry.emptyReads;
    if (this.pollDeadlinePassed()) return this.settle('stopped', { attention: 'deadline' });
    const observation = this.observation();
    const now = this.serviceTime(this.context.now);
    const delay = nextPollDelay(observation, now);
    return this.done([{ kind: 'wake', event: 'pollDue', delayMs: Math.round(delay * this.times.pollScale), why: () => pollReason(observation, now) }]);
  }

  /**
   * Another task of the model ended, and what its end taught may want this task read sooner than
   * its read was planned (the first end of a model that runs faster than its estimate). The read
   * is planned again as if the task were read now, or a second after its last read where that is
   * later (the shortest wait); the window keeps whichever read comes first. A task whose last read
   * failed keeps the wait that failure set, and one found done without its links yet keeps the
   * vendor's pace it is read at.
   */
  replan(): Transition {
    const polledAt = this.plannedFrom();
    if (polledAt === undefined || this.entry.emptyReads !== undefined) return unchanged(this.entry);
    const observation = this.observation();
    const from = Math.max(this.context.now, polledAt + defaultPollTuning.minDelayMs * this.times.pollScale);
    const at = this.serviceTime(from);
    const delayMs = Math.round(from - this.context.now + nextPollDelay(observation, at) * this.times.pollScale);
    return unchanged(this.entry, [{ kind: 'wake', event: 'pollDue', delayMs, soonerOnly: true, why: () => `planned again: ${pollReason(observation, at)}` }]);
  }

  /** The last read, where the next one was planned from it by the schedule (not after a failed read, nor before the first look). */
  private plannedFrom(): number | undefined {
    const { polledAt, polls, error } = this.entry;
    return polls === 0 || error !== undefined ? undefined : polledAt;
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

  /**
   * A read is due. Also past the deadline (after a sleep of the machine, or a window opened
   * again hours later) the task is read once more first: it may have finished meanwhile, and its
   * images are saved then; only a task still running stops at its deadline (`nextPoll`).
   * Nothing is written before the read goes out: the lease is this window's (`next` checks it),
   * the answer renews it, and a write first would make every read wait for the disk.
   */
  pollDue(): Transition {
    return unchanged(this.entry, [{ kind: 'poll' }]);
  }

  /** Progress an answer gave now, with the levels it went through (absent: it did not say; what was known stands). */
  protected noteProgress(progress: number | undefined): void {
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
    // Reads refused for the key or the balance: the time they waited does not count towards the deadline.
    if (entry.error && waitsForUser(entry.error)) entry.watchedSince = this.context.now;
    delete entry.error;
    delete entry.failedReads;
    switch (task.state) {
      case 'completed':
        entry.progress = 100;
        entry.completedAt = this.context.now;
        if (task.resultUrls.length === 0) {
          // A gateway may mark the task done a moment before its links are filled in (or write
          // them in a shape not read here once): it is read again twice, at the vendor's pace.
          entry.emptyReads = (entry.emptyReads ?? 0) + 1;
          if (entry.emptyReads < emptyReadTries) {
            entry.state = 'running';
            return this.done([{ kind: 'wake', event: 'pollDue', delayMs: Math.round(defaultPollTuning.vendorPaceMs * this.times.pollScale) }]);
          }
          // Paid images are not given up for none while their links could still come and last: it
          // waits as stopped, is looked at quietly (`lateLookDue`) and can be checked again.
          if (this.context.now >= linksEndAt(entry, this.times)) return this.settle('failed', { error: noResults });
          return this.settle('stopped', { error: noResults, attention: 'deadline' });
        }
        delete entry.emptyReads;
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
    if (waitsForUser(error)) return this.readRefused(error);
    // Refused reads came before this failure: the time they waited does not count towards the deadline either.
    if (this.entry.error && waitsForUser(this.entry.error)) this.entry.watchedSince = this.context.now;
    // A task the service does not know: gone, or not known yet to the part that answered. Twice in a
    // row, it is no longer read on its own; it may have been paid for, so it can be checked again.
    // A young task is read on: the part of the service that answers reads may not know it yet.
    if (error.reason === 'notFound' && this.entry.error?.reason === 'notFound' && !this.young()) {
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
    // A rate limit that says how long to wait is waited out (at the vendor's pace at least, and no
    // longer than the contract's cap on any wait: a wrong header does not hold up a finished image).
    const asked = error.reason === 'rateLimited' && error.retryAfterMs !== undefined ? Math.min(maxRetryWaitMs, Math.max(defaultPollTuning.vendorPaceMs * this.times.pollScale, error.retryAfterMs)) : undefined;
    const delay = asked ?? (lasting ? this.times.pollRetryMs : this.retryWait());
    return this.done([{ kind: 'wake', event: 'pollDue', delayMs: delay }]);
  }

  /**
   * EvoLink refused to read the task for the key or the balance. Waiting does not mend that, and
   * the task is not late for it: it is read again slowly (a new key reads it at once, through
   * `checkAgain`), and never stops at its deadline for it, while its result links could last.
   * The failures of before it do not count as late reads either.
   */
  private readRefused(error: EntryError): Transition {
    delete this.entry.failedReads;
    if (this.context.now >= linksEndAt(this.entry, this.times)) return this.settle('stopped', { error, attention: 'unread' });
    this.entry.error = error;
    return this.done([{ kind: 'wake', event: 'pollDue', delayMs: this.times.authRetryMs }]);
  }

  /** Whether the task is within its estimate (a minute at least) of the moment it was made. */
  private young(): boolean {
    const age = this.context.now - startOf(this.entry);
    return age > -clockStepMs && age < Math.max(60, this.entry.estimatedSeconds) * 1000 * this.times.pollScale;
  }

  /**
   * How long until the read the schedule planned at the last one (a window reloaded in between
   * takes the plan up, instead of reading every task at once): 0 when it is due, or when the
   * last read is not known; never longer than the longest wait (a clock set back).
   */
  private plannedReadIn(): number {
    const polledAt = this.plannedFrom();
    if (polledAt === undefined) return 0;
    const planned = polledAt + nextPollDelay(this.observation(), this.serviceTime(polledAt)) * this.times.pollScale;
    return Math.round(Math.min(defaultPollTuning.maxDelayMs * this.times.pollScale, Math.max(0, planned - this.context.now)));
  }

  /** The wait before reading again after one failed read: the schedule's, between the vendor's pace and the longest wait. */
  private retryWait(): number {
    const { vendorPaceMs, maxDelayMs } = defaultPollTuning;
    const scheduled = nextPollDelay(this.observation(), this.serviceTime(this.context.now));
    return Math.round(Math.min(maxDelayMs, Math.max(vendorPaceMs, scheduled)) * this.times.pollScale);
  }

  /**
   * Saving failed. A failure that may pass (the network, a CDN that refused a fresh link or sent
   * a page) is tried again on its own, after a wait and twice more after longer ones, before the
   * user is asked; one that needs the user (a full disk, a folder that cannot be written, a link
   * the extension does not follow) asks at once.
   */
  saveFailed(error: EntryError): Transition {
    const tries = this.entry.saveRetries ?? 0;
    const factor = saveRetryFactors[tries];
    if (factor !== undefined && savePasses(error)) {
      this.entry.saveRetries = tries + 1;
      this.entry.error = error;
      return this.done([{ kind: 'wake', event: 'saveDue', delayMs: this.times.saveRetryMs * factor }]);
    }
    delete this.entry.saveRetries;
    // What needs the user is told, also after quiet looks (a link that now leads to plain http, a full disk).
    if (!savePasses(error)) delete this.entry.lateLooks;
    return this.settle('saveFailed', { error });
  }

  /** One result's progress while saving; the task is saved (or expired) once every result is settled. */
  slot(index: number, change: { kept?: string; target?: string; saved?: string; expired?: boolean }): Transition {
    const results = this.entry.results ?? [];
    const slot = results[index];
    if (!slot) return unchanged(this.entry);
    const effects: Effect[] = [];
    // A result that came through: a failure of an earlier try is over.
    if (change.kept !== undefined || change.saved !== undefined) delete this.entry.error;
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
    delete this.entry.saveRetries;
    const ended = results.some((candidate) => candidate.expired) ? this.settle('expired', { error: { reason: 'expired' } }) : this.settle('saved');
    return { ...ended, effects: [...effects, ...ended.effects] };
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
        delete entry.replaced;
        if (!entry.watch) return this.settle('unconfirmed', { attention: 'userStopped' });
        if (!this.withinReplayWindow()) return this.settle('unconfirmed', { attention: 'windowPassed' });
        entry.state = 'unknownOutcome';
        return this.done([{ kind: 'wake', event: 'lookupDue', delayMs: 0 }]);
      case 'running':
        return this.done([{ kind: 'wake', event: 'pollDue', delayMs: this.plannedReadIn() }]);
      default:
        entry.state = 'saving';
        return this.done([{ kind: 'save' }]);
    }
  }
}
