import { z } from 'zod';

/*
 * What the ends of a model's earlier tasks taught about its stepwise progress. Services report
 * stages in their own way: one announces the share of its planned work, another its stages ahead
 * of time (80 % when most of the time is still to come). What a stepwise reading predicts is moved
 * and widened or narrowed by how the predictions of the model's last tasks erred; the poll schedule
 * (polling.ts) applies it, the lifecycle learns it when a task ends, the task service keeps it per
 * model. Smooth curves are not calibrated: their fit already follows the curve, and moving their
 * ends by an average error cost the curves that stand near the top for long their delay.
 */

/**
 * Running figures over a model's last tasks (each new one weighs at least 1 / {@link memory}): the
 * mean log of the real time left over the predicted one (`meanLog`: how far and which way its
 * predictions err), and the mean square of each error's distance from that mean in units of its
 * prediction's own spread (`spread`: 1 when predictions are as sure as they say, below when
 * surer). The spread is measured around the mean, per task: a model whose predictions all err by
 * the same factor has a large mean and a small spread, whatever the spreads of single predictions.
 */
export const calibrationSchema = z.object({
  count: z.number().int().nonnegative(),
  meanLog: z.number().finite(),
  spread: z.number().finite().nonnegative(),
});
export type Calibration = z.infer<typeof calibrationSchema>;

/** A prediction of the end: log-normal time left after `fromMs`, around `endMs` (ms after submit). */
export interface PredictedEnd {
  endMs: number;
  fromMs: number;
  sigma: number;
  stepwise: boolean;
  /** Moved and scaled by what the model's earlier tasks taught. */
  calibrated?: boolean;
}

/** How many tasks the means remember. */
const memory = 20;
/** Below this many tasks a model's predictions are taken as they are. */
const minimum = 3;
/** The most a model's tasks may narrow a prediction (a share of its variance). */
const narrowest = 0.1;

/**
 * The share of a prediction's variance that the model's tasks support: their spread, weighed
 * against the prediction's own claim (a share of 1) as if that claim were {@link minimum} tasks,
 * so that a few lucky tasks do not make a sure prediction, and many do.
 */
function varianceShare(calibration: Calibration): number {
  const tasks = Math.min(calibration.count, memory);
  return Math.max(narrowest, (tasks * calibration.spread + minimum) / (tasks + minimum));
}

/** A stepwise prediction as the model's earlier tasks correct it; others unchanged. */
export function calibrate<T extends PredictedEnd>(end: T, calibration: Calibration | undefined): T {
  if (!end.stepwise || !calibration || calibration.count < minimum) return end;
  const left = end.endMs - end.fromMs;
  return { ...end, endMs: end.fromMs + left * Math.exp(calibration.meanLog), sigma: end.sigma * Math.sqrt(varianceShare(calibration)), calibrated: true };
}

/** The calibration after a task whose uncalibrated stepwise prediction `end` met the real end `endMs`. */
export function learnFrom(calibration: Calibration | undefined, end: PredictedEnd, endMs: number): Calibration | undefined {
  if (!end.stepwise || endMs <= end.fromMs || end.endMs <= end.fromMs) return calibration;
  const error = Math.log((endMs - end.fromMs) / (end.endMs - end.fromMs));
  const old = calibration ?? { count: 0, meanLog: 0, spread: 1 };
  const weight = 1 / Math.min(old.count + 1, memory);
  // Distance from the mean before this task, in units of this prediction's spread (a weighted
  // variance, updated as each task comes).
  const distance = (error - old.meanLog) / end.sigma;
  return {
    count: old.count + 1,
    meanLog: old.meanLog + weight * (error - old.meanLog),
    spread: (1 - weight) * (old.spread + weight * distance ** 2),
  };
}
