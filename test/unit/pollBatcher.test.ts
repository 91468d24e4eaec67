import * as assert from 'node:assert/strict';
import { EvoLinkError } from '../../src/common/errors';
import type { TaskSnapshot } from '../../src/common/wire';
import type { EvoLinkClient } from '../../src/extension/api/client';
import { defaultPollBatchTuning, PollBatcher, type PollBatchTuning } from '../../src/extension/tasks/pollBatcher';

const snapshot = (id: string, progress = 10): TaskSnapshot => ({
  id,
  state: 'processing',
  rawStatus: 'processing',
  progress,
  estimatedSeconds: 100,
  resultUrls: [],
  error: undefined,
  creditsReserved: undefined,
  creditsUsed: undefined,
});

/** A client that records its calls; `known` tasks are answered, the batch as `batch` says. */
function fakeClient(known: Set<string>, batch: { fail?: EvoLinkError; absent?: Set<string> } = {}) {
  const calls: string[] = [];
  const client = {
    apiBase: () => 'http://127.0.0.1:1',
    getTask: (id: string) => {
      calls.push(`GET ${id}`);
      return known.has(id) ? Promise.resolve(snapshot(id)) : Promise.reject(new EvoLinkError('notFound', 'Task not found', { status: 404 }));
    },
    getTasks: (ids: readonly string[]) => {
      calls.push(`BATCH ${ids.join(',')}`);
      if (batch.fail) return Promise.reject(batch.fail);
      return Promise.resolve(new Map(ids.filter((id) => known.has(id) && !batch.absent?.has(id)).map((id) => [id, snapshot(id, 50)])));
    },
  };
  return { calls, client: client as unknown as EvoLinkClient };
}

const call = () => ({ apiKey: 'sk-test', signal: new AbortController().signal });
const log = { info: () => undefined, warn: () => undefined };

function batcher(client: EvoLinkClient, pullIn: (within: number, share: number) => number, tuning: Partial<PollBatchTuning> = {}) {
  return new PollBatcher({ client: () => client, log, pullIn, tuning: { ...defaultPollBatchTuning, ...tuning } });
}

describe('Reading running tasks in batches', () => {
  it('reads a lone task with its own GET at once, without waiting and without a batch', async () => {
    const { calls, client } = fakeClient(new Set(['a']));
    const reads = batcher(client, () => 0, { gatherMs: 5000 });
    const started = Date.now();
    assert.equal((await reads.read('a', call())).id, 'a');
    assert.ok(Date.now() - started < 1000);
    assert.deepEqual(calls, ['GET a']);
  });

  it('reads the tasks it pulled forward in the same request as the one that came due', async () => {
    const { calls, client } = fakeClient(new Set(['a', 'b', 'c']));
    const asked: number[][] = [];
    const pulled: Promise<TaskSnapshot>[] = [];
    const reads: PollBatcher = batcher(client, (within, share) => {
      asked.push([within, share]);
      // The pulled tasks' reads arrive a moment later, as they do through the lifecycle.
      setTimeout(() => pulled.push(reads.read('b', call()), reads.read('c', call())), 10);
      return 2;
    });
    const first = await reads.read('a', call());
    assert.equal(first.progress, 50);
    assert.deepEqual((await Promise.all(pulled)).map((task) => task.id), ['b', 'c']);
    assert.deepEqual(calls, ['BATCH a,b,c']);
    assert.deepEqual(asked, [[defaultPollBatchTuning.alignMs, defaultPollBatchTuning.alignShare]]);
  });

  it('waits no longer than gatherMs for a pulled read that does not come', async () => {
    const { calls, client } = fakeClient(new Set(['a']));
    const reads = batcher(client, () => 3, { gatherMs: 80 });
    const started = Date.now();
    await reads.read('a', call());
    const waited = Date.now() - started;
    assert.ok(waited >= 70 && waited < 1000, `${waited} ms`);
    assert.deepEqual(calls, ['GET a']);
  });

  it('reads a task absent from the batch answer once more on its own, and lets that answer decide', async () => {
    const { calls, client } = fakeClient(new Set(['a', 'b']), { absent: new Set(['b']) });
    const reads = batcher(client, () => 0);
    const results = await Promise.allSettled([reads.read('a', call()), reads.read('b', call()), reads.read('gone', call())]);
    assert.deepEqual(results.map((result) => (result.status === 'fulfilled' ? result.value.id : (result.reason as EvoLinkError).reason)), ['a', 'b', 'notFound']);
    assert.deepEqual(calls, ['BATCH a,b,gone', 'GET b', 'GET gone']);
  });

  for (const status of [404, 405]) {
    it(`reads task by task for the rest of the session once the batch answers ${status}`, async () => {
      const { calls, client } = fakeClient(new Set(['a', 'b']), { fail: new EvoLinkError(status === 404 ? 'notFound' : 'invalidRequest', 'No such route', { status }) });
      const reads = batcher(client, () => 0);
      const first = await Promise.all([reads.read('a', call()), reads.read('b', call())]);
      assert.deepEqual(first.map((task) => task.id), ['a', 'b']);
      assert.equal(reads.batching(), false);
      await Promise.all([reads.read('a', call()), reads.read('b', call())]);
      assert.deepEqual(calls, ['BATCH a,b', 'GET a', 'GET b', 'GET a', 'GET b']);
    });
  }

  it("fails every task's read with the batch's own failure when it is not a missing route", async () => {
    const { calls, client } = fakeClient(new Set(['a', 'b']), { fail: new EvoLinkError('server', 'Bad gateway', { status: 502 }) });
    const reads = batcher(client, () => 0);
    const results = await Promise.allSettled([reads.read('a', call()), reads.read('b', call())]);
    assert.deepEqual(results.map((result) => result.status === 'rejected' && (result.reason as EvoLinkError).details.status), [502, 502]);
    assert.deepEqual(calls, ['BATCH a,b']);
    assert.equal(reads.batching(), true, 'the next tick tries the batch again');
  });

  it('splits more than 50 reads into requests of at most 50, and never batches when switched off', async () => {
    const ids = Array.from({ length: 120 }, (_, i) => `t${i}`);
    const { calls, client } = fakeClient(new Set(ids));
    const reads = batcher(client, () => 0);
    await Promise.all(ids.map((id) => reads.read(id, call())));
    assert.deepEqual(calls.map((line) => line.split(',').length), [50, 50, 20]);
    const off = fakeClient(new Set(['a', 'b']));
    const plain = batcher(off.client, () => 0, { enabled: false });
    await Promise.all([plain.read('a', call()), plain.read('b', call())]);
    assert.deepEqual(off.calls, ['GET a', 'GET b']);
  });

  it('answers a stopped task as cancelled without reading it, and reads the others', async () => {
    const { calls, client } = fakeClient(new Set(['a', 'b', 'c']));
    const reads = batcher(client, () => 0);
    const stopped = new AbortController();
    const pending = reads.read('a', { apiKey: 'sk-test', signal: stopped.signal });
    const others = [reads.read('b', call()), reads.read('c', call())];
    stopped.abort();
    await assert.rejects(pending, (error: unknown) => error instanceof EvoLinkError && error.reason === 'cancelled');
    await Promise.all(others);
    assert.deepEqual(calls, ['BATCH b,c']);
  });

  it('keeps reads of different keys apart', async () => {
    const { calls, client } = fakeClient(new Set(['a', 'b', 'c']));
    const reads = batcher(client, () => 0);
    await Promise.all([reads.read('a', call()), reads.read('b', { apiKey: 'sk-other', signal: new AbortController().signal }), reads.read('c', call())]);
    assert.deepEqual(calls.sort(), ['BATCH a,c', 'GET b']);
  });
});
