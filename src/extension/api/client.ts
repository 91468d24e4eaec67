import { EvoLinkError, errorFromHttpResponse } from '../../common/errors';
import { defaultGetRetryPolicy, retryDelay, type RetryPolicy } from '../../common/retry';
import { creditsResponseSchema, toBalance, type Balance } from '../../common/wire';
import type { HttpResponse, Transport } from '../net/transport';

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
  /** Timeout of one API call. */
  timeoutMs?: number;
  getRetryPolicy?: RetryPolicy;
  /** Waits between retries; replaced by tests. */
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
}

/** Per call: which key to use, and how to stop. */
export interface CallOptions {
  apiKey: string;
  signal?: AbortSignal;
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

/**
 * The one EvoLink client of a window. It knows the endpoints, the headers, the error mapping
 * and which calls may be retried; it holds no key (each call brings one) and no state.
 */
export class EvoLinkClient {
  private readonly timeoutMs: number;
  private readonly retryPolicy: RetryPolicy;
  private readonly sleep: (ms: number, signal?: AbortSignal) => Promise<void>;

  constructor(private readonly options: ClientOptions) {
    this.timeoutMs = options.timeoutMs ?? 30_000;
    this.retryPolicy = options.getRetryPolicy ?? defaultGetRetryPolicy;
    this.sleep = options.sleep ?? abortableSleep;
  }

  /** `GET /v1/credits`: the balance of the account and of the key. Retried when safe. */
  async getBalance(call: CallOptions): Promise<Balance> {
    const json = await this.getJson(`${this.options.endpoints().api}/v1/credits`, call);
    const parsed = creditsResponseSchema.safeParse(json);
    if (!parsed.success) {
      throw new EvoLinkError('invalidResponse', 'The credits answer did not have the documented shape.', {
        cause: parsed.error,
      });
    }
    return toBalance(parsed.data);
  }

  /** A GET that answers JSON, retried on rate limits, gateway errors and network failures. */
  private async getJson(url: string, call: CallOptions): Promise<unknown> {
    for (let attempt = 1; ; attempt++) {
      try {
        const response = await this.send('GET', url, call);
        return await this.readJson(response, url);
      } catch (error) {
        if (!(error instanceof EvoLinkError)) {
          throw error;
        }
        const wait = retryDelay(error, attempt, this.retryPolicy);
        if (wait === undefined || call.signal?.aborted) {
          throw error;
        }
        const where = new URL(url);
        this.options.log?.('warn', `GET ${where.host}${where.pathname} failed (${error.reason}: ${error.message}); retrying in ${wait} ms`);
        await this.sleep(wait, call.signal);
      }
    }
  }

  private async send(method: 'GET' | 'POST', url: string, call: CallOptions, body?: string): Promise<HttpResponse> {
    const started = Date.now();
    const headers: Record<string, string> = {
      authorization: `Bearer ${call.apiKey}`,
      accept: 'application/json',
      'user-agent': this.options.userAgent,
    };
    if (body !== undefined) {
      headers['content-type'] = 'application/json';
    }
    const request = { method, url, headers, timeoutMs: this.timeoutMs, ...(body === undefined ? {} : { body }) };
    const response = await this.options.transport.send(call.signal ? { ...request, signal: call.signal } : request);
    this.options.log?.('debug', `${method} ${new URL(url).pathname} -> ${response.status} in ${Date.now() - started} ms`);
    if (response.status < 200 || response.status > 299) {
      const text = await response.text(64 * 1024);
      throw errorFromHttpResponse(response.status, text, (name) => response.header(name));
    }
    return response;
  }

  private async readJson(response: HttpResponse, url: string): Promise<unknown> {
    const text = await response.text();
    try {
      return JSON.parse(text) as unknown;
    } catch (error) {
      throw new EvoLinkError('invalidResponse', `${new URL(url).pathname} answered with something that is not JSON.`, {
        status: response.status,
        cause: error,
      });
    }
  }
}
