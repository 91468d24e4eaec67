import * as assert from 'node:assert/strict';
import type { LedgerEntry } from '../../src/common/ledgerEntry';
import { stoppedForKey } from '../../src/extension/tasks/keyWaits';
import { LedgerSightings } from '../../src/extension/tasks/ledgerSightings';

const task = (localId: string, revision: number, fields: Partial<LedgerEntry> = {}): LedgerEntry => ({ localId, revision, state: 'running', ...fields }) as LedgerEntry;

describe('Tasks another window works on', () => {
  it('are answered once when first seen, then again only when a look finds them at another revision', () => {
    const sightings = new LedgerSightings();
    assert.deepEqual(sightings.note([task('evl-a', 3), task('evl-b', 1)]).map((entry) => entry.localId), ['evl-a', 'evl-b']);
    assert.deepEqual(sightings.note([task('evl-a', 3), task('evl-b', 1)]), [], 'nothing changed');
    // The other window saved evl-a: this window's count of running tasks must follow.
    assert.deepEqual(sightings.note([task('evl-a', 7, { state: 'saved' }), task('evl-b', 1)]).map((entry) => [entry.localId, entry.state]), [['evl-a', 'saved']]);
    assert.ok(sightings.has('evl-b'));
    assert.equal(sightings.forget('evl-b'), true);
    assert.deepEqual(sightings.ids(), ['evl-a']);
  });
});

describe('A key set anew', () => {
  const refused = (reason: string) => ({ reason }) as LedgerEntry['error'];

  it('reads again at once a task stopped because its reads were refused for the key or the balance', () => {
    assert.ok(stoppedForKey(task('evl-a', 5, { state: 'stopped', attention: 'unread', error: refused('auth') })));
    assert.ok(stoppedForKey(task('evl-a', 5, { state: 'stopped', attention: 'unread', error: refused('credits') })));
  });

  it('leaves alone what no key changes: a task the user stopped, one stopped at its deadline, a failure of the network', () => {
    assert.ok(!stoppedForKey(task('evl-a', 5, { state: 'stopped', attention: 'userStopped', error: refused('auth') })));
    assert.ok(!stoppedForKey(task('evl-a', 5, { state: 'stopped', attention: 'notFound', error: refused('auth') })));
    assert.ok(!stoppedForKey(task('evl-a', 5, { state: 'stopped', attention: 'deadline', error: refused('auth') })));
    assert.ok(!stoppedForKey(task('evl-a', 5, { state: 'stopped', attention: 'unread', error: refused('network') })));
    assert.ok(!stoppedForKey(task('evl-a', 5, { state: 'running', error: refused('auth') })), 'a running task is read again by its own window');
  });
});
