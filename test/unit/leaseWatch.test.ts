import * as assert from 'node:assert/strict';
import type { LedgerEntry } from '../../src/common/ledgerEntry';
import { LeaseWatch } from '../../src/extension/tasks/leaseWatch';

/** A task at `revision`, its lease held by `owner`. */
const held = (revision: number, owner?: string): LedgerEntry => ({ localId: 'evl-a', revision, ...(owner ? { lease: { owner, at: 0 } } : {}) }) as LedgerEntry;

describe("Another window's lease", () => {
  const realNow = Date.now;
  afterEach(() => {
    Date.now = realNow;
  });

  it('is stale once its revision stood unchanged for the whole time, and not before', () => {
    let clock = 0;
    const leases = new LeaseWatch(() => clock);
    assert.equal(leases.judge(held(3, 'other'), 'me', 60_000), 'live', 'first seen');
    clock = 59_999;
    assert.equal(leases.judge(held(3, 'other'), 'me', 60_000), 'live');
    clock = 60_000;
    assert.equal(leases.judge(held(3, 'other'), 'me', 60_000), 'stale');
  });

  it("leaves a task nobody holds, or this window's own, free", () => {
    const leases = new LeaseWatch(() => 0);
    assert.equal(leases.judge(held(3), 'me', 60_000), 'free');
    assert.equal(leases.judge(held(3, 'me'), 'me', 60_000), 'free');
  });

  it('counts again from a renewal (a new revision), and from nothing once forgotten', () => {
    let clock = 0;
    const leases = new LeaseWatch(() => clock);
    leases.judge(held(3, 'other'), 'me', 60_000);
    clock = 50_000;
    assert.equal(leases.judge(held(4, 'other'), 'me', 60_000), 'live', 'renewed');
    clock = 100_000;
    assert.equal(leases.judge(held(4, 'other'), 'me', 60_000), 'live', '50 s since the renewal');
    leases.forget('evl-a');
    clock = 200_000;
    assert.equal(leases.judge(held(4, 'other'), 'me', 60_000), 'live', 'seen anew');
  });

  it('is not made stale by the wall clock jumping ahead (a laptop waking): the time is measured on a monotonic clock', () => {
    const leases = new LeaseWatch();
    assert.equal(leases.judge(held(3, 'other'), 'me', 60_000), 'live');
    // The machine slept for three hours between two looks: the wall clock says so, the monotonic one does not.
    const woke = realNow() + 3 * 3600_000;
    Date.now = () => woke;
    assert.equal(leases.judge(held(3, 'other'), 'me', 60_000), 'live');
  });
});
