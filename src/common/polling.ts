/**
 * When to look at a running task next. Each read of an unfinished task makes the gateway ask
 * the upstream provider, so the schedule looks rarely while the end is far, and often when it
 * is near. The end is predicted from the service's `estimated_time` and, once progress is
 * reported, from the progress made so far.
 */

/** What the schedule knows of a task. Times are milliseconds on one clock. */
export interface PollObservation {
  submittedAt: number;
  /** The service's estimate for the whole task, in seconds. */
  estimatedSeconds: number;
  /** The last progress reported (0 to 100) and when it was seen. */
  progress: number;
  progressAt: number;
  /** How many reads were made so far. */
  polls: number;
}

/** The tunables of the schedule; {@link defaultPollTuning} is what the extension uses. */
export interface PollTuning {
  /** The first look, to catch early failures (content policy, bad references). */
  firstLookMs: number;
  minDelayMs: number;
  maxDelayMs: number;
  /** The share of the predicted remaining time to wait. */
  fraction: number;
  /** Once the task is due (or overdue), look this often. */
  dueDelayMs: number;
  /** Tasks end as early as this share of their estimate: until progress says more, that is the pace. */
  earliestShare: number;
  /** Progress below this many percent says too little to predict from. */
  trustProgress: number;
}

/**
 * Chosen with bench/polling.ts: on a workload whose durations spread from 0.3x to 1.9x the
 * estimate, with four progress curves, it makes fewer reads than a fixed 3 s poller and notices
 * the end sooner, both on average and at the 95th percentile.
 */
export const defaultPollTuning: PollTuning = {
  firstLookMs: 3000,
  minDelayMs: 1000,
  maxDelayMs: 6000,
  fraction: 0.3,
  dueDelayMs: 2500,
  earliestShare: 0.25,
  trustProgress: 5,
};

/** How long a task may run before the extension stops watching it (it can be checked again). */
export function pollDeadlineMs(estimatedSeconds: number): number {
  return Math.max(10 * 60_000, estimatedSeconds * 1000 * 6);
}

/**
 * Predicts the milliseconds until the task may complete, from `now`: from the progress made so
 * far once it says enough, otherwise from the earliest end that tasks of this estimate reach.
 */
export function predictRemainingMs(observation: PollObservation, now: number, tuning: PollTuning = defaultPollTuning): number {
  const { progress } = observation;
  if (progress >= tuning.trustProgress && progress < 100) {
    const elapsed = observation.progressAt - observation.submittedAt;
    return observation.progressAt + (elapsed * (100 - progress)) / progress - now;
  }
  return observation.submittedAt + observation.estimatedSeconds * 1000 * tuning.earliestShare - now;
}

/** The delay before the next read of a task that is not finished. */
export function nextPollDelay(observation: PollObservation, now: number, tuning: PollTuning = defaultPollTuning): number {
  if (observation.polls === 0) {
    return tuning.firstLookMs;
  }
  const remaining = predictRemainingMs(observation, now, tuning);
  if (remaining <= 0) {
    // Past the predicted end: the prediction was early; look at a steady pace.
    return tuning.dueDelayMs;
  }
  return Math.round(Math.min(tuning.maxDelayMs, Math.max(tuning.minDelayMs, remaining * tuning.fraction)));
}
