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
  /** After the predicted end: wait this, growing by `overdueGrowth` each read, up to `maxDelayMs`. */
  overdueDelayMs: number;
  overdueGrowth: number;
}

export const defaultPollTuning: PollTuning = {
  firstLookMs: 3000,
  minDelayMs: 1000,
  maxDelayMs: 12_000,
  fraction: 0.4,
  overdueDelayMs: 1500,
  overdueGrowth: 1.25,
};

/** How long a task may run before the extension stops watching it (it can be checked again). */
export function pollDeadlineMs(estimatedSeconds: number): number {
  return Math.max(10 * 60_000, estimatedSeconds * 1000 * 6);
}

/** Predicts the milliseconds left until the task completes, from `now`. */
export function predictRemainingMs(observation: PollObservation, now: number): number {
  const byEstimate = observation.submittedAt + observation.estimatedSeconds * 1000 - now;
  const { progress } = observation;
  if (progress < 5 || progress >= 100) {
    return byEstimate;
  }
  // The rate seen so far, projected from the moment it was seen.
  const elapsed = observation.progressAt - observation.submittedAt;
  const byProgress = observation.progressAt + (elapsed * (100 - progress)) / progress - now;
  // Progress speaks for the task itself; the estimate only for tasks like it. Lean to progress
  // as it grows.
  const weight = Math.min(1, progress / 50);
  return weight * byProgress + (1 - weight) * byEstimate;
}

/** The delay before the next read of a task that is not finished. */
export function nextPollDelay(observation: PollObservation, now: number, tuning: PollTuning = defaultPollTuning): number {
  if (observation.polls === 0) {
    return tuning.firstLookMs;
  }
  const remaining = predictRemainingMs(observation, now);
  if (remaining <= tuning.minDelayMs) {
    // Due, or overdue: look often at first, then back off, since the estimate was wrong.
    const overdueFor = Math.max(0, -remaining);
    const steps = Math.floor(overdueFor / 5000);
    return Math.min(tuning.maxDelayMs, Math.round(tuning.overdueDelayMs * tuning.overdueGrowth ** steps));
  }
  return Math.round(Math.min(tuning.maxDelayMs, Math.max(tuning.minDelayMs, remaining * tuning.fraction)));
}
