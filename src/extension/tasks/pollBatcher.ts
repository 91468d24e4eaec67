import { EvoLinkError, isEvoLinkError } from '../../common/errors';
import { maxBatchTaskIds, type TaskSnapshot } from '../../common/wire';
import type { EvoLinkClient } from '../api/client';

/*
 * Reads of running tasks, several at once. The lifecycle decides when each task is read (its own
 * schedule, from its own progress); the batcher only decides how: reads that come due together
 * go out as one `POST /v1/tasks/batch`, a read that is alone goes out as the documented
 * `GET /v1/tasks/{id}`, and a service that does not answer the batch (404, 405, 501) is read
 * task by task for the rest of the session.
 *
 * How tasks align. When a read comes due and opens a batch, the window's other running tasks
 * whose own next read is near are read with it: "near" is at most `alignMs` ahead and at most
 * `alignShare` of the wait their schedule chose. Once read together, tasks of the same kind get
 * the same next wait from the schedule (it depends on the estimate, the progress and the time),
 * so their reads stay together and the window makes one request per tick instead of one per
 * task. The bounds keep what this costs small and known:
 * - no read is late: a read that opens a batch waits at most `gatherMs` (only when it pulled
 *   other reads forward, and only until they arrive), and a pulled read happens early, not late;
 * - no read is added: a task read early simply has its next read scheduled from that read, and
 *   it is brought forward by at most `alignShare` of its wait, so even a task pulled forward at
 *   every tick is read at most 1 / (1 - alignShare) times as often as on its own schedule;
 * - a lone task is never touched: with nothing to pull forward its read goes out at once, as a
 *   plain GET, exactly as without the batcher.
 *
 * The batch is not in the public docs, so a service may answer it in any way. No task waits on
 * it: a batch that fails for a reason of its own is followed at once by each task's own read.
 * What the failure says decides what comes next (`batchFailure`):
 * - a missing route (404, 405, 501) ends batching for the session;
 * - any other answer that is not a batch (an HTML page with 200, another shape, a 400 or 403), a
 *   failure of the service (5xx) or of the connection (a reset, no answer in time), and answers
 *   that leave out every task their own reads then find, are strikes: the second flush in a row
 *   with a strike, where the tasks' own reads worked, pauses batching for `pauseMs` (twice as long
 *   at each pause after, up to an hour), and the batch is tried again after it;
 * - a refusal of the key, the account or the load (401, 402, 429) may be a gateway's rule for the
 *   batch's route alone: one task's own read, tried once, tells. Where it passes, it is a strike
 *   and the other tasks are read on their own; where it is refused too, the other reads fail with
 *   its refusal (and wait as that refusal asks); where it fails otherwise (a reset), the others
 *   are read on their own;
 * - a failure of the way to the service (a proxy, a certificate) fails the tasks' reads with it,
 *   as their own reads would fail.
 * The batch is tried once, and waits at most 10 s for its answer. A flush of more than 50 reads
 * sends several batches at once; their failures count as one strike.
 */

/** How reads are gathered; see the comment at the top of this file. */
export interface PollBatchTuning {
  /** Whether the batch endpoint is used at all (off: every read is a GET). */
  enabled: boolean;
  /** The longest a read that opened a batch waits for the reads it pulled forward. */
  gatherMs: number;
  /** The furthest ahead another task's own next read may be brought forward. */
  alignMs: number;
  /** The largest share of its scheduled wait by which a task's read may be brought forward. */
  alignShare: number;
  /** How long batching rests after failing twice in a row (doubled at each pause after, up to an hour). */
  pauseMs: number;
}

/** The tuning the extension uses (`alignMs` and `pauseMs` are multiplied by the poll scale). */
export const defaultPollBatchTuning: PollBatchTuning = { enabled: true, gatherMs: 100, alignMs: 1500, alignShare: 0.3, pauseMs: 5 * 60_000 };

/** The longest pause of batching, in pauses of the tuning's length (an hour). */
const longestPause = 12;

/** What the batcher needs from the window. */
export interface PollBatcherDeps {
  client: () => EvoLinkClient;
  log: { info(message: string): void; warn(message: string): void };
  /**
   * Brings forward the reads of this window's running tasks whose own next read is due within
   * `withinMs`, or within `share` of their scheduled wait, whichever is sooner. Answers how many
   * reads it brought forward (each arrives through {@link PollBatcher.read} shortly).
   */
  pullIn: (withinMs: number, share: number) => number;
  tuning: PollBatchTuning;
  /** A monotonic clock in milliseconds (`performance.now`). */
  now?: () => number;
}

/** One task's read, waiting for its batch. */
interface Waiter {
  taskId: string;
  signal: AbortSignal;
  resolve: (task: TaskSnapshot) => void;
  reject: (error: unknown) => void;
}

/** The reads gathered for one key, and how many more are expected before it goes out. */
interface Gather {
  apiKey: string;
  waiters: Waiter[];
  expected: number;
  timer: ReturnType<typeof setTimeout> | undefined;
}

/** The statuses with which a service says it has no batch endpoint. */
const noBatchStatuses = new Set([404, 405, 501]);

/** How many flushes in a row may strike before batching pauses. */
const brokenLimit = 2;

/**
 * What a failed batch says. `absent`: the service has no batch route. `refused`: a refusal of the
 * key, the account or the load, which may be the batch route's alone. `shared`: a failure of the
 * way to the service (a proxy, a certificate), which each task's own read would meet as well.
 * `broken`: any other failure (5xx, a reset, no answer in time, an answer that is not a batch).
 */
function batchFailure(error: unknown): 'absent' | 'refused' | 'shared' | 'broken' {
  if (!isEvoLinkError(error)) return 'shared';
  const status = error.details.status;
  if (status !== undefined && noBatchStatuses.has(status)) return 'absent';
  switch (error.reason) {
    case 'auth':
    case 'credits':
    case 'rateLimited':
      return 'refused';
    case 'invalidRequest':
    case 'invalidResponse':
    case 'permission':
    case 'notFound':
    case 'server':
    case 'network':
    case 'timeout':
      return 'broken';
    default:
      return 'shared';
  }
}

/** One flush of gathered reads: its batches (more than one past 50 reads) strike once. */
interface Flush {
  struck: boolean;
}

/** Reads running tasks, in batches where the service answers them. One per window. */
export class PollBatcher {
  /** API bases that answered the batch with 404/405/501: read task by task there from now on. */
  private readonly noBatch = new Set<string>();
  /** API bases whose last flushes failed where the tasks' own reads worked: how many in a row. */
  private readonly strikes = new Map<string, number>();
  /** API bases where batching rests: until when, and how many pauses it had. */
  private readonly pauses = new Map<string, { until: number; count: number }>();
  private readonly gathers = new Map<string, Gather>();

  constructor(private readonly deps: PollBatcherDeps) {}

  /** Whether reads against the current API base go out in batches. */
  batching(): boolean {
    const base = this.deps.client().apiBase();
    return this.deps.tuning.enabled && !this.noBatch.has(base) && !((this.pauses.get(base)?.until ?? -Infinity) > this.now());
  }

  private now(): number {
    return (this.deps.now ?? performance.now.bind(performance))();
  }

  /** Reads one running task: in a batch with others when it can, on its own otherwise or when asked to (`alone`). */
  read(taskId: string, call: { apiKey: string; signal: AbortSignal }, alone = false): Promise<TaskSnapshot> {
    if (alone || !this.batching()) return this.deps.client().getTask(taskId, call);
    return new Promise<TaskSnapshot>((resolve, reject) => {
      const waiter: Waiter = { taskId, signal: call.signal, resolve, reject };
      const open = this.gathers.get(call.apiKey);
      if (open) {
        open.waiters.push(waiter);
        if (open.waiters.length >= open.expected) this.flushSoon(open);
        return;
      }
      const gather: Gather = { apiKey: call.apiKey, waiters: [waiter], expected: 1, timer: undefined };
      this.gathers.set(call.apiKey, gather);
      const { alignMs, alignShare, gatherMs } = this.deps.tuning;
      let pulled = 0;
      try {
        pulled = this.deps.pullIn(alignMs, alignShare);
      } catch (error) {
        this.deps.log.warn(`Reads could not be gathered: ${error instanceof Error ? error.message : String(error)}`);
      }
      gather.expected += pulled;
      // Nothing else is near: this read goes out at once (reads of this same moment still join).
      if (gather.waiters.length >= gather.expected) this.flushSoon(gather);
      else gather.timer = setTimeout(() => this.flush(gather), gatherMs);
    });
  }

  /** Sends a gather on the next turn of the event loop, so that reads of the same moment join it. */
  private flushSoon(gather: Gather): void {
    if (gather.timer) clearTimeout(gather.timer);
    gather.timer = setTimeout(() => this.flush(gather), 0);
  }

  private flush(gather: Gather): void {
    if (this.gathers.get(gather.apiKey) === gather) this.gathers.delete(gather.apiKey);
    if (gather.timer) clearTimeout(gather.timer);
    gather.timer = undefined;
    const live = gather.waiters.filter((waiter) => {
      if (!waiter.signal.aborted) return true;
      waiter.reject(new EvoLinkError('cancelled', 'Cancelled.'));
      return false;
    });
    const flush: Flush = { struck: false };
    for (let start = 0; start < live.length; start += maxBatchTaskIds) {
      const group = live.slice(start, start + maxBatchTaskIds);
      // Whatever goes wrong on the way (an API address that became invalid meanwhile), every
      // read settles: a read that was answered already keeps its answer.
      this.send(gather.apiKey, group, flush).catch((error: unknown) => {
        for (const waiter of group) waiter.reject(error);
      });
    }
  }

  /** Reads one group: a GET for one task, a batch for more; each task's read settles once. */
  private async send(apiKey: string, waiters: Waiter[], flush: Flush): Promise<void> {
    const alone = waiters.length === 1 ? waiters[0] : undefined;
    if (alone || !this.batching()) {
      await Promise.all(waiters.map((waiter) => this.single(apiKey, waiter)));
      return;
    }
    const base = this.deps.client().apiBase();
    // The batch request stops only when every task it reads has stopped.
    const controller = new AbortController();
    let running = waiters.length;
    const stopped = (): void => {
      if (--running === 0) controller.abort();
    };
    for (const waiter of waiters) waiter.signal.addEventListener('abort', stopped, { once: true });
    const ids = [...new Set(waiters.map((waiter) => waiter.taskId))];
    let found: Map<string, TaskSnapshot>;
    try {
      found = await this.deps.client().getTasks(ids, { apiKey, signal: controller.signal });
    } catch (error) {
      this.release(waiters, stopped);
      await this.failed(base, apiKey, waiters, error, flush);
      return;
    }
    this.release(waiters, stopped);
    const absent: Waiter[] = [];
    const completed: [Waiter, TaskSnapshot][] = [];
    for (const waiter of waiters) {
      const task = found.get(waiter.taskId);
      if (!task) absent.push(waiter);
      else if (task.state === 'completed') completed.push([waiter, task]);
      else waiter.resolve(task);
    }
    // A completed task's links are taken from its own query, which says all of them: a batch item
    // may list fewer (a preview, a cache). Where that query fails, or says less (still running, a
    // replica behind), the batch's answer stands.
    await Promise.all(completed.map(([waiter, task]) => this.confirm(apiKey, waiter, task)));
    // Absent: expired, foreign, or not known yet to this part of the service. Its own query
    // decides (a 404 there ends the task as not found).
    const readAlone = await Promise.all(absent.map((waiter) => this.single(apiKey, waiter)));
    // A batch that found none of the tasks their own reads found does not work here.
    if (absent.length === waiters.length && readAlone.some(Boolean)) this.strike(base, 'it answered none of the tasks', flush);
    else {
      // A batch that works starts the count of failures, and of pauses, over.
      this.strikes.delete(base);
      this.pauses.delete(base);
    }
  }

  /** After a batch failed: each task's own read, unless the failure would meet those too. */
  private async failed(base: string, apiKey: string, waiters: Waiter[], error: unknown, flush: Flush): Promise<void> {
    const kind = batchFailure(error);
    const why = isEvoLinkError(error) ? String(error.details.status ?? error.reason) : 'failed';
    if (kind === 'shared') {
      for (const waiter of waiters) waiter.reject(error);
      return;
    }
    if (kind === 'refused') {
      // One task's own read, tried once, tells whether the refusal is the batch route's alone (and
      // is that task's answer). Refused too, the others meet its refusal; anything else says
      // nothing of the refusal, and they are read on their own.
      const [first, ...rest] = waiters;
      if (!first) return;
      let probeFailure: unknown;
      const passed = await this.single(apiKey, first, true, (failure) => (probeFailure = failure));
      if (!passed && isEvoLinkError(probeFailure, 'auth', 'credits', 'rateLimited')) {
        for (const waiter of rest) waiter.reject(probeFailure);
        return;
      }
      if (passed) this.strike(base, why, flush);
      await Promise.all(rest.map((waiter) => this.single(apiKey, waiter)));
      return;
    }
    if (kind === 'absent') this.stopBatching(base, why);
    const readAlone = await Promise.all(waiters.map((waiter) => this.single(apiKey, waiter)));
    if (kind === 'broken' && readAlone.some(Boolean)) this.strike(base, why, flush);
  }

  /** One more flush in a row that failed where the tasks' own reads worked. */
  private strike(base: string, why: string, flush: Flush): void {
    if (flush.struck) return;
    flush.struck = true;
    const strikes = (this.strikes.get(base) ?? 0) + 1;
    this.strikes.set(base, strikes);
    if (strikes < brokenLimit) return;
    this.strikes.delete(base);
    const count = (this.pauses.get(base)?.count ?? 0) + 1;
    const pauseMs = this.deps.tuning.pauseMs * Math.min(longestPause, 2 ** (count - 1));
    this.pauses.set(base, { until: this.now() + pauseMs, count });
    this.deps.log.info(`Task batches failed ${strikes} times in a row (${why}); tasks are read one by one for ${Math.round(pauseMs / 1000)} s`);
  }

  private stopBatching(base: string, why: string): void {
    this.strikes.delete(base);
    if (this.noBatch.has(base)) return;
    this.noBatch.add(base);
    this.deps.log.info(`The service does not answer task batches (${why}); tasks are read one by one from now on`);
  }

  /** A task's signal lives as long as the task: each batch takes its listener away again. */
  private release(waiters: Waiter[], listener: () => void): void {
    for (const waiter of waiters) waiter.signal.removeEventListener('abort', listener);
  }

  /** A completed task of a batch answer, read once on its own: that answer holds where it is completed with as many links or more. */
  private async confirm(apiKey: string, waiter: Waiter, batched: TaskSnapshot): Promise<void> {
    const own = await this.deps.client().getTask(waiter.taskId, { apiKey, signal: waiter.signal, once: true }).catch(() => undefined);
    if (waiter.signal.aborted) waiter.reject(new EvoLinkError('cancelled', 'Cancelled.'));
    else waiter.resolve(own?.state === 'completed' && own.resultUrls.length >= batched.resultUrls.length ? own : batched);
  }

  /** A task's own read (`once`: without the client's retries); answers whether the service answered it with the task. */
  private async single(apiKey: string, waiter: Waiter, once = false, failed?: (error: unknown) => void): Promise<boolean> {
    try {
      waiter.resolve(await this.deps.client().getTask(waiter.taskId, { apiKey, signal: waiter.signal, ...(once ? { once } : {}) }));
      return true;
    } catch (error) {
      waiter.reject(error);
      failed?.(error);
      return false;
    }
  }
}
