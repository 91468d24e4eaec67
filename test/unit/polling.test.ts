import * as assert from 'node:assert/strict';
import type { ProgressLevel } from '../../src/common/ledgerEntry';
import { tracksElapsed } from '../../src/common/elapsedProgress';
import { defaultPollTuning, endBelief, nextPollDelay, pollDeadlineMs, readProgress } from '../../src/common/polling';
import { recordProgress } from '../../src/common/progressTrail';
import type { Calibration } from '../../src/common/progressCalibration';
import { observation, s, start, trail } from '../support/pollingTrail';

/** Reads a task from submit to its end with the schedule: the reads made and the delay to notice the end. */
function follow(durationSeconds: number, progress: (t: number) => number, estimatedSeconds = 100): { reads: number[]; delay: number } {
  const reads: number[] = [];
  let obs = observation({ estimatedSeconds, polls: 0 });
  let now = start;
  let shown = 0;
  for (;;) {
    const delay = nextPollDelay(obs, now);
    assert.ok(delay >= defaultPollTuning.minDelayMs && delay <= defaultPollTuning.maxDelayMs, `delay ${delay} at ${now - start} ms`);
    const before = now;
    now += delay;
    const t = (now - start) / 1000;
    reads.push(t);
    if (t >= durationSeconds) return { reads, delay: t - durationSeconds };
    const value = progress(t);
    const levels = value !== shown ? recordProgress(obs.levels, value, now, before) : obs.levels;
    shown = value;
    obs = { ...obs, polls: obs.polls + 1, levels, polledAt: now, progress: value };
  }
}

describe('Polling schedule', () => {
  it('looks first after 3 s, to catch early failures', () => {
    assert.equal(nextPollDelay(observation({ polls: 0 }), start), 3000);
  });

  it('reads rarely before the earliest end tasks of this estimate reach, and never above 10 s', () => {
    assert.equal(nextPollDelay(observation({}), s(3)), defaultPollTuning.maxDelayMs);
    assert.equal(nextPollDelay(observation({ estimatedSeconds: 600 }), s(60)), defaultPollTuning.maxDelayMs);
  });

  it('keeps every delay between 1 s and 10 s, whatever progress says', () => {
    const shapes: ((t: number) => number)[] = [(t) => Math.min(99, Math.floor(t)), (t) => (t < 20 ? 0 : t < 25 ? 90 : 98), () => 0, (t) => (t < 50 ? 5 : 60)];
    for (const shape of shapes) {
      for (let now = 1; now < 400; now += 3.7) {
        const levels = trail(Array.from({ length: Math.floor(now / 2) }, (_, i) => (i + 1) * 2), shape);
        const delay = nextPollDelay(observation({ polls: 5, levels }), s(now));
        assert.ok(delay >= 1000 && delay <= 10_000, `${delay} ms at ${now} s`);
      }
    }
  });

  it('reads a jump by the time since the level before, not by one read interval', () => {
    // Read every 10 s: 30 from about 25 s, 60 from about 45 s: 30 points in 20 s, 100 at about 72 s.
    const levels = trail([10, 20, 30, 40, 50], (t) => (t < 25 ? 0 : t < 45 ? 30 : 60));
    const reading = readProgress(observation({ levels }));
    assert.equal(reading.kind, 'end');
    if (reading.kind !== 'end') return;
    // A rate from the single read interval (30 points in 10 s) would say the end is at about 63 s.
    assert.ok(Math.abs(reading.endMs - 71_700) < 2000, String(reading.endMs));
  });

  it('doubts the rate of a single level as far as the work may have started late: up to the last read that found 0', () => {
    const single = (reads: number[]) => {
      const reading = readProgress(observation({ levels: trail(reads, (t) => (t < reads.at(-1)! ? 0 : 40)), polledAt: s(reads.at(-1)!), progress: 40 }));
      assert.ok(reading.kind === 'end' && !reading.stepwise, JSON.stringify(reading));
      return reading;
    };
    // 40 at 13 s, after a first look at 3 s; 40 at 33 s, after reads that found 0 up to 28 s (a queue, say).
    const soon = single([3, 13]);
    const late = single([3, 13, 23, 28, 33]);
    // Both are read at the rate since submit: 60 points still to go at 40 points per 8 s or 30.5 s
    // (the middles of the windows 40 came in)...
    assert.ok(Math.abs((soon.endMs - soon.fromMs) / (late.endMs - late.fromMs) - 8 / 30.5) < 0.01, JSON.stringify([soon, late]));
    // ...but after a long silence the work may have begun at any time in it: the prediction is far
    // less sure than the moment 40 was reached (within 2.5 s) would make it.
    assert.ok(late.sigma > 0.8 && late.sigma > soon.sigma, `${late.sigma} against ${soon.sigma}`);
  });

  it('does not go to a fast pace early on stepwise progress: flat levels after jumps', () => {
    // Stages reported by the share done: 25 from 30 s, 50 from 55 s, 75 from 80 s; the task ends at 110 s.
    const shape = (t: number): number => (t < 30 ? 0 : t < 55 ? 25 : t < 80 ? 50 : 75);
    const { reads, delay } = follow(110, shape);
    // A fast pace is the one near a predicted end, faster than a read every 2 s.
    const early = reads.filter((t, i) => t < 95 && t - (reads[i - 1] ?? 0) < 2);
    assert.deepEqual(early, [], `fast reads long before the end: ${reads.join(', ')}`);
    assert.ok(reads.length <= 0.75 * 37, `${reads.length} reads, a fixed 3 s poller makes 37: ${reads.join(', ')}`);
    assert.ok(delay <= 1.5, `noticed after ${delay} s`);
  });

  it('returns to the prior pace when the last level of a stepwise task came far ahead of time', () => {
    // The simulator's levels: 20, 50, and 80 from 55 s until the task ends at 110 s. Progress
    // says the end is near 68 s; after a few fast reads there, the schedule stops believing it.
    const shape = (t: number): number => (t < 15 ? 0 : t < 35 ? 20 : t < 55 ? 50 : 80);
    const { reads, delay } = follow(110, shape);
    // The time left is log-normal around the prediction: its tail fades over a third of the time predicted.
    const lateFast = reads.filter((t, i) => t > 85 && t - (reads[i - 1] ?? 0) < 2.5);
    assert.deepEqual(lateFast, [], `reads: ${reads.join(', ')}`);
    assert.ok(reads.length < 37, `${reads.length} reads, a fixed 3 s poller makes 37`);
    assert.ok(delay <= 3, `noticed after ${delay} s`);
  });

  it('recognises progress that only counts elapsed time against the estimate, and ignores it', () => {
    const elapsed = trail([3, 13, 23, 33, 43], (t) => (t < 10 ? 0 : Math.min(99, Math.floor(t))));
    assert.ok(tracksElapsed(observation({ levels: elapsed })));
    assert.equal(readProgress(observation({ levels: elapsed })).kind, 'elapsed');
    // It schedules exactly as if progress said nothing.
    for (const now of [43, 60, 120, 180]) {
      assert.equal(nextPollDelay(observation({ levels: elapsed }), s(now)), nextPollDelay(observation({}), s(now)), `at ${now} s`);
    }
    // A linear task that is faster than its estimate is not mistaken for it.
    const linear = trail([3, 13, 23, 33, 43], (t) => (t < 6 ? 0 : Math.floor(((t - 6) / 54) * 100)));
    assert.ok(!tracksElapsed(observation({ levels: linear })));
    // The service counts from the moment it took the request, a second or two after our submit.
    const late = trail([3, 13, 23, 33, 43], (t) => Math.max(0, Math.floor(t - 1.8)));
    assert.equal(readProgress(observation({ levels: late })).kind, 'elapsed');
    // From the end of its queue, 12 s later: a clock, or a task that takes its estimate.
    const queued = trail([3, 13, 23, 33, 43], (t) => Math.max(0, Math.floor(t - 12)));
    assert.ok(!tracksElapsed(observation({ levels: queued })));
    assert.ok(tracksElapsed(observation({ levels: queued }), 30_000));
    assert.ok(!tracksElapsed(observation({ levels: queued }), 5000));
  });

  it('predicts the end of a linear task from its progress, and reads it with far fewer reads than a fixed 3 s poller', () => {
    const { reads, delay } = follow(60, (t) => (t < 6 ? 0 : Math.min(99, Math.max(1, Math.round(((t - 6) / 54) * 100)))));
    assert.ok(reads.length <= 12, `${reads.length} reads: ${reads.join(', ')}`);
    assert.ok(delay < 1.5, `noticed after ${delay} s`);
  });

  it('fits a curve that slows down towards its end, and one that speeds up, from all its levels', () => {
    // 6 s pending, then 54 s of work; read every 5 s.
    const reads = Array.from({ length: 9 }, (_, i) => 5 * (i + 1));
    const at = (x: (share: number) => number) => (t: number) => (t < 6 ? 0 : Math.min(99, Math.max(1, Math.round(100 * x((t - 6) / 54)))));
    const easeOut = trail(reads, at((x) => 1 - (1 - x) ** 2));
    const slowStart = trail(reads, at((x) => x ** 3));
    for (const [name, levels] of [['ease out', easeOut], ['slow start', slowStart]] as const) {
      const reading = readProgress(observation({ levels }));
      assert.equal(reading.kind, 'end', name);
      if (reading.kind !== 'end') continue;
      assert.ok(Math.abs(reading.endMs - 60_000) < 6000, `${name}: ${reading.endMs}`);
      assert.ok(!reading.stepwise, name);
    }
  });

  it('reads a fast-start task that lingers in the high nineties with fewer reads than a fixed 3 s poller, and notices its end sooner', () => {
    // Ends at 80 s; from about 57 s it shows 99, which is not a level.
    const fastStart = (t: number): number => (t < 8 ? 0 : Math.min(99, Math.max(1, Math.round(100 * (1 - (1 - (t - 8) / 72) ** 4)))));
    const { reads, delay } = follow(80, fastStart);
    assert.ok(reads.length < 27, `${reads.length} reads, a fixed 3 s poller makes 27: ${reads.join(', ')}`);
    assert.ok(delay < 1.5, `noticed after ${delay} s`);
  });

  it('notices the end of a curve that stops near the top until it ends (a hold) as soon as a fixed 3 s poller, with fewer reads', () => {
    // 10% pending, then eases out and shows 91 from 70% of its work until the end.
    const holds = (duration: number) => (t: number): number => {
      const x = Math.max(0, (t / duration - 0.1) / 0.9);
      return t < duration * 0.1 ? 0 : Math.min(91, Math.max(1, Math.round(100 * (1 - (1 - x) ** 2))));
    };
    const durations = [33, 37, 45, 55, 62, 80];
    const runs = durations.map((duration) => follow(duration, holds(duration)));
    const fixedReads = durations.reduce((sum, duration) => sum + Math.ceil(duration / 3), 0);
    const delay = runs.reduce((sum, run) => sum + run.delay, 0) / runs.length;
    assert.ok(delay <= 1.5, `mean delay ${delay.toFixed(2)} s: ${runs.map((run) => run.delay.toFixed(1)).join(', ')}`);
    assert.ok(runs.reduce((sum, run) => sum + run.reads.length, 0) < fixedReads);
  });

  it('reads a new level that bends a moving curve far past what the levels before allowed as one it may have stopped on', () => {
    // 4.5 s pending, then eases out: 87 at 30.5 s, and 91 at the next read, which it reached at 36 s
    // and shows until it ends at 45 s. A curve slowing that hard, or one that stopped on 91.
    const holds = (t: number): number => (t < 4.5 ? 0 : Math.min(91, Math.round(100 * (1 - (1 - (t - 4.5) / 40.5) ** 2))));
    const levels = trail([3, 13, 16, 25.75, 30.5, 38], holds);
    const reading = readProgress(observation({ levels }));
    assert.equal(reading.kind, 'end');
    if (reading.kind !== 'end') return;
    // Read as crossed just before 38 s, 91 would put the end past 80 s.
    assert.ok(reading.endMs < 60_000, `${reading.endMs / 1000} s after submit`);
    assert.ok(!reading.stepwise);
  });

  it('spends the cheaper delay price only on a moving curve: silent and stepwise progress keep the vendor-paced price', () => {
    const cheap = { ...defaultPollTuning, delayPrice: 0.1 };
    const stepwise = trail([10, 20, 30, 40, 50, 60], (t) => (t < 15 ? 0 : t < 35 ? 30 : 60));
    assert.ok(readProgress(observation({ levels: stepwise })).kind === 'end');
    for (const now of [40, 60, 80, 120]) {
      assert.equal(nextPollDelay(observation({}), s(now), cheap), nextPollDelay(observation({}), s(now)), `silent at ${now} s`);
      assert.equal(nextPollDelay(observation({ levels: stepwise }), s(now), cheap), nextPollDelay(observation({ levels: stepwise }), s(now)), `stepwise at ${now} s`);
    }
    const linear = trail([10, 20, 30, 40], (t) => (t < 6 ? 0 : Math.round(((t - 6) / 54) * 100)));
    assert.ok(nextPollDelay(observation({ levels: linear }), s(52), cheap) > nextPollDelay(observation({ levels: linear }), s(52)));
  });

  it('puts no end of the prediction before the last level was reached: the time left is what is uncertain', () => {
    const levels = trail([10, 20, 30, 40], (t) => (t < 6 ? 0 : Math.round(((t - 6) / 54) * 100)));
    const reading = readProgress(observation({ levels }));
    assert.equal(reading.kind, 'end');
    if (reading.kind !== 'end') return;
    const belief = endBelief(observation({ levels }), { ...defaultPollTuning, misleadWeight: 0 });
    assert.equal(belief.ended(reading.fromMs - 1), 0);
    assert.ok(belief.ended(reading.endMs) > 0.4 && belief.ended(reading.endMs) < 0.6);
  });

  it('reads at the vendor pace or faster where a silent task can end, and waits past every end it allows', () => {
    for (const now of [35, 80, 150, 195]) {
      assert.ok(nextPollDelay(observation({}), s(now)) <= defaultPollTuning.vendorPaceMs, `at ${now} s`);
    }
    // Past twice the estimate the belief is spent: the vendor pace, until the deadline.
    assert.equal(nextPollDelay(observation({}), s(250)), defaultPollTuning.vendorPaceMs);
  });

  it("waits longer on a silent task of a model whose tasks show progress before they end, until the silence lasts too long", () => {
    // Twenty tasks of the model all showed a level by 60 % of their time (tasks of this estimate take 30 to 200 s).
    const showing = { count: 0, meanLog: 0, spread: 1, ends: 20, silentShare: 0, firstShare: 0.6 };
    const silentAt = (now: number, calibration?: Calibration) => observation({ polls: 3, polledAt: s(now), progress: 0, ...(calibration ? { calibration } : {}) });
    for (const now of [35, 50]) {
      assert.ok(nextPollDelay(silentAt(now), s(now)) <= defaultPollTuning.vendorPaceMs, `uncalibrated at ${now} s`);
      assert.ok(nextPollDelay(silentAt(now, showing), s(now)) >= 8000, `calibrated at ${now} s`);
    }
    // Silent at 110 s, only the longest tasks that show progress could still be silent: the prior holds again.
    assert.ok(nextPollDelay(silentAt(110, showing), s(110)) <= defaultPollTuning.vendorPaceMs);
    // Tasks that are to show progress can still show it and end within the next wait: with first
    // levels seen as late as the very end, silent at 40 s, 1.5 % of them end in the next 10 s
    // (the integral over the prior's durations), against 6.25 % by the prior alone.
    const late = endBelief(silentAt(40, { ...showing, firstShare: 1 }));
    const soon = (late.ended(s(50) - start) - late.ended(s(40) - start)) / (1 - late.ended(s(40) - start));
    assert.ok(soon > 0.014 && soon < 0.016, String(soon));
    // A task that answers 99 (not kept as a level) is not silent: the end is near.
    const atTop = observation({ polls: 3, polledAt: s(50), progress: 99, calibration: showing });
    assert.equal(nextPollDelay(atTop, s(50)), nextPollDelay({ ...atTop, calibration: undefined }, s(50)));
    // A model whose tasks end silent is read at the vendor pace.
    const silentModel = { count: 0, meanLog: 0, spread: 1, ends: 20, silentShare: 1 };
    assert.equal(nextPollDelay(silentAt(50, silentModel), s(50)), nextPollDelay(silentAt(50), s(50)));
  });

  it('starts the time left of a stepwise level anywhere in the window between the reads around it', () => {
    // Read every 10 s: 40 came between 10 and 20 s, 80 between 30 and 40 s; about 10 s are left after it.
    const levels = trail([10, 20, 30, 40], (t) => (t < 15 ? 0 : t < 35 ? 40 : 80));
    const reading = readProgress(observation({ levels, polledAt: s(40), progress: 80 }));
    assert.ok(reading.kind === 'end' && reading.stepwise && reading.jumpMs === 5000, JSON.stringify(reading));
    const belief = endBelief(observation({ levels, polledAt: s(40), progress: 80 }), { ...defaultPollTuning, misleadWeight: 0, stepMisleadWeight: 0 });
    // Nothing ends before the window, and the end may come from its start on: by its middle some already has.
    assert.equal(belief.ended(reading.fromMs - reading.jumpMs), 0);
    assert.ok(belief.ended(reading.fromMs) > 0.005, String(belief.ended(reading.fromMs)));
  });

  it('hands the belief back to the prior when a prediction proves too early', () => {
    const levels = trail([10, 20, 30], (t) => (t < 15 ? 0 : t < 25 ? 40 : 80));
    const belief = endBelief(observation({ levels }));
    assert.ok(belief.misled(s(30) - start) < 0.5, 'progress is believed at first');
    assert.ok(belief.misled(s(90) - start) > 0.5, 'long after the predicted end, the prior holds');
  });

  it('keeps the first level and the latest three; a level that went back starts again; 99 is not kept', () => {
    let levels: ProgressLevel[] = [];
    for (const [i, p] of [5, 10, 20, 30, 40].entries()) levels = recordProgress(levels, p, s(i + 1), s(i));
    assert.deepEqual(
      levels.map((level) => level.progress),
      [5, 20, 30, 40],
    );
    assert.deepEqual(recordProgress(levels, 99, s(9), s(8)), levels);
    assert.deepEqual(recordProgress(levels, 10, s(9), s(8)), [{ progress: 10, at: s(9), after: s(8) }]);
    assert.deepEqual(recordProgress(levels, 0, s(9), s(8)), []);
  });

  it('gives up watching after six estimates, and never before ten minutes', () => {
    assert.equal(pollDeadlineMs(45), 10 * 60_000);
    assert.equal(pollDeadlineMs(200), 1_200_000);
  });
});
