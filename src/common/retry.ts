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
 * Whether a failed read of a task waits for the user, not for time: the key was refused (`auth`)
 * or the balance is too low (`credits`). Reading on cannot mend it, nor does it make the task
 * older: it is read slowly until the user sets a key or tops up (`readRefusal` in `taskState.ts`).
 */
export function waitsForUser(reason: string): boolean {
  return reason === 'auth' || reason === 'credits';
}
