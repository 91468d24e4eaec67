import * as assert from 'node:assert/strict';
import { defaultPollTuning, nextPollDelay, pollDeadlineMs, predictRemainingMs, type PollObservation } from '../../src/common/polling';

const start = 1_000_000;
const observation = (over: Partial<PollObservation>): PollObservation => ({
  submittedAt: start,
  estimatedSeconds: 100,
  progress: 0,
  progressAt: start,
  polls: 1,
  ...over,
});

describe('Polling schedule', () => {
  it('looks first after 3 s, to catch early failures', () => {
    assert.equal(nextPollDelay(observation({ polls: 0 }), start), 3000);
  });

  it('looks rarely while the end is far', () => {
    assert.equal(nextPollDelay(observation({}), start + 3000), 6000);
    assert.equal(nextPollDelay(observation({ estimatedSeconds: 600 }), start + 3000), defaultPollTuning.maxDelayMs);
  });

  it('looks often when the end is near', () => {
    const delay = nextPollDelay(observation({ progress: 90, progressAt: start + 90_000 }), start + 90_000);
    assert.ok(delay <= 5000, String(delay));
    assert.ok(delay >= defaultPollTuning.minDelayMs);
  });

  it('predicts from progress once it says enough', () => {
    // Half done after 20 s although 100 s were estimated: about 20 s are left, not 80.
    assert.equal(predictRemainingMs(observation({ progress: 50, progressAt: start + 20_000 }), start + 20_000), 20_000);
    // Progress too small to trust yet: the earliest end of such tasks (a quarter of 100 s) sets the pace.
    assert.equal(predictRemainingMs(observation({ progress: 2, progressAt: start + 10_000 }), start + 10_000), 15_000);
  });

  it('looks every 2.5 s once a task is due or overdue', () => {
    const overdue = (ms: number) => nextPollDelay(observation({ progress: 99, progressAt: start + 100_000 }), start + 100_000 + ms);
    assert.equal(overdue(5000), defaultPollTuning.dueDelayMs);
    assert.equal(overdue(10 * 60_000), defaultPollTuning.dueDelayMs);
  });

  it('never schedules below one second', () => {
    for (let now = start; now < start + 200_000; now += 700) {
      assert.ok(nextPollDelay(observation({ progress: 50, progressAt: start + 40_000 }), now) >= 1000);
    }
  });

  it('gives up watching after six estimates, and never before ten minutes', () => {
    assert.equal(pollDeadlineMs(45), 10 * 60_000);
    assert.equal(pollDeadlineMs(200), 1_200_000);
  });

  it('reaches a task of the estimated length with far fewer reads than a fixed 3 s poller, and notices it sooner', () => {
    // A task that progresses linearly and ends exactly at its 60 s estimate.
    const duration = 60_000;
    let now = start;
    let polls = 0;
    let obs = observation({ estimatedSeconds: 60, polls: 0 });
    for (;;) {
      now += nextPollDelay(obs, now);
      polls++;
      if (now >= start + duration) break;
      obs = { ...obs, progress: Math.floor(((now - start) / duration) * 100), progressAt: now, polls };
    }
    const noticedAfter = now - (start + duration);
    assert.ok(polls < 20, `${polls} reads`);
    assert.ok(noticedAfter < 1500, `${noticedAfter} ms`);
  });
});
