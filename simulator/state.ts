import type { IncomingMessage } from 'node:http';
import { SimClock } from './clock';
import type { HttpFault } from './faults';
import { HttpError, sha256 } from './http';
import type { Account, KeyRecord, KeySpec, LoggedRequest, Route, SimulatorOptions, SimulatorUrls, StoredFile, StoredImage, Task, TaskOutcome } from './types';

/** The demo key `npm start` and the tests use by default. */
export const demoKey = 'sk-sim-demo-key-0001';

/** The options with their defaults filled in. */
export type ResolvedOptions = Required<Omit<SimulatorOptions, 'taskDurationMs' | 'ports'>> & Pick<SimulatorOptions, 'taskDurationMs' | 'ports'>;

export function resolveOptions(options: SimulatorOptions): ResolvedOptions {
  return {
    host: options.host ?? '127.0.0.1',
    ports: options.ports,
    speed: options.speed ?? 1,
    taskDurationMs: options.taskDurationMs,
    keys: options.keys ?? { [demoKey]: { balance: 1000 } },
    resultData: options.resultData ?? 'none',
    noisyResults: options.noisyResults ?? false,
  };
}

/**
 * What the listeners share: accounts, tasks, stored images, queued faults and outcomes, and the
 * request log. The listeners are functions of this state, so that each origin lives in its own
 * module while the public class stays a thin shell around it.
 */
export class Simulation {
  readonly requests: LoggedRequest[] = [];
  readonly tasks = new Map<string, Task>();
  readonly files = new Map<string, StoredFile>();
  /** Everything the CDN serves, by its full URL without the query. */
  readonly images = new Map<string, StoredImage>();
  readonly keys = new Map<string, KeyRecord>();
  readonly idempotency = new Map<string, { bodyHash: string; taskId: string }>();
  readonly clock: SimClock;
  readonly urls: SimulatorUrls = { api: '', files: '', cdn: '' };
  taskCounter = 0;
  private accounts = new Map<string, Account>();
  private faults: { route: Route; fault: HttpFault; times: number }[] = [];
  private outcomes: { outcome: TaskOutcome; times: number }[] = [];
  private requestCounter = 0;

  constructor(readonly options: ResolvedOptions) {
    this.clock = new SimClock(options.speed);
    this.resetAccounts();
  }

  addFault(route: Route, fault: HttpFault, times: number): void {
    this.faults.push({ route, fault, times });
  }

  addTaskOutcome(outcome: TaskOutcome, times: number): void {
    this.outcomes.push({ outcome, times });
  }

  setKey(key: string, spec: KeySpec): void {
    const accountId = spec.account ?? `account-of-${key}`;
    let account = this.accounts.get(accountId);
    if (!account) {
      account = { id: accountId, balance: spec.balance ?? 1000, used: 0 };
      this.accounts.set(accountId, account);
    } else if (spec.balance !== undefined) {
      account.balance = spec.balance;
    }
    this.keys.set(key, { account, limit: spec.limit ?? null, used: 0, disabled: spec.disabled ?? false, models: spec.models });
  }

  reset(): void {
    this.requests.length = 0;
    this.tasks.clear();
    this.files.clear();
    this.images.clear();
    this.faults = [];
    this.outcomes = [];
    this.idempotency.clear();
    this.resetAccounts();
  }

  private resetAccounts(): void {
    this.keys.clear();
    this.accounts.clear();
    for (const [key, spec] of Object.entries(this.options.keys)) {
      this.setKey(key, spec);
    }
  }

  takeFault(route: Route): HttpFault | undefined {
    const entry = this.faults.find((candidate) => candidate.route === route && candidate.times > 0);
    if (!entry) return undefined;
    entry.times--;
    this.faults = this.faults.filter((candidate) => candidate.times > 0);
    return entry.fault;
  }

  takeOutcome(): TaskOutcome | undefined {
    const entry = this.outcomes.find((candidate) => candidate.times > 0);
    if (!entry) return undefined;
    entry.times--;
    this.outcomes = this.outcomes.filter((candidate) => candidate.times > 0);
    return entry.outcome;
  }

  nextRequestId(): string {
    this.requestCounter++;
    return `req-${Date.now().toString(36)}-${this.requestCounter.toString(36).padStart(4, '0')}`;
  }

  log(origin: LoggedRequest['origin'], req: IncomingMessage, status: number, body?: Buffer): void {
    const entry: LoggedRequest = {
      origin,
      method: req.method ?? '',
      path: (req.url ?? '').split('?')[0] ?? '',
      status,
      hasAuthorization: req.headers.authorization !== undefined,
      userAgent: req.headers['user-agent'],
      idempotencyKey: req.headers['idempotency-key'] as string | undefined,
    };
    if (body) {
      entry.bodySha256 = sha256(body);
      entry.bodyBytes = body.length;
    }
    this.requests.push(entry);
  }

  authenticate(req: IncomingMessage): KeyRecord {
    const header = req.headers.authorization;
    if (!header) {
      throw new HttpError(401, 'authentication_error', 401, 'Missing Authorization header; use "Authorization: Bearer <API key>"');
    }
    const match = /^Bearer\s+(\S+)$/i.exec(header);
    const record = match ? this.keys.get(match[1] as string) : undefined;
    if (!record) {
      throw new HttpError(401, 'authentication_error', 'invalid_api_key', 'Invalid API key');
    }
    if (record.disabled) {
      throw new HttpError(403, 'permission_error', 'key_disabled', 'This API key has been disabled');
    }
    return record;
  }

  /** An image of the simulator's own by its URL, while its link is valid. */
  lookupImage(url: string): StoredImage | undefined {
    const image = this.images.get(url.split('?')[0] as string);
    return image && image.expiresAtSim > this.clock.now() ? image : undefined;
  }
}
