import * as assert from 'node:assert/strict';
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decideBudget, estimateCredits, isStale, isToday, mergeRecords, spendRecord, spendRecordSchema, spentToday, startOfDay, taskCredits, type SpendRecord } from '../../src/common/budget';
import type { EntryState, LedgerEntry } from '../../src/common/ledgerEntry';
import { DayLog } from '../../src/extension/budget/dayLog';

/** Local times, so that the tests mean the same in every time zone. */
const local = (day: number, hour: number, minute = 0): number => new Date(2026, 11, day, hour, minute).getTime();

type Task = Parameters<typeof spendRecord>[0];

function task(localId: string, state: EntryState, createdAt: number, extra: Partial<LedgerEntry> = {}): Task {
  return { localId, state, createdAt, creditsReserved: 5, body: { model: 'gpt-4o-image', prompt: 'a lighthouse', size: '1:1', n: 2 }, ...extra };
}

describe('Budget arithmetic', () => {
  describe('the day', () => {
    it('begins at local midnight', () => {
      assert.equal(startOfDay(local(2, 15, 30)), local(2, 0));
    });

    it('counts a request made a minute before midnight for that day only', () => {
      const before = local(2, 23, 59);
      assert.ok(isToday(before, local(2, 23, 59)));
      assert.ok(!isToday(before, local(3, 0, 0)));
      assert.ok(isToday(local(3, 0, 0), local(3, 0, 1)));
    });

    it('counts nothing from tomorrow (a clock that went back) as today', () => {
      assert.ok(!isToday(local(3, 0, 5), local(2, 23, 0)));
    });

    it('keeps yesterday in the day log and drops what is older', () => {
      const now = local(10, 1);
      assert.ok(!isStale({ at: local(9, 12) }, now));
      assert.ok(isStale({ at: local(7, 12) }, now));
    });
  });

  describe('the cost of a task', () => {
    it('is what it reserved while it runs, what it used once done, and nothing once failed at EvoLink', () => {
      assert.equal(taskCredits(task('a', 'running', 0)), 5);
      assert.equal(taskCredits(task('a', 'unconfirmed', 0)), 5);
      assert.equal(taskCredits(task('a', 'saved', 0, { creditsUsed: 2.5 })), 2.5);
      assert.equal(taskCredits(task('a', 'saveFailed', 0, { creditsUsed: 2.5 })), 2.5);
      assert.equal(taskCredits(task('a', 'failed', 0)), 0);
      // No refund is documented for a task EvoLink cancelled, nor for one it completed without images.
      assert.equal(taskCredits(task('a', 'cancelled', 0)), 5);
      assert.equal(taskCredits(task('a', 'cancelled', 0, { creditsUsed: 0 })), 0);
      assert.equal(taskCredits(task('a', 'failed', 0, { error: { reason: 'invalidResponse', code: 'no_results' } })), 5);
      assert.equal(taskCredits(task('a', 'failed', 0, { error: { reason: 'invalidResponse', code: 'no_results' }, creditsUsed: 2.5 })), 2.5);
      assert.equal(taskCredits(task('a', 'failed', 0, { error: { reason: 'taskFailed', code: 'content_policy_violation' }, creditsUsed: 2.5 })), 0);
    });

    it('records the price EvoLink reserved per image', () => {
      assert.deepEqual(spendRecord(task('a', 'running', 7)), { localId: 'a', at: 7, credits: 5, model: 'gpt-4o-image', perImage: 2.5 });
    });

    it("keeps EvoLink's id of the task once known, so that no other workspace takes the task for its own", () => {
      assert.equal(spendRecord(task('a', 'running', 7, { taskId: 'task-unified-1' })).taskId, 'task-unified-1');
      assert.equal(spendRecordSchema.parse(spendRecord(task('evl-test-000000000001', 'running', 7, { taskId: 'task-unified-1' }))).taskId, 'task-unified-1', 'the day log reads it back');
    });
  });

  describe("today's spend", () => {
    const now = local(2, 18);
    const tasks = [
      task('yesterday', 'saved', local(1, 23, 59), { creditsUsed: 5 }),
      task('morning', 'saved', local(2, 0, 1), { creditsUsed: 2.5 }),
      task('running', 'running', local(2, 17)),
      task('failed', 'failed', local(2, 16)),
      task('cancelled', 'cancelled', local(2, 16), { creditsUsed: 0 }),
      task('unknown', 'unknownOutcome', local(2, 17, 30), { creditsReserved: 1.8, body: { model: 'doubao-seedream-4.5', prompt: 'x', size: '2K', n: 1 } }),
    ];

    it('adds the tasks of today in every state, each at what it costs', () => {
      assert.equal(spentToday(mergeRecords([], tasks), now), 2.5 + 5 + 1.8);
    });

    it('starts again from nothing after midnight', () => {
      assert.equal(spentToday(mergeRecords([], tasks), local(3, 0, 0)), 0);
    });

    it("counts other windows' tasks from the day log, and this window's ledger over its own older records", () => {
      const logged: SpendRecord[] = [
        { localId: 'elsewhere', at: local(2, 9), credits: 10, model: 'gpt-4o-image' },
        { localId: 'running', at: local(2, 17), credits: 5, model: 'gpt-4o-image' },
        { localId: 'failed', at: local(2, 16), credits: 5, model: 'gpt-4o-image' },
      ];
      assert.equal(spentToday(mergeRecords(logged, tasks), now), 10 + 2.5 + 5 + 1.8);
    });

    it('adds decimals without drift', () => {
      const many = Array.from({ length: 10 }, (_, index): SpendRecord => ({ localId: `t${index}`, at: now, credits: 0.1, model: 'm' }));
      assert.equal(spentToday(many, now), 1);
    });
  });

  describe('the estimate of a request', () => {
    it('is the price per image of the model table times n', () => {
      assert.equal(estimateCredits({ model: 'gpt-4o-image', n: 4 }, []), 10);
      assert.equal(estimateCredits({ model: 'doubao-seedream-4.5', n: 3 }, []), 5.4);
    });

    it('follows the price EvoLink reserved for the model most recently', () => {
      const records: SpendRecord[] = [
        { localId: 'old', at: 1, credits: 3, model: 'gpt-4o-image', perImage: 3 },
        { localId: 'new', at: 2, credits: 4, model: 'gpt-4o-image', perImage: 4 },
        { localId: 'other', at: 3, credits: 9, model: 'doubao-seedream-4.5', perImage: 9 },
      ];
      assert.equal(estimateCredits({ model: 'gpt-4o-image', n: 2 }, records), 8);
    });

    it('is unknown for a model neither the table nor EvoLink priced', () => {
      assert.equal(estimateCredits({ model: 'some-new-model', n: 1 }, []), undefined);
      assert.equal(estimateCredits({ model: 'some-new-model', n: 2 }, [{ localId: 'a', at: 1, credits: 2, model: 'some-new-model', perImage: 1.5 }]), 3);
    });
  });

  describe('the decision', () => {
    it('lets everything through without a limit', () => {
      assert.deepEqual(decideBudget({ limit: 0, spent: 500, estimate: 10 }), { kind: 'noLimit', spent: 500 });
    });

    it('lets a request through that reaches the limit exactly', () => {
      assert.equal(decideBudget({ limit: 10, spent: 7.5, estimate: 2.5 }).kind, 'within');
    });

    it('asks first for a request that would pass the limit, with the numbers', () => {
      assert.deepEqual(decideBudget({ limit: 10, spent: 7.5, estimate: 5 }), { kind: 'over', spent: 7.5, estimate: 5, after: 12.5, limit: 10 });
    });

    it('asks for a request of unknown cost only once the limit is reached', () => {
      assert.equal(decideBudget({ limit: 10, spent: 9, estimate: undefined }).kind, 'within');
      assert.equal(decideBudget({ limit: 10, spent: 10, estimate: undefined }).kind, 'over');
    });

    it('asks across midnight only for what was spent today', () => {
      const records: SpendRecord[] = [{ localId: 'late', at: local(2, 23, 50), credits: 9, model: 'gpt-4o-image' }];
      const estimate = estimateCredits({ model: 'gpt-4o-image', n: 1 }, records);
      assert.equal(decideBudget({ limit: 10, spent: spentToday(records, local(2, 23, 55)), estimate }).kind, 'over');
      assert.equal(decideBudget({ limit: 10, spent: spentToday(records, local(3, 0, 5)), estimate }).kind, 'within');
    });
  });
});

describe('The machine-wide day log', () => {
  let dir: string;
  const warnings: string[] = [];
  const record = (localId: string, at: number, credits: number): SpendRecord => ({ localId, at, credits, model: 'gpt-4o-image', perImage: 2.5 });

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'evolink-daylog-'));
    warnings.length = 0;
  });

  afterEach(() => rm(dir, { recursive: true, force: true }));

  it('reads nothing before anything was written', async () => {
    assert.deepEqual(await new DayLog(join(dir, 'none'), (message) => warnings.push(message)).read(local(2, 12)), []);
  });

  it("keeps one record per task, the last written, whichever window's log object wrote it", async () => {
    const one = new DayLog(dir, (message) => warnings.push(message));
    const other = new DayLog(dir, (message) => warnings.push(message));
    await one.write(record('evl-task-000000000001', local(2, 9), 5));
    await other.write(record('evl-task-000000000002', local(2, 10), 2.5));
    await one.write(record('evl-task-000000000001', local(2, 9), 2.5));
    const read = await other.read(local(2, 12));
    assert.deepEqual(read.map((entry) => [entry.localId, entry.credits]).sort(), [
      ['evl-task-000000000001', 2.5],
      ['evl-task-000000000002', 2.5],
    ]);
    assert.deepEqual((await readdir(dir)).filter((name) => name.endsWith('.tmp')), [], 'no temp file is left');
  });

  it('removes records too old to matter, and passes over a file that is not a record with a warning', async () => {
    const log = new DayLog(dir, (message) => warnings.push(message));
    await log.write(record('evl-task-000000000001', local(1, 9), 5));
    await log.write(record('evl-task-000000000002', local(10, 9), 5));
    await writeFile(join(dir, 'evl-task-000000000003.json'), '{"credits": "many"}');
    const read = await log.read(local(10, 12));
    assert.deepEqual(read.map((entry) => entry.localId), ['evl-task-000000000002']);
    assert.ok(!(await readdir(dir)).includes('evl-task-000000000001.json'));
    assert.equal(warnings.length, 1);
  });
});
