import * as assert from 'node:assert/strict';
import { createEntry, defaultLifecycleTimes, next, type LifecycleContext, type LifecycleEvent } from '../../src/common/lifecycle';
import type { LedgerEntry } from '../../src/common/ledgerEntry';
import { defaultPollTuning, nextPollDelay, readProgress, type PollObservation } from '../../src/common/polling';
import { silenceOf, stagedModel } from '../../src/common/progressCalibration';
import { pollReason } from '../../src/common/pollReason';
import { runningOf } from '../../src/common/runningTasks';
import { observation, s, start, trail } from '../support/pollingTrail';

/** Reads every `every` seconds from `every` up to `until`. */
const readsEvery = (every: number, until: number): number[] => Array.from({ length: Math.floor(until / every) }, (_, i) => (i + 1) * every);

/** A task beside the one read, read every 5 s up to `until` seconds, answering `progress(t)`. */
const beside = (until: number, progress: (t: number) => number): PollObservation => {
  const reads = readsEvery(5, until);
  return observation({ polls: reads.length, levels: trail(reads, progress), polledAt: s(reads.at(-1)!), progress: progress(reads.at(-1)!) });
};

/** Stands at 30 from 12 s, at 60 from 31 s. */
const staged = (t: number): number => (t < 12 ? 0 : t < 31 ? 30 : 60);
/** Rises a point a second from 8 s. */
const moving = (t: number): number => Math.max(0, Math.min(98, Math.round(t - 8)));

describe('Tasks of a model read side by side', () => {
  it('tell how many showed progress, by what share of their run at the latest, and whose levels stood on plateaus', () => {
    const running = runningOf([beside(40, staged), beside(40, staged), beside(40, moving), beside(40, () => 0)], s(40));
    assert.ok(running);
    assert.equal(running.shown, 3, 'the silent one shows nothing');
    assert.equal(running.stepwise, 2);
    assert.equal(running.moving, 1);
    // The staged tasks' first level came between 10 and 15 s: at most 12.5 / 40 of their run, which is shorter than their duration.
    assert.equal(running.firstShare, 12.5 / 40);
    assert.equal(runningOf([beside(40, () => 0)], s(40)), undefined);
    // One whose progress went back to 0 and started over showed progress all the same, when it first did.
    const over = runningOf([{ ...beside(40, () => 0), shownAt: s(10) }], s(40));
    assert.deepEqual(over && { shown: over.shown, firstShare: over.firstShare }, { shown: 1, firstShare: 10 / 40 });
    assert.equal(runningOf([], s(40)), undefined);
  });

  it('make silence say the end is not near before any task of the model ended', () => {
    const running = runningOf([beside(40, staged), beside(40, staged), beside(40, moving)], s(40))!;
    assert.equal(silenceOf(undefined), undefined);
    assert.deepEqual(silenceOf(undefined, running), { silentChance: 1 / 5, firstShare: 12.5 / 40 });
    // Two are not enough, as two ends are not.
    assert.equal(silenceOf(undefined, runningOf([beside(40, staged), beside(40, staged)], s(40))), undefined);
    // With ends: a model whose ended tasks all showed progress by 60 % of their time.
    const ended = { count: 0, meanLog: 0, spread: 1, ends: 4, silentShare: 0, firstShare: 0.6 };
    assert.deepEqual(silenceOf(ended, running), { silentChance: 1 / 9, firstShare: 0.6 });
  });

  it('make the schedule wait longer on a silent task while the others showed their first level not long before, and not once its silence is long', () => {
    // Three tasks beside it showed 30 from between 20 and 25 s.
    const late = (t: number): number => (t < 22 ? 0 : 30);
    const silentAt = (now: number, over: Partial<PollObservation> = {}): PollObservation => observation({ polls: 3, polledAt: s(now), progress: 0, ...over });
    const besideAt = (now: number) => runningOf([beside(now, late), beside(now, late), beside(now, late)], s(now))!;
    for (const now of [35, 40]) {
      assert.equal(nextPollDelay(silentAt(now), s(now)), defaultPollTuning.vendorPaceMs, `alone at ${now} s: the vendor pace`);
      assert.ok(nextPollDelay(silentAt(now, { running: besideAt(now) }), s(now)) >= 2 * defaultPollTuning.vendorPaceMs, `beside them at ${now} s: a longer wait`);
    }
    // Silent at 50 s, more than twice as long as they were: likelier a task that ends silent; the vendor pace.
    assert.equal(nextPollDelay(silentAt(50, { running: besideAt(50) }), s(50)), defaultPollTuning.vendorPaceMs);
    // Others that showed their first level early say the same sooner.
    const early = runningOf([beside(40, staged), beside(40, staged), beside(40, staged)], s(40))!;
    assert.equal(nextPollDelay(silentAt(40, { running: early }), s(40)), defaultPollTuning.vendorPaceMs);
  });

  it('make levels read as stages when two tasks beside stood on plateaus and fewer rose like a moving curve', () => {
    const two = runningOf([beside(40, staged), beside(40, staged)], s(40))!;
    assert.equal(stagedModel(undefined, two), true);
    assert.equal(stagedModel(undefined, runningOf([beside(40, staged)], s(40))), false, 'one proves nothing');
    assert.equal(stagedModel(undefined, runningOf([beside(40, staged), beside(40, staged), beside(40, moving), beside(40, moving)], s(40))), false);
    // Two levels seen at consecutive reads look like a moving curve; beside staged tasks they are stages.
    const levels = trail([5, 10, 15], (t) => (t < 8 ? 0 : t < 12 ? 30 : 60));
    const alone = readProgress(observation({ levels, polledAt: s(15), progress: 60 }));
    const withOthers = readProgress(observation({ levels, polledAt: s(15), progress: 60, running: two }));
    assert.ok(alone.kind === 'end' && !alone.stepwise, JSON.stringify(alone));
    assert.ok(withOthers.kind === 'end' && withOthers.stepwise, JSON.stringify(withOthers));
  });

  it('reach the schedule of each task through the lifecycle, from the window\u2019s other tasks of the model', () => {
    const make = (localId: string, model = 'gpt-4o-image'): LedgerEntry =>
      createEntry(
        { localId, idempotencyKey: localId, request: { model, prompt: 'a lighthouse' }, body: { model, prompt: 'a lighthouse', size: '1:1', n: 1 }, targetFolder: 'file:///project/images', estimatedSeconds: 100, creditsReserved: 5 },
        { now: start, owner: 'w', times: defaultLifecycleTimes },
      ).entry!;
    // Three tasks of the model beside this one stand at 30 from between 20 and 25 s; this one is still at 0 at 40 s.
    const showing = (localId: string, model?: string): LedgerEntry => ({
      ...make(localId, model),
      taskId: `task-${localId}`,
      state: 'running',
      polls: 7,
      progress: 30,
      progressAt: s(25),
      progressTrail: [{ progress: 30, at: s(25), after: s(20) }],
      polledAt: s(40),
    });
    const entry: LedgerEntry = { ...make('evl-a'), taskId: 'task-a', state: 'running', polls: 6, progress: 0, polledAt: s(35) };
    const others = [showing('evl-b'), showing('evl-c'), showing('evl-d')];
    const poll: LifecycleEvent = { type: 'pollAnswered', task: { id: 'task-a', state: 'processing', rawStatus: 'processing', progress: 0, estimatedSeconds: 100, resultUrls: [], error: undefined, creditsReserved: 5, creditsUsed: undefined } };
    const wait = (context: LifecycleContext): number => {
      const wake = next(entry, poll, context).effects.find((effect) => effect.kind === 'wake');
      assert.ok(wake?.kind === 'wake');
      return wake.delayMs;
    };
    const context = (running?: LifecycleContext['running']): LifecycleContext => ({ now: s(40), owner: 'w', times: defaultLifecycleTimes, ...(running ? { running } : {}) });
    const alone = wait(context());
    assert.ok(alone <= defaultPollTuning.vendorPaceMs, String(alone));
    assert.ok(wait(context(() => others)) >= 2 * alone, 'beside tasks that showed progress');
    // Tasks of another model say nothing of this one's: the service filters them out, as the
    // task service does; the lifecycle reads what it is given.
    assert.equal(wait(context(() => [])), alone);
  });
});

describe('Why a task is read when it is', () => {
  it('says what the schedule rested the wait on, for the log', () => {
    assert.equal(pollReason(observation({ polls: 0 }), s(0)), 'the first look, for a request refused at once');
    assert.equal(pollReason(observation({ polledAt: s(20), progress: 0 }), s(20)), 'its progress says nothing yet: the estimate alone holds');
    // Levels 40 from about 15 s and 80 from about 35 s, as stages: 20 s per 40 points, about 10 s after
    // 35 s (8.75 s at the rate since submit; met halfway, 9.4 s).
    const levels = trail([10, 20, 30, 40], (t) => (t < 15 ? 0 : t < 35 ? 40 : 80));
    assert.equal(pollReason(observation({ levels, polledAt: s(40), progress: 80 }), s(40)), 'its stages put the end about 4 s away');
    assert.equal(pollReason(observation({ levels, polledAt: s(52), progress: 80 }), s(52)), 'its stages put the end 8 s ago, but it runs on');
    // Beside tasks that showed their first level not long ago.
    const late = (t: number): number => (t < 22 ? 0 : 30);
    const running = runningOf([beside(40, late), beside(40, late), beside(40, staged)], s(40))!;
    assert.equal(
      pollReason(observation({ polls: 3, polledAt: s(40), progress: 0, running }), s(40)),
      "still at 0, where the model's tasks show progress before they end; 3 other tasks of the model showed progress, 3 on plateaus",
    );
    // A clock against the estimate.
    const clock = trail([10, 20, 30, 40], (t) => Math.round(t));
    assert.match(pollReason(observation({ levels: clock, polledAt: s(40), progress: 40 }), s(40)), /only counts time against the estimate/);
  });
});
