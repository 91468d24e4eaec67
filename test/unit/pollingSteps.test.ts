import * as assert from 'node:assert/strict';
import { endBelief, readProgress, type PollObservation } from '../../src/common/polling';
import { observation, s, trail } from '../support/pollingTrail';

/** Reads every `every` seconds from `every` up to `until`. */
const readsEvery = (every: number, until: number): number[] => Array.from({ length: Math.floor(until / every) }, (_, i) => (i + 1) * every);

/** A stepwise shape: `levels` as [from second, progress], 0 before the first. */
const steps =
  (...levels: [number, number][]) =>
  (t: number): number =>
    levels.reduce((value, [from, progress]) => (t >= from ? progress : value), 0);

function endReading(obs: PollObservation): { endMs: number; sigma: number; stepwise: boolean } {
  const reading = readProgress(obs);
  assert.equal(reading.kind, 'end');
  if (reading.kind !== 'end') throw new Error('no end');
  return { endMs: reading.endMs, sigma: reading.sigma, stepwise: reading.stepwise };
}

describe('Polling schedule, stepwise progress', () => {
  it('tells a plateau from a moving curve: a level unchanged for longer than the curve took for a few points', () => {
    // Rises 2 points a second from 10 s to 30 s, then stands at 40; read every 5 s, so every read saw a new level.
    const shape = (t: number): number => (t < 10 ? 0 : Math.min(40, Math.round(2 * (t - 10))));
    const levels = trail(readsEvery(5, 30), shape);
    assert.deepEqual(
      levels.map((level) => level.progress),
      [10, 20, 30, 40],
    );
    assert.equal(endReading(observation({ levels, polledAt: s(30) })).stepwise, false, 'just read: a moving curve');
    assert.equal(endReading(observation({ levels, polledAt: s(31) })).stepwise, false, 'a second later: still as the curve could be');
    assert.equal(endReading(observation({ levels, polledAt: s(35) })).stepwise, true, 'five seconds without a point: a plateau');
    // Reads that answered 99 (not a level: services wait there) are not a flat of the last level.
    assert.equal(endReading(observation({ levels, polledAt: s(35), progress: 99 })).stepwise, false, 'at 99: no plateau');
    // Without the time of the last read (an entry written before it was kept), no plateau is read.
    assert.equal(endReading(observation({ levels })).stepwise, false);
  });

  it('reads no plateau high up, where a curve that slows down stands still for long', () => {
    const shape = (t: number): number => (t < 10 ? 0 : Math.min(93, Math.round(10 + 4 * (t - 10))));
    const levels = trail(readsEvery(5, 35), shape);
    assert.equal(levels.at(-1)!.progress, 93);
    assert.equal(endReading(observation({ levels, polledAt: s(60) })).stepwise, false);
  });

  it('places a jump anywhere between the two reads around it, even when each read saw a new level', () => {
    // Read every 10 s: 30 from 15 s, 60 from 25 s, then flat. The jumps are taken at 15 s and 25 s (the
    // middles of their reads), 10 s for 30 points: 40 points are left, about 13.3 s after 25 s at
    // that rate, 16.7 s at the rate since submit (60 points in 25 s); met halfway, 14.9 s.
    const levels = trail(readsEvery(10, 40), steps([15, 30], [25, 60]));
    const reading = endReading(observation({ levels, polledAt: s(40) }));
    assert.ok(reading.stepwise);
    assert.ok(Math.abs(reading.endMs - 39_907) < 500, String(reading.endMs));
  });

  it('learns how much stages vary from the jumps seen: stages that agree give a narrow prediction, stages that differ a wide one', () => {
    // Read every 2 s. Both tasks reach 20 at 11 s and 60 at 51 s (1 s per point since the first level,
    // 0.85 s since submit: 40 s or 34 s for the 40 points left, met halfway 36.9 s); in the first
    // each stage took 1 s per point, in the second 0.25 and 1.75.
    const even = trail(readsEvery(2, 60), steps([11, 20], [31, 40], [51, 60]));
    const uneven = trail(readsEvery(2, 60), steps([11, 20], [16, 40], [51, 60]));
    const a = endReading(observation({ levels: even, polledAt: s(60) }));
    const b = endReading(observation({ levels: uneven, polledAt: s(60) }));
    assert.ok(a.stepwise && b.stepwise);
    for (const reading of [a, b]) assert.ok(Math.abs(reading.endMs - 87_880) < 1500, String(reading.endMs));
    assert.ok(a.sigma < 0.45, `agreeing stages: ${a.sigma}`);
    assert.ok(b.sigma > 2 * a.sigma, `differing stages: ${b.sigma} against ${a.sigma}`);
  });

  it('keeps what a stepwise task predicts inside the spread of its estimate', () => {
    // 5 from 11 s, 10 from 51 s: 8 s a point, 90 points left, an end 12 minutes away; the estimate (100 s)
    // says every task ends within 200 s.
    const levels = trail(readsEvery(2, 60), steps([11, 5], [51, 10]));
    const reading = endReading(observation({ levels, polledAt: s(60) }));
    assert.ok(reading.stepwise && reading.endMs > 600_000, String(reading.endMs));
    const belief = endBelief(observation({ levels, polledAt: s(60) }));
    assert.ok(belief.ended(200_000) > 0.999, String(belief.ended(200_000)));
    assert.ok(belief.ended(150_000) > 0.3, String(belief.ended(150_000)));
  });
});
