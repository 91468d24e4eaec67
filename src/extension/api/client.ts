import { EvoLinkError, refusalInEnvelope } from '../../common/errors';
import { defaultGetRetryPolicy, gatewayStatuses, maxRetryWaitMs, retryDelay, type RetryPolicy } from '../../common/retry';
import type { SubmitBody } from '../../common/request';
import { clockAhead, creditsResponseSchema, maxBatchTaskIds, taskBatchSchema, taskListSchema, taskSchema, listedTasks, toBalance, toBatchSnapshots, toSnapshot, uploadResponseSchema, type Balance, type TaskListItem, type TaskSnapshot } from '../../common/wire';
import type { HttpRequest, HttpResponse, Transport } from '../net/transport';
import { downloadResult, type DownloadOptions } from './download';
import { apiErrorOf } from './errorAnswer';
import { readJsonAnswer } from './jsonAnswer';
import type { DownloadSink } from './resultBody';

export type { DownloadSink } from './resultBody';
export { maxRedirects, type DownloadOptions } from './download';

/** Where the client sends its calls, from the settings. */
export interface Endpoints {
  /** `evolink.apiBaseUrl`, already checked and without a trailing slash. */
  api: string;
  /** `evolink.filesApiBaseUrl`, already checked and without a trailing slash. */
  files: string;
}

/** A line for the log; the client never hands it the key, a header or a body. */
export type ClientLogger = (level: 'debug' | 'warn', message: string) => void;

/** What the client needs from its host. */
export interface ClientOptions {
  transport: Transport;
  endpoints: () => Endpoints;
  /** `<extension-id>/<version>`, sent on every request. */
  userAgent: string;
  log?: ClientLogger;
  /** Timeout of one API call; read at each call, so a changed setting applies at once. */
  timeoutMs?: () => number;
  getRetryPolicy?: RetryPolicy;
  /** Waits between retries; replaced by tests. */
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
}

/** Per call: which key to use, and how to stop. */
export interface CallOptions {
  apiKey: string;
  signal?: AbortSignal;
  /** This call's own timeout, instead of the setting's. */
  timeoutMs?: number;
  /** The longest nothing may go or come, where shorter than the timeout (an upload's). */
  idleMs?: number;
  /** A read tried once, without the retries of the client's policy (a probe whose answer is wanted now). */
  once?: boolean;
}

function abortableSleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(new EvoLinkError('cancelled', 'Cancelled.'));
      return;
    }
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(new EvoLinkError('cancelled', 'Cancelled.'));
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/** The slowest uplink an upload is given time for: 1 Mbit/s, in bytes per millisecond. */
const uploadBytesPerMs = 125;
/** The pieces an upload is handed to the network in. */
const uploadSliceBytes = 256 * 1024;

/**
 * A refusal of the files API, told as such: a 403 there is a full file quota, a 413 a file too
 * large, not a key that may not generate. The key (401), credits, rate limits, the network and
 * the service's own faults keep their reasons. A redirect refused nothing: the upload was not
 * carried out there (a moved address, a sign-in page), and is told as an API call's redirect is,
 * with the setting of the files address in `param`.
 */
function uploadRefused(error: unknown): unknown {
  if (!(error instanceof EvoLinkError) || !['invalidRequest', 'permission', 'notFound', 'invalidResponse'].includes(error.reason) || error.details.status === undefined) return error;
  if (error.details.status >= 300 && error.details.status < 400) return new EvoLinkError(error.reason, error.message, { ...error.details, param: 'evolink.filesApiBaseUrl' });
  return new EvoLinkError('uploadFailed', error.message, error.details);
}

/** The page size of the task list the vendor's clients ask for, and how many pages a search reads at most. */
const listPageSize = 20;
const maxListPages = 5;

/** How long a task batch may take to answer before each task is read on its own instead. */
const batchTimeoutMs = 10_000;

/**
 * The one EvoLink client of a window. It knows the endpoints, the headers, the error mapping
 * and which calls may be retried; it holds no key (each call brings one) and no state.
 */
export class EvoLinkClient {
  private readonly retryPolicy: RetryPolicy;
  private readonly sleep: (ms: number, signal?: AbortSignal) => Promise<void>;

  constructor(private readonly options: ClientOptions) {
    this.retryPolicy = options.getRetryPolicy ?? defaultGetRetryPolicy;
    this.sleep = options.sleep ?? abortableSleep;
  }

  /** The API base URL calls go to now (it follows the settings). */
  apiBase(): string {
    return this.options.endpoints().api;
  }

  /** The files API base URL uploads go to now. */
  filesBase(): string {
    return this.options.endpoints().files;
  }

  /** `GET /v1/credits`: the balance of the account and of the key. Retried when safe. */
  async getBalance(call: CallOptions): Promise<Balance> {
    const json = await this.getJson(`${this.options.endpoints().api}/v1/credits`, call);
    const refusal = refusalInEnvelope(json);
    if (refusal) throw refusal;
    const parsed = creditsResponseSchema.safeParse(json);
    if (!parsed.success) {
      throw new EvoLinkError('invalidResponse', 'The credits answer did not have the documented shape.', {
        cause: parsed.error,
      });
    }
    return toBalance(parsed.data);
  }

  /**
   * `POST /v1/images/generations`, paid. It carries an `Idempotency-Key`; when its outcome is
   * unknown (the connection dropped, the answer timed out or a gateway failed), it is sent again
   * with the same key and body, which the service answers with the original task instead of
   * starting (and charging) a second one. A refusal (4xx) is never repeated. Once any attempt's
   * outcome was unknown, the final failure is marked unknown too, whatever it is: a 429 or 402
   * that follows a lost answer says nothing of the first attempt. No attempt starts after
   * `replayUntil` (ms since the epoch), and none may outlast it. Answers the task, whether the
   * service marked it a replay, and when the first attempt of this call whose outcome was unknown
   * started (ms since the epoch; absent: none was).
   */
  async submit(body: SubmitBody, idempotencyKey: string, call: CallOptions, replayUntil = Number.POSITIVE_INFINITY): Promise<{ task: TaskSnapshot; replayed: boolean; lostSince?: number }> {
    const url = `${this.options.endpoints().api}/v1/images/generations`;
    const text = JSON.stringify(body);
    let lostSince: number | undefined;
    for (let attempt = 1; ; attempt++) {
      const startedAt = Date.now();
      try {
        const left = replayUntil - Date.now();
        const timeoutMs = Math.max(1000, Math.min(this.options.timeoutMs?.() ?? 30_000, left));
        const response = await this.send('POST', url, { ...call, timeoutMs }, text, { 'idempotency-key': idempotencyKey });
        const task = this.parseTask(await readJsonAnswer(response, url, call.apiKey));
        return { task, replayed: response.header('idempotency-replayed')?.trim().toLowerCase() === 'true', ...(lostSince === undefined ? {} : { lostSince }) };
      } catch (error) {
        if (!(error instanceof EvoLinkError)) throw error;
        const status = error.details.status;
        // A 2xx answer that cannot be read may well stand for a task that was made; a connection
        // never made (refused, a name not found) sent nothing, and is simply tried again.
        const unknownOutcome =
          !error.details.notSent && (error.reason === 'network' || error.reason === 'timeout' || status === 500 || (status !== undefined && gatewayStatuses.has(status)) || (error.reason === 'invalidResponse' && status !== undefined && status < 300));
        if (unknownOutcome) lostSince ??= startedAt;
        const retried = unknownOutcome || error.reason === 'rateLimited' || error.reason === 'network';
        const wait = retried ? retryDelay(error, attempt, this.retryPolicy) : undefined;
        if (wait === undefined || call.signal?.aborted || Date.now() + wait >= replayUntil) {
          if (lostSince !== undefined) error.details.outcomeUnknown = true;
          throw error;
        }
        this.options.log?.('warn', `POST /v1/images/generations: ${error.reason}${status ? ` ${status}` : ''}; asking again with the same Idempotency-Key in ${wait} ms`);
        await this.sleep(wait, call.signal);
      }
    }
  }

  /** `GET /v1/tasks/{id}`. Retried when safe. */
  async getTask(taskId: string, call: CallOptions): Promise<TaskSnapshot> {
    const url = `${this.options.endpoints().api}/v1/tasks/${encodeURIComponent(taskId)}`;
    const task = this.parseTask(await this.getJson(url, call));
    // Another task's answer (a cache or a proxy that mixed them up) is no answer about this one.
    if (task.id !== taskId) throw new EvoLinkError('invalidResponse', 'The answer was about another task.', { code: 'otherTask' });
    return task;
  }

  /**
   * `POST /v1/tasks/batch`: many tasks in one request (at most {@link maxBatchTaskIds}). Not in
   * the public docs (the vendor's own clients use it): a service that does not answer it fails
   * with its 404 or 405, and the caller reads each task with {@link getTask} instead. It only
   * reads, but it is tried only once, and given up after {@link batchTimeoutMs}: after a failure
   * the caller reads each task on its own at once. Answers the snapshots by id; unknown, foreign or
   * expired ids, and items that are not task objects, are absent.
   */
  async getTasks(taskIds: readonly string[], call: CallOptions): Promise<Map<string, TaskSnapshot>> {
    if (taskIds.length < 1 || taskIds.length > maxBatchTaskIds) throw new RangeError(`A batch reads 1 to ${maxBatchTaskIds} tasks, not ${taskIds.length}.`);
    const url = `${this.options.endpoints().api}/v1/tasks/batch`;
    const timeoutMs = Math.min(call.timeoutMs ?? this.options.timeoutMs?.() ?? 30_000, batchTimeoutMs);
    const json = await this.readWithRetries('POST', url, { ...call, timeoutMs, once: true }, JSON.stringify({ task_ids: taskIds }));
    const refusal = refusalInEnvelope(json);
    if (refusal) throw refusal;
    const parsed = taskBatchSchema.safeParse(json);
    if (!parsed.success) throw new EvoLinkError('invalidResponse', 'The task batch did not have the expected shape.', { cause: parsed.error });
    return toBatchSnapshots(parsed.data, taskIds);
  }

  /**
   * Uploads one local image to the files API (multipart) and answers its URL. The answer's
   * `success` decides, not only the HTTP status. Not retried: an upload costs no credits, but a
   * duplicate uses one of the account's 100 file slots. Its time grows with its size: the request
   * timeout, plus the time the bytes take at 1 Mbit/s (a slow uplink sends 50 MB in 400 s).
   */
  async upload(bytes: Uint8Array, fileName: string, mime: string, call: CallOptions): Promise<{ fileUrl: string; expiresAt: string | undefined }> {
    const url = `${this.options.endpoints().files}/api/v1/files/upload/stream`;
    const boundary = `----evolink${Math.random().toString(16).slice(2)}${Date.now().toString(16)}`;
    const safeName = fileName.replace(/["\r\n\\]/g, '_');
    const head = new TextEncoder().encode(`--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="${safeName}"\r\nContent-Type: ${mime}\r\n\r\n`);
    const tail = new TextEncoder().encode(`\r\n--${boundary}--\r\n`);
    const length = head.length + bytes.length + tail.length;
    // Sent in slices as the network takes them, each feeding the exchange's watchdog: an upload the
    // server stopped taking fails after the request timeout without a byte, not after all the time
    // its size was given.
    const pieces = [head, ...Array.from({ length: Math.ceil(bytes.length / uploadSliceBytes) }, (_, i) => bytes.subarray(i * uploadSliceBytes, (i + 1) * uploadSliceBytes)), tail];
    const body: AsyncIterable<Uint8Array> = {
      [Symbol.asyncIterator]: () => {
        let next = 0;
        return { next: () => Promise.resolve(next < pieces.length ? { value: pieces[next++]!, done: false } : { value: undefined, done: true as const }) };
      },
    };
    const idleMs = call.timeoutMs ?? this.options.timeoutMs?.() ?? 30_000;
    const timeoutMs = idleMs + Math.ceil(length / uploadBytesPerMs);
    const headers = { 'content-type': `multipart/form-data; boundary=${boundary}`, 'content-length': String(length) };
    const response = await this.sendUpload(url, { ...call, timeoutMs, idleMs }, body, headers);
    const parsed = uploadResponseSchema.safeParse(await readJsonAnswer(response, url, call.apiKey));
    if (!parsed.success) {
      throw new EvoLinkError('invalidResponse', 'The upload answer did not have the documented shape.', { cause: parsed.error });
    }
    if (!parsed.data.success || !parsed.data.data) {
      throw new EvoLinkError('uploadFailed', parsed.data.msg ?? 'The upload was refused.', { code: String(parsed.data.code ?? ''), status: response.status });
    }
    // A link that is no web address would only be refused by the paid request it goes into.
    const fileUrl = parsed.data.data.file_url.trim();
    if (!/^https?:\/\/[^/\s]/i.test(fileUrl)) throw new EvoLinkError('invalidResponse', 'The upload answer had no link to the file.', { status: response.status });
    return { fileUrl, expiresAt: parsed.data.data.expires_at };
  }

  /**
   * Sends an upload, again after a rate limit (429, as long as `Retry-After` asks, at most 30 s)
   * or a connection never made: neither stored a file. Anything else may have stored one (one of
   * the account's 100 slots), or would refuse it again, and is not sent again.
   */
  private async sendUpload(url: string, call: CallOptions & { timeoutMs: number; idleMs: number }, body: AsyncIterable<Uint8Array>, headers: Record<string, string>): Promise<HttpResponse> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.send('POST', url, call, body, headers);
      } catch (error) {
        // Only a connection never made: a redirect, a certificate or a proxy refuses every resend alike.
        const again = error instanceof EvoLinkError && (error.reason === 'rateLimited' || (error.reason === 'network' && error.details.notSent === true));
        if (!again || attempt >= this.retryPolicy.attempts || call.signal?.aborted) throw uploadRefused(error);
        const wait = Math.min(maxRetryWaitMs, error.details.retryAfterMs ?? this.retryPolicy.baseDelayMs * 2 ** (attempt - 1));
        this.options.log?.('warn', `Upload: ${error.reason}${error.details.status ? ` ${error.details.status}` : ''}; sending it again in ${wait} ms`);
        await this.sleep(wait, call.signal);
      }
    }
  }

  /**
   * Downloads a result into `sink`, chunk by chunk, without an Authorization header (result
   * links are third-party CDNs) and with a real User-Agent. Redirects are followed by hand, at
   * most {@link maxRedirects}, each hop checked by `checkLink` like the link itself (http(s)
   * only, never into this machine's network). A body has no total time while it keeps coming: it
   * is given up when it sends nothing for `idleMs`, or comes slower than `minRate`. Stops at
   * `maxBytes`. A link the CDN refuses as missing or expired fails with the reason `expired`.
   * Network failures, stalls and gateway errors are retried: from where the body stopped where
   * the server takes byte ranges for it, from the start (`sink.reset()`) otherwise (download.ts).
   */
  async download(url: string, sink: DownloadSink, options: DownloadOptions): Promise<number> {
    const { transport, userAgent, log } = this.options;
    return downloadResult({ transport, userAgent, retryPolicy: this.retryPolicy, sleep: this.sleep, ...(log ? { log } : {}) }, url, sink, options);
  }

  /**
   * `GET /v1/tasks`: the account's recent tasks, without result links. Not in the public docs
   * (the vendor's own clients use it): a service that does not answer it fails with `notFound`.
   * `createdSince` is in seconds on this machine's clock; the first page's Date header tells how
   * far the service's clock is ahead of it (`aheadMs`), and the pages reach back to the earlier of
   * the moment on both clocks.
   */
  async listTasks(filter: { model?: string; createdSince?: number }, call: CallOptions): Promise<{ items: TaskListItem[]; complete: boolean; aheadMs?: number }> {
    const items = new Map<string, TaskListItem>();
    let unreadable = false;
    let aheadMs: number | undefined;
    const done = (complete: boolean) => ({ items: [...items.values()], complete, ...(aheadMs === undefined ? {} : { aheadMs }) });
    for (let page = 1; page <= maxListPages; page++) {
      const query = new URLSearchParams({ page: String(page), page_size: String(listPageSize) });
      if (filter.model) query.set('model', filter.model);
      const asked = Date.now();
      const json = await this.readWithRetries('GET', `${this.options.endpoints().api}/v1/tasks?${query.toString()}`, call, undefined, (response) => {
        aheadMs ??= clockAhead(response.header('date'), (asked + Date.now()) / 2);
      });
      // A gateway's refusal in its envelope (`success: false`, no data) is no empty list.
      const refusal = refusalInEnvelope(json);
      if (refusal) throw refusal;
      const parsed = taskListSchema.safeParse(json);
      if (!parsed.success) throw new EvoLinkError('invalidResponse', 'The task list did not have the expected shape.', { cause: parsed.error });
      const listed = listedTasks(parsed.data);
      // An item that names no task may be the one looked for: the list no longer tells all.
      if (listed.length < parsed.data.data.length) unreadable = true;
      // A task made between two pages moves one down: the same item twice is one task.
      const fresh = listed.filter((item) => !items.has(item.id));
      for (const item of fresh) items.set(item.id, item);
      // The last page is one that is not full, by the page size the service used (it may be below
      // the one asked for), unless the service's total says more tasks follow. A total never ends
      // a full page: gateways send the page's own count, or a stale one.
      const { total } = parsed.data;
      const pageSize = Math.min(listPageSize, parsed.data.page_size ?? listPageSize);
      const count = parsed.data.data.length;
      const last = count === 0 || (count < pageSize && (total === undefined || items.size >= total));
      // The next page only while this one was not the last and reached no older task than asked for.
      const oldest = Math.min(...listed.map((item) => item.createdAt ?? Number.POSITIVE_INFINITY));
      const since = filter.createdSince === undefined ? undefined : filter.createdSince + Math.min(0, (aheadMs ?? 0) / 1000);
      if (last || since === undefined || oldest < since) return done(!unreadable);
      // A service that answers every page alike (it ignores `page`) tells no more.
      if (fresh.length === 0) break;
    }
    return done(false);
  }

  private parseTask(json: unknown): TaskSnapshot {
    const parsed = taskSchema.safeParse(json);
    if (!parsed.success) {
      throw new EvoLinkError('invalidResponse', 'The task answer did not have the documented shape.', { cause: parsed.error });
    }
    return toSnapshot(parsed.data);
  }

  /** A GET that answers JSON, retried on rate limits, gateway errors and network failures. */
  private getJson(url: string, call: CallOptions): Promise<unknown> {
    return this.readWithRetries('GET', url, call);
  }

  /**
   * A request that only reads (a GET, or a POST that carries a query such as the task batch) and
   * answers JSON, retried on rate limits, gateway errors and network failures.
   */
  private async readWithRetries(method: 'GET' | 'POST', url: string, call: CallOptions, body?: string, answered?: (response: HttpResponse) => void): Promise<unknown> {
    const policy = call.once ? { ...this.retryPolicy, attempts: 1 } : this.retryPolicy;
    for (let attempt = 1; ; attempt++) {
      try {
        const response = await this.send(method, url, call, body);
        answered?.(response);
        return await readJsonAnswer(response, url, call.apiKey);
      } catch (error) {
        if (!(error instanceof EvoLinkError)) {
          throw error;
        }
        const wait = retryDelay(error, attempt, policy);
        if (wait === undefined || call.signal?.aborted) {
          throw error;
        }
        const where = new URL(url);
        this.options.log?.('warn', `${method} ${where.host}${where.pathname} failed (${error.reason}: ${error.message}); retrying in ${wait} ms`);
        await this.sleep(wait, call.signal);
      }
    }
  }

  private async send(
    method: 'GET' | 'POST',
    url: string,
    call: CallOptions,
    body?: HttpRequest['body'],
    extraHeaders: Record<string, string> = {},
  ): Promise<HttpResponse> {
    const started = Date.now();
    const headers: Record<string, string> = {
      authorization: `Bearer ${call.apiKey}`,
      accept: 'application/json',
      'user-agent': this.options.userAgent,
    };
    if (body !== undefined) {
      headers['content-type'] = 'application/json';
    }
    Object.assign(headers, extraHeaders);
    const request = { method, url, headers, timeoutMs: call.timeoutMs ?? this.options.timeoutMs?.() ?? 30_000, ...(call.idleMs === undefined ? {} : { idleMs: call.idleMs }), ...(body === undefined ? {} : { body }) };
    const response = await this.options.transport.send(call.signal ? { ...request, signal: call.signal } : request);
    this.options.log?.('debug', `${method} ${new URL(url).pathname} -> ${response.status} in ${Date.now() - started} ms`);
    if (response.status < 200 || response.status > 299) {
      throw await apiErrorOf(response, url, call.apiKey, { ...(call.signal ? { signal: call.signal } : {}), ...(this.options.log ? { log: this.options.log } : {}) });
    }
    return response;
  }
}
