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
function fakeClient(known: Set<string>, batch: { fail?: EvoLinkError | (() => EvoLinkError | undefined); absent?: Set<string>; refuseOwn?: EvoLinkError } = {}) {
  const calls: string[] = [];
  const client = {
    apiBase: () => 'http://127.0.0.1:1',
    getTask: (id: string, options: { once?: boolean }) => {
      calls.push(`GET ${id}${options.once ? ' once' : ''}`);
      if (batch.refuseOwn) return Promise.reject(batch.refuseOwn);
      return known.has(id) ? Promise.resolve(snapshot(id)) : Promise.reject(new EvoLinkError('notFound', 'Task not found', { status: 404 }));
    },
    getTasks: (ids: readonly string[]) => {
      calls.push(`BATCH ${ids.join(',')}`);
      const fail = typeof batch.fail === 'function' ? batch.fail() : batch.fail;
      if (fail) return Promise.reject(fail);
      return Promise.resolve(new Map(ids.filter((id) => known.has(id) && !batch.absent?.has(id)).map((id) => [id, snapshot(id, 50)])));
    },
  };
  return { calls, client: client as unknown as EvoLinkClient };
}

const call = () => ({ apiKey: 'sk-test', signal: new AbortController().signal });
/** Lets what the batcher does after the reads it answered (counting a failed batch) happen. */
const settled = () => new Promise((resolve) => setImmediate(resolve));
const log = { info: () => undefined, warn: () => undefined };

/** A clock the tests move by hand. */
const clock = { now: 0 };

function batcher(client: EvoLinkClient, pullIn: (within: number, share: number) => number, tuning: Partial<PollBatchTuning> = {}) {
  return new PollBatcher({ client: () => client, log, pullIn, tuning: { ...defaultPollBatchTuning, ...tuning }, now: () => clock.now });
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

  it('reads a task asked to be read alone (long past its estimate) with its own GET, beside a batch of the others', async () => {
    const { calls, client } = fakeClient(new Set(['a', 'b', 'c']));
    const reads = batcher(client, () => 0);
    const [a, b, c] = await Promise.all([reads.read('a', call()), reads.read('b', call(), true), reads.read('c', call())]);
    assert.deepEqual(calls.sort(), ['BATCH a,c', 'GET b']);
    assert.deepEqual([a.progress, b.progress, c.progress], [50, 10, 50], 'b is answered by its own read');
  });

  it("takes a completed task's links from its own read, and keeps the batch's answer where that read fails", async () => {
    const calls: string[] = [];
    const done = (id: string, links: number): TaskSnapshot => ({ ...snapshot(id, 100), state: 'completed', rawStatus: 'completed', resultUrls: Array.from({ length: links }, (_, i) => `https://cdn.example/${id}-${i}.png`) });
    const client = {
      apiBase: () => 'http://127.0.0.1:1',
      getTask: (id: string) => {
        calls.push(`GET ${id}`);
        if (id === 'b') return Promise.reject(new EvoLinkError('network', 'reset', { code: 'ECONNRESET' }));
        return Promise.resolve(id === 'd' ? snapshot(id, 90) : done(id, 3));
      },
      getTasks: (ids: readonly string[]) => {
        calls.push(`BATCH ${ids.join(',')}`);
        return Promise.resolve(new Map<string, TaskSnapshot>([['a', done('a', 1)], ['b', done('b', 1)], ['c', snapshot('c', 40)], ['d', done('d', 2)]]));
      },
    } as unknown as EvoLinkClient;
    const reads = batcher(client, () => 0);
    const [a, b, c, d] = await Promise.all([reads.read('a', call()), reads.read('b', call()), reads.read('c', call()), reads.read('d', call())]);
    assert.equal(a.resultUrls.length, 3, 'the batch listed one link of three');
    assert.equal(b.resultUrls.length, 1, "its own read failed: the batch's answer stands");
    assert.equal(c.progress, 40);
    assert.equal(d.state, 'completed', "its own read said less (a replica behind): the batch's answer stands");
    assert.deepEqual(calls.sort(), ['BATCH a,b,c,d', 'GET a', 'GET b', 'GET d']);
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

  for (const [what, fail] of [
    ['404', new EvoLinkError('notFound', 'No such route', { status: 404 })],
    ['405', new EvoLinkError('invalidResponse', 'Method not allowed', { status: 405 })],
    ['501', new EvoLinkError('server', 'Not implemented', { status: 501 })],
  ] as const) {
    it(`reads each task on its own at once, and task by task for the rest of the session, when the batch answers ${what}`, async () => {
      const { calls, client } = fakeClient(new Set(['a', 'b']), { fail });
      const reads = batcher(client, () => 0);
      const first = await Promise.all([reads.read('a', call()), reads.read('b', call())]);
      assert.deepEqual(first.map((task) => task.id), ['a', 'b']);
      assert.equal(reads.batching(), false);
      clock.now += 24 * 3600_000;
      await Promise.all([reads.read('a', call()), reads.read('b', call())]);
      assert.deepEqual(calls, ['BATCH a,b', 'GET a', 'GET b', 'GET a', 'GET b']);
    });
  }

  for (const [what, fail] of [
    ['5xx', new EvoLinkError('server', 'Bad gateway', { status: 502 })],
    ['a reset connection', new EvoLinkError('network', 'ECONNRESET')],
    ['no answer in time', new EvoLinkError('timeout', 'No answer within 30 s')],
    ['an HTML page with 200', new EvoLinkError('invalidResponse', 'The task batch did not have the expected shape.')],
    ['400', new EvoLinkError('invalidRequest', 'Unknown field task_ids', { status: 400 })],
    ['403', new EvoLinkError('permission', 'Not allowed', { status: 403 })],
  ] as const) {
    it(`reads each task on its own when the batch fails with ${what}, rests the batch after the second failure in a row, and tries it again after the pause`, async () => {
      const { calls, client } = fakeClient(new Set(['a', 'b']), { fail });
      const reads = batcher(client, () => 0);
      const tick = () => Promise.all([reads.read('a', call()), reads.read('b', call())]).then(async (tasks) => (await settled(), tasks));
      assert.deepEqual((await tick()).map((task) => task.id), ['a', 'b'], 'no task waits on the batch');
      assert.equal(reads.batching(), true, 'one failure may be a moment of the service');
      await tick();
      assert.equal(reads.batching(), false);
      await tick();
      assert.deepEqual(calls, ['BATCH a,b', 'GET a', 'GET b', 'BATCH a,b', 'GET a', 'GET b', 'GET a', 'GET b']);
      clock.now += defaultPollBatchTuning.pauseMs;
      assert.equal(reads.batching(), true, 'the pause is over');
      await tick();
      await tick();
      assert.equal(reads.batching(), false, 'it failed twice in a row again');
      clock.now += defaultPollBatchTuning.pauseMs;
      assert.equal(reads.batching(), false, 'the second pause is twice as long');
      clock.now += defaultPollBatchTuning.pauseMs;
      assert.equal(reads.batching(), true);
    });
  }

  it('keeps the batch when the service fails on the tasks\' own reads too, and when a batch in between works', async () => {
    const down = fakeClient(new Set<string>(), { fail: new EvoLinkError('server', 'Service unavailable', { status: 503 }) });
    const reads = batcher(down.client, () => 0);
    for (let tick = 0; tick < 3; tick++) await Promise.allSettled([reads.read('a', call()), reads.read('b', call())]).then(settled);
    assert.equal(reads.batching(), true, 'an outage is not the batch\'s fault');
    let failNext = true;
    const flaky = fakeClient(new Set(['a', 'b']), { fail: () => ((failNext = !failNext) ? new EvoLinkError('server', 'Bad gateway', { status: 502 }) : undefined) });
    const alternating = batcher(flaky.client, () => 0);
    for (let tick = 0; tick < 4; tick++) await Promise.all([alternating.read('a', call()), alternating.read('b', call())]).then(settled);
    assert.equal(alternating.batching(), true, 'failures not in a row');
  });

  it('gives the batch up when it twice in a row answers none of the tasks their own reads find', async () => {
    const { calls, client } = fakeClient(new Set(['a', 'b']), { absent: new Set(['a', 'b']) });
    const reads = batcher(client, () => 0);
    for (let tick = 0; tick < 3; tick++) await Promise.all([reads.read('a', call()), reads.read('b', call())]).then(settled);
    assert.equal(reads.batching(), false);
    assert.deepEqual(calls.filter((line) => line.startsWith('BATCH')).length, 2);
  });

  for (const [what, fail] of [
    ['401', new EvoLinkError('auth', 'Invalid key', { status: 401 })],
    ['402', new EvoLinkError('credits', 'Insufficient quota', { status: 402 })],
    ['429', new EvoLinkError('rateLimited', 'Slow down', { status: 429 })],
  ] as const) {
    it(`tries one task's own read, once, when the batch is refused with ${what}: where it passes, reads each on its own and rests the batch the second time`, async () => {
      const { calls, client } = fakeClient(new Set(['a', 'b']), { fail });
      const reads = batcher(client, () => 0);
      const first = await Promise.all([reads.read('a', call()), reads.read('b', call())]);
      assert.deepEqual(first.map((task) => task.id), ['a', 'b']);
      await settled();
      assert.equal(reads.batching(), true);
      await Promise.all([reads.read('a', call()), reads.read('b', call())]).then(settled);
      assert.equal(reads.batching(), false, 'a gateway refuses the batch alone');
      assert.deepEqual(calls, ['BATCH a,b', 'GET a once', 'GET b', 'BATCH a,b', 'GET a once', 'GET b']);
    });

    it(`fails the other reads with the batch's refusal (${what}) when one task's own read is refused too, and keeps the batch`, async () => {
      const refused = fakeClient(new Set(['a', 'b']), { fail, refuseOwn: fail });
      const reads = batcher(refused.client, () => 0);
      const results = await Promise.allSettled([reads.read('a', call()), reads.read('b', call())]);
      assert.deepEqual(results.map((result) => result.status === 'rejected' && (result.reason as EvoLinkError).reason), [fail.reason, fail.reason]);
      assert.deepEqual(refused.calls, ['BATCH a,b', 'GET a once'], 'one probe, tried once, not a read per task');
      await settled();
      assert.equal(reads.batching(), true);
    });
  }

  for (const [what, fail] of [
    ['a certificate that is not trusted', new EvoLinkError('certificate', 'self-signed certificate in certificate chain')],
    ['407 from the proxy', new EvoLinkError('proxy', 'Proxy authentication required', { status: 407 })],
  ] as const) {
    it(`fails every task's read with the batch's own failure on ${what}, which their own reads would meet too`, async () => {
      const { calls, client } = fakeClient(new Set(['a', 'b']), { fail });
      const reads = batcher(client, () => 0);
      const results = await Promise.allSettled([reads.read('a', call()), reads.read('b', call())]);
      assert.deepEqual(results.map((result) => result.status === 'rejected' && (result.reason as EvoLinkError).reason), [fail.reason, fail.reason]);
      assert.deepEqual(calls, ['BATCH a,b']);
      assert.equal(reads.batching(), true, 'the next tick tries the batch again');
    });
  }

  it('reads the others on their own when the probe of a refused batch fails for another reason (a reset)', async () => {
    let probes = 0;
    const { calls, client } = fakeClient(new Set(['a', 'b']), { fail: new EvoLinkError('auth', 'Invalid key', { status: 401 }) });
    const resetting = Object.assign(Object.create(client) as EvoLinkClient, {
      getTask: (id: string, options: { once?: boolean }) => (options.once && probes++ === 0 ? (calls.push(`GET ${id} once`), Promise.reject(new EvoLinkError('network', 'ECONNRESET'))) : client.getTask(id, options as never)),
    });
    const reads = batcher(resetting, () => 0);
    const results = await Promise.allSettled([reads.read('a', call()), reads.read('b', call())]);
    assert.deepEqual(results.map((result) => (result.status === 'fulfilled' ? result.value.id : (result.reason as EvoLinkError).reason)), ['network', 'b']);
    assert.deepEqual(calls, ['BATCH a,b', 'GET a once', 'GET b']);
  });

  it('starts the pauses over once a batch works again', async () => {
    let failing = true;
    const { calls, client } = fakeClient(new Set(['a', 'b']), { fail: () => (failing ? new EvoLinkError('server', 'Bad gateway', { status: 502 }) : undefined) });
    const reads = batcher(client, () => 0);
    const tick = () => Promise.all([reads.read('a', call()), reads.read('b', call())]).then(settled);
    await tick();
    await tick();
    assert.equal(reads.batching(), false);
    clock.now += defaultPollBatchTuning.pauseMs;
    failing = false;
    await tick();
    failing = true;
    await tick();
    await tick();
    assert.equal(reads.batching(), false);
    clock.now += defaultPollBatchTuning.pauseMs;
    assert.equal(reads.batching(), true, 'a pause of the first length again');
    assert.equal(calls.filter((line) => line.startsWith('BATCH')).length, 5);
  });

  it('counts the batches of one flush of more than 50 reads as one failure', async () => {
    const ids = Array.from({ length: 100 }, (_, i) => `t${i}`);
    const { calls, client } = fakeClient(new Set(ids), { fail: new EvoLinkError('server', 'Bad gateway', { status: 502 }) });
    const reads = batcher(client, () => 0);
    await Promise.all(ids.map((id) => reads.read(id, call()))).then(settled);
    assert.equal(calls.filter((line) => line.startsWith('BATCH')).length, 2);
    assert.equal(reads.batching(), true, 'one blip of the service');
  });

  it('settles every read when the API address becomes invalid between gathering the reads and sending them', async () => {
    const { client } = fakeClient(new Set(['a', 'b']));
    let valid = true;
    const changing = Object.assign(Object.create(client) as EvoLinkClient, {
      apiBase: () => {
        if (!valid) throw new EvoLinkError('configuration', 'The API address is not a valid URL.');
        return 'http://127.0.0.1:1';
      },
    });
    const reads = batcher(changing, () => 0);
    const both = Promise.allSettled([reads.read('a', call()), reads.read('b', call())]);
    valid = false;
    const results = await both;
    assert.deepEqual(results.map((result) => result.status === 'rejected' && (result.reason as EvoLinkError).reason), ['configuration', 'configuration']);
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
