import type { IncomingMessage } from 'node:http';
import { SimClock } from './clock';
import { checkFault, type HttpFault } from './faults';
import { HttpError, sha256 } from './http';
import { progressCurves } from './progress';
import { taskErrorCodes } from './rules';
import type { Account, KeyRecord, KeySpec, LoggedRequest, Route, SimulatorOptions, SimulatorSettings, SimulatorUrls, StoredFile, StoredImage, Task, TaskOutcome } from './types';

/** The demo key `npm start` and the tests use by default. */
export const demoKey = 'sk-sim-demo-key-0001';

const routes: readonly Route[] = ['submit', 'task', 'credits', 'upload', 'cdn', 'taskList', 'taskBatch'];

/** The options with their defaults filled in. */
export interface ResolvedOptions {
  host: string;
  ports: SimulatorOptions['ports'];
  speed: number;
  keys: Record<string, KeySpec>;
  settings: SimulatorSettings;
}

export function resolveOptions(options: SimulatorOptions): ResolvedOptions {
  const { host, ports, speed, keys, ...given } = options;
  // An option given as undefined is an option not given: it keeps its default.
  const settings = Object.fromEntries(Object.entries(given).filter(([, value]) => value !== undefined)) as SimulatorSettings;
  checkSettings(settings);
  return {
    host: host ?? '127.0.0.1',
    ports,
    speed: speed ?? 1,
    keys: keys ?? { [demoKey]: { balance: 1000 } },
    settings: { ...defaultSettings, ...settings },
  };
}

/** What a setting is when neither the options nor `configure` name it. */
const defaultSettings: SimulatorSettings = { resultData: 'none', noisyResults: false, progressCurve: 'easeOut', taskList: 'on', taskBatch: 'on', idempotency: 'on' };

const isPositive = (value: unknown): boolean => typeof value === 'number' && value > 0;
const oneOf =
  (allowed: readonly string[]) =>
  (value: unknown): boolean =>
    typeof value === 'string' && allowed.includes(value);

/** What each setting accepts; the record names every setting, so that a new one needs a check. */
const settingChecks: Record<keyof SimulatorSettings, (value: unknown) => boolean> = {
  // 0 is accepted as before: such a task is over at its first read.
  taskDurationMs: (value) => typeof value === 'number' && value >= 0,
  durationFactor: (value) => isPositive(value) || (Array.isArray(value) && value.length === 2 && value.every(isPositive) && value[0] <= value[1]),
  progressCurve: oneOf(progressCurves),
  stepLevels: oneOf(['fixed', 'planned', 'arbitrary']),
  queueSeconds: (value) => typeof value === 'number' && value >= 0,
  resultData: oneOf(['none', 'array', 'object']),
  noisyResults: (value) => typeof value === 'boolean',
  taskList: oneOf(['on', 'off', 'gateway']),
  taskBatch: oneOf(['on', 'off404', 'off405', 'html', 'error500']),
  idempotency: oneOf(['on', 'unmarked', 'ignored']),
  resultUrlBase: (value) => typeof value === 'string',
  taskLifetimeMs: isPositive,
};

/** Throws on a setting that the simulator would not understand, naming it. */
function checkSettings(settings: SimulatorSettings): void {
  for (const [name, value] of Object.entries(settings)) {
    const check = (settingChecks as Record<string, ((value: unknown) => boolean) | undefined>)[name];
    if (value !== undefined && !check?.(value)) {
      throw new Error(`unknown setting or value: ${name} = ${JSON.stringify(value)}`);
    }
  }
}

const outcomeKinds = ['complete', 'fail', 'neverFinish', 'noResults', 'cancelled', 'resultDataOnly', 'nullSlot'];

/** Throws on an outcome the simulator would not understand. */
function checkOutcome(outcome: TaskOutcome): void {
  const kind = (outcome as { kind?: unknown } | undefined)?.kind;
  if (typeof kind !== 'string' || !outcomeKinds.includes(kind)) {
    throw new Error(`unknown task outcome ${JSON.stringify(kind)}`);
  }
  if (outcome.kind === 'fail' && !(taskErrorCodes as readonly string[]).includes(outcome.code)) {
    throw new Error(`unknown task error code ${JSON.stringify(outcome.code)}`);
  }
  const { curve, durationMs, durationFactor } = outcome;
  checkSettings({ progressCurve: curve, taskDurationMs: durationMs, durationFactor });
}

/** Where the requests of one redirect chain go, by the token in their URLs. */
export interface RedirectPlan {
  /** The object's path on the CDN, e.g. `/results/<task>/0.png`. */
  objectPath: string;
  status: number;
  hops: number;
  via: 'same' | 'other';
  location: 'alternate' | 'absolute' | 'relative';
  loop: boolean;
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
  readonly urls: SimulatorUrls = { api: '', files: '', cdn: '', mirror: '' };
  readonly redirects = new Map<string, RedirectPlan>();
  settings: SimulatorSettings;
  taskCounter = 0;
  private accounts = new Map<string, Account>();
  private faults: { route: Route; fault: HttpFault; times: number }[] = [];
  private outcomes: { outcome: TaskOutcome; times: number }[] = [];
  private requestCounter = 0;

  constructor(readonly options: ResolvedOptions) {
    this.clock = new SimClock(options.speed);
    this.settings = { ...options.settings };
    this.resetAccounts();
  }

  addFault(route: Route, fault: HttpFault, times: number): void {
    if (!routes.includes(route)) throw new Error(`unknown route ${JSON.stringify(route)}`);
    checkFault(route, fault);
    this.faults.push({ route, fault, times });
  }

  /** Forgets the queued faults of one route, or of all: the network heals. */
  clearFaults(route?: Route): void {
    this.faults = this.faults.filter((entry) => route !== undefined && entry.route !== route);
  }

  /**
   * Changes settings. A setting given as `undefined` (or `null` over HTTP) returns to the
   * simulator's default, which for the optional ones is "not set": `configure({taskDurationMs:
   * undefined})` lets durations follow the estimate again.
   */
  configure(changes: SimulatorSettings): void {
    const next: Record<string, unknown> = { ...this.settings };
    for (const [name, value] of Object.entries(changes)) {
      next[name] = value ?? (defaultSettings as Record<string, unknown>)[name];
      if (next[name] === undefined) delete next[name];
    }
    checkSettings(next);
    this.settings = next;
  }

  addTaskOutcome(outcome: TaskOutcome, times: number): void {
    checkOutcome(outcome);
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
    this.redirects.clear();
    this.settings = { ...this.options.settings };
    this.resetAccounts();
  }

  private resetAccounts(): void {
    this.keys.clear();
    this.accounts.clear();
    for (const [key, spec] of Object.entries(this.options.keys)) {
      this.setKey(key, spec);
    }
  }

  /**
   * Takes the first fault queued for a route. With `accept`, a fault it refuses stays queued and
   * nothing is taken, so that faults keep their order.
   */
  takeFault(route: Route, accept: (fault: HttpFault) => boolean = () => true): HttpFault | undefined {
    const entry = this.faults.find((candidate) => candidate.route === route && candidate.times > 0);
    if (!entry || !accept(entry.fault)) return undefined;
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

  /** When each request under way came (its answer may take a while: a task that finishes makes its images first). */
  private readonly arrivals = new WeakMap<IncomingMessage, number>();

  /** Notes that a request came now. */
  arrived(req: IncomingMessage): void {
    this.arrivals.set(req, Date.now());
  }

  log(origin: LoggedRequest['origin'], req: IncomingMessage, status: number, body?: Buffer): void {
    const entry: LoggedRequest = {
      origin,
      method: req.method ?? '',
      path: (req.url ?? '').split('?')[0] ?? '',
      query: (req.url ?? '').split('?')[1] ?? '',
      status,
      hasAuthorization: req.headers.authorization !== undefined,
      userAgent: req.headers['user-agent'],
      idempotencyKey: req.headers['idempotency-key'] as string | undefined,
      at: this.arrivals.get(req) ?? Date.now(),
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
