import { z } from 'zod';

/*
 * What the ends of a model's earlier tasks taught about its progress. Services report stepwise
 * stages in their own way: one announces the share of its planned work, another its stages ahead
 * of time (80 % when most of the time is still to come). What a stepwise reading predicts is moved
 * and widened or narrowed by how the predictions of the model's last tasks erred; the poll schedule
 * (polling.ts) applies it, the lifecycle learns it when a task ends, the task service keeps it per
 * model. Smooth curves are not calibrated: their fit already follows the curve, and moving their
 * ends by an average error cost the curves that stand near the top for long their delay.
 * The ends also teach whether the model's tasks show any progress before they end, and by when:
 * silence then says that the end is not near yet (silentProgress.ts).
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
  /** How many of the model's tasks were watched to their end (absent: none since this was kept). */
  ends: z.number().int().nonnegative().optional(),
  /** The running share of them that ended with no progress level seen. */
  silentShare: z.number().min(0).max(1).optional(),
  /** By what share of its duration a task's first level was seen, at the latest (a maximum that forgets slowly). */
  firstShare: z.number().min(0).max(1).optional(),
});
export type Calibration = z.infer<typeof calibrationSchema>;

/** A prediction of the end: log-normal time left after `fromMs`, around `endMs` (ms after submit). */
export interface PredictedEnd {
  endMs: number;
  fromMs: number;
  sigma: number;
  /** The time left starts anywhere within this many ms either side of `fromMs` (a level that came between two reads). */
  jumpMs?: number;
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

/** A model none of whose tasks taught anything yet. */
const blank: Calibration = { count: 0, meanLog: 0, spread: 1 };

/** The weight of the next task in a running mean over `tasks` tasks (the latest {@link memory} weigh most). */
const memoryWeight = (tasks: number): number => 1 / Math.min(tasks + 1, memory);

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
  const old = calibration ?? blank;
  const weight = memoryWeight(old.count);
  // Distance from the mean before this task, in units of this prediction's spread (a weighted
  // variance, updated as each task comes). The error is measured from the middle of the window
  // the last level came in: the spread of a moment even in that window is part of it.
  const sigma = Math.hypot(end.sigma, (end.jumpMs ?? 0) / Math.sqrt(3) / (end.endMs - end.fromMs));
  const distance = (error - old.meanLog) / sigma;
  return {
    ...old,
    count: old.count + 1,
    meanLog: old.meanLog + weight * (error - old.meanLog),
    spread: (1 - weight) * (old.spread + weight * distance ** 2),
  };
}

/**
 * The calibration after a task that ended `endMs` after submit, whose first progress level was
 * seen `firstLevelMs` after submit (absent: none was seen). Silence is what the reads saw: a task
 * that rose from 0 to its end between two reads ended silent too, and so did one that only ever
 * answered 99 (which is not kept as a level): that errs towards reading more often.
 */
export function learnSilence(calibration: Calibration | undefined, firstLevelMs: number | undefined, endMs: number): Calibration {
  const old = calibration ?? blank;
  const ends = old.ends ?? 0;
  const weight = memoryWeight(ends);
  const silentShare = (old.silentShare ?? 0) + weight * ((firstLevelMs === undefined ? 1 : 0) - (old.silentShare ?? 0));
  if (firstLevelMs === undefined || endMs <= 0) return { ...old, ends: ends + 1, silentShare };
  const share = Math.min(1, Math.max(0, firstLevelMs / endMs));
  // The latest share seen so far, drawn towards later ones at once and towards earlier ones slowly.
  const firstShare = old.firstShare === undefined ? share : Math.max(share, old.firstShare + (share - old.firstShare) / memory);
  return { ...old, ends: ends + 1, silentShare, firstShare };
}

/**
 * What a model's tasks taught about silence: the chance that a task ends with no level seen
 * (as if two more tasks had ended, one silent and one not, so that a few tasks prove little),
 * and by what share of its duration the others showed their first level. Absent below
 * {@link minimum} tasks.
 */
export function silenceOf(calibration: Calibration | undefined): { silentChance: number; firstShare: number } | undefined {
  const ends = Math.min(calibration?.ends ?? 0, memory);
  if (!calibration || ends < minimum) return undefined;
  return { silentChance: (ends * (calibration.silentShare ?? 1) + 1) / (ends + 2), firstShare: Math.max(0.05, calibration.firstShare ?? 1) };
}

/** What a calibration says, for the log. */
export function describeCalibration(calibration: Calibration): string {
  const silent = `${calibration.ends ?? 0} tasks watched to their end (the latest weigh most): ${Math.round(100 * (calibration.silentShare ?? 0))} % ended before any progress was seen`;
  if (calibration.count === 0) return silent;
  return `${silent}; the ${calibration.count} read as stepwise ended at ${Math.exp(calibration.meanLog).toFixed(2)}x the time left their progress predicted, scattered ${Math.sqrt(calibration.spread).toFixed(2)}x as widely as it said`;
}
