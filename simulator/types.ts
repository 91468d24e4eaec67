import type { TaskErrorCode } from './rules';
import type { KnownImage, ValidRequest } from './validation';

/*
 * The simulator's types: the public ones that tests name (re-exported by server.ts), and the
 * records the listeners share.
 */

/** A route a fault can be attached to. */
export type Route = 'submit' | 'task' | 'credits' | 'upload' | 'cdn';

/** What the next task does instead of completing normally. */
export type TaskOutcome =
  | { kind: 'fail'; code: TaskErrorCode; message?: string }
  | { kind: 'neverFinish' }
  | { kind: 'noResults' }
  | { kind: 'cancelled'; spelling?: 'cancelled' | 'canceled' }
  | { kind: 'resultDataOnly'; shape: 'array' | 'object' };

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

/** Options of the simulator. */
export interface SimulatorOptions {
  host?: string;
  ports?: { api?: number; files?: number; cdn?: number };
  /** How much faster than real time the task clock runs. */
  speed?: number;
  /** Every task takes this long (simulated ms) instead of a duration near its estimate. */
  taskDurationMs?: number;
  /** The keys the service knows; by default one demo key with 1000 credits. */
  keys?: Record<string, KeySpec>;
  /** Also answer `result_data` beside `results` on completed tasks. */
  resultData?: 'none' | 'array' | 'object';
  /** Add noise to result images so that files are as large as photographs. */
  noisyResults?: boolean;
}

/** One request the simulator received, for tests. Never holds a key. */
export interface LoggedRequest {
  origin: 'api' | 'files' | 'cdn';
  method: string;
  path: string;
  status: number;
  hasAuthorization: boolean;
  userAgent: string | undefined;
  idempotencyKey: string | undefined;
  bodySha256?: string;
  bodyBytes?: number;
}

/** The origins the simulator listens as. */
export interface SimulatorUrls {
  api: string;
  files: string;
  cdn: string;
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
  created: number;
  createdSim: number;
  durationMs: number;
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
