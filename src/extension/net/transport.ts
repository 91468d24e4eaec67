import { EnvHttpProxyAgent, request, type Dispatcher } from 'undici';
import { EvoLinkError } from '../../common/errors';

/*
 * The one adapter over undici. Everything that goes over the network goes through a
 * {@link Transport}, so proxies, TLS settings, timeouts and cancellation are handled once.
 * undici is used (not the global fetch) because VS Code's proxy support patches Node's http
 * module, which fetch bypasses: the proxy settings are applied here instead.
 */

/** The proxy settings VS Code and the environment give. */
export interface ProxySettings {
  /** `http.proxy`; empty to use the environment. */
  proxy: string;
  /** `http.proxyStrictSSL`: verify TLS certificates. */
  strictSSL: boolean;
  /** `http.noProxy`: hosts that bypass the proxy. */
  noProxy: readonly string[];
}

/** One HTTP request. The body is sent as given; the caller sets its content type. */
export interface HttpRequest {
  method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  url: string;
  headers: Record<string, string>;
  body?: string | Uint8Array | AsyncIterable<Uint8Array>;
  /** The longest the whole exchange (headers and body) may take. */
  timeoutMs: number;
  signal?: AbortSignal;
}

/** An HTTP answer whose body has not been read yet. */
export interface HttpResponse {
  status: number;
  header(name: string): string | undefined;
  /** Reads the body as text, at most `maxBytes` (the rest is dropped). */
  text(maxBytes?: number): Promise<string>;
  /** The body as a stream of chunks; read it once. */
  body: AsyncIterable<Uint8Array>;
  /** Frees the connection when the body is not wanted. */
  discard(): Promise<void>;
}

/** Sends HTTP requests. */
export interface Transport {
  send(request: HttpRequest): Promise<HttpResponse>;
  dispose(): Promise<void>;
}

function environmentProxy(name: string): string | undefined {
  return process.env[name] ?? process.env[name.toLowerCase()] ?? undefined;
}

/** Builds the undici dispatcher for the given proxy settings. */
function createDispatcher(settings: ProxySettings): Dispatcher {
  const noProxy = [environmentProxy('NO_PROXY'), ...settings.noProxy].filter(Boolean).join(',');
  const tls = { rejectUnauthorized: settings.strictSSL };
  const explicit = settings.proxy.trim();
  return new EnvHttpProxyAgent({
    httpProxy: explicit || environmentProxy('HTTP_PROXY'),
    httpsProxy: explicit || environmentProxy('HTTPS_PROXY') || environmentProxy('HTTP_PROXY'),
    noProxy,
    connect: tls,
    requestTls: tls,
    proxyTls: tls,
  });
}

function isAbortError(error: unknown): boolean {
  return error instanceof Error && (error.name === 'AbortError' || error.name === 'TimeoutError');
}

/** Creates the undici transport. */
export function createUndiciTransport(settings: ProxySettings): Transport {
  const dispatcher = createDispatcher(settings);
  return {
    async send(req: HttpRequest): Promise<HttpResponse> {
      const timeout = AbortSignal.timeout(req.timeoutMs);
      const signal = req.signal ? AbortSignal.any([req.signal, timeout]) : timeout;
      try {
        const answer = await request(req.url, {
          method: req.method,
          headers: req.headers,
          body: req.body as Dispatcher.DispatchOptions['body'],
          signal,
          dispatcher,
          headersTimeout: req.timeoutMs,
          bodyTimeout: req.timeoutMs,
        });
        const body = answer.body;
        const read = async function* (): AsyncIterable<Uint8Array> {
          try {
            for await (const chunk of body) {
              yield chunk as Uint8Array;
            }
          } catch (error) {
            throw toTransportError(error, req, timeout);
          }
        };
        return {
          status: answer.statusCode,
          header(name) {
            const value = answer.headers[name.toLowerCase()];
            return Array.isArray(value) ? value[0] : value;
          },
          async text(maxBytes = 1 << 20) {
            const parts: Uint8Array[] = [];
            let size = 0;
            for await (const chunk of read()) {
              if (size < maxBytes) {
                parts.push(chunk.subarray(0, maxBytes - size));
                size += chunk.length;
              }
            }
            return Buffer.concat(parts).toString('utf8');
          },
          body: read(),
          async discard() {
            await body.dump().catch(() => undefined);
          },
        };
      } catch (error) {
        throw toTransportError(error, req, timeout);
      }
    },
    async dispose() {
      await dispatcher.close().catch(() => undefined);
    },
  };
}

function toTransportError(error: unknown, req: HttpRequest, timeout: AbortSignal): EvoLinkError {
  if (error instanceof EvoLinkError) {
    return error;
  }
  if (req.signal?.aborted) {
    return new EvoLinkError('cancelled', 'The request was cancelled.', { cause: error });
  }
  const code = (error as { code?: string } | undefined)?.code;
  if (
    timeout.aborted ||
    (isAbortError(error) && !req.signal?.aborted) ||
    code === 'UND_ERR_HEADERS_TIMEOUT' ||
    code === 'UND_ERR_BODY_TIMEOUT' ||
    code === 'UND_ERR_CONNECT_TIMEOUT'
  ) {
    return new EvoLinkError('timeout', `No answer within ${Math.round(req.timeoutMs / 1000)} s.`, { cause: error });
  }
  const detail = error instanceof Error ? (code ? `${code}: ${error.message}` : error.message) : String(error);
  return new EvoLinkError('network', detail, { cause: error });
}
