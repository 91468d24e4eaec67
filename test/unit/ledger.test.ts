import * as assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseLedgerEntry, type LedgerEntry } from '../../src/common/ledgerEntry';
import { flushing } from '../../src/extension/base/nodeDisk';
import { newLocalId, TaskLedger } from '../../src/extension/tasks/ledger';

const entry = (localId: string, createdAt: number): LedgerEntry => ({
  version: 2,
  localId,
  idempotencyKey: localId,
  revision: 0,
  createdAt,
  updatedAt: createdAt,
  state: 'running',
  request: { model: 'gpt-4o-image', prompt: 'x' },
  body: { model: 'gpt-4o-image', prompt: 'x', size: '1:1', n: 1 },
  targetFolder: 'file:///tmp/out',
  sentAt: createdAt,
  sends: 1,
  watch: true,
  estimatedSeconds: 100,
  progress: 0,
  polls: 0,
});

/** Runs `meanwhile` once `ledger` has created the file of `revision`, before it looks at the others (another window's write in between). */
function afterCreating(ledger: TaskLedger, revision: number, meanwhile: (written: LedgerEntry) => Promise<unknown>): void {
  const hooked = ledger as unknown as { createExclusive(target: string, text: string): Promise<boolean> };
  const create = hooked.createExclusive.bind(ledger);
  hooked.createExclusive = async (target, text) => {
    const made = await create(target, text);
    const written = JSON.parse(text) as LedgerEntry;
    if (made && written.revision === revision) await meanwhile(written);
    return made;
  };
}

/** Makes a file look as old as `seconds`. */
const age = (path: string, seconds: number): void => utimesSync(path, new Date(Date.now() - seconds * 1000), new Date(Date.now() - seconds * 1000));

describe('The task ledger', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'evolink-ledger-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  /** A task one window made, and another window wrote `steps` revisions of since. */
  async function writtenAhead(steps: number): Promise<{ late: TaskLedger; other: TaskLedger; created: LedgerEntry; current: LedgerEntry }> {
    const late = new TaskLedger(dir);
    const other = new TaskLedger(dir);
    const created = await late.create(entry('evl-a-0000000000000001', 1));
    let current = created;
    for (let step = 0; step < steps; step++) current = (await other.write({ ...current, polls: step }, current.revision))!;
    return { late, other, created, current };
  }

  it('makes ids that are valid Idempotency-Keys and never repeat', () => {
    const ids = new Set(Array.from({ length: 1000 }, () => newLocalId()));
    assert.equal(ids.size, 1000);
    for (const id of ids) assert.match(id, /^[A-Za-z0-9._-]{16,96}$/);
  });

  it('keeps entries across instances, newest first', async () => {
    await new TaskLedger(dir).create(entry('evl-a-0000000000000001', 1));
    await new TaskLedger(dir).create(entry('evl-b-0000000000000002', 2));
    const listed = await new TaskLedger(dir).list();
    assert.deepEqual(listed.map((item) => item.localId), ['evl-b-0000000000000002', 'evl-a-0000000000000001']);
    assert.deepEqual(listed.map((item) => item.revision), [1, 1]);
  });

  it('writes a revision only over the one it expects: of two windows, one wins and the other reads again', async () => {
    const first = new TaskLedger(dir);
    const second = new TaskLedger(dir);
    const created = await first.create(entry('evl-a-0000000000000001', 1));
    const [a, b] = await Promise.all([first.write({ ...created, progress: 40 }, created.revision), second.write({ ...created, state: 'saved' }, created.revision)]);
    assert.equal([a, b].filter(Boolean).length, 1, 'exactly one write of revision 2');
    const winner = a ?? b;
    assert.deepEqual(await second.get(created.localId), winner);
    // The loser's stale copy can never land over the newer state.
    assert.equal(await first.write({ ...created, progress: 99 }, created.revision), undefined);
  });

  it('refuses a write from a revision whose successor was already dropped as old: the window reads again', async () => {
    // Another window writes revisions 2, 3 and 4: revision 2 is dropped as old, its name is free.
    const { late: stale, other, created, current } = await writtenAhead(3);
    assert.equal(await stale.write({ ...created, state: 'saving' }, created.revision), undefined, 'told it lost the race');
    assert.deepEqual(await other.get(created.localId), current, 'the newest state stands');
    assert.deepEqual(readdirSync(dir).filter((name) => name.endsWith('.json')).sort(), ['evl-a-0000000000000001.3.json', 'evl-a-0000000000000001.4.json'], 'the late revision is taken back');
    // Read again, the same window writes on.
    assert.equal((await stale.write({ ...current, state: 'saving' }, current.revision))?.revision, 5);
  });

  it('keeps a write that another window built on before this one listed the ledger', async () => {
    const writer = new TaskLedger(dir);
    const other = new TaskLedger(dir);
    const created = await writer.create(entry('evl-a-0000000000000001', 1));
    // Between this window's write of revision 2 and its look at the files, another window reads
    // revision 2 and writes 3 on it.
    afterCreating(writer, 2, async (written) => assert.equal((await other.write({ ...written, polls: 7 }, written.revision))?.revision, 3));
    const mine = await writer.write({ ...created, progress: 40 }, created.revision);
    assert.equal(mine?.revision, 2, 'the write stood: the next revision was built on it');
    const newest = await other.get(created.localId);
    assert.equal(newest?.revision, 3);
    assert.equal(newest?.parentWriteId, mine.writeId);
    assert.equal(newest?.progress, 40);
  });

  it('takes back a late write that another late write was built on, where the newest revision stands elsewhere', async () => {
    const { late, other, created } = await writtenAhead(4);
    // Revisions 4 and 5 stand; 2 and 3 were dropped. A late window writes 2, and before it looks
    // at the files, a second late window writes 3 on it.
    afterCreating(late, 2, (written) => new TaskLedger(dir).write({ ...written, polls: 9 }, written.revision));
    assert.equal(await late.write({ ...created, state: 'saving' }, created.revision), undefined, 'revision 4 does not stand on it');
    assert.equal((await other.get(created.localId))?.revision, 5);
  });

  it('lets exactly one of many concurrent writers through per revision', async () => {
    const ledgers = Array.from({ length: 8 }, () => new TaskLedger(dir));
    let current = await ledgers[0]!.create(entry('evl-a-0000000000000001', 1));
    for (let round = 0; round < 10; round++) {
      const results = await Promise.all(ledgers.map((ledger, index) => ledger.write({ ...current, polls: index }, current.revision)));
      assert.equal(results.filter(Boolean).length, 1, `round ${round}`);
      current = results.find(Boolean)!;
    }
    assert.equal((await ledgers[3]!.get(current.localId))?.revision, 11);
  });

  it('keeps only the newest two revisions on disk', async () => {
    const ledger = new TaskLedger(dir);
    let current = await ledger.create(entry('evl-a-0000000000000001', 1));
    for (let step = 0; step < 5; step++) current = (await ledger.write({ ...current, polls: step }, current.revision))!;
    assert.deepEqual(readdirSync(dir).filter((name) => name.endsWith('.json')).sort(), ['evl-a-0000000000000001.5.json', 'evl-a-0000000000000001.6.json']);
  });

  it('sets aside a file that cannot be read, reports it once, and falls back to the revision before', async () => {
    const warnings: string[] = [];
    const ledger = new TaskLedger(dir, (message) => warnings.push(message));
    const created = await ledger.create(entry('evl-a-0000000000000001', 1));
    await ledger.write({ ...created, progress: 30 }, created.revision);
    const broken = join(dir, 'evl-a-0000000000000001.2.json');
    writeFileSync(broken, '{"version": 2, "localId": "evl-a-00');
    age(broken, 60);
    writeFileSync(join(dir, 'evl-b-0000000000000002.1.json'), 'null');
    age(join(dir, 'evl-b-0000000000000002.1.json'), 60);
    const listed = await ledger.list();
    assert.deepEqual(listed.map((item) => [item.localId, item.revision]), [['evl-a-0000000000000001', 1]]);
    assert.ok(readdirSync(dir).includes('evl-a-0000000000000001.2.json.corrupt'));
    assert.ok(readdirSync(dir).includes('evl-b-0000000000000002.1.json.corrupt'));
    const problems = ledger.takeProblems();
    assert.deepEqual(problems.map((problem) => problem.movedTo).sort(), ['evl-a-0000000000000001.2.json.corrupt', 'evl-b-0000000000000002.1.json.corrupt']);
    assert.deepEqual(ledger.takeProblems(), [], 'reported once');
    assert.equal(warnings.length, 2);
  });

  it("leaves a newer release's task as it is: not set aside, not rolled back to the revision before, not rewritten, told once", async () => {
    const warnings: string[] = [];
    const ledger = new TaskLedger(dir, (message) => warnings.push(message));
    const created = await ledger.create(entry('evl-a-0000000000000001', 1));
    const newer = join(dir, 'evl-a-0000000000000001.2.json');
    const text = JSON.stringify({ ...created, version: 3, revision: 2, state: 'someNewState', lease: { owner: 'newer', at: 1 } });
    writeFileSync(newer, text);
    age(newer, 60);
    for (let round = 0; round < 3; round++) {
      assert.deepEqual(await ledger.list(), [], 'not shown');
      assert.equal(await ledger.get(created.localId), undefined, 'not the revision before either');
    }
    assert.equal(await new TaskLedger(dir, (message) => warnings.push(message)).get(created.localId), undefined);
    assert.equal(await ledger.write({ ...created, progress: 50 }, 1), undefined, 'its revision is taken');
    assert.deepEqual(readdirSync(dir).sort(), ['evl-a-0000000000000001.1.json', 'evl-a-0000000000000001.2.json']);
    assert.equal(readFileSync(newer, 'utf8'), text);
    assert.deepEqual(ledger.takeProblems(), []);
    assert.equal(warnings.length, 1);
    assert.match(warnings[0]!, /newer version/);
    assert.equal(ledger.holdsNewer(), true);
  });

  it('keeps the fields it does not know, at every depth, when it writes the next revision', async () => {
    const ledger = new TaskLedger(dir);
    const known = { ...entry('evl-a-0000000000000001', 1), state: 'saving', resultUrls: ['https://cdn.example/0.png'], results: [{ kept: '/k/0.png' }], error: { reason: 'network' } };
    const extra = { ...known, revision: 1, fromNewer: { tier: 'pro' }, results: [{ kept: '/k/0.png', checksum: 'abc' }], body: { ...known.body, seed: 7 }, request: { ...known.request, style: 'ink' }, error: { reason: 'network', retryable: true } };
    writeFileSync(join(dir, 'evl-a-0000000000000001.1.json'), JSON.stringify(extra));
    const read = await ledger.get('evl-a-0000000000000001');
    assert.equal(read?.state, 'saving');
    await ledger.write({ ...read, results: [{ ...read.results![0], saved: 'file:///ws/a.png' }] }, 1);
    const written = JSON.parse(readFileSync(join(dir, 'evl-a-0000000000000001.2.json'), 'utf8')) as Record<string, unknown>;
    assert.deepEqual(written.fromNewer, { tier: 'pro' });
    assert.deepEqual(written.results, [{ kept: '/k/0.png', checksum: 'abc', saved: 'file:///ws/a.png' }]);
    assert.equal((written.body as { seed?: number }).seed, 7);
    assert.equal((written.request as { style?: string }).style, 'ink');
    assert.deepEqual(written.error, { reason: 'network', retryable: true });
    assert.equal(written.revision, 2);
  });

  it('tells an entry of a newer version from a broken one, and reads one of its own version as before', () => {
    const text = JSON.stringify({ ...entry('evl-a-0000000000000001', 1), version: 3 });
    const newer = parseLedgerEntry(text);
    assert.equal(newer.ok, false);
    assert.equal(!newer.ok && newer.newer, 3);
    const broken = parseLedgerEntry(JSON.stringify({ ...entry('evl-a-0000000000000001', 1), version: 'two' }));
    assert.equal(!broken.ok && broken.newer, undefined);
    assert.equal(parseLedgerEntry(JSON.stringify(entry('evl-a-0000000000000001', 1))).ok, true);
  });

  it('leaves a file that is still being written alone', async () => {
    const ledger = new TaskLedger(dir);
    writeFileSync(join(dir, 'evl-a-0000000000000001.1.json'), '{"version": 2');
    assert.deepEqual(await ledger.list(), []);
    assert.ok(readdirSync(dir).includes('evl-a-0000000000000001.1.json'), 'not set aside while young');
  });

  it('reads a task written by the first version of the ledger, and writes its next revision', async () => {
    const legacy = { ...entry('evl-old-000000000001', 5), state: 'completed', resultUrls: ['https://cdn.example/0.png'], saved: [null], pending: [null] } as Record<string, unknown>;
    for (const key of ['version', 'revision', 'sentAt', 'sends', 'watch']) delete legacy[key];
    writeFileSync(join(dir, 'evl-old-000000000001.json'), JSON.stringify(legacy));
    const ledger = new TaskLedger(dir);
    const read = await ledger.get('evl-old-000000000001');
    assert.equal(read?.state, 'completed');
    assert.equal(read?.revision, 0);
    const written = await ledger.write({ ...read, state: 'saving' }, 0);
    assert.equal(written?.revision, 1);
    assert.equal((await ledger.get('evl-old-000000000001'))?.state, 'saving');
  });

  it('flushes each revision to the disk before it takes its name, and the folder once it has it', async () => {
    const real = { ...flushing };
    const flushed: string[] = [];
    flushing.file = async (file) => {
      flushed.push(`file ${readdirSync(dir).filter((name) => !name.endsWith('.tmp')).join(',')}`);
      return real.file(file);
    };
    flushing.folder = async (path) => {
      flushed.push(`folder ${path === dir ? 'ledger' : path} ${readdirSync(dir).filter((name) => !name.endsWith('.tmp')).join(',')}`);
      return real.folder(path);
    };
    try {
      const ledger = new TaskLedger(dir);
      const created = await ledger.create(entry('evl-a-0000000000000001', 1));
      await ledger.write(created, created.revision);
    } finally {
      Object.assign(flushing, real);
    }
    assert.deepEqual(flushed, [
      'file ',
      'folder ledger evl-a-0000000000000001.1.json',
      'file evl-a-0000000000000001.1.json',
      'folder ledger evl-a-0000000000000001.1.json,evl-a-0000000000000001.2.json',
    ]);
  });

  it('removes every file of a task', async () => {
    const ledger = new TaskLedger(dir);
    const created = await ledger.create(entry('evl-a-0000000000000001', 1));
    await ledger.write(created, created.revision);
    writeFileSync(join(dir, 'evl-a-0000000000000001.claim'), 'old claim');
    await ledger.remove(created.localId);
    assert.deepEqual(readdirSync(dir), []);
  });
});
