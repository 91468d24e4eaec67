import * as assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { entryStates, type EntryState, type LedgerEntry } from '../../src/common/ledgerEntry';
import { createEntry, defaultLifecycleTimes } from '../../src/common/lifecycle';
import { actionsFor, isActive, needsAttention, taskActions } from '../../src/common/taskState';
import { actionToken, arrangeTasks, groupOf, runningCount, taskContextValue } from '../../src/extension/views/taskItems';

const t0 = 1_700_000_000_000;

function entry(state: EntryState, over: Partial<LedgerEntry> = {}, id = 1): LedgerEntry {
  const localId = `evl-test-${String(id).padStart(12, '0')}`;
  const made = createEntry(
    {
      localId,
      idempotencyKey: localId,
      request: { model: 'gpt-4o-image', prompt: 'a lighthouse' },
      body: { model: 'gpt-4o-image', prompt: 'a lighthouse', size: '1:1', n: 1 },
      targetFolder: 'file:///project/images',
      estimatedSeconds: 100,
      creditsReserved: 2.5,
    },
    { now: t0 + id, owner: 'window-a', times: defaultLifecycleTimes },
  );
  return { ...made.entry!, state, ...over };
}

interface MenuItem {
  command: string;
  when: string;
  group: string;
}

/** Evaluates the `viewItem =~ /.../` part of a menu's `when` clause against a context value. */
function offered(menu: MenuItem, contextValue: string): boolean {
  const match = /viewItem =~ \/(.+)\/$/.exec(menu.when);
  assert.ok(match, menu.when);
  return new RegExp(match[1]!).test(contextValue);
}

describe('The Tasks view', () => {
  it('puts every state in exactly the section its predicates say', () => {
    for (const state of entryStates) {
      const expected = isActive(state) ? 'running' : needsAttention(state) ? 'attention' : 'recent';
      assert.equal(groupOf({ state }), expected, state);
    }
  });

  it('lists each section newest first and keeps only the most recent finished tasks', () => {
    const entries = [entry('saved', {}, 1), entry('running', {}, 2), entry('failed', {}, 3), entry('stopped', {}, 4), entry('submitting', {}, 5), entry('saved', {}, 6)];
    const arranged = arrangeTasks(entries, 2);
    assert.deepEqual(arranged.running, [entries[4]!.localId, entries[1]!.localId]);
    assert.deepEqual(arranged.attention, [entries[3]!.localId]);
    assert.deepEqual(arranged.recent, [entries[5]!.localId, entries[2]!.localId]);
    assert.equal(runningCount(entries), 2);
  });

  it('names in the context value exactly the actions the task offers, and the menus offer exactly those', () => {
    const manifest = JSON.parse(readFileSync('package.json', 'utf8')) as { contributes: { menus: Record<string, MenuItem[]> } };
    const menus = manifest.contributes.menus['view/item/context'] ?? [];
    const samples = [
      ...entryStates.map((state) => entry(state)),
      entry('saveFailed', { error: { reason: 'fileSystem', code: 'diskFull' } }),
      entry('failed', { error: { reason: 'taskFailed', code: 'content_policy_violation' } }),
      entry('saved', { taskId: 'task-1', results: [{ saved: 'file:///project/images/a.png' }] }),
    ];
    for (const sample of samples) {
      const value = taskContextValue(sample);
      for (const action of taskActions) {
        const command = `evolink.task.${action}`;
        const inMenu = menus.filter((menu) => menu.command === command && !menu.group.startsWith('inline')).some((menu) => offered(menu, value));
        assert.equal(inMenu, actionsFor(sample).includes(action), `${sample.state}: ${command} in the context menu`);
        const inline = menus.filter((menu) => menu.command === command && menu.group.startsWith('inline')).some((menu) => offered(menu, value));
        assert.equal(inline, actionsFor(sample).includes(action) && action !== 'forget', `${sample.state}: ${command} inline`);
        assert.equal(value.split(' ').includes(actionToken(action)), actionsFor(sample).includes(action));
      }
    }
  });

  it('offers Open and Copy Task Id only where there is an image and an id', () => {
    const value = taskContextValue(entry('saved', { taskId: 'task-1', results: [{ saved: 'file:///project/images/a.png' }] }));
    assert.deepEqual(value.split(' ').filter((token) => !token.startsWith('a:')), ['task', 'file', 'taskId']);
    assert.deepEqual(taskContextValue(entry('running')).split(' '), ['task', 'a:stopWatching']);
  });

  it('offers Compare with Original for an edit with saved results only', () => {
    const edit = entry('saved', { editOf: 'file:///project/photo.png', results: [{ saved: 'file:///project/photo.edit-1.png' }] });
    assert.ok(taskContextValue(edit).split(' ').includes(actionToken('compare')));
    assert.ok(!taskContextValue(entry('saved', { results: [{ saved: 'file:///project/a.png' }] })).split(' ').includes(actionToken('compare')));
    assert.ok(!taskContextValue(entry('failed', { editOf: 'file:///project/photo.png' })).split(' ').includes(actionToken('compare')));
  });
});
