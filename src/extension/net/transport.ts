import type * as UndiciModule from 'undici';
import type { Dispatcher } from 'undici';
import { checkScheme, startExchange, toHttpResponse } from './exchange';
import { isLoopbackHost } from '../../common/endpoints';
import { guardedLookup, refuseResolved } from './addressGuard';
import { inflated } from './contentCoding';
import type { MinRate } from './watchdog';

/*
 * The transport: everything that goes over the network goes through a {@link Transport}, so
 * timeouts, cancellation, size caps and error mapping are handled once. Inside VS Code the
 * requests go through VS Code's own network support (the extension host's patched `fetch`, see
 * fetchTransport.ts and vscodeNetwork.ts): proxies, PAC, proxy authentication and system
 * certificates as VS Code applies them. The undici transport below is used only where VS Code's
 * support is turned off; it is the one place undici is imported, and it is loaded lazily.
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
  /** The longest the whole exchange (headers and body) may take; with {@link untimedBody}, until the answer's head. */
  timeoutMs: number;
  /** The longest nothing may go or come (a streamed request body, the answer's head, its body); absent: only `timeoutMs` holds. */
  idleMs?: number;
  /**
   * The answer's body may take as long as it keeps coming (a large result on a slow link): no
   * total time after the head, only `idleMs` and `minRate`. A retry would start it again.
   */
  untimedBody?: boolean;
  /** The least rate of the answer's body, where one is wanted (see watchdog.ts); slower fails as a `timeout` with the code `tooSlow`. */
  minRate?: MinRate;
  signal?: AbortSignal;
  /** A large body to stream to disk (a result): sent on the path that streams best. */
  bulk?: boolean;
  /**
   * Why an address the host name resolves to must not be connected to (a result link's name that
   * leads into this machine or its network); checked where the transport resolves names itself.
   */
  refuseAddress?: (address: string) => string | undefined;
}

/**
 * An HTTP answer whose body has not been read yet. Redirects are never followed by a
 * transport: a 3xx comes back as it is, for the caller to check and follow.
 */
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

type Undici = typeof UndiciModule;

/** The symbols under which undici (bundled or Node's own) keeps the process-wide dispatcher. */
const globalDispatcherKeys = [Symbol.for('undici.globalDispatcher.1'), Symbol.for('undici.globalDispatcher.2')];

let undiciLoaded: Promise<Undici> | undefined;

/**
 * Evaluates the bundled undici once, leaving the process-wide dispatcher as it was. undici
 * registers its own Agent there when it finds none, and every extension's built-in fetch in
 * this extension host would then run on our copy. Touching `Response` first makes Node's own
 * undici register its dispatcher, so ours finds one and keeps out; anything it changed anyway
 * is put back.
 */
export function loadUndici(): Promise<Undici> {
  undiciLoaded ??= (async () => {
    void globalThis.Response;
    const slots = globalThis as unknown as Record<symbol, unknown>;
    const before = globalDispatcherKeys.map((key) => slots[key]);
    const undici = await import('undici');
    globalDispatcherKeys.forEach((key, index) => {
      if (slots[key] !== before[index] && Object.getOwnPropertyDescriptor(globalThis, key)?.writable !== false) slots[key] = before[index];
    });
    return undici;
  })();
  return undiciLoaded;
}

function environmentProxy(name: string): string | undefined {
  return process.env[name] ?? process.env[name.toLowerCase()] ?? undefined;
}

/**
 * The dispatchers for the given proxy settings: through the proxy where the settings say, and
 * direct for loopback always, as on VS Code's own path (a proxy's loopback is another machine's,
 * and a local gateway's plain-HTTP calls would carry the key through the proxy).
 */
interface Dispatchers {
  outside: Dispatcher;
  loopback: Dispatcher;
}

function createDispatchers(undici: Undici, settings: ProxySettings, lookup?: ReturnType<typeof guardedLookup>): Dispatchers {
  const noProxy = [environmentProxy('NO_PROXY'), ...settings.noProxy].filter(Boolean).join(',');
  const tls = { rejectUnauthorized: settings.strictSSL, ...(lookup ? { lookup } : {}) };
  const explicit = settings.proxy.trim();
  const outside = new undici.EnvHttpProxyAgent({
    httpProxy: explicit || environmentProxy('HTTP_PROXY'),
    httpsProxy: explicit || environmentProxy('HTTPS_PROXY') || environmentProxy('HTTP_PROXY'),
    noProxy,
    connect: tls,
    requestTls: tls,
    proxyTls: tls,
  });
  return { outside, loopback: new undici.Agent({ connect: tls }) };
}

function closeDispatchers(dispatchers: Dispatchers): Promise<unknown> {
  return Promise.all([dispatchers.outside.close(), dispatchers.loopback.close()]).catch(() => undefined);
}

/** One header of an answer (the first, where it came more than once). */
function headerOf(headers: Record<string, string | string[] | undefined>, name: string): string | undefined {
  const value = headers[name.toLowerCase()];
  return Array.isArray(value) ? value[0] : value;
}

/**
 * The transport over the bundled undici, with its own proxy settings (`http.proxy`,
 * `http.noProxy`, `http.proxyStrictSSL`, then the proxy environment variables). No PAC, no
 * system proxy, no proxy authentication prompt, Node's own CA list: for where VS Code's network
 * support is off, for tests and benchmarks outside VS Code. undici is loaded at the first request.
 */
export function createUndiciTransport(settings: ProxySettings): Transport {
  let dispatchers: Dispatchers | undefined;
  let disposed = false;
  return {
    async send(req: HttpRequest): Promise<HttpResponse> {
      checkScheme(req.url);
      const exchange = startExchange(req);
      try {
        const undici = await loadUndici();
        const { hostname } = new URL(req.url);
        if (req.refuseAddress) await refuseResolved(hostname, req.refuseAddress, exchange.signal);
        // A request after dispose (a retry of a client made before the settings changed) gets a
        // dispatcher of its own, closed as soon as the request is done; so does a result link,
        // whose name's addresses are checked again by the lookup of the connection itself (a name
        // that answers one address to the check above and another to the connection gets nowhere).
        const lookup = req.refuseAddress ? guardedLookup(hostname, req.refuseAddress) : undefined;
        const own = disposed || lookup ? createDispatchers(undici, settings, lookup) : undefined;
        const chosen = own ?? (dispatchers ??= createDispatchers(undici, settings));
        const through = isLoopbackHost(hostname) ? chosen.loopback : chosen.outside;
        const pending = undici.request(req.url, {
          method: req.method,
          // The body as it is, as on the other paths: the size caps count what arrives.
          headers: { 'accept-encoding': 'identity', ...req.headers },
          body: exchange.body as Dispatcher.DispatchOptions['body'],
          signal: exchange.signal,
          dispatcher: through,
          // Our own exchange timers decide; these only must not cut in before them.
          headersTimeout: req.timeoutMs + 1000,
          bodyTimeout: 0,
        });
        // Closing lets the request under way finish, and takes no other.
        if (own) void closeDispatchers(own);
        const answer = await pending;
        const body = answer.body;
        return toHttpResponse(
          {
            status: answer.statusCode,
            header: (name) => headerOf(answer.headers, name),
            chunks: inflated(body, headerOf(answer.headers, 'content-encoding')) as AsyncIterable<Uint8Array>,
            // Destroyed, not dumped: dumping reads a small body to its end to keep the connection,
            // and a body that stalls (an error page on a held connection) would hold it forever.
            drop: () => {
              // undici reports the destroyed request as an error of the body: nobody reads it any more.
              body.on('error', () => undefined);
              body.destroy();
              return Promise.resolve();
            },
          },
          exchange,
        );
      } catch (error) {
        throw exchange.fail(error);
      }
    },
    async dispose() {
      disposed = true;
      const current = dispatchers;
      dispatchers = undefined;
      if (current) await closeDispatchers(current);
    },
  };
}
