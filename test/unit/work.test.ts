import * as assert from 'node:assert/strict';
import { readsSooner, setWake, type Work } from '../../src/extension/tasks/work';

const idle = (): Work => ({ timer: undefined, controller: new AbortController(), inFlight: new Set() });

describe('A task\'s one timer', () => {
  it('takes a read planned again only where it comes sooner than the read its timer waits for', () => {
    const work = idle();
    assert.equal(readsSooner(work, 0), false, 'no timer: a read is under way or nothing waits');
    setWake(work, 'pollDue', 10_000, () => undefined);
    const now = performance.now();
    try {
      assert.equal(readsSooner(work, 3000, now), true);
      assert.equal(readsSooner(work, 12_000, now), false, 'later than planned: the plan stands');
      work.inFlight.add('poll');
      assert.equal(readsSooner(work, 3000, now), false, 'a read on its way answers first');
      work.inFlight.delete('poll');
      setWake(work, 'saveDue', 10_000, () => undefined);
      assert.equal(readsSooner(work, 3000, now), false, 'a timer for something else is no read');
    } finally {
      clearTimeout(work.timer);
    }
  });
});
