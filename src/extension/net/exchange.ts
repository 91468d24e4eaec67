import { EvoLinkError } from '../../common/errors';
import { toTransportError } from './failures';
import type { HttpRequest, HttpResponse } from './transport';
import { startWatchdog, type WatchdogCause } from './watchdog';

/*
 * What every transport does around one exchange, whatever sends the bytes: the caller's
 * cancellation, the whole exchange's timeout, an idle watchdog, and the mapping of failures to
 * EvoLinkErrors. These are ours on purpose: VS Code's network support replaces a dispatcher's own
 * timeouts (undici's 300 s defaults then apply), so only an AbortSignal and a watchdog are sure to
 * hold on every path. The watchdog (watchdog.ts) is the extension's only one: it runs from the
 * moment the request is sent, is fed by each chunk of a streamed request body the network takes,
 * by the answer's head and by each chunk of its body, and stops the exchange when none came for
 * `idleMs` (an upload the server stopped taking, an answer that does not come, a body that
 * stalls), or when an answer's body comes slower than its least rate. It rests while the
 * exchange waits on this side.
 */

/** Why an exchange was stopped by us rather than by the network. */
export type StopCause = 'cancelled' | 'timeout' | WatchdogCause;

/**
 * `details.code` of a `timeout` whose answer's body came slower than its least rate
 * (`HttpRequest.minRate`), though not so slowly that it stood idle.
 */
export const tooSlow = 'tooSlow';

/** The signal and timers of one exchange. */
export interface Exchange {
  /** Aborts the request and its body; handed to fetch or undici. */
  readonly signal: AbortSignal;
  /** The request's body to send: a streamed one feeds the watchdog with each chunk the network takes. */
  readonly body: HttpRequest['body'];
  /** Why we stopped it, once we did. */
  stopped(): StopCause | undefined;
  /** Notes that bytes went or came (the idle watchdog starts again); `bytes` of the answer's body count towards its least rate. */
  fed(bytes?: number): void;
  /** Notes that the exchange waits on this side, not on the network: the watchdog rests until {@link fed}. */
  rest(): void;
  /** Notes that the answer's head came (an untimed body's total timeout ends here). */
  answered(): void;
  /** Clears the timers; called when the body is read, discarded, or the request failed. */
  end(): void;
  /** Aborts a body being read that is no longer wanted (a reader waits on it): its connection is let go. */
  abandon(): void;
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
  // Without an idle time shorter than the whole exchange's, there is none; an untimed body has
  // only the watchdog after its head. Meanwhile only the whole exchange's timeout holds.
  const idleMs = req.idleMs !== undefined && (req.idleMs < req.timeoutMs || req.untimedBody) ? req.idleMs : undefined;
  const watchdog = startWatchdog(idleMs, req.minRate, stop);
  const end = (): void => {
    clearTimeout(total);
    watchdog?.stop();
    req.signal?.removeEventListener('abort', onCancel);
  };
  const fed = (bytes?: number): void => watchdog?.fed(bytes);
  const rest = (): void => watchdog?.rest();
  return {
    signal: controller.signal,
    body: isStreamed(req.body) ? feeding(req.body, fed, rest) : req.body,
    stopped: () => cause,
    fed,
    rest,
    answered() {
      fed();
      // The body may take as long as it keeps coming: the watchdog alone holds from here on.
      if (req.untimedBody) clearTimeout(total);
      watchdog?.answered();
    },
    end,
    abandon: () => stop('cancelled'),
    fail(error) {
      end();
      if (cause === 'slow') return new EvoLinkError('timeout', `Less than ${req.minRate?.bytes ?? 0} bytes came in ${seconds(req.minRate?.perMs ?? 0)} s.`, { code: tooSlow, cause: error });
      return toTransportError(error, cause, req);
    },
  };
}

/** A time in seconds for a message: whole seconds, tenths under one. */
function seconds(ms: number): string {
  return ms >= 1000 ? String(Math.round(ms / 1000)) : (ms / 1000).toFixed(1);
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
  exchange.answered();
  let taken = false;
  let over = false;
  const read = async function* (): AsyncGenerator<Uint8Array> {
    if (taken) throw new EvoLinkError('unexpected', 'The body was read twice.');
    taken = true;
    exchange.fed();
    try {
      for await (const chunk of raw.chunks) {
        exchange.fed(chunk.length);
        // The reader's time with the chunk (a write to a slow disk) is not the network's.
        exchange.rest();
        yield chunk;
        exchange.fed();
      }
    } catch (error) {
      throw exchange.fail(error);
    } finally {
      over = true;
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
      } else if (!over) {
        // A reader waits on the body (an error answer that stalled): a locked web stream cannot be
        // cancelled, so the request itself is aborted, or its connection would stay open.
        exchange.abandon();
      }
      await raw.drop().catch(() => undefined);
    },
  };
}
