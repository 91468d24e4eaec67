import * as assert from 'node:assert/strict';
import type { EntryState, LedgerEntry } from '../../src/common/ledgerEntry';
import { ExpiringMap, repeatWindowMs, ToolGate } from '../../src/extension/agent/recentRequests';

/** A ledger of a few fake entries and a clock the test moves. */
function setup() {
  let now = 1_000_000;
  const tasks = new Map<string, LedgerEntry>();
  const task = (localId: string, state: EntryState, saved: string[] = []): LedgerEntry =>
    ({ localId, state, results: saved.map((uri) => ({ saved: uri })) }) as unknown as LedgerEntry;
  const put = (entry: LedgerEntry) => tasks.set(entry.localId, entry);
  const gate = new ToolGate((localId) => Promise.resolve(tasks.get(localId)), () => now);
  return { gate, task, put, advance: (ms: number) => (now += ms) };
}

async function claimed(gate: ToolGate, key: string) {
  const result = await gate.claim(key);
  assert.ok('claim' in result, `claimed, not ${JSON.stringify(result)}`);
  return result.claim;
}

describe('The agent tool gate', () => {
  it('carries out an input only once after it was shown in a confirmation, and never one that was not', () => {
    const { gate } = setup();
    assert.equal(gate.takeConfirmation('{"prompt":"x"}'), false, 'a plan that failed in prepareInvocation asks nothing');
    gate.noteConfirmation('{"prompt":"x"}', true);
    assert.equal(gate.takeConfirmation('{"prompt":"y"}'), false, 'another input');
    assert.equal(gate.takeConfirmation('{"prompt":"x"}'), true);
    assert.equal(gate.takeConfirmation('{"prompt":"x"}'), false, 'used once');
  });

  it('forgets a confirmation when the same input is prepared again without one, and after an hour', () => {
    const { gate, advance } = setup();
    gate.noteConfirmation('k', true);
    gate.noteConfirmation('k', false);
    assert.equal(gate.takeConfirmation('k'), false);
    gate.noteConfirmation('k', true);
    advance(60 * 60_000 + 1);
    assert.equal(gate.takeConfirmation('k'), false);
  });

  it('refuses an identical request while it is being sent, and while it runs', async () => {
    const { gate, task, put, advance } = setup();
    const claim = await claimed(gate, 'k');
    assert.deepEqual(await gate.claim('k'), { refused: { verdict: 'sending', entry: undefined } });
    put(task('t1', 'running'));
    claim.sent(task('t1', 'running'));
    advance(repeatWindowMs * 3);
    assert.equal((await gate.repeat('k'))?.verdict, 'running', 'a task that runs past the window is still refused');
  });

  it('refuses an identical request for two minutes after it succeeded, with its task, and allows it after', async () => {
    const { gate, task, put, advance } = setup();
    const claim = await claimed(gate, 'k');
    claim.sent(task('t1', 'running'));
    advance(90_000);
    const saved = task('t1', 'saved', ['file:///w/out/a.png']);
    put(saved);
    claim.ended(saved);
    advance(repeatWindowMs - 1);
    const refused = await gate.claim('k');
    assert.ok('refused' in refused);
    assert.equal(refused.refused.verdict, 'done');
    assert.equal(refused.refused.entry, saved);
    assert.equal((await gate.repeat('other')), undefined, 'a different request is not refused');
    advance(2);
    await claimed(gate, 'k');
  });

  it('lets a request be made again at once when nothing was sent, or when it failed and made nothing', async () => {
    const { gate, task, put } = setup();
    (await claimed(gate, 'k')).release();
    const claim = await claimed(gate, 'k');
    claim.sent(task('t1', 'running'));
    const failed = task('t1', 'failed');
    put(failed);
    claim.ended(failed);
    await claimed(gate, 'k');
  });

  it('lets only one of two identical calls at the same moment through', async () => {
    const { gate } = setup();
    const [first, second] = await Promise.all([gate.claim('k'), gate.claim('k')]);
    assert.equal(['claim' in first, 'claim' in second].filter(Boolean).length, 1);
  });
});

describe('The agent tool memory', () => {
  it('expires entries after their lifetime and drops the oldest when full', () => {
    let now = 0;
    const map = new ExpiringMap<number>(1000, 2, () => now);
    map.set('a', 1);
    map.set('b', 2);
    map.set('c', 3);
    assert.equal(map.get('a'), undefined, 'the oldest went');
    assert.equal(map.get('b'), 2);
    now = 1000;
    assert.equal(map.get('b'), undefined, 'expired');
    map.set('d', 4);
    assert.equal(map.take('d'), 4);
    assert.equal(map.get('d'), undefined);
  });
});
