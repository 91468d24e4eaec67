import { randomBytes } from 'node:crypto';
import * as vscode from 'vscode';
import { EvoLinkError } from '../../common/errors';
import type { LedgerEntry } from '../../common/ledgerEntry';
import { createEntry, next, type Effect, type LifecycleContext, type LifecycleEvent, type LifecycleTimes, type NewEntry, type WakeEvent } from '../../common/lifecycle';
import { isActive, isTerminal, lateLookDue } from '../../common/taskState';
import { DisposableBase } from '../base/disposable';
import { newLocalId, type LedgerProblem, type TaskLedger } from './ledger';
import { defaultPollBatchTuning, PollBatcher, type PollBatchTuning } from './pollBatcher';
import type { ProgressCalibrations } from './progressCalibrations';
import { fileErrorCode, TaskWork, type TaskWorkDeps } from './taskWork';
import { TaskEvents } from './taskEvents';
import { stoppedForKey } from './keyWaits';
import { LeaseWatch } from './leaseWatch';
import { pullIn, readsSooner, setWake, type Work } from './work';

/** What the task service needs from the window. */
export interface TaskServiceDeps extends Omit<TaskWorkDeps, 'owner' | 'now' | 'reads'> {
  ledger: TaskLedger;
  times: LifecycleTimes;
  /** The clock; another in tests (clock skew between windows). */
  now?: () => number;
  /** How reads of running tasks are batched (benchmarks and tests change it). */
  pollBatching?: Partial<PollBatchTuning>;
  /** What each model's finished tasks taught the poll schedule (none: every task starts from nothing). */
  calibrations?: ProgressCalibrations;
  /** Takes over, before a resume, the tasks left for this window's folders in their ledgers under another workspace identity, and says when the window closes (`adoption.ts`). */
  leftBehind?: { adopt(): Promise<number>; stop(): void; close(): Promise<void> };
}

/** Terminal tasks older than this leave the ledger (their saved files stay). */
const pruneAfterMs = 30 * 24 * 3600_000;

/**
 * The one task service of a window. It carries out the effects of the lifecycle state machine
 * (`common/lifecycle.ts`) and feeds their outcomes back to it; it decides nothing about states
 * itself. Every write goes through the ledger's compare-and-swap, and every change is announced
 * by `onDidChange`.
 */
export class TaskService extends DisposableBase {
  private readonly events = this._register(new TaskEvents());
  /** Fires whenever a task changes (a copy of the entry as written), by this window or, for a task it told of, another. */
  readonly onDidChange = this.events.onDidChange;
  /** Fires with a task's id when it leaves the ledger. */
  readonly onDidRemove = this.events.onDidRemove;
  /** Fires with a task another window works on when a look at the ledger finds it changed (for views of the whole ledger, not news). */
  readonly onDidChangeElsewhere = this.events.onDidChangeElsewhere;
  /** Fires, once until it is written again, when a task cannot move on because its record cannot be written (the disk). */
  readonly onDidFailToRecord = this.events.onDidFailToRecord;
  private readonly siblings = this._register(new vscode.EventEmitter<{ entry: LedgerEntry; taskId: string }>());
  /** Fires when EvoLink may have made a request twice: `taskId` is the other task, for the user to save or not (`adoptSibling`). */
  readonly onDidFindSibling = this.siblings.event;
  /** This window, as the ledger's leases name it. */
  readonly owner = `host-${randomBytes(6).toString('hex')}`;
  private readonly work = new Map<string, Work>();
  private readonly queues = new Map<string, Promise<unknown>>();
  /** Active tasks this window holds the lease of, as last written. */
  private readonly held = new Map<string, LedgerEntry>();
  /** Foreign leases as this window saw them: a lease whose revision stays put for long is stale. */
  private readonly leases = new LeaseWatch();
  private readonly io: TaskWork;
  private readonly now: () => number;

  constructor(private readonly deps: TaskServiceDeps) {
    super();
    this.now = deps.now ?? Date.now;
    const { alignMs, pauseMs } = defaultPollBatchTuning;
    const tuning = { ...defaultPollBatchTuning, alignMs: alignMs * deps.times.pollScale, pauseMs: pauseMs * deps.times.pollScale, ...deps.pollBatching };
    const reads = new PollBatcher({ client: deps.client, log: deps.log, tuning, pullIn: (withinMs, share) => pullIn(this.work, withinMs, share, (localId) => this.fire(localId, { type: 'pollDue' })) });
    this.io = this._register(new TaskWork({ ...deps, owner: this.owner, now: this.now, reads, siblingFound: (entry, taskId) => this.siblings.fire({ entry, taskId }) }));
    const renew = setInterval(() => this.renewLeases(), deps.times.leaseRenewMs);
    const sweep = setInterval(() => void this.sweep().catch((error: unknown) => deps.log.warn(`Sweep: ${String(error)}`)), deps.times.leaseStaleMs);
    this._register({ dispose: () => (clearInterval(renew), clearInterval(sweep)) });
  }

  /** Every task of the ledger, newest first. */
  list(): Promise<LedgerEntry[]> {
    return this.deps.ledger.list();
  }

  get(localId: string): Promise<LedgerEntry | undefined> {
    return this.deps.ledger.get(localId);
  }

  /** Ledger files that could not be read since the last call (for Show Tasks, once). */
  takeProblems(): LedgerProblem[] {
    return this.deps.ledger.takeProblems();
  }

  /** The other running tasks of `model` this window reads: what they show of its progress before any ended, and what an end teaches them. */
  private readonly running = (model: string, localId: string): LedgerEntry[] => [...this.held.values()].filter((entry) => entry.localId !== localId && entry.state === 'running' && entry.body.model === model);

  private context(): LifecycleContext {
    const calibrations = this.deps.calibrations;
    return { now: this.now(), owner: this.owner, times: this.deps.times, running: this.running, ...(calibrations ? { calibration: (model: string) => calibrations.get(model) } : {}) };
  }

  /**
   * Records a request, then sends it. Answers the entry once the service has answered, or once
   * the outcome is known to be unknown (it is then asked again with the same key). A refused
   * request leaves nothing behind and throws the refusal.
   */
  async submit(input: Omit<NewEntry, 'localId' | 'idempotencyKey'>): Promise<LedgerEntry> {
    const localId = newLocalId();
    const made = createEntry({ ...input, localId, idempotencyKey: localId }, this.context());
    const entry = await this.deps.ledger.create(made.entry!);
    this.afterWrite(entry);
    this.deps.log.info(`Submitting ${localId}: ${entry.body.model}, n=${entry.body.n}, size=${entry.body.size}`);
    this.deps.log.trace(`Prompt of ${localId}: ${entry.request.prompt}`);
    const work = this.workOf(localId);
    work.inFlight.add('send');
    let refusal;
    try {
      refusal = await this.io.send(work, entry, (event) => this.dispatch(localId, event), true);
    } finally {
      work.inFlight.delete('send');
    }
    const now = await this.get(localId);
    if (!now) throw refusal ?? new EvoLinkError('invalidResponse', 'The request was dropped.');
    return now;
  }

  /**
   * Takes up the other task EvoLink made for the request of `localId` (see onDidFindSibling) as a
   * task of its own, read and saved like any; a task some entry already has is left alone.
   */
  async adoptSibling(localId: string, taskId: string): Promise<LedgerEntry | undefined> {
    const entry = await this.get(localId);
    const apiKey = await this.deps.apiKey();
    if (!entry || !apiKey || (await this.list()).some((other) => other.taskId === taskId)) return undefined;
    const task = await this.deps.client().getTask(taskId, { apiKey });
    const { request, body, targetFolder, estimatedSeconds, creditsReserved = 0, sources, maskSource, editOf } = entry;
    const id = newLocalId();
    const made = createEntry({ localId: id, idempotencyKey: id, request, body, targetFolder, estimatedSeconds, creditsReserved, ...(sources ? { sources } : {}), ...(maskSource ? { maskSource } : {}), ...(editOf ? { editOf } : {}) }, this.context()).entry!;
    const context = this.context();
    const step = next({ ...made, siblingOf: localId, sentAt: entry.replaced?.sentAt ?? entry.sentAt }, { type: 'submitAnswered', task }, context);
    const written = await this.deps.ledger.create(step.entry!);
    this.afterWrite(written);
    this.carryOut(id, written, step.effects, context.now);
    return written;
  }

  /** Applies an event to a task: the machine's answer is written (compare-and-swap) and carried out. */
  dispatch(localId: string, event: LifecycleEvent): Promise<LedgerEntry | undefined> {
    const previous = this.queues.get(localId) ?? Promise.resolve();
    const run = previous.then(() => this.apply(localId, event));
    const settled = run.then(() => undefined, () => undefined);
    this.queues.set(localId, settled);
    void settled.then(() => {
      if (this.queues.get(localId) === settled) this.queues.delete(localId);
    });
    return run;
  }

  /** Dispatches without waiting; a failure (a ledger that cannot be written) is logged, and told when it is the disk's. */
  private fire(localId: string, event: LifecycleEvent): void {
    this.dispatch(localId, event).catch((error: unknown) => this.failed(localId, `${event.type} could not be applied`, error));
  }

  private failed(localId: string, what: string, error: unknown): void {
    this.deps.log.error(`${localId}: ${what}: ${error instanceof Error ? error.message : String(error)}`);
    const code = fileErrorCode(error);
    if (code === 'diskFull' || code === 'readOnly') this.events.cannotRecord(localId, code);
  }

  private async apply(localId: string, event: LifecycleEvent): Promise<LedgerEntry | undefined> {
    for (let attempt = 0; attempt < 10; attempt++) {
      // Another window wrote first: a moment's pause, growing, so that two windows do not keep
      // colliding in step.
      if (attempt > 0) await new Promise((resolve) => setTimeout(resolve, 10 * attempt + Math.random() * 20 * attempt));
      const current = await this.deps.ledger.get(localId);
      if (!current) {
        this.carryOut(localId, undefined, [{ kind: 'stop' }]);
        return undefined;
      }
      // Another window took the task over: this window no longer holds it (and tells what it did).
      if (current.lease?.owner !== this.owner) this.held.delete(localId);
      this.events.catchUp(current);
      const context = this.context();
      const step = next(current, event, context);
      let result = current;
      if (step.changed && step.entry === undefined) {
        await this.deps.ledger.remove(localId);
        this.held.delete(localId);
        this.events.gone(localId);
        this.carryOut(localId, undefined, step.effects, context.now);
        return undefined;
      }
      if (step.changed && step.entry) {
        const written = await this.deps.ledger.write(step.entry, current.revision);
        if (!written) continue; // Another window wrote first: read it again and decide again.
        result = written;
        if (current.state !== written.state) this.deps.log.info(`${localId}: ${current.state} -> ${written.state} (${event.type})`);
        this.afterWrite(written);
      }
      this.carryOut(localId, result, step.effects, context.now);
      return result;
    }
    this.deps.log.warn(`${localId}: ${event.type} could not be written; other windows kept writing first`);
    return this.deps.ledger.get(localId);
  }

  private afterWrite(entry: LedgerEntry): void {
    if (entry.lease?.owner === this.owner && isActive(entry.state)) this.held.set(entry.localId, entry);
    else this.held.delete(entry.localId);
    this.events.tell(entry);
  }

  private workOf(localId: string): Work {
    let work = this.work.get(localId);
    if (!work) {
      work = { timer: undefined, controller: new AbortController(), inFlight: new Set() };
      this.work.set(localId, work);
    }
    return work;
  }

  /** Stops this window's work on a task: its timer, and every request under way. */
  private stop(localId: string): void {
    this.held.delete(localId);
    const work = this.work.get(localId);
    if (!work) return;
    if (work.timer) clearTimeout(work.timer);
    work.controller.abort();
    this.work.delete(localId);
  }

  /** Carries out what the machine decided at `decidedAt` (a wait counts from then: writing the ledger since is no part of it). */
  private carryOut(localId: string, entry: LedgerEntry | undefined, effects: Effect[], decidedAt = this.now()): void {
    if (this.isDisposed) return;
    const dispatch = (event: LifecycleEvent): Promise<LedgerEntry | undefined> => this.dispatch(localId, event);
    for (const effect of effects) {
      if (effect.kind === 'stop') {
        this.stop(localId);
        continue;
      }
      if (effect.kind === 'discard') {
        void this.io.discard(effect.paths);
        continue;
      }
      if (effect.kind === 'learn') {
        this.deps.calibrations?.learn(effect.model, effect.observation, effect.endMs, this.deps.log);
        // What the end taught reaches the model's other tasks here now, not at their next read.
        for (const other of this.running(effect.model, localId)) this.fire(other.localId, { type: 'replan' });
        continue;
      }
      if (!entry) continue;
      const work = this.workOf(localId);
      if (effect.kind === 'wake') {
        const delayMs = Math.max(0, effect.delayMs - Math.max(0, this.now() - decidedAt));
        if (effect.soonerOnly && !readsSooner(work, delayMs)) continue;
        if (effect.why && this.deps.log.logLevel === vscode.LogLevel.Trace) this.deps.log.trace(`${localId}: next read in ${(delayMs / 1000).toFixed(1)} s (${effect.why()})`);
        this.wake(localId, work, effect.event, delayMs);
        continue;
      }
      // One request of a kind at a time per task: pressing Check Again twice saves once.
      if (work.inFlight.has(effect.kind)) continue;
      work.inFlight.add(effect.kind);
      const done = (): void => void work.inFlight.delete(effect.kind);
      const running =
        effect.kind === 'send' ? this.io.send(work, entry, dispatch)
        : effect.kind === 'poll' ? this.io.poll(work, entry, dispatch)
        : effect.kind === 'save' ? this.io.save(work, entry, dispatch)
        : this.io.findInList(work, entry, dispatch);
      void running.then(done, (error: unknown) => {
        done();
        this.failed(localId, `${effect.kind} failed unexpectedly`, error);
      });
    }
  }

  private wake(localId: string, work: Work, event: WakeEvent, delayMs: number): void {
    setWake(work, event, delayMs, (due) => {
      if (due === 'leaseCheck') void this.takeUp(localId).catch((error: unknown) => this.deps.log.error(`${localId}: ${String(error)}`));
      else this.fire(localId, { type: due });
    });
  }

  /**
   * Renews the leases this window holds, and takes up again any held task that has nothing under
   * way (a write failed on a full disk, say): it would otherwise keep its lease and never move.
   */
  private renewLeases(): void {
    for (const localId of this.held.keys()) {
      const work = this.work.get(localId);
      const idle = !this.queues.has(localId) && !work?.timer && (work?.inFlight.size ?? 0) === 0 && !this.io.keepsAnswer(localId);
      this.fire(localId, idle ? { type: 'resume', leaseStale: false } : { type: 'renew' });
    }
  }

  /** Takes up an active task: at once when nobody holds it, or once its holder's lease is stale. */
  private async takeUp(localId: string, known?: LedgerEntry): Promise<void> {
    const entry = known ?? (await this.deps.ledger.get(localId));
    if (!entry || !isActive(entry.state) || this.held.has(localId)) return;
    const lease = this.leases.judge(entry, this.owner, this.deps.times.leaseStaleMs);
    if (lease === 'live') {
      this.wake(localId, this.workOf(localId), 'leaseCheck', this.deps.times.leaseStaleMs);
      return;
    }
    if (lease === 'stale') this.deps.log.warn(`${localId}: the window that worked on it stopped answering; this window takes it over`);
    this.leases.forget(localId);
    // Stale as of this revision only: a renewal written meanwhile keeps the lease alive.
    await this.dispatch(localId, { type: 'resume', leaseStale: lease === 'stale', revision: entry.revision });
  }

  /** Resumes the ledger after a start, or when a key is set: every active task this window does not work on yet is taken up; old finished tasks leave it. */
  async resume(): Promise<void> {
    await this.deps.leftBehind?.adopt();
    await this.deps.ledger.sweep(3600_000).catch((error: unknown) => this.deps.log.warn(`Ledger clean-up: ${String(error)}`));
    const entries = await this.deps.ledger.list();
    for (const entry of entries) {
      await this.resumeOne(entry).catch((error: unknown) => this.deps.log.error(`Resuming ${entry.localId} failed: ${error instanceof Error ? error.message : String(error)}`));
    }
    // Downloads of tasks that moved to another ledger stay until they have left this one.
    await this.deps.ledger
      .moved()
      .then((moved) => this.io.cleanDownloads([...entries, ...moved]))
      .catch((error: unknown) => this.deps.log.warn(`Downloads clean-up: ${String(error)}`));
  }

  private async resumeOne(entry: LedgerEntry): Promise<void> {
    if (isTerminal(entry.state) && this.now() - entry.updatedAt > pruneAfterMs) {
      await this.dispatch(entry.localId, { type: 'forget' });
    } else if (this.held.has(entry.localId)) {
      // Already this window's: what waited for a key looks again now.
      if (entry.state === 'running') this.fire(entry.localId, { type: 'pollDue' });
      if (entry.state === 'unknownOutcome') this.fire(entry.localId, { type: 'lookupDue' });
    } else if (isActive(entry.state)) {
      this.deps.log.info(`Resuming ${entry.localId} (${entry.state}${entry.taskId ? `, ${entry.taskId}` : ''})`);
      await this.takeUp(entry.localId, entry);
    }
  }

  /** A key was set (in any window): the ledger is resumed (what waits for a key is read now), and so are tasks stopped for want of one (`keyWaits.ts`). */
  async keySet(): Promise<void> {
    await this.resume();
    for (const entry of await this.list()) if (stoppedForKey(entry)) this.fire(entry.localId, { type: 'checkAgain' });
  }

  /** Looks for active tasks that nobody works on any more (a window closed or stopped answering). */
  private async sweep(): Promise<void> {
    if (this.isDisposed) return;
    const toldBefore = this.events.toldIds();
    const entries = await this.deps.ledger.list();
    await this.events.catchUpAll(entries, toldBefore, (localId) => this.deps.ledger.get(localId));
    for (const entry of entries) {
      if (isActive(entry.state) && !this.held.has(entry.localId) && !this.work.get(entry.localId)?.timer) await this.takeUp(entry.localId, entry);
      else if (lateLookDue(entry, this.now(), this.deps.times)) this.fire(entry.localId, { type: 'lateLook' });
    }
  }

  /** Stops watching a task; it stays in the ledger and can be checked again. Never re-sent on its own. */
  stopWatching(localId: string): Promise<LedgerEntry | undefined> {
    return this.dispatch(localId, { type: 'stopWatching' });
  }

  /** Looks at a stopped task again, or retries saving one whose saving failed. */
  checkAgain(localId: string): Promise<LedgerEntry | undefined> {
    return this.dispatch(localId, { type: 'checkAgain' });
  }

  /** Looks for a task whose submit was never answered. */
  checkForIt(localId: string): Promise<LedgerEntry | undefined> {
    return this.dispatch(localId, { type: 'checkForIt' });
  }

  /** Sends an unconfirmed request again with a new key: it may be charged twice (the user agreed). */
  submitAgain(localId: string): Promise<LedgerEntry | undefined> {
    return this.dispatch(localId, { type: 'submitAgain', idempotencyKey: newLocalId() });
  }

  /** Saves a task's results into another folder. */
  saveElsewhere(localId: string, folder: vscode.Uri): Promise<LedgerEntry | undefined> {
    return this.dispatch(localId, { type: 'saveElsewhere', folder: folder.toString() });
  }

  /** Removes a task that is not active from the ledger (its saved files stay). */
  forget(localId: string): Promise<LedgerEntry | undefined> {
    return this.dispatch(localId, { type: 'forget' });
  }

  /**
   * Lets go of every task this window works on, so that the next window takes them up at once
   * (a reload, or another window), and stops all work. Returns when the ledger is written.
   */
  async release(): Promise<void> {
    this.deps.leftBehind?.stop();
    const held = [...this.held.keys()];
    for (const localId of [...this.work.keys()]) this.stop(localId);
    await Promise.all(held.map((localId) => this.dispatch(localId, { type: 'release' }).catch(() => undefined)));
    await this.deps.leftBehind?.close();
  }

  override dispose(): void {
    for (const localId of [...this.work.keys()]) this.stop(localId);
    super.dispose();
  }
}
