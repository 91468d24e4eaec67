import * as assert from 'node:assert/strict';
import { mkdtempSync, rmSync, utimesSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { newLocalId, TaskLedger, type LedgerEntry } from '../../src/extension/tasks/ledger';

const entry = (localId: string, createdAt: number): LedgerEntry => ({
  localId,
  idempotencyKey: localId,
  createdAt,
  state: 'running',
  request: { model: 'gpt-4o-image', prompt: 'x' },
  body: { model: 'gpt-4o-image', prompt: 'x', size: '1:1', n: 1 },
  targetFolder: 'file:///tmp/out',
  estimatedSeconds: 100,
  progress: 0,
  polls: 0,
  updatedAt: createdAt,
});

describe('The task ledger', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'evolink-ledger-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('makes ids that are valid Idempotency-Keys and never repeat', () => {
    const ids = new Set(Array.from({ length: 1000 }, () => newLocalId()));
    assert.equal(ids.size, 1000);
    for (const id of ids) assert.match(id, /^[A-Za-z0-9._-]{16,96}$/);
  });

  it('keeps entries across instances, newest first, and skips broken files', async () => {
    const first = new TaskLedger(dir);
    await first.put(entry('a-0000000000000001', 1));
    await first.put(entry('b-0000000000000002', 2));
    const { writeFileSync } = await import('node:fs');
    writeFileSync(join(dir, 'broken.json'), '{not json');
    const second = new TaskLedger(dir);
    assert.deepEqual((await second.list()).map((e) => e.localId), ['b-0000000000000002', 'a-0000000000000001']);
  });

  it('lets only one of two windows claim a task for saving', async () => {
    const windowA = new TaskLedger(dir);
    const windowB = new TaskLedger(dir);
    const results = await Promise.all([windowA.claim('t-0000000000000001', 'A'), windowB.claim('t-0000000000000001', 'B')]);
    assert.deepEqual(results.sort(), [false, true]);
  });

  it('gives a claim back, and takes over a claim left stale by a closed window', async () => {
    const ledger = new TaskLedger(dir);
    assert.equal(await ledger.claim('t-0000000000000002', 'A'), true);
    assert.equal(await ledger.claim('t-0000000000000002', 'B'), false);
    await ledger.release('t-0000000000000002', 'A');
    assert.equal(await ledger.claim('t-0000000000000002', 'B'), true);
    const old = Date.now() / 1000 - 600;
    utimesSync(join(dir, 't-0000000000000002.claim'), old, old);
    assert.equal(await ledger.claim('t-0000000000000002', 'C'), true);
  });
});
