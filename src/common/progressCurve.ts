import type { ProgressLevel } from './ledgerEntry';
import type { PollTuning } from './polling';
import type { PredictedEnd } from './progressCalibration';
import { reachTimes, type ReachTime } from './stepwiseProgress';

/*
 * A moving progress curve, fitted from the moments its levels were reached: the poll schedule
 * (polling.ts) asks here when such a curve reaches 100.
 */

/**
 * The time still to go after the last level, if what is left of the work shrinks as a power `bend`
 * of the time left (1: a straight line; 2 and more: a curve that slows down towards its end, as
 * most progress bars do): from the level `from` to the last one, reached `span` ms apart.
 */
export function timeLeft(from: number, last: number, span: number, bend: number): number {
  return span / (((100 - from) / (100 - last)) ** (1 / bend) - 1);
}

/** The bends tried, from a curve that speeds up through a straight line to one that has done nearly all of its progress by half time (a grid that stopped at a real curve's bend would pull its ends early). */
const bends = [0.5, 0.75, 1, 1.25, 1.5, 1.75, 2, 2.5, 3, 3.5, 4, 5, 6];

/**
 * A moving curve, fitted whole: for each bend, what is left of the work shrinks in a straight line
 * on the bend's scale ((100 - progress) ** (1 / bend)) until the end. Each level counts by how
 * sure it is: when it was reached, and whole percents (a level near 100 says little of its time).
 * Each bend's end is weighed by how well it fits; the variance grows with the misfit.
 */
export function fitCurve(levels: readonly ProgressLevel[], times: readonly ReachTime[]): { endMs: number; variance: number } | undefined {
  const fits: { endMs: number; variance: number; misfit: number }[] = [];
  for (const bend of bends) {
    const scale = levels.map((level) => (100 - level.progress) ** (1 / bend));
    const rounding = levels.map((level) => (0.29 / bend) * (100 - level.progress) ** (1 / bend - 1));
    const slope = (times.at(-1)!.at - times[0]!.at) / (scale[0]! - scale.at(-1)!);
    if (!(slope > 0)) continue;
    // Weighted least squares of the reach time on the scale: at = end - slope * scale.
    let [n, sx, sy, sxx, sxy] = [0, 0, 0, 0, 0];
    const weights = times.map((time, i) => 1 / (time.unsure ** 2 / 3 + (slope * rounding[i]!) ** 2 + 1));
    times.forEach((time, i) => {
      const w = weights[i]!;
      const x = scale[i]!;
      [n, sx, sy, sxx, sxy] = [n + w, sx + w * x, sy + w * time.at, sxx + w * x * x, sxy + w * x * time.at];
    });
    const det = n * sxx - sx * sx;
    if (det <= 0) continue;
    const b = (n * sxy - sx * sy) / det;
    const endMs = (sy - b * sx) / n;
    if (!(b < 0)) continue;
    const misfit = times.reduce((sum, time, i) => sum + weights[i]! * (time.at - endMs - b * scale[i]!) ** 2, 0);
    const variance = (sxx / det) * Math.max(1, misfit / Math.max(1, times.length - 2));
    fits.push({ endMs, variance, misfit });
  }
  // The bends are weighed by how well they fit; how far their ends differ is doubt too.
  const least = Math.min(...fits.map((fit) => fit.misfit));
  const weights = fits.map((fit) => Math.exp((least - fit.misfit) / 2));
  const total = weights.reduce((sum, w) => sum + w, 0);
  if (fits.length === 0) return undefined;
  const endMs = fits.reduce((sum, fit, i) => sum + weights[i]! * fit.endMs, 0) / total;
  const variance = fits.reduce((sum, fit, i) => sum + weights[i]! * (fit.variance + (fit.endMs - endMs) ** 2), 0) / total;
  return { endMs, variance };
}

/**
 * A moving curve may have stopped on its last level when that level moved the end later than
 * this many spreads (log scale) of what the levels before predicted (about one in fifteen
 * predictions of a curve that keeps its bend), and ...
 */
const stopSpreads = 1.5;
/** ... when at least this many levels came before it, so that they tell the curve's bend. */
const stopLevels = 3;

/**
 * The end of a moving curve through `levels`, reached at `times` ({@link reachTimes}). A new level
 * that moves the end later than the levels before it allowed says that the curve slowed sharply
 * there, or that it stopped on it (a hold before the end, often near the top); reads cannot tell
 * which yet, so the level is read as reached any time since the pace before would have brought
 * the curve there.
 */
export function movingEnd(levels: readonly ProgressLevel[], times: readonly ReachTime[], submittedAt: number, tuning: PollTuning): PredictedEnd {
  const end = curveEnd(levels, times, submittedAt, tuning);
  const before = levels.length > stopLevels && levels.at(-2)!.at === levels.at(-1)!.after && curveEnd(levels.slice(0, -1), times.slice(0, -1), submittedAt, tuning);
  if (!before || Math.log((end.endMs - before.fromMs) / (before.endMs - before.fromMs)) <= stopSpreads * before.sigma) return end;
  return curveEnd(levels, reachTimes(levels, submittedAt, false, true), submittedAt, tuning);
}

/**
 * The rise to the last level: from the level before it, reached at `previousAt`, `span` ms
 * before. With a single level, from 0 at submit; but the work may have started any time up to the
 * last read that found 0 (a queue, a pending stage): the rate is known only that well.
 */
export function lastRise(levels: readonly ProgressLevel[], times: readonly ReachTime[], submittedAt: number): { previous: { progress: number }; previousAt: ReachTime; span: number; rise: number } {
  const last = levels.at(-1)!;
  const previous = levels.at(-2) ?? { progress: 0 };
  const previousAt = times.at(-2) ?? { at: 0, unsure: last.after - submittedAt };
  return { previous, previousAt, span: times.at(-1)!.at - previousAt.at, rise: last.progress - previous.progress };
}

/** The end of a moving curve through `levels`: its rate, or with three levels or more {@link fitCurve}. */
function curveEnd(levels: readonly ProgressLevel[], times: readonly ReachTime[], submittedAt: number, tuning: PollTuning): PredictedEnd {
  const last = levels.at(-1)!;
  const lastAt = times.at(-1)!;
  const { previous, previousAt, span, rise } = lastRise(levels, times, submittedAt);
  // Not knowing exactly when the levels were reached, and whole percents.
  let doubt = (previousAt.unsure ** 2 + lastAt.unsure ** 2) / span ** 2 + 1 / rise ** 2 + 1 / (100 - last.progress) ** 2;
  let left = timeLeft(previous.progress, last.progress, span, 1);
  if (levels.length >= 3) {
    const fit = fitCurve(levels, times);
    if (fit && fit.endMs > lastAt.at) {
      left = fit.endMs - lastAt.at;
      doubt = fit.variance / left ** 2;
    }
  }
  // The doubt is in the part still to come: the time left is log-normal around its prediction.
  return { endMs: lastAt.at + left, fromMs: lastAt.at, sigma: Math.sqrt(tuning.shapeSigma ** 2 + doubt), stepwise: false };
}
