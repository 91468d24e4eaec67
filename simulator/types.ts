import type { StepKind, StepLevel } from './curves';
import type { TaskErrorCode } from './rules';
import type { KnownImage, ValidRequest } from './validation';

/*
 * The simulator's types: the public ones that tests name (re-exported by server.ts), and the
 * records the listeners share.
 */

/**
 * A route a fault can be attached to: `taskList` is `GET /v1/tasks`, `taskBatch` is
 * `POST /v1/tasks/batch`, `cdn` is every download from the CDN listener.
 */
export type Route = 'submit' | 'task' | 'credits' | 'upload' | 'cdn' | 'taskList' | 'taskBatch';

/** How a task's `progress` moves while it is processing (see progress.ts). */
export type ProgressCurve = 'easeOut' | 'linear' | 'fastStart' | 'slowStart' | 'stepwise' | 'holdNearTop' | 'zeroUntilDone' | 'elapsed';

/**
 * A task's duration as a multiple of its `estimated_time`: one factor, or a range that each task
 * draws from by its id (the default scatter is the range [0.45, 1.15]).
 */
export type DurationFactor = number | [number, number];

/** How one task runs, whatever its outcome: these win over the simulator's settings. */
export interface TaskTiming {
  curve?: ProgressCurve;
  /** Simulated milliseconds from submit to the end. */
  durationMs?: number;
  durationFactor?: DurationFactor;
}

/** What the next task does: complete normally (`complete`, with its timing) or something else. */
export type TaskOutcome = (
  | { kind: 'complete' }
  | { kind: 'fail'; code: TaskErrorCode; message?: string }
  | { kind: 'neverFinish' }
  | { kind: 'noResults' }
  | { kind: 'cancelled'; spelling?: 'cancelled' | 'canceled' }
  | { kind: 'resultDataOnly'; shape: 'array' | 'object' }
  /** Completes with a slot the service could not fill: a `null` in `results` and an item with a `null` link in `result_data`, after the images. */
  | { kind: 'nullSlot' }
) &
  TaskTiming;

/** An account's key, as the simulator knows it. */
export interface KeySpec {
  /** The account this key belongs to; keys of one account share its balance. */
  account?: string;
  /** The account balance (set when the account is first named). */
  balance?: number;
  /** This key's own credit limit; `null` for unlimited. */
  limit?: number | null;
  disabled?: boolean;
  /** Models this key may use; all when absent. */
  models?: string[];
}

/** What a running simulator can change: options, `configure()`, `POST /__simulator/settings`. */
export interface SimulatorSettings {
  /** Every task takes this long (simulated ms) instead of a duration near its estimate. */
  taskDurationMs?: number;
  /** Each task takes its estimate times this (when `taskDurationMs` is not set). */
  durationFactor?: DurationFactor;
  /** How progress moves; `easeOut` (quadratic) by default. */
  progressCurve?: ProgressCurve;
  /**
   * The levels of `stepwise` tasks: the same for all (`fixed`, the default: 20, 50 and 80 at 20%,
   * 40% and 60% of the task), or two to six drawn for each task from its id, the last anywhere
   * from 50% to 95% of its run, valued as shares of planned work (`planned`) or unrelated to time
   * (`arbitrary`), as the polling benchmark draws them (`drawSteps` in curves.ts).
   */
  stepLevels?: 'fixed' | StepKind;
  /**
   * A queue before each task starts, as a busy service has: the task is `pending` for a time drawn
   * from its id between 0 and this many seconds (at most half its duration), and its curve runs
   * over the rest of its duration. None when absent.
   */
  queueSeconds?: number;
  /** Also answer `result_data` beside `results` on completed tasks. */
  resultData?: 'none' | 'array' | 'object';
  /** Add noise to result images so that files are as large as photographs. */
  noisyResults?: boolean;
  /**
   * `GET /v1/tasks`: answered (`on`, the default), a 404 as if the service had no such route
   * (`off`), or answered as a gateway in front of it does (`gateway`): pages of at most 10 tasks
   * whatever size is asked (the size used is in `page_size`), no `total` (`null`), and `null` for
   * what a task does not know yet (the progress of a queued task, the credits of an unfinished one),
   * moments as dates in UTC without a zone (`2026-12-06 10:00:00`), and an empty page as `null`.
   */
  taskList?: 'on' | 'off' | 'gateway';
  /**
   * `POST /v1/tasks/batch`: answered (`on`, the default), refused with 404 or 405, answered with a
   * gateway's HTML page and status 200 (`html`, as a catch-all route does), or failing with 500
   * every time (`error500`, a broken route beside working task queries).
   */
  taskBatch?: 'on' | 'off404' | 'off405' | 'html' | 'error500';
  /**
   * `Idempotency-Key` on submits: honoured with the `Idempotency-Replayed: true` mark (`on`, the
   * default), honoured without the mark (`unmarked`: the replay answers as a new submit would), or
   * not looked at (`ignored`: every send makes and charges a task of its own, as a gateway that
   * drops the header does).
   */
  idempotency?: 'on' | 'unmarked' | 'ignored';
  /**
   * Result links in task answers use this base instead of the CDN's (e.g. `http://169.254.169.254`),
   * so that a client can be seen to refuse them. The CDN still serves its own links.
   */
  resultUrlBase?: string;
  /** Tasks older than this (simulated ms) are gone: 404 on query, absent from lists and batches. */
  taskLifetimeMs?: number;
}

/** Options of the simulator. */
export interface SimulatorOptions extends SimulatorSettings {
  host?: string;
  /** Fixed ports; 0 or absent for a free one. `mirror` is the second CDN that redirects lead to. */
  ports?: { api?: number; files?: number; cdn?: number; mirror?: number };
  /** How much faster than real time the task clock runs. */
  speed?: number;
  /** The keys the service knows; by default one demo key with 1000 credits. */
  keys?: Record<string, KeySpec>;
}

/** One request the simulator received, for tests. Never holds a key. */
export interface LoggedRequest {
  /** `mirror` is the second CDN host that `redirect` faults with `via: 'other'` lead through. */
  origin: 'api' | 'files' | 'cdn' | 'mirror';
  method: string;
  path: string;
  /** The query string, without its `?` (empty when there is none). */
  query: string;
  status: number;
  hasAuthorization: boolean;
  userAgent: string | undefined;
  idempotencyKey: string | undefined;
  /** When it came, on the real clock (milliseconds since the epoch). */
  at: number;
  bodySha256?: string;
  bodyBytes?: number;
}

/** The origins the simulator listens as. */
export interface SimulatorUrls {
  api: string;
  files: string;
  cdn: string;
  mirror: string;
}

export interface Account {
  id: string;
  balance: number;
  used: number;
}

export interface KeyRecord {
  account: Account;
  limit: number | null;
  used: number;
  disabled: boolean;
  models: string[] | undefined;
}

export interface Task {
  id: string;
  /** The order of creation, for lists that answer the newest first. */
  seq: number;
  created: number;
  createdSim: number;
  durationMs: number;
  curve: ProgressCurve;
  /** A stepwise task's own levels (the simulator's fixed ones when absent). */
  steps?: readonly StepLevel[];
  /** How long it waits in the service's queue before it starts (`queueSeconds`); none when absent. */
  queueMs?: number;
  key: KeyRecord;
  request: ValidRequest;
  reserved: number;
  outcome: TaskOutcome | undefined;
  status: 'pending' | 'processing' | 'completed' | 'failed' | 'cancelled';
  progress: number;
  results: string[] | undefined;
  error: { code: string; message: string } | undefined;
  creditsUsed: number | undefined;
  finishing: Promise<void> | undefined;
}

/** An image the CDN serves: an upload or a result. */
export interface StoredImage extends KnownImage {
  mime: string;
  expiresAtSim: number;
}

export interface StoredFile extends StoredImage {
  id: string;
  name: string;
  accountId: string;
  url: string;
}
