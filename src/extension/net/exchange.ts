import { EvoLinkError } from '../../common/errors';
import { toTransportError } from './failures';
import type { HttpRequest, HttpResponse } from './transport';

/*
 * What every transport does around one exchange, whatever sends the bytes: the caller's
 * cancellation, the whole exchange's timeout, an idle watchdog, and the mapping of failures to
 * EvoLinkErrors. These are ours on purpose: VS Code's network support replaces a dispatcher's own
 * timeouts (undici's 300 s defaults then apply), so only an AbortSignal and a watchdog are sure to
 * hold on every path. The watchdog is the extension's only one: it runs from the moment the
 * request is sent, is fed by each chunk of a streamed request body the network takes, by the
 * answer's head and by each chunk of its body, and stops the exchange when none came for `idleMs`
 * (an upload the server stopped taking, an answer that does not come, a body that stalls). It
 * rests while the exchange waits on this side (see below).
 */

/** Why an exchange was stopped by us rather than by the network. */
export type StopCause = 'cancelled' | 'timeout' | 'idle';

/** The signal and timers of one exchange. */
export interface Exchange {
  /** Aborts the request and its body; handed to fetch or undici. */
  readonly signal: AbortSignal;
  /** The request's body to send: a streamed one feeds the watchdog with each chunk the network takes. */
  readonly body: HttpRequest['body'];
  /** Why we stopped it, once we did. */
  stopped(): StopCause | undefined;
  /** Notes that bytes went or came (the idle watchdog starts again). */
  fed(): void;
  /** Notes that the exchange waits on this side, not on the network: the watchdog rests until {@link fed}. */
  rest(): void;
  /** Clears the timers; called when the body is read, discarded, or the request failed. */
  end(): void;
  /** Maps a failure of this exchange. */
  fail(error: unknown): EvoLinkError;
}

/** Only http and https leave the machine; anything else is refused before sending. Answers the address, parsed. */
export function checkScheme(url: string): URL {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new EvoLinkError('invalidRequest', 'The address is not a valid URL.', { code: 'refusedBeforeSending' });
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
    throw new EvoLinkError('invalidRequest', `Only http and https addresses are used (not ${parsed.protocol}).`, { code: 'refusedBeforeSending' });
  }
  return parsed;
}

/** A header value every HTTP stack sends: tabs, visible ASCII and Latin-1, no control characters. */
const sendable = /^[\t\x20-\x7e\x80-\xff]*$/;

/**
 * Refuses, before anything is sent, a header that fetch, Node or undici would refuse: they throw
 * words that quote the value (for the Authorization header, the key). A key pasted with an
 * invisible character is a key to set again.
 */
function checkHeaders(headers: HttpRequest['headers']): void {
  for (const [name, value] of Object.entries(headers)) {
    if (sendable.test(value)) continue;
    if (name.toLowerCase() === 'authorization') {
      throw new EvoLinkError('auth', 'The API key holds a character that cannot be sent (an invisible one, pasted with it?). Set the key again. Nothing was sent.', { code: 'keyNotSendable' });
    }
    throw new EvoLinkError('invalidRequest', `The ${name} header holds a character that cannot be sent. Nothing was sent.`, { code: 'refusedBeforeSending' });
  }
}

/** Starts the timers of one exchange (after checking that its headers can be sent). */
export function startExchange(req: HttpRequest): Exchange {
  checkHeaders(req.headers);
  const controller = new AbortController();
  let cause: StopCause | undefined;
  const stop = (why: StopCause): void => {
    if (cause) return;
    cause = why;
    controller.abort(new EvoLinkError(why === 'cancelled' ? 'cancelled' : 'timeout', why));
  };
  const onCancel = (): void => stop('cancelled');
  if (req.signal?.aborted) stop('cancelled');
  else req.signal?.addEventListener('abort', onCancel, { once: true });
  const total = setTimeout(() => stop('timeout'), req.timeoutMs);
  // The timers guard a request; they must not keep a process (a test, a benchmark) alive.
  total.unref?.();
  // Each chunk only notes the time; a coarse timer looks at it (a timer per chunk would cost
  // more than the chunk). Without an idle time shorter than the whole exchange's, there is none.
  // The monotonic clock: a wall clock set back (or forward) must not blind or trip the watchdog.
  let lastByteAt = performance.now();
  // The watchdog rests while the exchange waits on this side: the reader holds a chunk (a slow
  // disk), or a streamed body is all handed over and its bytes may still be on their way (a proxy
  // that takes the whole upload at once and sends it on at the uplink's pace). Meanwhile only the
  // whole exchange's timeout holds.
  let resting = false;
  const idleMs = req.idleMs;
  const idle =
    idleMs !== undefined && idleMs < req.timeoutMs
      ? setInterval(() => {
          if (!resting && performance.now() - lastByteAt >= idleMs) stop('idle');
        }, Math.max(50, Math.min(1000, idleMs / 4)))
      : undefined;
  idle?.unref?.();
  const fed = (): void => {
    lastByteAt = performance.now();
    resting = false;
  };
  const rest = (): void => {
    resting = true;
  };
  const end = (): void => {
    clearTimeout(total);
    if (idle) clearInterval(idle);
    req.signal?.removeEventListener('abort', onCancel);
  };
  return {
    signal: controller.signal,
    body: isStreamed(req.body) ? feeding(req.body, fed, rest) : req.body,
    stopped: () => cause,
    fed,
    rest,
    end,
    fail(error) {
      end();
      return toTransportError(error, cause, req);
    },
  };
}

/** Whether a request body is streamed (sent in chunks as the network takes them), not whole. */
export function isStreamed(body: HttpRequest['body']): body is AsyncIterable<Uint8Array> {
  return body !== undefined && typeof body !== 'string' && !(body instanceof Uint8Array);
}

/** A streamed request body that notes each chunk as the network takes it, and when all was handed over. */
async function* feeding(body: AsyncIterable<Uint8Array>, fed: () => void, handedOver: () => void): AsyncGenerator<Uint8Array> {
  for await (const chunk of body) {
    fed();
    yield chunk;
  }
  handedOver();
}

/** How a transport reads and frees the body of one answer. */
export interface RawAnswer {
  status: number;
  header(name: string): string | undefined;
  chunks: AsyncIterable<Uint8Array>;
  /** Drops the rest of the body and frees the connection. */
  drop(): Promise<void>;
}

/** The {@link HttpResponse} over a raw answer, with the exchange's watchdog and error mapping. */
export function toHttpResponse(raw: RawAnswer, exchange: Exchange): HttpResponse {
  // The head came.
  exchange.fed();
  let taken = false;
  const read = async function* (): AsyncGenerator<Uint8Array> {
    if (taken) throw new EvoLinkError('unexpected', 'The body was read twice.');
    taken = true;
    exchange.fed();
    try {
      for await (const chunk of raw.chunks) {
        exchange.fed();
        // The reader's time with the chunk (a write to a slow disk) is not the network's.
        exchange.rest();
        yield chunk;
        exchange.fed();
      }
    } catch (error) {
      throw exchange.fail(error);
    } finally {
      exchange.end();
    }
  };
  const body = read();
  return {
    status: raw.status,
    header: (name) => raw.header(name),
    async text(maxBytes = 1 << 20) {
      const parts: Uint8Array[] = [];
      let size = 0;
      for await (const chunk of body) {
        parts.push(chunk.subarray(0, maxBytes - size));
        size += Math.min(chunk.length, maxBytes - size);
        // Past the cap the rest is not wanted: stop reading instead of draining it.
        if (size >= maxBytes) break;
      }
      if (size >= maxBytes) await raw.drop().catch(() => undefined);
      return Buffer.concat(parts).toString('utf8');
    },
    body,
    async discard() {
      exchange.end();
      if (!taken) {
        taken = true;
        await body.return(undefined);
      }
      await raw.drop().catch(() => undefined);
    },
  };
}
