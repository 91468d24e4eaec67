import type { ProgressLevel } from './ledgerEntry';
import { clockStart, tracksElapsed } from './elapsedProgress';
import { calibrate, clockModel, expectedRange, learnClock, learnDuration, learnFrom, learnSilence, movingModel, stagedModel, type Calibration, type PredictedEnd, type RunningModel } from './progressCalibration';
import { normal } from './normal';
import { silentBelief } from './silentProgress';
import { lastRise, movingEnd } from './progressCurve';
import { onPlateau, reachTimes, stepwiseLeft, stoodBefore } from './stepwiseProgress';
import { firstShownAt, trailLength } from './progressTrail';

/*
 * When to read a running task next. Each read of an unfinished task makes the gateway ask the
 * upstream provider, and each second between the end of a task and the read that sees it is a
 * second the user waits for nothing. The schedule weighs the two against a belief of when the
 * task ends, and reads again when waiting longer would cost more in expected delay than it saves
 * in reads.
 *
 * The belief. Tasks end between about 0.3 and 2 times their `estimated_time` (the prior, flat
 * over that range), or as early or late as the model's ended tasks ran (an estimate is often one
 * figure for a whole model: `expectedRange` in `progressCalibration.ts`). Progress narrows it
 * only when it carries information, and services report progress in ways that often do not:
 * - progress that stays 0 says nothing, unless the model's earlier tasks all showed progress
 *   before they ended, or its tasks running beside it show progress already: then silence says
 *   the end is not near yet, until it lasts longer than theirs did (`silentProgress.ts`,
 *   `runningTasks.ts`);
 * - progress that is only time against the estimate (`elapsed / estimate`) says nothing of the
 *   real end: it is recognised (every level kept was reached when a clock started at submit said
 *   so) and ignored; from a later start, the model's tasks tell a clock from a task that takes its
 *   estimate (`elapsedProgress.ts`, `progressCalibration.ts`);
 * - progress that jumps between flat levels (stepwise) is told by its plateaus: a jump after a
 *   read that found the level unchanged, or reads since the last level that found it unchanged for
 *   longer than the curve needed for a few points on its way up. A level is a stage the service
 *   announces, not the share of time spent: it came anywhere between the read that first saw it and
 *   the read before (the time left starts anywhere in that window), and what is left is read
 *   from the stages seen (`stepwiseProgress.ts`), at the rates since the first level and since
 *   submit met halfway. The last stage may be far longer than its share says, so what a stepwise
 *   reading predicts is kept inside the estimate's spread, and is moved, widened or narrowed by
 *   how the model's earlier tasks erred, read at the rate since submit alone where its errors
 *   scattered less (`progressCalibration.ts`). Until a few levels were seen, sparse reads of
 *   stepwise progress look like a moving curve: the belief then keeps a share for the stepwise
 *   reading of the same levels, and a model whose tasks read as stepwise at their end, or two of
 *   whose tasks running beside it stood on plateaus, has its levels read as stages;
 * - a smooth curve bends (most slow down towards their end, some speed up): every level kept is
 *   fitted at once, for each bend, weighed by how sure it is (when it was reached; whole percents,
 *   which near 100 say little); the bends are weighed by their fit, and their spread is doubt; a
 *   new level that moves the end later than the levels before allowed may be one the curve
 *   stopped on (many stop near the top while the image is stored), and counts as reached any
 *   time since the pace before would have brought the curve there (`progressCurve.ts`);
 * - 99 is where many services wait until they finish: it is not taken as a level.
 * What progress predicts is a log-normal time left after the last level (the doubt is in what is
 * still to come, and a late end is likelier than an early one), mixed with the prior for
 * the case that progress misleads. Each read that finds the task still running cuts away the ends
 * before it, so a prediction that proves too early hands the belief back to the prior, and the
 * schedule returns to the prior's pace instead of racing at its fastest.
 *
 * The price of a read. A second of delay is worth as many reads as makes the vendor's own fixed
 * 3 s pace the best pace for a task known only by the usual prior (width W, 1.7 times the
 * estimate: a read every P = 3 s is best when a second of delay costs W / P² reads). So when
 * progress says nothing the schedule spends its reads like the vendor's poller, except before
 * the prior's earliest end where it saves them; and what progress tells turns directly into
 * fewer reads and a shorter delay. Where a moving curve is believed, the delay is priced lower
 * (`delayPrice`): its belief is narrow enough that the delay it saves is spent on fewer reads; a
 * stepwise prediction, which rests on stage durations that vary, a little less so (`stepPrice`)
 * until the model's tasks have calibrated it. While the belief is mostly the prior (progress
 * silent where nothing says why, or proved wrong), no wait inside the prior's range is longer
 * than the vendor's pace: without information the schedule is never slower than the vendor's
 * poller.
 */

/** What the schedule knows of a task. Times are milliseconds on one clock. */
export interface PollObservation {
  submittedAt: number;
  /** The service's estimate for the whole task, in seconds. */
  estimatedSeconds: number;
  /** How many reads were made so far. */
  polls: number;
  /** The levels above 0 the task's progress reached: the first and the latest few, oldest first. */
  levels: readonly ProgressLevel[];
  /** When progress first showed a level (absent: at the first of `levels`); it stays when progress went back and the levels started over. */
  shownAt?: number;
  /** When the task was last read (absent: at the last level). A read after the last level that found it unchanged is a flat. */
  polledAt?: number;
  /** What that read answered (absent: the last level). A level that is not kept (99) ends a flat. */
  progress?: number;
  /** What the ends of the model's earlier tasks taught about its progress (stepwise, and silent). */
  calibration?: Calibration;
  /** What the model's other tasks read now show of its progress (`runningTasks.ts`). */
  running?: RunningModel;
}

/** The tunables of the schedule; {@link defaultPollTuning} is what the extension uses. */
export interface PollTuning {
  /** The first look, to catch early failures (content policy, bad references). */
  firstLookMs: number;
  minDelayMs: number;
  /** The longest wait: a task that fails is noticed within this time. */
  maxDelayMs: number;
  /** The vendor's own clients read every this often; past every end the belief allows, so does the schedule. */
  vendorPaceMs: number;
  /** Tasks end between these multiples of their estimate (the prior). */
  earliestShare: number;
  latestShare: number;
  /** The weight of the case that progress misleads (the prior keeps it). */
  misleadWeight: number;
  /** How far a progress curve's remaining part may bend from a straight line (log scale). */
  shapeSigma: number;
  /**
   * How much (log scale) the time per point of a stage of a stepwise task may differ from the
   * stages before it, at least: the doubt of the stage still to come when the stages seen agree.
   */
  stepSigma: number;
  /**
   * The same for a stepwise prediction that the model's tasks have not calibrated yet (its stages
   * may vary far more than those seen); once calibrated, how far they vary is learned, and
   * `misleadWeight` holds.
   */
  stepMisleadWeight: number;
  /** The share of the belief kept for the stepwise reading while a moving curve is seen through fewer than four levels ... */
  stepHedge: number;
  /** ... and the same once the model's tasks showed that its progress moves (`movingModel`). */
  movingHedge: number;
  /** The same while levels rise like a clock against the estimate from after submit, and the model's tasks have not told whose it is. */
  clockMisleadWeight: number;
  /** A flat at least as long as the curve took for this many points, when it rose to its last level, is a plateau. */
  plateauPoints: number;
  /** ... and at least this share of the time from submit to the last level (a slowing curve stands longer on each point). */
  plateauShare: number;
  /** Above this level no plateau is read: a slowing curve stands still for long there (and 99 is not a level). */
  plateauBelow: number;
  /** The price of a second of delay while a moving curve is believed, in reads, as a share of the price at which the vendor's pace is best under the prior (1 elsewhere). */
  delayPrice: number;
  /** The same while a stepwise prediction not calibrated yet is believed (wider than a moving curve's; a calibrated one has `delayPrice`). */
  stepPrice: number;
}

/**
 * Each value stands on the behaviour it describes, not on a benchmark: the prior is the range of
 * durations services show against their estimate, the pace is the vendor's, a failed task is
 * noticed within 10 s, one prediction in four is allowed to be wrong, and a believed moving curve
 * spends half the delay price (the delay it saves is worth more as reads saved). The plateau
 * tests stand on what a moving curve can do (a few points' time, a tenth of the time run, not near
 * the top). The five stepwise values (`stepSigma`, `stepMisleadWeight`, `stepHedge`,
 * `movingHedge`, `stepPrice`) were picked among a few on the tuning seeds of bench/polling.ts and
 * checked on its held-out seeds: a stage takes about ±30 % of its share, a stepwise prediction not
 * yet calibrated is wrong more often than a smooth one, levels that may be stages seen sparsely
 * are as likely stages as a curve until the model's tasks tell, and then a fifth of the belief is
 * enough to catch stepwise progress that looks smooth; a calibrated one has earned a moving
 * curve's price.
 * bench/polling.ts measures the result against a fixed 3 s poller.
 */
export const defaultPollTuning: PollTuning = {
  firstLookMs: 3000,
  minDelayMs: 1000,
  maxDelayMs: 10_000,
  vendorPaceMs: 3000,
  earliestShare: 0.3,
  latestShare: 2,
  misleadWeight: 0.25,
  shapeSigma: 0.15,
  stepSigma: 0.3,
  stepMisleadWeight: 0.4,
  stepHedge: 0.5,
  movingHedge: 0.2,
  clockMisleadWeight: 0.5,
  plateauPoints: 3,
  plateauShare: 0.1,
  plateauBelow: 90,
  delayPrice: 0.5,
  stepPrice: 0.7,
};

/** How many moments across the window a level came in the belief averages over. */
const jumpSamples = 8;
/** The step of the candidate delays. */
const stepMs = 250;

/** How long a task may run before the extension stops watching it (it can be checked again). */
export function pollDeadlineMs(estimatedSeconds: number): number {
  return Math.max(10 * 60_000, estimatedSeconds * 1000 * 6);
}

/**
 * What the progress of a task tells: nothing, only elapsed time, or an end (ms after submit) with
 * its spread; a moving curve seen through few levels carries the stepwise reading of them (`alt`).
 */
export type ProgressReading = { kind: 'silent' } | { kind: 'elapsed' } | ({ kind: 'end'; alt?: PredictedEnd; clockEndMs?: number } & PredictedEnd);

/**
 * The end that the levels predict read as stepwise progress (`stepwiseProgress.ts`): the time
 * left at the rate since the first level and at the rate since submit, each an estimate of the
 * same pace with errors of its own (when the first level came; a queue or a pending start), met
 * halfway on a log scale. Their mean errs less widely than the rate since the first level alone,
 * with a queue or without; the rate since submit alone is kept for the model whose tasks show
 * that it errs less still (`calibrate`).
 */
function stepwiseEnd(levels: readonly ProgressLevel[], submittedAt: number, tuning: PollTuning): PredictedEnd {
  const times = reachTimes(levels, submittedAt, true);
  const fromMs = times.at(-1)!.at;
  const end = (sinceSubmit: boolean): PredictedEnd => {
    const { left, doubt, jump } = stepwiseLeft(levels, times, tuning, sinceSubmit);
    return { endMs: fromMs + left, fromMs, sigma: Math.sqrt(doubt), jumpMs: jump, stepwise: true };
  };
  const stages = end(false);
  const whole = end(true);
  return { ...stages, endMs: fromMs + Math.sqrt((stages.endMs - fromMs) * (whole.endMs - fromMs)), sinceSubmit: whole };
}

/**
 * The end that progress predicts, from the moments levels were reached. One or two levels give a
 * rate (one, only as well as the moment the work began is known); a stepwise task is read by its
 * stage rates; a moving curve by {@link movingEnd}.
 */
function predictEnd(observation: PollObservation, tuning: PollTuning): (PredictedEnd & { alt?: PredictedEnd }) | undefined {
  const { levels } = observation;
  const last = levels.at(-1);
  if (!last) return undefined;
  const times = reachTimes(levels, observation.submittedAt);
  const { span, rise } = lastRise(levels, times, observation.submittedAt);
  if (span <= 0 || rise <= 0) return undefined;
  // A jump: a new level after a read that found the level before unchanged.
  const jumped = levels.length >= 2 && levels.at(-2)!.at !== last.after;
  if (jumped || onPlateau(observation, span / rise, tuning) || stoodBefore(observation, levels.length >= trailLength ? 2 : 1, tuning)) return stepwiseEnd(levels, observation.submittedAt, tuning);
  const moving = movingEnd(levels, times, observation.submittedAt, tuning);
  return levels.length < trailLength ? { ...moving, alt: stepwiseEnd(levels, observation.submittedAt, tuning) } : moving;
}

/** What the task's progress tells, before the model's calibration. */
export function uncalibratedReading(observation: PollObservation, tuning: PollTuning): ProgressReading {
  if (observation.levels.length === 0) return { kind: 'silent' };
  if (tracksElapsed(observation)) return { kind: 'elapsed' };
  const end = predictEnd(observation, tuning);
  if (!end) return { kind: 'silent' };
  // Levels that rise like that clock from a start after submit, up to the earliest end: a service
  // that counts from the end of its queue, or a task that simply takes its estimate. A clock
  // never stands still: levels read as stepwise are no clock.
  const estimateMs = observation.estimatedSeconds * 1000;
  const start = end.stepwise ? undefined : clockStart(observation, tuning.earliestShare * estimateMs);
  return { kind: 'end', ...end, ...(start === undefined ? {} : { clockEndMs: start + estimateMs }) };
}

/** What the task's progress tells the schedule. */
export function readProgress(observation: PollObservation, tuning: PollTuning = defaultPollTuning): ProgressReading {
  const reading = stagedReading(observation, tuning);
  if (reading.kind !== 'end') return reading;
  const { alt, kind, clockEndMs, ...main } = reading;
  // Which clock-like levels are, the model's earlier tasks tell: a clock that says nothing (also
  // before three levels show it), or the task's own, which ends where the clock says. Until they
  // tell, the reading is doubted.
  const clock = clockModel(observation.calibration);
  if (clock === 'clock' && (clockEndMs !== undefined || observation.levels.length < 3)) return { kind: 'elapsed' };
  if (clockEndMs !== undefined && clock === 'task') return { kind, ...main, endMs: Math.max(clockEndMs, main.fromMs + 1) };
  return { kind, ...calibrate(main, observation.calibration), ...(alt ? { alt: calibrate(alt, observation.calibration) } : {}), ...(clockEndMs === undefined ? {} : { clockEndMs }) };
}

/** What the task's progress tells before calibration, where the levels of a model whose progress is stepwise are stages however they look. */
function stagedReading(observation: PollObservation, tuning: PollTuning): ProgressReading {
  const reading = uncalibratedReading(observation, tuning);
  if (reading.kind !== 'end' || reading.stepwise || !stagedModel(observation.calibration, observation.running)) return reading;
  return { kind: 'end', ...stepwiseEnd(observation.levels, observation.submittedAt, tuning) };
}

/**
 * The model's calibration after a task that ended `endMs` after submit (between its last two
 * reads): whether it showed progress, and by when, and what its stepwise progress predicted
 * before the read that found it done.
 */
export function learnEnd(observation: PollObservation, endMs: number, tuning: PollTuning = defaultPollTuning): Calibration {
  // The errors of the reading the schedule used; whether progress looked stepwise by itself.
  const reading = stagedReading(observation, tuning);
  const looked = uncalibratedReading(observation, tuning);
  const { submittedAt, levels } = observation;
  const estimateMs = observation.estimatedSeconds * 1000;
  let learned = reading.kind === 'end' ? learnFrom(observation.calibration, reading, endMs - submittedAt) : observation.calibration;
  if (reading.kind === 'end' && reading.clockEndMs !== undefined) learned = learnClock(learned, { ...reading, endMs: reading.clockEndMs }, endMs - submittedAt);
  // Progress that counted time from submit is a clock too: where it ended tells the same.
  const last = levels.at(-1);
  if (looked.kind === 'elapsed' && last) learned = learnClock(learned, { endMs: estimateMs, fromMs: last.at - submittedAt, sigma: 0, stepwise: false }, endMs - submittedAt);
  // A task whose progress went back to 0 and started over showed progress all the same.
  const shown = firstShownAt(observation);
  learned = learnSilence(learned, shown === undefined ? undefined : shown - submittedAt, endMs - submittedAt, looked.kind === 'end' && looked.stepwise);
  // How long it ran against its estimate widens the range the model's next tasks are expected in.
  // An end found after a read made before that range may have come as early as that read: the
  // schedule was not looking there, so the range widens to it.
  const before = observation.polledAt === undefined ? undefined : (observation.polledAt - submittedAt) / estimateMs;
  const earliest = expectedRange(observation.calibration, tuning.earliestShare, tuning.latestShare).earliest;
  const lowest = before !== undefined && before > 0 && before < earliest ? before : undefined;
  return learnDuration(learned, (endMs - submittedAt) / estimateMs, lowest) ?? learned;
}

/** The belief of when the task ends, before the reads that found it running are taken into account. */
export interface EndBelief {
  /** The chance that it has ended by `t` ms after submit. */
  ended(t: number): number;
  /** The chance that progress misleads (the prior holds), for a task still running at `t`. */
  misled(t: number): number;
  /** The chance that it has ended by `t` by the prior alone. */
  prior(t: number): number;
  /** The price of a second of delay while progress is believed, as a share of the prior's (`delayPrice`, `stepPrice`, or 1). */
  priceShare: number;
  /** Progress is believed at even odds only (levels like a clock whose model has not told what they are): waits stay within the vendor's pace. */
  doubted?: boolean;
}

/**
 * The chance that a predicted end has come by `t`: log-normal time left. Progress narrows the
 * prior, it does not move the end outside the estimate's spread (`low` to `high`): what stepwise
 * progress predicts is kept within it, and a prediction wholly outside it is no prediction.
 */
function predictedBy({ endMs, fromMs, sigma, jumpMs = 0, stepwise }: PredictedEnd, low: number, high: number): ((t: number) => number) | undefined {
  const left = endMs - fromMs;
  // The time left starts anywhere in the window the last level came in: the chance is averaged
  // over starts spread evenly across it.
  const starts = jumpMs > 0 ? Array.from({ length: jumpSamples }, (_, k) => fromMs + jumpMs * ((2 * k + 1) / jumpSamples - 1)) : [fromMs];
  const lognormal = (t: number): number => starts.reduce((sum, start) => sum + (t <= start ? 0 : normal(Math.log((t - start) / left) / sigma)), 0) / starts.length;
  const [below, inside] = stepwise ? [lognormal(low), lognormal(high) - lognormal(low)] : [0, 1];
  if (inside < 1e-3) return undefined;
  return (t) => Math.min(1, Math.max(0, (lognormal(t) - below) / inside));
}

/** What the schedule believes of when the task ends: the prior, mixed with what progress predicts. */
export function endBelief(observation: PollObservation, tuning: PollTuning = defaultPollTuning): EndBelief {
  const estimateMs = observation.estimatedSeconds * 1000;
  const range = expectedRange(observation.calibration, tuning.earliestShare, tuning.latestShare);
  const low = range.earliest * estimateMs;
  const high = range.latest * estimateMs;
  const prior = (t: number): number => Math.min(1, Math.max(0, (t - low) / (high - low)));
  const reading = readProgress(observation, tuning);
  const priorOnly = { ended: prior, misled: () => 1, prior, priceShare: 1 };
  if (reading.kind !== 'end') return (reading.kind === 'silent' && silentBelief(observation, prior, low, high)) || priorOnly;
  const weight = reading.clockEndMs !== undefined ? tuning.clockMisleadWeight : reading.stepwise && !reading.calibrated ? tuning.stepMisleadWeight : tuning.misleadWeight;
  const main = predictedBy(reading, low, high);
  if (!main) return priorOnly;
  const alt = reading.alt && predictedBy(reading.alt, low, high);
  const hedge = movingModel(observation.calibration, observation.running) ? tuning.movingHedge : tuning.stepHedge;
  const predicted = alt ? (t: number): number => (1 - hedge) * main(t) + hedge * alt(t) : main;
  return {
    ended: (t) => weight * prior(t) + (1 - weight) * predicted(t),
    misled: (t) => {
      const byPrior = weight * (1 - prior(t));
      const byProgress = (1 - weight) * (1 - predicted(t));
      return byPrior + byProgress > 0 ? byPrior / (byPrior + byProgress) : 1;
    },
    prior,
    priceShare: reading.stepwise && !reading.calibrated ? tuning.stepPrice : tuning.delayPrice,
    doubted: reading.clockEndMs !== undefined,
  };
}

/** The delay before the next read of a task that is not finished. */
export function nextPollDelay(observation: PollObservation, now: number, tuning: PollTuning = defaultPollTuning): number {
  if (observation.polls === 0) return tuning.firstLookMs;
  const belief = endBelief(observation, tuning);
  const t = now - observation.submittedAt;
  const ended = belief.ended(t);
  // The task is running: every end before now is ruled out.
  const alive = 1 - ended;
  if (alive < 1e-6) return tuning.vendorPaceMs;
  // While the belief is mostly the prior and the end can come, never wait longer than the vendor's poller.
  const longest = (belief.misled(t) >= 0.5 || belief.doubted) && belief.prior(t + tuning.vendorPaceMs) > 0 ? tuning.vendorPaceMs : tuning.maxDelayMs;
  const estimateMs = observation.estimatedSeconds * 1000;
  const informed = belief.misled(t) < 0.5;
  const price = informed ? belief.priceShare : 1;
  // Priced by the usual range, not the one the model's runs widened: a model whose tasks run long
  // (or short) does not make a second of the user's time worth more reads.
  const readsPerMs = (price * (tuning.latestShare - tuning.earliestShare) * estimateMs) / tuning.vendorPaceMs ** 2;
  // For each candidate wait d: the expected delay if the task ends before d (the integral of the
  // chance it has ended), and the expected time the wait covers; the best wait has the lowest
  // cost (one read plus the delay) per time covered.
  let best = longest;
  let bestCost = Infinity;
  let chance = 0;
  let delay = 0;
  let covered = 0;
  for (let d = stepMs; d <= longest; d += stepMs) {
    const next = (belief.ended(t + d) - ended) / alive;
    delay += ((chance + next) / 2) * stepMs;
    covered += (1 - (chance + next) / 2) * stepMs;
    chance = next;
    if (d < tuning.minDelayMs) continue;
    const cost = (1 + readsPerMs * delay) / covered;
    if (cost < bestCost) {
      bestCost = cost;
      best = d;
    }
  }
  return best;
}
