// The plain module names (not `node:http`): VS Code's network support patches the modules an
// extension loads by these names, so that they follow its proxy and certificate settings.
import * as http from 'http';
import * as https from 'https';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { guardedLookup, refuseLiteral } from './addressGuard';
import { checkScheme, isStreamed, startExchange, toHttpResponse } from './exchange';
import { inflated } from './contentCoding';
import type { HttpRequest, HttpResponse, Transport } from './transport';

/**
 * The transport over Node's `http`/`https` modules, for large bodies streamed to disk. Inside
 * VS Code these modules go through the same network support as the extension host's fetch
 * (`http.proxySupport`: the proxy settings and environment, the system proxy and PAC, 407 proxy
 * authentication, system certificates), and their Node streams carry a 25 MB image with less
 * overhead than a web stream's promise per chunk. Redirects are answered as they are, and the
 * body is asked for as it is (`accept-encoding: identity`), as on the fetch path.
 */
export function createNodeHttpTransport(): Transport {
  return {
    async send(req: HttpRequest): Promise<HttpResponse> {
      // Parsed, so that the scheme is known in any case (`HTTPS://` is an https address too).
      const url = checkScheme(req.url);
      const exchange = startExchange(req);
      try {
        if (req.refuseAddress) refuseLiteral(url.hostname, req.refuseAddress);
        const answer = await new Promise<http.IncomingMessage>((resolve, reject) => {
          const request = (url.protocol === 'https:' ? https : http).request(
            url.href,
            { method: req.method, headers: { 'accept-encoding': 'identity', ...req.headers }, signal: exchange.signal, ...(req.refuseAddress ? { lookup: guardedLookup(url.hostname, req.refuseAddress) } : {}) },
            resolve,
          );
          request.on('error', reject);
          const body = exchange.body;
          if (isStreamed(body)) pipeline(Readable.from(body), request).catch(reject);
          else request.end(body);
        });
        return toHttpResponse(
          {
            status: answer.statusCode ?? 0,
            header: (name) => {
              const value = answer.headers[name.toLowerCase()];
              return Array.isArray(value) ? value.join(', ') : value;
            },
            chunks: flowingChunks(inflated(answer, answer.headers['content-encoding'])),
            drop: () => {
              answer.destroy();
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
      // Connections belong to the module's (or VS Code's) agent, not to this transport.
    },
  };
}

/** How many bytes of a body may wait for its reader before the response is paused. */
export const waitingBytes = 512 * 1024;

/**
 * The chunks of a response, read as they come. Node's own async iterator reads a stream in
 * paused mode: with a response's 16 KB high-water mark, every chunk stops the socket and the
 * next read starts it again. Here the response flows, and is paused only while
 * {@link waitingBytes} wait for the reader (a slow disk), so memory stays bounded either way.
 * Listening starts at the first read; stopping early destroys the response (frees the socket).
 */
export function flowingChunks(stream: Readable, limit = waitingBytes): AsyncIterableIterator<Uint8Array> {
  const queue: Uint8Array[] = [];
  let queued = 0;
  let paused = false;
  let ended = false;
  let failure: Error | undefined;
  let listening = false;
  let wake: (() => void) | undefined;
  const notify = (): void => {
    const resolve = wake;
    wake = undefined;
    resolve?.();
  };
  const onData = (chunk: Uint8Array): void => {
    queue.push(chunk);
    queued += chunk.length;
    if (queued >= limit && !paused) {
      paused = true;
      stream.pause();
    }
    notify();
  };
  const onEnd = (): void => {
    ended = true;
    notify();
  };
  const onError = (error: Error): void => {
    failure ??= error;
    notify();
  };
  const onClose = (): void => {
    if (!ended) failure ??= Object.assign(new Error('The connection closed before the body ended.'), { code: 'ERR_STREAM_PREMATURE_CLOSE' });
    notify();
  };
  const detach = (): void => {
    stream.off('data', onData).off('end', onEnd).off('error', onError).off('close', onClose);
  };
  return {
    [Symbol.asyncIterator]() {
      return this;
    },
    async next(): Promise<IteratorResult<Uint8Array>> {
      if (!listening) {
        listening = true;
        // Stopped before its first read (a cancellation, a timeout): its events are gone.
        if (stream.errored) onError(stream.errored);
        else if (stream.destroyed) onClose();
        stream.on('data', onData).on('end', onEnd).on('error', onError).on('close', onClose);
      }
      for (;;) {
        if (failure !== undefined) {
          detach();
          throw failure;
        }
        const value = queue.shift();
        if (value !== undefined) {
          queued -= value.length;
          if (paused && queued < limit) {
            paused = false;
            stream.resume();
          }
          return { value, done: false };
        }
        if (ended) {
          detach();
          return { value: undefined, done: true };
        }
        await new Promise<void>((resolve) => (wake = resolve));
      }
    },
    return(): Promise<IteratorResult<Uint8Array>> {
      detach();
      stream.destroy();
      return Promise.resolve({ value: undefined, done: true });
    },
  };
}
