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
 * Running means over a model's last tasks (each new one weighs at least 1 / {@link memory}): the
 * log of the real time left over the predicted one, and its square over the prediction's spread.
 */
export const calibrationSchema = z.object({
  count: z.number().int().nonnegative(),
  meanLog: z.number().finite(),
  meanZ2: z.number().finite().nonnegative(),
});
export type Calibration = z.infer<typeof calibrationSchema>;

/** A prediction of the end: log-normal time left after `fromMs`, around `endMs` (ms after submit). */
export interface PredictedEnd {
  endMs: number;
  fromMs: number;
  sigma: number;
  stepwise: boolean;
}

/** How many tasks the means remember. */
const memory = 20;
/** Below this many tasks a model's predictions are taken as they are. */
const minimum = 3;
/** The most a model's tasks may narrow a prediction (a share of its variance): a few lucky tasks do not make a sure one. */
const narrowest = 0.6;

/** A stepwise prediction as the model's earlier tasks correct it; others unchanged. */
export function calibrate<T extends PredictedEnd>(end: T, calibration: Calibration | undefined): T {
  if (!end.stepwise || !calibration || calibration.count < minimum) return end;
  const left = end.endMs - end.fromMs;
  // The spread of the errors around their mean, in units of the predictions' own spread.
  const variance = Math.max(narrowest, calibration.meanZ2 - (calibration.meanLog / end.sigma) ** 2);
  return { ...end, endMs: end.fromMs + left * Math.exp(calibration.meanLog), sigma: end.sigma * Math.sqrt(variance) };
}

/** The calibration after a task whose uncalibrated stepwise prediction `end` met the real end `endMs`. */
export function learnFrom(calibration: Calibration | undefined, end: PredictedEnd, endMs: number): Calibration | undefined {
  if (!end.stepwise || endMs <= end.fromMs || end.endMs <= end.fromMs) return calibration;
  const error = Math.log((endMs - end.fromMs) / (end.endMs - end.fromMs));
  const old = calibration ?? { count: 0, meanLog: 0, meanZ2: 1 };
  const weight = 1 / Math.min(old.count + 1, memory);
  return {
    count: old.count + 1,
    meanLog: old.meanLog + weight * (error - old.meanLog),
    meanZ2: old.meanZ2 + weight * ((error / end.sigma) ** 2 - old.meanZ2),
  };
}
