import type { EvoLinkError } from './errors';

/** The longest a single wait between two attempts may be, whatever the server asks. */
export const maxRetryWaitMs = 30_000;

/** How a safe (idempotent) request is retried. */
export interface RetryPolicy {
  /** Attempts in all, the first included. */
  attempts: number;
  /** The first backoff wait; it doubles each time. */
  baseDelayMs: number;
}

/** The policy for GETs: four attempts, 1 s, 2 s, 4 s apart unless the server says otherwise. */
export const defaultGetRetryPolicy: RetryPolicy = { attempts: 4, baseDelayMs: 1000 };

/** Statuses of a gateway between the client and the service that may pass: its own (502–504) and a CDN's in front of it (Cloudflare's 520–524). */
export const gatewayStatuses: ReadonlySet<number> = new Set([502, 503, 504, 520, 521, 522, 523, 524]);

const retriableStatuses = new Set([429, ...gatewayStatuses]);

/**
 * Decides whether a failed safe request may be tried again, and after how long. Only
 * rate limits, gateway errors and network failures are retried; a 500 on a GET is retried once
 * the same way, since a GET cannot spend anything. Returns `undefined` when it must not retry.
 *
 * @param attempt the attempt that just failed, starting at 1.
 */
export function retryDelay(error: EvoLinkError, attempt: number, policy: RetryPolicy): number | undefined {
  if (attempt >= policy.attempts) {
    return undefined;
  }
  const status = error.details.status;
  const retriable =
    error.reason === 'network' ||
    error.reason === 'timeout' ||
    (status !== undefined && (retriableStatuses.has(status) || status === 500));
  if (!retriable) {
    return undefined;
  }
  const backoff = policy.baseDelayMs * 2 ** (attempt - 1);
  const asked = error.details.retryAfterMs;
  return Math.min(maxRetryWaitMs, asked ?? backoff);
}

/** Past its deadline, how many reads of a task in a row may fail before it stops for what failed them (at the pace of lasting failures: about 5 minutes). */
export const lateReadTries = 20;

/**
 * Whether a failed read of a task may pass by itself, in minutes: the way (the network, a proxy, a
 * sign-in page and its certificate after a wake), the service (an outage, a part that does not
 * know the task yet, a rate limit that says how long to wait). A key, a balance or a refusal does
 * not pass by waiting alone.
 */
export function passesByWaiting(reason: string): boolean {
  return ['network', 'timeout', 'proxy', 'certificate', 'invalidResponse', 'server', 'notFound', 'rateLimited'].includes(reason);
}

/**
 * What a failed read of a task waits for, when it waits for the user and not for time: a key
 * EvoLink accepts (`auth`: refused), any key (`noKey`: none is set), a key allowed for the address
 * the settings name (`keyElsewhere`: nothing was sent there), or credits (`credits`). Reading on
 * cannot mend it, nor does it make the task older: it is read slowly until the user acts
 * (`readRefusal` in `taskState.ts`). A web page that refuses (a proxy's sign-in, `webPage`) is
 * not EvoLink refusing the key, and is not one.
 */
export type ReadRefusal = 'auth' | 'noKey' | 'keyElsewhere' | 'credits';

export function refusalOf(error: { reason: string; code?: string | undefined }): ReadRefusal | undefined {
  if (error.reason === 'credits') return 'credits';
  if (error.reason === 'auth' && error.code !== 'webPage') return error.code === 'noKey' ? 'noKey' : 'auth';
  if (error.reason === 'configuration' && error.code === 'keyElsewhere') return 'keyElsewhere';
  return undefined;
}

/** Whether a failed read waits for the user rather than for time (see {@link refusalOf}). */
export function waitsForUser(error: { reason: string; code?: string | undefined }): boolean {
  return refusalOf(error) !== undefined;
}
