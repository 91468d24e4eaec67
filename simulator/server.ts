import { createHash, randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import busboy from 'busboy';
import { inspectImage, renderImage } from './images';
import { resultLifetimeMs, uploadRules, type TaskErrorCode } from './rules';
import { producedCount, validateSubmit, type KnownImage, type ValidRequest } from './validation';

/*
 * The EvoLink simulator: a real HTTP server that answers like the service described in the
 * API contract, with its validation, errors, oddities and timings, and with faults that a test
 * can ask for. Three listeners stand for the three origins: the API, the files API, and the CDN
 * that serves results and uploads (which refuses requests that carry an Authorization header).
 */

/** A route a fault can be attached to. */
export type Route = 'submit' | 'task' | 'credits' | 'upload' | 'cdn';

/** A fault of the HTTP exchange. */
export type HttpFault =
  | { kind: 'status'; status: number; retryAfter?: string; body?: 'json' | 'html' | 'empty'; code?: string | number; message?: string }
  | { kind: 'reset' }
  | { kind: 'delay'; ms: number }
  | { kind: 'malformedJson' }
  /** The files API's refusal in the body of an HTTP 200: `success: false`. */
  | { kind: 'refusedWith200'; code: number; msg: string };

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

/** Options of {@link EvoLinkSimulator}. */
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

/** The demo key `npm start` and the tests use by default. */
export const demoKey = 'sk-sim-demo-key-0001';

interface Account {
  id: string;
  balance: number;
  used: number;
}

interface KeyRecord {
  account: Account;
  limit: number | null;
  used: number;
  disabled: boolean;
  models: string[] | undefined;
}

interface Task {
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

interface StoredFile extends KnownImage {
  id: string;
  name: string;
  mime: string;
  accountId: string;
  url: string;
  expiresAtSim: number;
}

class SimClock {
  private realBase = Date.now();
  private simBase = Date.now();
  constructor(private speed: number) {}
  now(): number {
    return this.simBase + (Date.now() - this.realBase) * this.speed;
  }
  setSpeed(speed: number): void {
    this.simBase = this.now();
    this.realBase = Date.now();
    this.speed = speed;
  }
  advance(ms: number): void {
    this.simBase += ms;
  }
}

class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly type: string,
    readonly code: number | string,
    message: string,
    readonly param?: string,
  ) {
    super(message);
  }
}

const mimeOf: Record<string, string> = {
  png: 'image/png',
  jpeg: 'image/jpeg',
  webp: 'image/webp',
  gif: 'image/gif',
  bmp: 'image/bmp',
  tiff: 'image/tiff',
};

const maxJsonBody = 1024 * 1024;
const blockedAgents = [/^$/, /^node$/i, /^undici$/i, /^node-fetch/i];

function sha256(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

async function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > limit) {
      throw new HttpError(413, 'request_too_large_error', 'request_too_large', `request body is larger than ${limit} bytes`);
    }
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

/** The EvoLink simulator. `start()` it, point the client at {@link urls}, `stop()` it. */
export class EvoLinkSimulator {
  readonly requests: LoggedRequest[] = [];
  readonly tasks = new Map<string, Task>();
  readonly files = new Map<string, StoredFile>();
  private readonly options: Required<Omit<SimulatorOptions, 'taskDurationMs' | 'ports'>> & Pick<SimulatorOptions, 'taskDurationMs' | 'ports'>;
  private readonly clock: SimClock;
  private keys = new Map<string, KeyRecord>();
  private accounts = new Map<string, Account>();
  private faults: { route: Route; fault: HttpFault; times: number }[] = [];
  private outcomes: { outcome: TaskOutcome; times: number }[] = [];
  private idempotency = new Map<string, { bodyHash: string; taskId: string }>();
  private images = new Map<string, KnownImage & { mime: string; expiresAtSim: number }>();
  private servers: { api?: Server; files?: Server; cdn?: Server } = {};
  private requestCounter = 0;
  private taskCounter = 0;
  private apiUrl = '';
  private filesUrl = '';
  private cdnUrl = '';

  constructor(options: SimulatorOptions = {}) {
    this.options = {
      host: options.host ?? '127.0.0.1',
      ports: options.ports,
      speed: options.speed ?? 1,
      taskDurationMs: options.taskDurationMs,
      keys: options.keys ?? { [demoKey]: { balance: 1000 } },
      resultData: options.resultData ?? 'none',
      noisyResults: options.noisyResults ?? false,
    };
    this.clock = new SimClock(this.options.speed);
    this.resetAccounts();
  }

  /** The three origins, once started. */
  get urls(): { api: string; files: string; cdn: string } {
    return { api: this.apiUrl, files: this.filesUrl, cdn: this.cdnUrl };
  }

  async start(): Promise<{ api: string; files: string; cdn: string }> {
    const listen = async (handler: (req: IncomingMessage, res: ServerResponse) => Promise<void>, port = 0): Promise<[Server, string]> => {
      const server = createServer((req, res) => {
        handler(req, res).catch((error: unknown) => {
          if (!res.headersSent) {
            res.writeHead(500, { 'content-type': 'text/plain' });
          }
          res.end(`simulator error: ${error instanceof Error ? error.message : String(error)}`);
        });
      });
      server.keepAliveTimeout = 5000;
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(port, this.options.host, () => resolve());
      });
      const address = server.address() as AddressInfo;
      return [server, `http://${this.options.host}:${address.port}`];
    };
    [this.servers.api, this.apiUrl] = await listen((req, res) => this.handleApi(req, res), this.options.ports?.api);
    [this.servers.files, this.filesUrl] = await listen((req, res) => this.handleFiles(req, res), this.options.ports?.files);
    [this.servers.cdn, this.cdnUrl] = await listen((req, res) => this.handleCdn(req, res), this.options.ports?.cdn);
    return this.urls;
  }

  async stop(): Promise<void> {
    await Promise.all(
      Object.values(this.servers).map(
        (server) =>
          new Promise<void>((resolve) => {
            server.closeAllConnections();
            server.close(() => resolve());
          }),
      ),
    );
    this.servers = {};
  }

  // ---- Controls for tests -------------------------------------------------------------------

  /** Makes the next `times` requests on `route` meet `fault`. */
  addFault(route: Route, fault: HttpFault, times = 1): void {
    this.faults.push({ route, fault, times });
  }

  /** Makes the next `times` submitted tasks end as `outcome`. */
  addTaskOutcome(outcome: TaskOutcome, times = 1): void {
    this.outcomes.push({ outcome, times });
  }

  /** Adds or changes a key. */
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

  /** The balance of the account a key belongs to. */
  balanceOf(key: string): number | undefined {
    return this.keys.get(key)?.account.balance;
  }

  setSpeed(speed: number): void {
    this.clock.setSpeed(speed);
  }

  /** Moves the task clock forward, e.g. past the 24 h life of result links. */
  advanceClock(ms: number): void {
    this.clock.advance(ms);
  }

  /** Forgets tasks, files, faults and requests, and restores the configured keys. */
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

  private takeFault(route: Route): HttpFault | undefined {
    const entry = this.faults.find((candidate) => candidate.route === route && candidate.times > 0);
    if (!entry) return undefined;
    entry.times--;
    this.faults = this.faults.filter((candidate) => candidate.times > 0);
    return entry.fault;
  }

  private takeOutcome(): TaskOutcome | undefined {
    const entry = this.outcomes.find((candidate) => candidate.times > 0);
    if (!entry) return undefined;
    entry.times--;
    this.outcomes = this.outcomes.filter((candidate) => candidate.times > 0);
    return entry.outcome;
  }

  // ---- HTTP helpers -------------------------------------------------------------------------

  private nextRequestId(): string {
    this.requestCounter++;
    return `req-${Date.now().toString(36)}-${this.requestCounter.toString(36).padStart(4, '0')}`;
  }

  private log(origin: LoggedRequest['origin'], req: IncomingMessage, status: number, body?: Buffer): void {
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

  private sendJson(res: ServerResponse, status: number, value: unknown, headers: Record<string, string> = {}): void {
    const text = JSON.stringify(value);
    res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text), ...headers });
    res.end(text);
  }

  /**
   * Answers the documented error body. 4xx answers carry the request id at the end of the
   * message; 5xx answers carry it in `x-oneapi-request-id`. Both forms occur in the wild.
   */
  private sendError(res: ServerResponse, error: HttpError, extraHeaders: Record<string, string> = {}): void {
    const requestId = this.nextRequestId();
    const body: Record<string, unknown> = {
      code: error.code,
      message: error.status < 500 ? `${error.message} (request id: ${requestId})` : error.message,
      type: error.type,
    };
    if (error.param) body.param = error.param;
    const headers: Record<string, string> = { ...extraHeaders };
    if (error.status >= 500) headers['x-oneapi-request-id'] = requestId;
    // A body that was too large was not read to its end: the connection cannot be reused.
    if (error.status === 413) headers.connection = 'close';
    this.sendJson(res, error.status, { error: body }, headers);
  }

  /** Applies an HTTP fault; answers true when the exchange is over. */
  private async applyFault(fault: HttpFault, res: ServerResponse): Promise<boolean> {
    switch (fault.kind) {
      case 'delay':
        await sleep(fault.ms);
        return false;
      case 'reset':
        res.socket?.destroy();
        return true;
      case 'malformedJson':
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end('{"id": "task-unified-17571564');
        return true;
      case 'refusedWith200':
        this.sendJson(res, 200, { success: false, code: fault.code, msg: fault.msg, data: null });
        return true;
      case 'status': {
        const headers: Record<string, string> = {};
        if (fault.retryAfter !== undefined) headers['retry-after'] = fault.retryAfter;
        const types: Record<number, string> = {
          429: 'rate_limit_error',
          500: 'internal_server_error',
          502: 'upstream_error',
          503: 'service_unavailable_error',
        };
        if (fault.body === 'html') {
          const html = `<html>\r\n<head><title>${fault.status} Bad Gateway</title></head>\r\n<body>\r\n<center><h1>${fault.status} Bad Gateway</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n`;
          res.writeHead(fault.status, { 'content-type': 'text/html', ...headers });
          res.end(html);
        } else if (fault.body === 'empty') {
          res.writeHead(fault.status, headers);
          res.end();
        } else {
          this.sendError(
            res,
            new HttpError(fault.status, types[fault.status] ?? 'api_error', fault.code ?? fault.status, fault.message ?? `simulated ${fault.status}`),
            headers,
          );
        }
        return true;
      }
    }
  }

  private authenticate(req: IncomingMessage): KeyRecord {
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

  // ---- API origin ---------------------------------------------------------------------------

  private async handleApi(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', this.apiUrl);
    if (url.pathname.startsWith('/__simulator/')) {
      await this.handleControl(req, res, url);
      return;
    }
    let route: Route | undefined;
    if (req.method === 'POST' && url.pathname === '/v1/images/generations') route = 'submit';
    else if (req.method === 'GET' && /^\/v1\/tasks\/[^/]+$/.test(url.pathname)) route = 'task';
    else if (req.method === 'GET' && url.pathname === '/v1/credits') route = 'credits';

    const fault = route ? this.takeFault(route) : undefined;
    const late = fault && route === 'submit' && fault.kind !== 'status';
    if (fault && !late && (await this.applyFault(fault, res))) {
      this.log('api', req, fault.kind === 'status' ? fault.status : 0);
      return;
    }
    let body: Buffer | undefined;
    try {
      if (!route) {
        throw new HttpError(404, 'not_found_error', 'not_found', `No route for ${req.method} ${url.pathname}`);
      }
      const key = this.authenticate(req);
      if (route === 'credits') {
        this.sendJson(res, 200, {
          data: {
            token: {
              remaining_credits: key.limit === null ? key.account.balance : round(key.limit - key.used),
              unlimited_credits: key.limit === null,
              used_credits: round(key.used),
            },
            user: { remaining_credits: round(key.account.balance), used_credits: round(key.account.used) },
          },
          message: '',
          success: true,
        }, { 'x-request-id': this.nextRequestId() });
      } else if (route === 'task') {
        const id = decodeURIComponent(url.pathname.slice('/v1/tasks/'.length));
        const task = this.tasks.get(id);
        if (!task || task.key.account !== key.account) {
          throw new HttpError(404, 'not_found_error', 'task_not_found', `Task ${id} not found`);
        }
        await this.advance(task);
        this.sendJson(res, 200, this.taskJson(task), { 'x-request-id': this.nextRequestId() });
      } else {
        body = await readBody(req, maxJsonBody);
        const { task, replayed } = this.submit(key, req, body);
        if (late && fault && (await this.applyFault(fault, res))) {
          this.log('api', req, 0, body);
          return;
        }
        const headers: Record<string, string> = { 'x-request-id': this.nextRequestId() };
        if (replayed) headers['idempotency-replayed'] = 'true';
        this.sendJson(res, 200, replayed ? this.taskJson(task) : this.submitJson(task), headers);
      }
      this.log('api', req, 200, body);
    } catch (error) {
      if (!(error instanceof HttpError)) throw error;
      this.sendError(res, error);
      this.log('api', req, error.status, body);
    }
  }

  private submit(key: KeyRecord, req: IncomingMessage, body: Buffer): { task: Task; replayed: boolean } {
    const contentType = req.headers['content-type'] ?? '';
    if (!/^application\/json\b/i.test(contentType)) {
      throw new HttpError(400, 'invalid_request_error', 400, 'Content-Type must be application/json');
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(body.toString('utf8'));
    } catch {
      throw new HttpError(400, 'invalid_request_error', 400, 'request body is not valid JSON');
    }
    const idempotencyKey = req.headers['idempotency-key'] as string | undefined;
    const bodyHash = sha256(body);
    if (idempotencyKey !== undefined) {
      if (!/^[A-Za-z0-9._-]{16,96}$/.test(idempotencyKey)) {
        throw new HttpError(400, 'invalid_request_error', 'invalid_idempotency_key', 'Idempotency-Key must be 16 to 96 characters of A-Z, a-z, 0-9, ".", "_" and "-"', 'Idempotency-Key');
      }
      const seen = this.idempotency.get(`${key.account.id}|${idempotencyKey}`);
      if (seen) {
        if (seen.bodyHash !== bodyHash) {
          throw new HttpError(409, 'invalid_request_error', 'idempotency_conflict', 'This Idempotency-Key was already used with a different request body', 'Idempotency-Key');
        }
        return { task: this.tasks.get(seen.taskId) as Task, replayed: true };
      }
    }
    const validation = validateSubmit(parsed, (url) => this.lookupImage(url));
    if (!validation.ok) {
      const { code, message, param } = validation.refusal;
      throw new HttpError(400, 'invalid_request_error', code, message, param);
    }
    const request = validation.request;
    if (key.models && !key.models.includes(request.model)) {
      throw new HttpError(403, 'permission_error', 'key_model_not_allowed', `This API key may not use model ${request.model}`);
    }
    const reserved = round(request.rules.price * request.n);
    if (key.account.balance < reserved) {
      throw new HttpError(402, 'insufficient_quota_error', 'insufficient_user_quota', `Insufficient account balance: ${round(key.account.balance)} credits left, ${reserved} needed`);
    }
    if (key.limit !== null && key.limit - key.used < reserved) {
      throw new HttpError(402, 'insufficient_quota_error', 'insufficient_token_quota', `This key's credit limit is exhausted: ${round(key.limit - key.used)} credits left, ${reserved} needed`);
    }
    key.account.balance = round(key.account.balance - reserved);
    key.used = round(key.used + reserved);
    const created = Math.floor(this.clock.now() / 1000);
    this.taskCounter++;
    const suffix = createHash('sha256').update(`${created}-${this.taskCounter}-${randomBytes(4).toString('hex')}`).digest('base64url').replace(/[^a-z0-9]/gi, '').toLowerCase().slice(0, 8);
    const id = `task-unified-${created}-${suffix}`;
    const estimate = request.rules.estimatedSeconds * 1000;
    const jitter = (parseInt(createHash('sha256').update(id).digest('hex').slice(0, 8), 16) / 0xffffffff) * 0.7 + 0.45;
    const task: Task = {
      id,
      created,
      createdSim: this.clock.now(),
      durationMs: this.options.taskDurationMs ?? Math.round(estimate * jitter),
      key,
      request,
      reserved,
      outcome: this.takeOutcome(),
      status: 'pending',
      progress: 0,
      results: undefined,
      error: undefined,
      creditsUsed: undefined,
      finishing: undefined,
    };
    this.tasks.set(id, task);
    if (idempotencyKey !== undefined) {
      this.idempotency.set(`${key.account.id}|${idempotencyKey}`, { bodyHash, taskId: id });
    }
    return { task, replayed: false };
  }

  /** Moves a task along the clock: pending, processing with progress, then its outcome. */
  private async advance(task: Task): Promise<void> {
    if (task.finishing) {
      await task.finishing;
    }
    if (task.status === 'completed' || task.status === 'failed' || task.status === 'cancelled') {
      return;
    }
    const elapsed = this.clock.now() - task.createdSim;
    const fraction = elapsed / task.durationMs;
    const outcome = task.outcome;
    if (outcome?.kind === 'fail' && fraction >= 0.5) {
      this.settle(task, 0);
      task.status = 'failed';
      task.error = { code: outcome.code, message: outcome.message ?? failureMessages[outcome.code] };
      return;
    }
    if (outcome?.kind === 'cancelled' && fraction >= 0.3) {
      this.settle(task, 0);
      task.status = 'cancelled';
      return;
    }
    if (fraction < 0.1) {
      task.status = 'pending';
      task.progress = 0;
      return;
    }
    if (fraction < 1 || outcome?.kind === 'neverFinish') {
      const x = Math.min(1, (fraction - 0.1) / 0.9);
      task.status = 'processing';
      task.progress = Math.min(outcome?.kind === 'neverFinish' ? 95 : 99, Math.max(1, Math.round(100 * (1 - (1 - x) ** 2))));
      return;
    }
    task.finishing = this.finish(task);
    await task.finishing;
    task.finishing = undefined;
  }

  private async finish(task: Task): Promise<void> {
    const request = task.request;
    if (task.outcome?.kind === 'noResults') {
      this.settle(task, 0);
      task.results = [];
      task.status = 'completed';
      task.progress = 100;
      return;
    }
    const count = producedCount(request);
    const format = request.rules.resultFormat;
    const urls: string[] = [];
    for (let index = 0; index < count; index++) {
      const seed = JSON.stringify([request.model, request.prompt, request.sizeLabel, request.quality ?? '', request.imageUrls, index]);
      const bytes = await renderImage(seed, request.width, request.height, format, { noise: this.options.noisyResults });
      // The link ends in .png whatever the bytes are, as some CDNs do: the type is in the bytes.
      const url = `${this.cdnUrl}/results/${task.id}/${index}.png`;
      this.images.set(url, {
        bytes,
        format,
        width: request.width,
        height: request.height,
        mime: mimeOf[format] as string,
        expiresAtSim: this.clock.now() + resultLifetimeMs,
      });
      urls.push(url);
    }
    this.settle(task, round(count * request.rules.price));
    task.results = urls;
    task.status = 'completed';
    task.progress = 100;
  }

  /** Charges what was produced and returns the rest of the reservation. */
  private settle(task: Task, charge: number): void {
    const refund = round(task.reserved - charge);
    task.key.account.balance = round(task.key.account.balance + refund);
    task.key.account.used = round(task.key.account.used + charge);
    task.key.used = round(task.key.used - refund);
    task.creditsUsed = charge;
  }

  private submitJson(task: Task): unknown {
    return {
      created: task.created,
      id: task.id,
      model: task.request.model,
      object: 'image.generation.task',
      progress: 0,
      status: 'pending',
      task_info: { can_cancel: true, estimated_time: task.request.rules.estimatedSeconds },
      type: 'image',
      usage: { billing_rule: 'per_call', credits_reserved: task.reserved, user_group: 'default' },
    };
  }

  private taskJson(task: Task): unknown {
    const json: Record<string, unknown> = {
      created: task.created,
      id: task.id,
      model: task.request.model,
      object: 'image.generation.task',
      progress: task.progress,
      status: task.status === 'cancelled' && task.outcome?.kind === 'cancelled' ? (task.outcome.spelling ?? 'cancelled') : task.status,
      task_info: { can_cancel: task.status === 'pending' || task.status === 'processing' },
      type: 'image',
      usage: { billing_rule: 'per_call', credits_reserved: task.reserved, user_group: 'default' },
    };
    if (task.status === 'pending' || task.status === 'processing') {
      // The query answers the same object as the submit: the estimate does not count down.
      json.task_info = { can_cancel: true, estimated_time: task.request.rules.estimatedSeconds };
    }
    if (task.creditsUsed !== undefined) {
      (json.usage as Record<string, unknown>).credits_used = task.creditsUsed;
    }
    if (task.status === 'completed' && task.results) {
      const resultData = task.results.map((url) => ({ image_url: url }));
      if (task.outcome?.kind === 'resultDataOnly') {
        json.result_data = task.outcome.shape === 'object' ? resultData[0] : resultData;
      } else {
        json.results = task.results;
        if (this.options.resultData === 'array') json.result_data = resultData;
        if (this.options.resultData === 'object') json.result_data = resultData[0];
      }
    }
    if (task.status === 'failed' && task.error) {
      json.error = task.error;
    }
    return json;
  }

  private lookupImage(url: string): KnownImage | undefined {
    const image = this.images.get(url.split('?')[0] as string);
    return image && image.expiresAtSim > this.clock.now() ? image : undefined;
  }

  // ---- Files origin -------------------------------------------------------------------------

  private async handleFiles(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', this.filesUrl);
    const mode = req.method === 'POST' ? /^\/api\/v1\/files\/upload\/(stream|base64|url)$/.exec(url.pathname)?.[1] : undefined;
    const fault = mode ? this.takeFault('upload') : undefined;
    if (fault && (await this.applyFault(fault, res))) {
      this.log('files', req, fault.kind === 'status' ? fault.status : fault.kind === 'refusedWith200' ? 200 : 0);
      return;
    }
    const fail = (status: number, httpStatus: number, msg: string): void => {
      this.sendJson(res, httpStatus, { success: false, code: status, msg, data: null });
      this.log('files', req, httpStatus);
    };
    if (!mode) {
      fail(404, 404, `No route for ${req.method} ${url.pathname}`);
      return;
    }
    let key: KeyRecord;
    try {
      key = this.authenticate(req);
    } catch (error) {
      if (!(error instanceof HttpError)) throw error;
      fail(error.status, error.status, error.message);
      return;
    }
    let upload: { bytes: Buffer; name: string } | undefined;
    try {
      upload = await this.readUpload(mode, req);
    } catch (error) {
      if (error instanceof HttpError) {
        fail(error.status, error.status, error.message);
        return;
      }
      throw error;
    }
    if (!upload) {
      // The service answers some refusals with HTTP 200 and success: false.
      fail(400, 200, 'No file was provided');
      return;
    }
    const info = await inspectImage(upload.bytes);
    if (!info || !uploadRules.formats.includes(info.format)) {
      fail(400, 200, `Unsupported file type${info ? ` (${info.format})` : ''}; images must be JPEG, PNG, GIF, WebP, BMP or TIFF`);
      return;
    }
    const now = this.clock.now();
    const live = [...this.files.values()].filter((file) => file.accountId === key.account.id && file.expiresAtSim > now);
    if (live.length >= uploadRules.maxFilesPerAccount) {
      fail(403, 200, `File quota exceeded: an account holds at most ${uploadRules.maxFilesPerAccount} files`);
      return;
    }
    const id = `file_${randomBytes(9).toString('base64url').replace(/[^a-z0-9]/gi, 'x')}`;
    const safeName = upload.name.replace(/[^\w.-]+/g, '_') || `upload.${info.format}`;
    const fileUrl = `${this.cdnUrl}/files/${id}/${safeName}`;
    const file: StoredFile = {
      id,
      name: safeName,
      mime: mimeOf[info.format] as string,
      accountId: key.account.id,
      url: fileUrl,
      expiresAtSim: now + uploadRules.lifetimeMs,
      bytes: upload.bytes,
      format: info.format,
      width: info.width,
      height: info.height,
    };
    this.files.set(id, file);
    this.images.set(fileUrl, { ...file });
    this.sendJson(res, 200, {
      success: true,
      code: 200,
      msg: 'upload success',
      data: {
        file_id: id,
        file_name: safeName,
        original_name: upload.name,
        file_size: upload.bytes.length,
        mime_type: file.mime,
        file_url: fileUrl,
        download_url: `${fileUrl}?download=1`,
        upload_time: new Date(now).toISOString(),
        expires_at: new Date(file.expiresAtSim).toISOString(),
      },
    });
    this.log('files', req, 200, upload.bytes);
  }

  private async readUpload(mode: string, req: IncomingMessage): Promise<{ bytes: Buffer; name: string } | undefined> {
    if (mode === 'stream') {
      if (!/^multipart\/form-data/i.test(req.headers['content-type'] ?? '')) {
        throw new HttpError(400, 'invalid_request_error', 400, 'Content-Type must be multipart/form-data');
      }
      return new Promise((resolve, reject) => {
        let found: { bytes: Buffer; name: string } | undefined;
        let tooLarge = false;
        const parser = busboy({ headers: req.headers, limits: { fileSize: uploadRules.maxBytes, files: 1 } });
        parser.on('file', (field, stream, info) => {
          const chunks: Buffer[] = [];
          stream.on('data', (chunk: Buffer) => chunks.push(chunk));
          stream.on('limit', () => {
            tooLarge = true;
          });
          stream.on('end', () => {
            if (field === 'file') found = { bytes: Buffer.concat(chunks), name: info.filename || 'upload' };
          });
        });
        parser.on('error', () => reject(new HttpError(400, 'invalid_request_error', 400, 'Malformed multipart body')));
        parser.on('close', () => {
          if (tooLarge) reject(new HttpError(413, 'request_too_large_error', 413, `File is larger than ${uploadRules.maxBytes / (1024 * 1024)}MB`));
          else resolve(found);
        });
        req.pipe(parser);
      });
    }
    const body = await readBody(req, Math.ceil(uploadRules.maxBytes * 1.4));
    let json: Record<string, unknown>;
    try {
      json = JSON.parse(body.toString('utf8')) as Record<string, unknown>;
    } catch {
      throw new HttpError(400, 'invalid_request_error', 400, 'request body is not valid JSON');
    }
    const name = typeof json.file_name === 'string' ? json.file_name : 'upload';
    if (mode === 'base64') {
      if (typeof json.base64_data !== 'string') return undefined;
      const data = json.base64_data.replace(/^data:[^;,]+;base64,/, '');
      const bytes = Buffer.from(data, 'base64');
      if (bytes.length > uploadRules.maxBytes) {
        throw new HttpError(413, 'request_too_large_error', 413, `File is larger than ${uploadRules.maxBytes / (1024 * 1024)}MB`);
      }
      return { bytes, name };
    }
    if (typeof json.file_url !== 'string') return undefined;
    const known = this.lookupImage(json.file_url);
    return known ? { bytes: Buffer.from(known.bytes), name: name === 'upload' ? (json.file_url.split('/').pop() ?? name) : name } : undefined;
  }

  // ---- CDN origin ---------------------------------------------------------------------------

  private async handleCdn(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const fault = this.takeFault('cdn');
    if (fault && (await this.applyFault(fault, res))) {
      this.log('cdn', req, fault.kind === 'status' ? fault.status : 0);
      return;
    }
    const deny = (status: number, code: string, message: string): void => {
      const xml = `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${code}</Code><Message>${message}</Message></Error>`;
      res.writeHead(status, { 'content-type': 'application/xml' });
      res.end(xml);
      this.log('cdn', req, status);
    };
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      deny(405, 'MethodNotAllowed', 'The specified method is not allowed against this resource.');
      return;
    }
    if (req.headers.authorization !== undefined) {
      deny(400, 'InvalidArgument', 'Only one auth mechanism allowed; an Authorization header is not accepted for signed links.');
      return;
    }
    const agent = req.headers['user-agent'] ?? '';
    if (blockedAgents.some((pattern) => pattern.test(agent))) {
      deny(403, 'AccessDenied', 'Requests without a real User-Agent are blocked.');
      return;
    }
    const path = (req.url ?? '/').split('?')[0] as string;
    const image = this.images.get(`${this.cdnUrl}${path}`);
    if (!image) {
      deny(404, 'NoSuchKey', 'The specified key does not exist.');
      return;
    }
    if (image.expiresAtSim <= this.clock.now()) {
      deny(403, 'AccessDenied', 'Request has expired');
      return;
    }
    res.writeHead(200, {
      'content-type': image.mime,
      'content-length': image.bytes.length,
      'cache-control': 'private, max-age=86400',
    });
    res.end(req.method === 'HEAD' ? undefined : image.bytes);
    this.log('cdn', req, 200);
  }

  // ---- Control API (loopback only, no auth) -----------------------------------------------

  private async handleControl(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
    const body = req.method === 'POST' ? await readBody(req, maxJsonBody) : Buffer.alloc(0);
    let json: Record<string, unknown> = {};
    try {
      json = body.length ? (JSON.parse(body.toString('utf8')) as Record<string, unknown>) : {};
    } catch {
      this.sendJson(res, 400, { error: 'body is not JSON' });
      return;
    }
    const op = url.pathname.slice('/__simulator/'.length);
    switch (`${req.method} ${op}`) {
      case 'GET info':
        this.sendJson(res, 200, { urls: this.urls, keys: [...this.keys.keys()] });
        return;
      case 'GET requests':
        this.sendJson(res, 200, this.requests);
        return;
      case 'POST reset':
        this.reset();
        break;
      case 'POST faults':
        this.addFault(json.route as Route, json.fault as HttpFault, typeof json.times === 'number' ? json.times : 1);
        break;
      case 'POST task-outcomes':
        this.addTaskOutcome(json.outcome as TaskOutcome, typeof json.times === 'number' ? json.times : 1);
        break;
      case 'POST keys':
        this.setKey(String(json.key), json);
        break;
      case 'POST clock':
        if (typeof json.speed === 'number') this.setSpeed(json.speed);
        if (typeof json.advanceMs === 'number') this.advanceClock(json.advanceMs);
        break;
      default:
        this.sendJson(res, 404, { error: `unknown control ${req.method} ${op}` });
        return;
    }
    this.sendJson(res, 200, { ok: true });
  }
}

function round(value: number): number {
  return Math.round(value * 10000) / 10000;
}

const failureMessages: Record<TaskErrorCode, string> = {
  content_policy_violation: 'Content policy violation. The prompt or image was flagged by the safety system.',
  invalid_parameters: 'Invalid parameters for this model.',
  image_processing_error: 'The input image could not be processed.',
  image_dimension_mismatch: 'The mask and the image have different dimensions.',
  request_cancelled: 'The request was cancelled.',
  generation_failed_no_content: 'The model produced no content for this prompt.',
  service_error: 'The upstream service had an error.',
  generation_timeout: 'Generation timed out.',
  resource_exhausted: 'The upstream resources are exhausted; try again in 30-60 seconds.',
  quota_exceeded: 'The upstream quota is exceeded; try again later.',
  service_unavailable: 'The service is temporarily unavailable; try again in 1-2 minutes.',
  resource_not_found: 'The resource was not found or has expired.',
  unknown_error: 'An unknown error occurred.',
};
