/*
 * The watchdog of one exchange: it stops an exchange on which nothing goes or comes for
 * `idleMs`, and, where a least rate is asked for, an answer's body that brings fewer than its
 * bytes in each span of its time on the network (a trickle that would hold a download for
 * days, a byte now and then). Each chunk only notes the time and its size; a coarse timer looks
 * at them (a timer per chunk would cost more than the chunk). The monotonic clock: a wall clock
 * set back (or forward) must not blind or trip it.
 *
 * It rests while the exchange waits on this side: the reader holds a chunk (a slow disk), or a
 * streamed request body is all handed over and its bytes may still be on their way (a proxy that
 * takes the whole upload at once and sends it on at the uplink's pace). Resting time counts
 * neither as idle nor against the rate.
 */

/** The least rate of an answer's body: `bytes` in each `perMs` of its time on the network. */
export interface MinRate {
  bytes: number;
  perMs: number;
}

/** Why the watchdog stopped an exchange. */
export type WatchdogCause = 'idle' | 'slow';

/** The watchdog's side of an exchange. */
export interface Watchdog {
  /** Bytes went or came (`bytes` of an answer's body are counted against the least rate). */
  fed(bytes?: number): void;
  /** The exchange waits on this side, not on the network, until the next {@link fed}. */
  rest(): void;
  /** The answer's head came: the least rate holds from here on. */
  answered(): void;
  stop(): void;
}

/** Starts the watchdog; `undefined` when there is nothing to watch. */
export function startWatchdog(idleMs: number | undefined, minRate: MinRate | undefined, trip: (why: WatchdogCause) => void): Watchdog | undefined {
  if (idleMs === undefined && minRate === undefined) return undefined;
  let lastByteAt = performance.now();
  let resting = false;
  // The least rate's span: the time on the network since it started, and the bytes in it.
  let spanMs = 0;
  let runningSince: number | undefined;
  let spanBytes = 0;
  const pauseSpan = (now: number): void => {
    if (runningSince !== undefined) spanMs += now - runningSince;
    runningSince = undefined;
  };
  const check = (): void => {
    const now = performance.now();
    if (idleMs !== undefined && !resting && now - lastByteAt >= idleMs) return trip('idle');
    if (minRate === undefined || runningSince === undefined) return;
    pauseSpan(now);
    runningSince = now;
    if (spanMs < minRate.perMs) return;
    if (spanBytes < minRate.bytes) return trip('slow');
    spanMs = 0;
    spanBytes = 0;
  };
  const period = Math.max(50, Math.min(1000, (idleMs ?? Infinity) / 4, (minRate?.perMs ?? Infinity) / 4));
  const timer = setInterval(check, period);
  // The watchdog guards a request; it must not keep a process (a test, a benchmark) alive.
  timer.unref?.();
  let answered = false;
  return {
    fed(bytes = 0) {
      lastByteAt = performance.now();
      resting = false;
      if (!answered) return;
      spanBytes += bytes;
      runningSince ??= lastByteAt;
    },
    rest() {
      resting = true;
      pauseSpan(performance.now());
    },
    answered() {
      answered = true;
      runningSince = performance.now();
    },
    stop() {
      clearInterval(timer);
    },
  };
}
