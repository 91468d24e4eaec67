import * as z from 'zod/mini';

/*
 * What the ends of a model's earlier tasks taught about its progress. Services report stepwise
 * stages in their own way: one announces the share of its planned work, another its stages ahead
 * of time (80 % when most of the time is still to come). What a stepwise reading predicts is moved
 * and widened or narrowed by how the predictions of the model's last tasks erred, for each of its
 * two readings (both rates met halfway, the rate since submit alone), and read at the one that
 * erred less; the poll schedule (polling.ts) applies it, the lifecycle learns it when a task ends,
 * the task service keeps it per model. Smooth curves are not calibrated: their fit already
 * follows the curve, and moving their ends by an average error cost the curves that stand near
 * the top for long their delay.
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
const errorsSchema = z.object({
  count: z.int().check(z.nonnegative()),
  meanLog: z.number(),
  spread: z.number().check(z.nonnegative()),
});
type Errors = z.infer<typeof errorsSchema>;

export const calibrationSchema = z.extend(errorsSchema, {
  /** The same figures for the stepwise reading whose rate runs since submit (`PredictedEnd.sinceSubmit`). */
  sinceSubmit: z.optional(errorsSchema),
  /** How many of the model's tasks were watched to their end (absent: none since this was kept). */
  ends: z.optional(z.int().check(z.nonnegative())),
  /** The running share of them that ended with no progress level seen. */
  silentShare: z.optional(z.number().check(z.minimum(0), z.maximum(1))),
  /** By what share of its duration a task's first level was seen, at the latest (a maximum that forgets slowly). */
  firstShare: z.optional(z.number().check(z.minimum(0), z.maximum(1))),
  /** The running share of the ends that showed progress whose progress read as stepwise then. */
  stepwiseShare: z.optional(z.number().check(z.minimum(0), z.maximum(1))),
  /** How many of the model's tasks ended while their levels rose like a clock against the estimate from a start after submit. */
  clockEnds: z.optional(z.int().check(z.nonnegative())),
  /** The running share of those that ended far from where that clock said: their progress is a clock, not the task's. */
  clockMissShare: z.optional(z.number().check(z.minimum(0), z.maximum(1))),
  /** The shortest and the longest run of the model's ended tasks, as multiples of their estimate (extremes that forget slowly). */
  shortest: z.optional(z.number().check(z.positive())),
  longest: z.optional(z.number().check(z.positive())),
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
  /**
   * For a stepwise reading: the same levels read with the rate since submit alone, where the
   * reading itself meets it halfway with the rate since the first level. A service whose stages
   * count its whole run (queue included, or stages announced ahead of time) is read better so;
   * one with a queue of its own, worse. The model's tasks tell which (`calibrate`).
   */
  sinceSubmit?: PredictedEnd;
}

/** How many tasks the means remember. */
const memory = 20;
/** Below this many tasks a model's predictions are taken as they are. */
const minimum = 3;
/** The most a model's tasks may narrow a prediction (a share of its variance). */
const narrowest = 0.1;

/** A model none of whose tasks taught anything yet. */
const blank: Errors = { count: 0, meanLog: 0, spread: 1 };

/** The weight of the next task in a running mean over `tasks` tasks (the latest {@link memory} weigh most). */
const memoryWeight = (tasks: number): number => 1 / Math.min(tasks + 1, memory);

/**
 * The share of a prediction's variance that the model's tasks support: their spread, weighed
 * against the prediction's own claim (a share of 1) as if that claim were {@link minimum} tasks,
 * so that a few lucky tasks do not make a sure prediction, and many do.
 */
function varianceShare(errors: Errors): number {
  const tasks = Math.min(errors.count, memory);
  return Math.max(narrowest, (tasks * errors.spread + minimum) / (tasks + minimum));
}

/**
 * A prediction moved and scaled by how the model's predictions of its kind erred, and how far
 * those errors scattered, in milliseconds (`scatter`); absent below {@link minimum} tasks.
 */
function corrected(end: PredictedEnd, errors: Errors | undefined): { endMs: number; sigma: number; scatter: number; sure: boolean } | undefined {
  if (!errors || errors.count === 0) return undefined;
  const sure = errors.count >= minimum;
  const shift = sure ? errors.meanLog : (errors.meanLog * errors.count) / (errors.count + 1);
  const left = (end.endMs - end.fromMs) * Math.exp(shift);
  return { endMs: end.fromMs + left, sigma: sure ? end.sigma * Math.sqrt(varianceShare(errors)) : end.sigma, scatter: Math.sqrt(errors.spread) * end.sigma * left, sure };
}

/**
 * A stepwise prediction as the model's earlier tasks correct it; others unchanged. Of its two
 * readings (both rates, the rate since submit) the one whose errors scattered less, in
 * milliseconds, holds: both were learned from the same tasks.
 */
export function calibrate<T extends PredictedEnd>(end: T, calibration: Calibration | undefined): T {
  if (!end.stepwise || !calibration) return end;
  const byStages = corrected(end, calibration);
  const bySubmit = end.sinceSubmit && corrected(end.sinceSubmit, calibration.sinceSubmit);
  const best = byStages && bySubmit ? (bySubmit.scatter < byStages.scatter ? bySubmit : byStages) : (byStages ?? bySubmit);
  return best ? { ...end, endMs: best.endMs, sigma: best.sigma, ...(best.sure ? { calibrated: true } : {}) } : end;
}

/** The calibration after a task whose uncalibrated stepwise prediction `end` met the real end `endMs`. */
export function learnFrom(calibration: Calibration | undefined, end: PredictedEnd, endMs: number): Calibration | undefined {
  if (!end.stepwise) return calibration;
  const old: Calibration = calibration ?? blank;
  const byStages = learnErrors(old, end, endMs);
  const bySubmit = end.sinceSubmit && learnErrors(old.sinceSubmit ?? blank, end.sinceSubmit, endMs);
  if (!byStages && !bySubmit) return calibration;
  return { ...old, ...byStages, ...(bySubmit ? { sinceSubmit: bySubmit } : {}) };
}

/** The figures after one more prediction `end` of their kind met the real end `endMs`. */
function learnErrors(old: Errors, end: PredictedEnd, endMs: number): Errors | undefined {
  if (endMs <= end.fromMs || end.endMs <= end.fromMs) return undefined;
  const error = Math.log((endMs - end.fromMs) / (end.endMs - end.fromMs));
  const weight = memoryWeight(old.count);
  // Distance from the mean before this task, in units of this prediction's spread (a weighted
  // variance, updated as each task comes). The error is measured from the middle of the window
  // the last level came in: the spread of a moment even in that window is part of it.
  const sigma = Math.hypot(end.sigma, (end.jumpMs ?? 0) / Math.sqrt(3) / (end.endMs - end.fromMs));
  const distance = (error - old.meanLog) / sigma;
  const learned = { count: old.count + 1, meanLog: old.meanLog + weight * (error - old.meanLog), spread: (1 - weight) * (old.spread + weight * distance ** 2) };
  // Odd moments (a clock set back between reads) teach nothing: a figure that is no number would lose the whole calibration.
  return Number.isFinite(learned.meanLog) && Number.isFinite(learned.spread) ? learned : undefined;
}

/**
 * The calibration after a task that ended `endMs` after submit, whose first progress level was
 * seen `firstLevelMs` after submit (absent: none was seen). Silence is what the reads saw: a task
 * that rose from 0 to its end between two reads ended silent too, and so did one that only ever
 * answered 99 (which is not kept as a level): that errs towards reading more often.
 */
export function learnSilence(calibration: Calibration | undefined, firstLevelMs: number | undefined, endMs: number, stepwise = false): Calibration {
  const old: Calibration = calibration ?? blank;
  const ends = old.ends ?? 0;
  const weight = memoryWeight(ends);
  const silentShare = (old.silentShare ?? 0) + weight * ((firstLevelMs === undefined ? 1 : 0) - (old.silentShare ?? 0));
  if (firstLevelMs === undefined || endMs <= 0) return { ...old, ends: ends + 1, silentShare };
  const share = Math.min(1, Math.max(0, firstLevelMs / endMs));
  // The latest share seen so far, drawn towards later ones at once and towards earlier ones slowly.
  const firstShare = old.firstShare === undefined ? share : Math.max(share, old.firstShare + (share - old.firstShare) / memory);
  const stepwiseShare = old.stepwiseShare === undefined ? Number(stepwise) : old.stepwiseShare + weight * (Number(stepwise) - old.stepwiseShare);
  return { ...old, ends: ends + 1, silentShare, firstShare, stepwiseShare };
}

/**
 * The calibration after a task that ran `share` times its estimate, or as little as `lowest`
 * where the reads left its end that loosely known: the shortest and the longest runs seen, each
 * drawn towards a more extreme one at once and back towards the others slowly (a model that got
 * faster, or an outlier long ago, is forgotten over {@link memory} tasks).
 */
export function learnDuration(calibration: Calibration | undefined, share: number, lowest = share): Calibration | undefined {
  if (!(share > 0) || !Number.isFinite(share) || !(lowest > 0) || lowest > share) return calibration;
  const old: Calibration = calibration ?? blank;
  const drawn = (extreme: number | undefined, further: boolean, to: number): number => (extreme === undefined || further ? to : extreme + (to - extreme) / memory);
  return { ...old, shortest: drawn(old.shortest, lowest < (old.shortest ?? lowest), lowest), longest: drawn(old.longest, share > (old.longest ?? share), share) };
}

/**
 * The range of runs the schedule expects, as multiples of the estimate: the usual one
 * (`earliest` to `latest`), widened to the shortest and longest runs the model's tasks showed.
 * A service's estimate is often one figure for a whole model, and its tasks may all end well
 * before it (or after twice it): the range follows them instead of waiting for ends that do not
 * come. It is only ever widened: a few tasks in a narrow band do not make it narrower.
 */
export function expectedRange(calibration: Calibration | undefined, earliest: number, latest: number): { earliest: number; latest: number } {
  return { earliest: Math.min(earliest, calibration?.shortest ?? earliest), latest: Math.max(latest, calibration?.longest ?? latest) };
}

/**
 * What the model's other tasks read at the same time show of its progress, before any of them
 * ended (`runningTasks.ts`): how many showed a level, by what share of their run so far the first
 * came at the latest (a bound on the share of their duration), how many stood on plateaus (read
 * as stepwise), and how many rose through three levels or more without one.
 */
export interface RunningModel {
  shown: number;
  firstShare: number;
  stepwise: number;
  moving: number;
}

/**
 * Whether the model's progress is stepwise: most of its tasks that showed progress read as
 * stepwise at their end ({@link minimum} ends at least), or, among its tasks running now, two
 * at least stood on plateaus and fewer rose like a moving curve. Its levels are then stages from
 * the first one on, also where a queue before them or sparse reads make them look like a moving
 * curve.
 */
export function stagedModel(calibration: Calibration | undefined, running?: RunningModel): boolean {
  if ((calibration?.ends ?? 0) >= minimum && (calibration?.stepwiseShare ?? 0) > 0.5) return true;
  return running !== undefined && running.stepwise >= 2 && running.stepwise > running.moving;
}

/** How many of the model's ended tasks showed progress before their end (the latest weigh most). */
function endedShowing(calibration: Calibration | undefined): number {
  return (calibration?.ends ?? 0) * (1 - (calibration?.silentShare ?? 1));
}

/**
 * Whether the model's tasks showed that its progress moves rather than stands on stages: its
 * tasks that ended with progress mostly read as moving curves, or, among its tasks running now,
 * more rose like a moving curve than stood on plateaus.
 */
export function movingModel(calibration: Calibration | undefined, running?: RunningModel): boolean {
  const shown = endedShowing(calibration);
  if (shown >= 0.5 && calibration?.stepwiseShare !== undefined && calibration.stepwiseShare < 0.5) return true;
  return running !== undefined && running.moving > running.stepwise;
}

/** How far (log scale) from where a clock against the estimate said a task ends is a miss: a task that takes its estimate ends within it. */
const clockTolerance = 0.15;

/**
 * The calibration after a task whose levels rose like a clock against the estimate, from a start
 * after submit, to its end (`end`, where that clock ends; the real end `endMs`): whether it ended
 * where the clock said (a task that takes its estimate) or elsewhere (a clock that says nothing
 * of the end).
 */
export function learnClock(calibration: Calibration | undefined, end: PredictedEnd, endMs: number): Calibration | undefined {
  if (endMs <= end.fromMs || end.endMs <= end.fromMs) return calibration;
  const old: Calibration = calibration ?? blank;
  const ends = old.clockEnds ?? 0;
  const miss = Math.abs(Math.log((endMs - end.fromMs) / (end.endMs - end.fromMs))) > clockTolerance ? 1 : 0;
  const share = old.clockMissShare ?? miss;
  return { ...old, clockEnds: ends + 1, clockMissShare: share + memoryWeight(ends) * (miss - share) };
}

/**
 * What a model's levels that rise like a clock from a start after submit are: `clock` when most
 * of its tasks with such levels ended far from where the clock said ({@link minimum} at least),
 * `task` when most ended there, or when most of its tasks that showed progress did not rise like
 * a clock at all; `unknown` before.
 */
export function clockModel(calibration: Calibration | undefined): 'clock' | 'task' | 'unknown' {
  const clockEnds = calibration?.clockEnds ?? 0;
  if (clockEnds >= minimum) return (calibration?.clockMissShare ?? 0) > 0.5 ? 'clock' : 'task';
  // A service whose progress is a clock shows it on every task: where most of the model's tasks
  // that showed progress did not rise like one, the one that does is a task that takes its estimate.
  const shown = endedShowing(calibration);
  return shown - clockEnds >= minimum && clockEnds < shown / 2 ? 'task' : 'unknown';
}

/**
 * What a model's tasks taught about silence: the chance that a task ends with no level seen
 * (as if two more tasks had ended, one silent and one not, so that a few tasks prove little),
 * and by what share of its duration the others showed their first level. The model's tasks
 * running now that showed a level count as tasks that did not end silent, by the share of their
 * run so far (their duration is longer). Absent below {@link minimum} tasks.
 */
export function silenceOf(calibration: Calibration | undefined, running?: RunningModel): { silentChance: number; firstShare: number } | undefined {
  const ended = Math.min(calibration?.ends ?? 0, memory);
  const shown = running?.shown ?? 0;
  if (ended + shown < minimum) return undefined;
  const silent = ended * (calibration?.silentShare ?? 1);
  const firstShare = Math.max(ended > 0 ? (calibration?.firstShare ?? 1) : 0, running?.firstShare ?? 0);
  return { silentChance: (silent + 1) / (ended + shown + 2), firstShare: Math.max(0.05, firstShare) };
}

/** What a calibration says, for the log. */
export function describeCalibration(calibration: Calibration): string {
  const staged = calibration.stepwiseShare === undefined ? '' : `, ${Math.round(100 * calibration.stepwiseShare)} % of the others read as stepwise then`;
  const clock = calibration.clockEnds ? `, ${calibration.clockEnds} rose like a clock against the estimate and ${Math.round(100 * (calibration.clockMissShare ?? 0))} % of those ended elsewhere` : '';
  const runs = calibration.shortest === undefined || calibration.longest === undefined ? '' : `, runs of ${calibration.shortest.toFixed(2)}x to ${calibration.longest.toFixed(2)}x their estimate`;
  const silent = `${calibration.ends ?? 0} tasks watched to their end (the latest weigh most): ${Math.round(100 * (calibration.silentShare ?? 0))} % ended before any progress was seen${runs}${staged}${clock}`;
  if (calibration.count === 0) return silent;
  const errors = ({ meanLog, spread }: Errors): string => `${Math.exp(meanLog).toFixed(2)}x the time left predicted, scattered ${Math.sqrt(spread).toFixed(2)}x as widely as it said`;
  const sinceSubmit = calibration.sinceSubmit ? `; at the rate since submit ${errors(calibration.sinceSubmit)}` : '';
  return `${silent}; the ${calibration.count} read as stepwise ended, at both rates, at ${errors(calibration)}${sinceSubmit}`;
}
