import type { PollObservation } from './polling';

/*
 * Progress that only counts time against the estimate (`elapsed / estimate`), as many services
 * report it: it says nothing of the real end. The poll schedule (polling.ts) asks here whether
 * the levels seen rise like such a clock, and from when.
 */

/**
 * Whether every level kept, the first one included, was read when a clock against the estimate
 * said so, a clock that started at one moment for all of them, between a little before submit and
 * `lagMs` after it (0: at submit, as a service counts from the moment it took the request). Three
 * levels are needed.
 */
export function tracksElapsed(observation: PollObservation, lagMs = 0): boolean {
  return clockStart(observation, lagMs) !== undefined;
}

/** When that clock started (ms after submit), where the levels fit one (see {@link tracksElapsed}). */
export function clockStart(observation: PollObservation, lagMs = 0): number | undefined {
  const estimateMs = observation.estimatedSeconds * 1000;
  const checked = observation.levels;
  if (checked.length < 3) return undefined;
  // The read that first saw a level answered the clock's share of the estimate then, give or take
  // rounding either way and a clock that is not exactly the service's.
  const slackMs = ((1.5 + 50_000 / estimateMs) / 100) * estimateMs;
  // Where that clock started (ms after submit), as each level says; one start must fit them all.
  const starts = checked.map((level) => level.at - observation.submittedAt - (level.progress / 100) * estimateMs);
  const [first, last] = [Math.min(...starts), Math.max(...starts)];
  const earliest = last - slackMs;
  const latest = first + slackMs;
  if (earliest > latest || latest < -slackMs || earliest > lagMs + slackMs) return undefined;
  return (first + last) / 2;
}
