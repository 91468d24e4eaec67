import * as assert from 'node:assert/strict';
import { withinTime } from '../../src/extension/base/timeLimit';

describe('Work given a time limit', () => {
  it('answers what the work answers in time, and fails with its own error once the time is up', async () => {
    assert.equal(await withinTime(Promise.resolve(7), 50, () => new Error('late')), 7);
    await assert.rejects(withinTime(Promise.reject(new Error('own')), 50, () => new Error('late')), /own/);
    const started = Date.now();
    // A call that never settles (a network drive that went away, a search provider that never comes).
    await assert.rejects(withinTime(new Promise<never>(() => undefined), 50, () => new Error('late')), /late/);
    assert.ok(Date.now() - started < 1000);
  });
});
