import type { Effect, WakeEvent } from '../../common/lifecycle';

/** Per task: this window's timer and the requests it has under way. */
export interface Work {
  timer: ReturnType<typeof setTimeout> | undefined;
  /** What the timer will dispatch, when (on the monotonic clock, as timers run) and after what wait. */
  wake?: { event: WakeEvent; dueAt: number; delayMs: number };
  controller: AbortController;
  inFlight: Set<Effect['kind']>;
}

/** Sets a task's one timer (replacing the one it had): `fire` runs with the event after the wait. */
export function setWake(work: Work, event: WakeEvent, delayMs: number, fire: (event: WakeEvent) => void): void {
  if (work.timer) clearTimeout(work.timer);
  work.wake = { event, dueAt: performance.now() + delayMs, delayMs };
  work.timer = setTimeout(() => {
    work.timer = undefined;
    work.wake = undefined;
    fire(event);
  }, delayMs);
}

/**
 * Whether a read planned again (`delayMs` from now) comes sooner than the one this task's timer
 * waits for. Only a timer set for a read counts: a task whose read is under way, or that waits for
 * something else, keeps what it has.
 */
export function readsSooner(work: Work, delayMs: number, now = performance.now()): boolean {
  const wake = pendingRead(work);
  return wake !== undefined && now + delayMs < wake.dueAt;
}

/** The read this task's timer waits for: none while a read is under way or the timer waits for something else. */
function pendingRead(work: Work): Work['wake'] {
  return work.timer && work.wake?.event === 'pollDue' && !work.inFlight.has('poll') ? work.wake : undefined;
}

/**
 * Brings forward the reads of running tasks whose own next read is near (see pollBatcher.ts for
 * the rule): their timer is cleared and `fire` reads them now, through the lifecycle as always.
 * Answers how many were brought forward.
 */
export function pullIn(works: ReadonlyMap<string, Work>, withinMs: number, share: number, fire: (localId: string) => void): number {
  let pulled = 0;
  const now = performance.now();
  for (const [localId, work] of works) {
    const wake = pendingRead(work);
    if (!wake || wake.dueAt - now > Math.min(withinMs, share * wake.delayMs)) continue;
    clearTimeout(work.timer);
    work.timer = undefined;
    work.wake = undefined;
    fire(localId);
    pulled++;
  }
  return pulled;
}
