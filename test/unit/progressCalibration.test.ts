import * as assert from 'node:assert/strict';
import type { LedgerEntry } from '../../src/common/ledgerEntry';
import { createEntry, defaultLifecycleTimes, next, type Effect, type LifecycleContext } from '../../src/common/lifecycle';
import { defaultPollTuning, endBelief, learnEnd, nextPollDelay, readProgress } from '../../src/common/polling';
import { calibrate, clockModel, describeCalibration, expectedRange, learnDuration, learnFrom, learnSilence, movingModel, silenceOf, stagedModel, type Calibration, type PredictedEnd } from '../../src/common/progressCalibration';
import type { TaskSnapshot } from '../../src/common/wire';
import { ProgressCalibrations } from '../../src/extension/tasks/progressCalibrations';
import { observation, s, trail } from '../support/pollingTrail';

const readsEvery = (every: number, until: number): number[] => Array.from({ length: Math.floor(until / every) }, (_, i) => (i + 1) * every);
const steps =
  (...levels: [number, number][]) =>
  (t: number): number =>
    levels.reduce((value, [from, progress]) => (t >= from ? progress : value), 0);

/** A stepwise prediction: 20 s left after 40 s, spread 0.4. */
const stepEnd: PredictedEnd = { endMs: 60_000, fromMs: 40_000, sigma: 0.4, stepwise: true };

/** What `count` tasks teach whose time left was `ratio` times the prediction. */
function taught(ratios: number[], end = stepEnd): Calibration | undefined {
  return ratios.reduce<Calibration | undefined>((calibration, ratio) => learnFrom(calibration, end, end.fromMs + ratio * (end.endMs - end.fromMs)), undefined);
}

describe('Progress calibration per model', () => {
  it('moves a prediction part of the way after one or two tasks, calls it calibrated from three, and never calibrates a smooth curve', () => {
    assert.deepEqual(calibrate(stepEnd, undefined), stepEnd);
    // One task that took twice the time left: half the way (in log) there; two: two thirds. The
    // spread and the price stay those of a prediction not calibrated yet.
    const one = calibrate(stepEnd, taught([2]));
    assert.ok(Math.abs(one.endMs - (40_000 + 20_000 * Math.SQRT2)) < 1, String(one.endMs));
    const two = calibrate(stepEnd, taught([2, 2]));
    assert.ok(Math.abs(two.endMs - (40_000 + 20_000 * 2 ** (2 / 3))) < 1, String(two.endMs));
    assert.equal(two.sigma, stepEnd.sigma);
    assert.equal(two.calibrated, undefined);
    const three = taught([2, 2, 2]);
    const smooth = { ...stepEnd, stepwise: false };
    assert.deepEqual(calibrate(smooth, three), smooth);
    assert.deepEqual(learnFrom(three, smooth, 100_000), three, 'a smooth reading teaches nothing');
    // A prediction with no spread (levels at one moment, a clock set back) teaches nothing either: no figure may become NaN.
    assert.deepEqual(learnFrom(three, { ...stepEnd, sigma: 0 }, 100_000), three);
  });

  it('moves the end of a model whose stages announce their levels ahead of time', () => {
    // Every task so far had twice the time left that its last level predicted (80 % at 60 % of the time).
    const calibrated = calibrate(stepEnd, taught([2, 2, 2, 2]));
    assert.ok(Math.abs(calibrated.endMs - 80_000) < 1, String(calibrated.endMs));
    // Errors that agree narrow the prediction; four tasks weigh against its own claim as if that
    // were three (a few lucky tasks are not proof), twenty weigh more.
    assert.ok(Math.abs(calibrated.sigma - stepEnd.sigma * Math.sqrt(3 / 7)) < 1e-9, String(calibrated.sigma));
    const many = calibrate(stepEnd, taught(Array<number>(20).fill(2)));
    assert.ok(Math.abs(many.sigma - stepEnd.sigma * Math.sqrt(3 / 23)) < 1e-9, String(many.sigma));
  });

  it("measures the spread of a model's errors around their mean, in units of each prediction's own spread", () => {
    // Tasks whose predictions were sure (0.1) or not (0.8), all wrong by the same factor of 3:
    // the errors do not scatter at all, whatever the spreads of single predictions.
    const mixed = [0.1, 0.8, 0.1, 0.8, 0.1, 0.8, 0.1, 0.8].reduce<Calibration | undefined>((calibration, sigma) => learnFrom(calibration, { ...stepEnd, sigma }, stepEnd.fromMs + 3 * (stepEnd.endMs - stepEnd.fromMs)), undefined);
    assert.ok(mixed && mixed.spread < 0.05 && Math.abs(mixed.meanLog - Math.log(3)) < 1e-9, JSON.stringify(mixed));
    assert.ok(calibrate({ ...stepEnd, sigma: 0.8 }, mixed).sigma < 0.8 * 0.7);
  });

  it('learns whether the tasks of a model show progress before they end, and by what share of their duration', () => {
    // Three tasks are needed; twenty that all showed a level by 30 % of their time leave a chance of
    // 1 in 22 that the next one ends silent.
    const showing = (shares: number[], from?: Calibration): Calibration | undefined => shares.reduce<Calibration | undefined>((calibration, share) => learnSilence(calibration, share * 60_000, 60_000), from);
    assert.equal(silenceOf(showing([0.3, 0.3])), undefined);
    const twenty = showing(Array<number>(20).fill(0.3));
    assert.deepEqual(silenceOf(twenty), { silentChance: 1 / 22, firstShare: 0.3 });
    // A later first level counts at once; earlier ones draw the share down slowly.
    assert.equal(silenceOf(showing([0.6], twenty))?.firstShare, 0.6);
    const earlier = silenceOf(showing([0.6, 0.1, 0.1], twenty))!.firstShare;
    assert.ok(earlier < 0.6 && earlier > 0.5, String(earlier));
    // A model whose tasks end silent: the chance stays high.
    const silent = [1, 2, 3, 4].reduce<Calibration | undefined>((calibration) => learnSilence(calibration, undefined, 60_000), undefined);
    assert.equal(silenceOf(silent)?.silentChance, 5 / 6);
    // The stepwise part of a calibration keeps what it taught of silence.
    const both = learnFrom(twenty, stepEnd, 70_000);
    assert.equal(both?.ends, 20);
    assert.equal(both?.firstShare, 0.3);
  });

  it('widens the range of runs it expects to the shortest and longest runs of the model\'s tasks, and forgets an outlier slowly', () => {
    const ran = (shares: number[], from?: Calibration): Calibration | undefined => shares.reduce<Calibration | undefined>((calibration, share) => learnDuration(calibration, share), from);
    // Runs inside the usual range leave it as it is: a few tasks in a narrow band do not narrow it.
    assert.deepEqual(expectedRange(ran([0.6, 0.9, 1.2]), 0.3, 2), { earliest: 0.3, latest: 2 });
    // A model whose tasks end well before its estimate, or run past twice it.
    assert.deepEqual(expectedRange(ran([0.2, 0.3, 0.12]), 0.3, 2), { earliest: 0.12, latest: 2 });
    assert.deepEqual(expectedRange(ran([1.5, 2.6]), 0.3, 2), { earliest: 0.3, latest: 2.6 });
    // One short run long ago is forgotten over twenty tasks of the usual kind.
    const after = expectedRange(ran(Array<number>(30).fill(1), ran([0.1])), 0.3, 2);
    assert.equal(after.earliest, 0.3);
    // An odd figure (a clock set back) teaches nothing.
    assert.equal(learnDuration(undefined, -1), undefined);
    assert.equal(learnDuration(undefined, Number.NaN), undefined);
    assert.equal(learnDuration(undefined, 0.5, 0.6), undefined, 'a run is no shorter than its lowest bound');
    // It is kept with what the model's ends taught, and said in the log. The estimate is 100 s:
    // inside the usual range an end counts from the middle of the two reads around it.
    const kept = learnEnd(observation({ polledAt: s(40) }), s(41));
    assert.deepEqual([kept.shortest, kept.longest], [0.41, 0.41]);
    assert.match(describeCalibration({ ...kept, longest: 2.5 }), /runs of 0\.41x to 2\.50x their estimate/);
  });

  it('widens the range down to the read before an end found where the schedule was not looking for one', () => {
    // The estimate is 100 s; a task read at 3 s and found done at 13 s (a wait of 10 s, since by
    // the estimate nothing ends before 30 s) may have ended right after the first read.
    const early = learnEnd(observation({ polledAt: s(3) }), s(8));
    assert.deepEqual([early.shortest, early.longest], [0.03, 0.08]);
    // So the next task is read at the vendor's pace from then on, and tells when its end came.
    const silentAt3 = observation({ polledAt: s(3), progress: 0 });
    assert.equal(nextPollDelay(silentAt3, s(3)), 10_000);
    assert.equal(nextPollDelay({ ...silentAt3, calibration: learnSilence(early, undefined, s(8)) }, s(3)), 3000);
    // An end inside the range the schedule expected is known to the middle of its window.
    assert.equal(learnEnd(observation({ polledAt: s(3), calibration: early }), s(5)).shortest, 0.03 + (0.05 - 0.03) / 20);
  });

  it('reads a silent task of a model whose tasks end well before their estimate before the usual earliest end, and paces one past twice it', () => {
    // The estimate is 100 s; the model's tasks ended silent after 12 to 20 s.
    const fast = [0.2, 0.12, 0.18, 0.15].reduce<Calibration | undefined>((calibration, share) => learnDuration(learnSilence(calibration, undefined, share * 100_000), share), undefined);
    const silentAt13 = observation({ polledAt: s(13), progress: 0 });
    assert.equal(nextPollDelay(silentAt13, s(13)), 10_000, 'by the estimate alone nothing ends before 30 s');
    assert.equal(nextPollDelay({ ...silentAt13, calibration: fast }, s(13)), 3000, 'where the model\'s tasks end after 12 to 20 s, at the vendor\'s pace');
    // A model whose tasks run up to 2.8 times their estimate: near twice it the schedule does not race.
    const slow = learnDuration(learnDuration(undefined, 2.8), 1.5);
    const silentAt190 = observation({ polledAt: s(190), progress: 0 });
    const usual = nextPollDelay(silentAt190, s(190));
    const learned = nextPollDelay({ ...silentAt190, calibration: slow }, s(190));
    assert.ok(usual <= 1500 && learned >= 2500, `${learned} against ${usual}`);
    // Runs that reach three times the estimate do not make the user's time worth more reads: a
    // silent task of such a model is read no faster than the vendor's pace at 1.8 times it.
    assert.equal(nextPollDelay({ ...observation({ polledAt: s(180), progress: 0 }), calibration: learnDuration(learnDuration(undefined, 3), 1) }, s(180)), 3000);
  });

  it('counts the window the last level came in as part of a prediction\'s spread when it learns', () => {
    // A sure stage (0.1), 20 s left, after a level that came in a window whose moments spread by
    // 6 s (its half-width is 6 s × √3): errors of ±0.3 on a log scale are what the window brings.
    const windowed = { ...stepEnd, sigma: 0.1, jumpMs: 6000 * Math.sqrt(3) };
    const learned = [1.35, 1 / 1.35, 1.35, 1 / 1.35, 1.35, 1 / 1.35].reduce<Calibration | undefined>((calibration, ratio) => learnFrom(calibration, windowed, windowed.fromMs + ratio * (windowed.endMs - windowed.fromMs)), undefined);
    assert.ok(learned && learned.spread < 1.5, JSON.stringify(learned));
  });

  it('widens the prediction of a model whose tasks scatter, and forgets a behaviour that changed', () => {
    const scattered = calibrate(stepEnd, taught([0.5, 2, 0.5, 2, 0.5, 2]));
    assert.ok(scattered.sigma > 1.5 * stepEnd.sigma, String(scattered.sigma));
    // 60 tasks that ended on time after 10 that ended twice as late: the old error is nearly gone.
    const changed = calibrate(stepEnd, taught([...Array<number>(10).fill(2), ...Array<number>(60).fill(1)]));
    assert.ok(Math.abs(changed.endMs - stepEnd.endMs) < 1000, String(changed.endMs));
  });

  it('learns from the stepwise reading of a task before its end, and the next task of the model is read with it', () => {
    // 30 from 11 s, 60 from 31 s, read every 2 s until 50 s: the reading predicts about 20 s after 31 s.
    const levels = trail(readsEvery(2, 50), steps([11, 30], [31, 60]));
    const before = observation({ levels, polledAt: s(50), progress: 60 });
    const reading = readProgress(before);
    assert.ok(reading.kind === 'end' && reading.stepwise);
    // It ended at 90 s, far later than predicted: after three such tasks the schedule expects it.
    let calibration: Calibration | undefined;
    for (let task = 0; task < 3; task++) calibration = learnEnd({ ...before, ...(calibration ? { calibration } : {}) }, s(90));
    assert.equal(calibration?.count, 3);
    const calibrated = readProgress({ ...before, calibration: calibration });
    assert.ok(calibrated.kind === 'end' && reading.kind === 'end' && calibrated.endMs - s(0) > 1.5 * (reading.endMs - s(0)), `${calibrated.kind}`);
    // So its next read after the prediction that proved too early waits longer.
    assert.ok(nextPollDelay({ ...before, calibration: calibration }, s(55)) > nextPollDelay(before, s(55)));
    // A silent task teaches nothing of stepwise progress, only that the model's tasks can end silent, and how long it ran.
    assert.deepEqual(learnEnd(observation({ polledAt: s(50), progress: 0 }), s(90)), { count: 0, meanLog: 0, spread: 1, ends: 1, silentShare: 1, shortest: 0.9, longest: 0.9 });
    // What the stepwise tasks taught of silence is kept beside what they taught of their stages.
    assert.equal(calibration?.ends, 3);
    assert.equal(calibration?.silentShare, 0);
  });

  it('learns whether levels that rise like a clock from after submit are a clock or the task, and reads the next task so', () => {
    // From the end of a 12 s queue, one point a second against the 100 s estimate: the clock says 112 s.
    const levels = trail(readsEvery(3, 45), (t) => Math.max(0, Math.floor(t - 12)));
    const before = observation({ levels, polledAt: s(45), progress: 33 });
    const doubted = readProgress(before);
    assert.ok(doubted.kind === 'end' && doubted.clockEndMs !== undefined, 'doubted until the model tells');
    assert.ok(Math.abs(doubted.clockEndMs / 1000 - 112) < 2, String(doubted.clockEndMs));
    // Three tasks that ended far from the clock's end: a clock, ignored from the first level on.
    let clock: Calibration | undefined;
    for (const end of [50, 160, 70]) clock = learnEnd({ ...before, ...(clock ? { calibration: clock } : {}) }, s(end));
    assert.equal(readProgress({ ...before, calibration: clock }).kind, 'elapsed');
    const firstLevel = observation({ levels: trail([3, 13, 16], (t) => Math.max(0, Math.floor(t - 12))), polledAt: s(16), progress: 4, calibration: clock });
    assert.equal(readProgress(firstLevel).kind, 'elapsed');
    // Three that ended where it said: the task's own progress, believed as any other.
    let task: Calibration | undefined;
    for (const end of [111, 113, 112]) task = learnEnd({ ...before, ...(task ? { calibration: task } : {}) }, s(end));
    const believed = readProgress({ ...before, calibration: task });
    assert.ok(believed.kind === 'end' && believed.clockEndMs === undefined && Math.abs(believed.endMs / 1000 - 112) < 2, JSON.stringify(believed));
  });

  it('reads clock-like levels as the task\'s own where most of the model\'s tasks showed progress that was no clock', () => {
    const queued = observation({ levels: trail(readsEvery(3, 45), (t) => Math.max(0, Math.floor(t - 12))), polledAt: s(45), progress: 33 });
    assert.equal(clockModel(undefined), 'unknown');
    // Three linear tasks that took 60 s (no clock against their 100 s estimate), then the clock-like one.
    const linear = observation({ levels: trail(readsEvery(5, 55), (t) => (t < 6 ? 0 : Math.floor(((t - 6) / 54) * 100))), polledAt: s(55), progress: 90 });
    let model: Calibration | undefined;
    for (let i = 0; i < 3; i++) model = learnEnd({ ...linear, ...(model ? { calibration: model } : {}) }, s(60));
    assert.equal(clockModel(model), 'task');
    const believed = readProgress({ ...queued, calibration: model });
    assert.ok(believed.kind === 'end' && believed.clockEndMs === undefined, JSON.stringify(believed));
    // A service whose progress counts time from submit: each such end counts as a clock's, and
    // clock-like levels of its later tasks are a clock.
    const elapsed = observation({ levels: trail(readsEvery(3, 45), (t) => Math.floor(t)), polledAt: s(45), progress: 45 });
    assert.equal(readProgress(elapsed).kind, 'elapsed');
    let clock: Calibration | undefined;
    for (const end of [50, 160, 70]) clock = learnEnd({ ...elapsed, ...(clock ? { calibration: clock } : {}) }, s(end));
    assert.equal(clock?.clockEnds, 3);
    assert.equal(clockModel(clock), 'clock');
    assert.equal(readProgress({ ...queued, calibration: clock }).kind, 'elapsed');
  });

  it('never reads stepwise levels as a clock: a clock does not stand still', () => {
    // 25 points every 25 s from 5 s on: what a clock from 5 s against 100 s would say, but flat between the jumps.
    const levels = trail(readsEvery(3, 90), steps([30, 25], [55, 50], [80, 75]));
    const reading = readProgress(observation({ levels, polledAt: s(90), progress: 75 }));
    assert.ok(reading.kind === 'end' && reading.stepwise && reading.clockEndMs === undefined, JSON.stringify(reading));
  });

  it('never waits longer than the vendor\'s pace on levels doubted as a clock, where the task can end', () => {
    for (const at of [30, 40, 60, 80, 100]) {
      const levels = trail(readsEvery(3, at), (t) => Math.max(0, Math.floor(t - 12)));
      const doubted = observation({ levels, polledAt: s(at), progress: levels.at(-1)!.progress });
      const reading = readProgress(doubted);
      assert.ok(reading.kind === 'end' && reading.clockEndMs !== undefined, `${at} s: ${JSON.stringify(reading)}`);
      const delay = nextPollDelay(doubted, s(at));
      assert.ok(delay <= defaultPollTuning.vendorPaceMs, `${delay} ms at ${at} s`);
    }
  });

  it('reads each model at the rate that predicts its ends: since submit where levels count the whole run, since the first level behind a queue of its own', () => {
    // A task read every 2 s until just before its end; what its end teaches, and its reading then.
    const watched = (end: number, progress: (t: number) => number, calibration?: Calibration) => {
      const reads = readsEvery(2, end - 0.5);
      const last = reads.at(-1)!;
      const before = observation({ levels: trail(reads, progress), polledAt: s(last), progress: progress(last), ...(calibration ? { calibration } : {}) });
      return { learned: learnEnd(before, s(end)), reading: readProgress(before) };
    };
    const endOf = (reading: ReturnType<typeof readProgress>): number => (reading.kind === 'end' ? reading.endMs / 1000 : NaN);
    // Stages announced against the whole run: 80 at 60 % of it, the first level whenever the service
    // gets to it. The rate since the first level scatters with that moment; since submit it does not.
    const wholeRun = (end: number, first: number) => steps([first, 10], [0.6 * end, 80]);
    let whole: Calibration | undefined;
    for (const [end, first] of [[60, 6], [150, 45], [90, 25], [120, 12], [75, 20], [140, 30]] as const) whole = watched(end, wholeRun(end, first), whole).learned;
    assert.ok(whole?.sinceSubmit && whole.sinceSubmit.spread < whole.spread, JSON.stringify(whole));
    const next = watched(100, wholeRun(100, 35), whole).reading;
    assert.ok(Math.abs(endOf(next) - 100) < 6, String(endOf(next)));
    // A queue of its own (5 to 60 s), then stages that take the same time each run: since the
    // first level the rate holds, since submit it scatters with the queue.
    const queued = (queue: number) => steps([queue + 5, 20], [queue + 15, 50], [queue + 25, 80]);
    let queue: Calibration | undefined;
    for (const wait of [5, 60, 20, 45, 10, 35]) queue = watched(wait + 40, queued(wait), queue).learned;
    assert.ok(queue?.sinceSubmit && queue.spread < queue.sinceSubmit.spread, JSON.stringify(queue));
    const after = watched(70, queued(30), queue).reading;
    assert.ok(Math.abs(endOf(after) - 70) < 3, String(endOf(after)));
  });

  it('hedges a moving curve seen through few levels with its stepwise reading, more until the model\'s tasks showed that its progress moves', () => {
    const ended = (stepwise: boolean[]): Calibration | undefined => stepwise.reduce<Calibration | undefined>((calibration, staged) => learnSilence(calibration, 20_000, 60_000, staged), undefined);
    assert.equal(movingModel(undefined), false);
    assert.equal(movingModel(ended([false])), true, 'one task that ended moving');
    assert.equal(movingModel(ended([true, false])), false);
    assert.equal(movingModel([1, 2].reduce<Calibration | undefined>((calibration) => learnSilence(calibration, undefined, 60_000), undefined)), false, 'silent ends tell nothing of it');
    assert.equal(movingModel(undefined, { shown: 3, firstShare: 0.2, stepwise: 1, moving: 2 }), true);
    assert.equal(movingModel(undefined, { shown: 3, firstShare: 0.2, stepwise: 1, moving: 1 }), false);
    // 12 and 18 at two reads in a row: a moving curve, or stages seen sparsely.
    const rising = observation({ levels: trail(readsEvery(5, 15), (t) => (t < 10 ? 0 : Math.round(t * 1.2))), polledAt: s(15), progress: 18 });
    const reading = readProgress(rising);
    assert.ok(reading.kind === 'end' && reading.alt, JSON.stringify(reading));
    const belief = (hedge: number, calibration?: Calibration): number => endBelief({ ...rising, ...(calibration ? { calibration } : {}) }, { ...defaultPollTuning, stepHedge: hedge, movingHedge: hedge }).ended(60_000);
    assert.equal(endBelief(rising).ended(60_000), belief(defaultPollTuning.stepHedge));
    assert.equal(endBelief({ ...rising, calibration: ended([false])! }).ended(60_000), belief(defaultPollTuning.movingHedge, ended([false])));
    assert.notEqual(belief(defaultPollTuning.stepHedge), belief(defaultPollTuning.movingHedge));
  });

  it('reads the levels of a model whose tasks read as stepwise at their end as stages, even where one level after a queue looks like a moving curve', () => {
    const ended = (stepwise: boolean[], from?: Calibration): Calibration | undefined => stepwise.reduce<Calibration | undefined>((calibration, staged) => learnSilence(calibration, 20_000, 60_000, staged), from);
    assert.equal(stagedModel(ended([true, true])), false, 'two tasks prove nothing');
    assert.equal(stagedModel(ended([true, true, true])), true);
    assert.equal(stagedModel(ended([false, false, false, true])), false);
    // Silent ends say nothing of the shape of progress.
    const silentToo = [1, 2, 3].reduce<Calibration | undefined>((calibration) => learnSilence(calibration, undefined, 60_000), ended([true, true, false]));
    assert.equal(silentToo?.stepwiseShare, ended([true, true, false])?.stepwiseShare);
    // 40 from 31 s, read every 3 s: one level, new at the first read that saw it, reads like a moving curve.
    const levels = trail(readsEvery(3, 33), steps([31, 40]));
    const alone = readProgress(observation({ levels, polledAt: s(33), progress: 40 }));
    assert.ok(alone.kind === 'end' && !alone.stepwise, JSON.stringify(alone));
    const staged = readProgress(observation({ levels, polledAt: s(33), progress: 40, calibration: ended([true, true, true])! }));
    assert.ok(staged.kind === 'end' && staged.stepwise && staged.alt === undefined, JSON.stringify(staged));
  });

  it('stays stepwise once a plateau was seen, when later reads happen to find a new level each', () => {
    // 20 from 10 s, read at 12, 20 and 28 s (unchanged: a plateau), 50 from 29 s, 70 from 35 s: read at 30 s and 36 s.
    const levels = trail([3, 12, 20, 28, 30, 36], steps([10, 20], [29, 50], [35, 70]));
    assert.deepEqual(
      levels.map((level) => level.progress),
      [20, 50, 70],
    );
    const reading = readProgress(observation({ levels, polledAt: s(36), progress: 70 }));
    assert.ok(reading.kind === 'end' && reading.stepwise, JSON.stringify(reading));
  });

  it('keeps a share of the belief for the stepwise reading of a moving curve seen through few levels', () => {
    // Read every 10 s: 30 at 20 s, 70 at 30 s, 72 at 40 s. As a curve it slows down hard (an end far
    // away); as jumps, 42 points in about 20 s leave about 14 s.
    const levels = trail([10, 20, 30, 40], (t) => ({ 10: 0, 20: 30, 30: 70, 40: 72 })[t] ?? 0);
    const reading = readProgress(observation({ levels, polledAt: s(40), progress: 72 }));
    assert.ok(reading.kind === 'end' && !reading.stepwise && reading.alt?.stepwise, JSON.stringify(reading));
    assert.ok(reading.kind === 'end' && reading.alt && reading.alt.endMs < reading.endMs);
    // Soon after the stepwise end, the belief holds more than the curve alone would.
    const hedged = endBelief(observation({ levels, polledAt: s(40), progress: 72 }));
    const curveOnly = endBelief(observation({ levels, polledAt: s(40), progress: 72 }), { ...defaultPollTuning, stepHedge: 0 });
    const byAlt = reading.kind === 'end' && reading.alt ? reading.alt.endMs + 5000 : 0;
    assert.ok(hedged.ended(byAlt) - curveOnly.ended(byAlt) > 0.04, `${hedged.ended(byAlt)} against ${curveOnly.ended(byAlt)}`);
    // With four levels the curve is seen well enough: no share is kept.
    const more = trail([10, 20, 30, 40, 50], (t) => ({ 10: 0, 20: 30, 30: 70, 40: 72, 50: 74 })[t] ?? 0);
    const read = readProgress(observation({ levels: more, polledAt: s(50), progress: 74 }));
    assert.ok(read.kind === 'end' && read.alt === undefined);
  });
});

describe('Progress calibration in the lifecycle and the task service', () => {
  const t0 = 1_700_000_000_000;
  const model = 'doubao-seedream-4.5';
  const snapshot = (over: Partial<TaskSnapshot>): TaskSnapshot => ({
    id: 'task-unified-1', state: 'processing', rawStatus: 'processing', progress: 0, estimatedSeconds: 100, resultUrls: [], error: undefined, creditsReserved: 5, creditsUsed: undefined, ...over,
  });
  const done = snapshot({ state: 'completed', rawStatus: 'completed', progress: 100, resultUrls: ['https://cdn.example/0.png'] });

  /** A task read every 2 s with stepwise progress (30 from 11 s, 60 from 31 s) until `until` seconds. */
  function watched(calibration?: Calibration, until = 50): { entry: LedgerEntry; context: (now: number) => LifecycleContext } {
    const context = (now: number): LifecycleContext => ({ now, owner: 'w', times: defaultLifecycleTimes, ...(calibration ? { calibration: (asked: string) => (asked === model ? calibration : undefined) } : {}) });
    let entry = createEntry(
      { localId: 'evl-test-000000000009', idempotencyKey: 'evl-test-000000000009', request: { model, prompt: 'a tile' }, body: { model, prompt: 'a tile', size: '1:1', n: 1 }, targetFolder: 'file:///p/images', estimatedSeconds: 100, creditsReserved: 5 },
      context(t0),
    ).entry!;
    entry = next(entry, { type: 'submitAnswered', task: snapshot({ state: 'pending' }) }, context(t0)).entry!;
    const shape = steps([11, 30], [31, 60]);
    for (const t of readsEvery(2, until)) entry = next(entry, { type: 'pollAnswered', task: snapshot({ progress: shape(t) }) }, context(t0 + t * 1000)).entry!;
    return { entry, context };
  }

  it('learns from a task watched to its end, per model, and uses what it learned for the next poll', () => {
    const { entry, context } = watched();
    const step = next(entry, { type: 'pollAnswered', task: done }, context(t0 + 52_000));
    const learn = step.effects.find((effect): effect is Extract<Effect, { kind: 'learn' }> => effect.kind === 'learn');
    assert.equal(learn?.model, model);
    assert.equal(learn && learnEnd(learn.observation, learn.endMs).count, 1);
    assert.equal(learn?.observation.calibration, undefined, 'learned into the calibration as it stands when the effect is carried out');
    // A task found done after a long pause (a window closed) teaches nothing.
    const late = next(entry, { type: 'pollAnswered', task: done }, context(t0 + 200_000));
    assert.equal(late.effects.some((effect) => effect.kind === 'learn'), false);
    // The next poll follows the model's calibration: tasks that ended far later than predicted.
    const taughtLate = taught([2.5, 2.5, 2.5]);
    const wait = (calibration?: Calibration): number => {
      const running = watched(calibration, 56);
      const effect = next(running.entry, { type: 'pollAnswered', task: snapshot({ progress: 60 }) }, running.context(t0 + 58_000)).effects[0];
      return effect?.kind === 'wake' ? effect.delayMs : NaN;
    };
    assert.ok(wait(taughtLate) > wait(), `${wait(taughtLate)} against ${wait()}`);
  });

  it('keeps each model\'s calibration in global state, synced with Settings Sync, and ignores a value that is not one', async () => {
    const values = new Map<string, unknown>();
    let synced: readonly string[] = [];
    const memento = { get: <T>(key: string): T | undefined => values.get(key) as T | undefined, update: (key: string, value: unknown) => Promise.resolve(void values.set(key, value)), setKeysForSync: (keys: readonly string[]) => void (synced = keys) };
    const store = new ProgressCalibrations(memento);
    // Every model's key goes with Settings Sync, so another machine starts with what this one learned.
    assert.deepEqual([...synced].sort(), ['doubao-seedream-4.5', 'gpt-4o-image', 'gpt-image-1.5-lite'].map((id) => `evolink.progressCalibration/${id}`));
    const calibration = taught([2, 2, 2])!;
    await store.set(model, calibration);
    await store.set('gpt-4o-image', taught([1])!);
    assert.deepEqual(store.get(model), calibration);
    assert.equal(store.get('gpt-image-1.5-lite'), undefined);
    values.set(`evolink.progressCalibration/${model}`, { count: 'three' });
    assert.equal(store.get(model), undefined);
  });

  it('keeps what two windows learn of two models at once, and forgets what 0.4 kept of another reading', async () => {
    // Global state as windows see it: each window reads its own copy, which another window's
    // write reaches only a moment later.
    const shared = new Map<string, unknown>();
    const windowOf = () => {
      const seen = new Map(shared);
      return {
        memento: { get: <T>(key: string): T | undefined => seen.get(key) as T | undefined, update: (key: string, value: unknown) => Promise.resolve(void (seen.set(key, value), shared.set(key, value))), setKeysForSync: () => undefined },
      };
    };
    // 0.4's single value, of figures its own reading of progress erred by.
    shared.set('evolink.progressCalibration', { 'gpt-image-1.5-lite': { count: 5, meanLog: 0.4, meanZ2: 1.2 } });
    const first = new ProgressCalibrations(windowOf().memento);
    const second = new ProgressCalibrations(windowOf().memento);
    assert.equal(first.get('gpt-image-1.5-lite'), undefined, 'not read');
    await first.set(model, taught([2, 2, 2])!);
    await second.set('gpt-4o-image', taught([0.5])!);
    const later = new ProgressCalibrations(windowOf().memento);
    assert.deepEqual(later.get(model), taught([2, 2, 2]));
    assert.deepEqual(later.get('gpt-4o-image'), taught([0.5]));
    assert.equal(shared.get('evolink.progressCalibration'), undefined, 'forgotten at the first lesson');
  });
});
