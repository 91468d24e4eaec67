import { codingFailure } from './contentCoding';
import { checkScheme, isStreamed, startExchange, toHttpResponse } from './exchange';
import type { HttpRequest, HttpResponse, Transport } from './transport';

/** The `fetch` a transport calls: inside VS Code, the extension host's own. */
export type FetchFunction = (input: string, init: RequestInit & { duplex?: 'half' }) => Promise<Response>;

/**
 * The transport over a `fetch`. Inside VS Code it is handed the extension host's global fetch,
 * which VS Code's network support wraps (proxy settings and environment, the system proxy and
 * PAC, 407 proxy authentication, system certificates). It passes no dispatcher: VS Code would
 * replace it anyway, and a dispatcher of ours would need undici in the bundle.
 *
 * Redirects are never followed (`redirect: 'manual'` answers the 3xx itself), so a link's next
 * hop is checked by the caller and an Authorization header never travels to another origin.
 * Content is asked for as it is (`accept-encoding: identity`): fetch would otherwise inflate a
 * compressed body behind the caller's size cap.
 */
export function createFetchTransport(fetchFunction: FetchFunction): Transport {
  return {
    async send(req: HttpRequest): Promise<HttpResponse> {
      checkScheme(req.url);
      const exchange = startExchange(req);
      try {
        const headers = { 'accept-encoding': 'identity', ...req.headers };
        const body = exchange.body;
        const response = await fetchFunction(req.url, {
          method: req.method,
          headers,
          ...(body === undefined ? {} : { body: body as NonNullable<RequestInit['body']> }),
          ...(isStreamed(body) ? { duplex: 'half' as const } : {}),
          redirect: 'manual',
          signal: exchange.signal,
        });
        const stream = response.body;
        return toHttpResponse(
          {
            status: response.status,
            header: (name) => response.headers.get(name) ?? undefined,
            chunks: stream ? chunksOf(stream, response.headers.get('content-encoding') ?? undefined) : emptyBody(),
            drop: async () => {
              if (stream && !stream.locked) await stream.cancel().catch(() => undefined);
            },
          },
          exchange,
        );
      } catch (error) {
        throw exchange.fail(error);
      }
    },
    async dispose() {
      // Connections belong to VS Code's (or Node's) dispatcher, not to this transport.
    },
  };
}

async function* emptyBody(): AsyncGenerator<Uint8Array> {
  // No body (a 204, a HEAD).
}

/**
 * A web stream's chunks, read straight from its reader; stopping early cancels the stream. fetch
 * inflates a compressed body itself and cannot hand over the bytes as they came: a body that is
 * not the compression its label names fails as such (see contentCoding.ts), not as the network.
 */
async function* chunksOf(stream: ReadableStream<Uint8Array>, encoding: string | undefined): AsyncGenerator<Uint8Array> {
  const reader = stream.getReader();
  let done = false;
  try {
    for (;;) {
      const next = await reader.read().catch((error: unknown) => {
        throw codingFailure(error, encoding) ?? error;
      });
      if (next.done) break;
      yield next.value;
    }
    done = true;
  } finally {
    if (!done) await reader.cancel().catch(() => undefined);
    reader.releaseLock();
  }
}
