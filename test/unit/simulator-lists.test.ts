import * as assert from 'node:assert/strict';
import { demoKey, EvoLinkSimulator, progressCurves, type TaskOutcome } from '../../simulator/server';

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const auth = { authorization: `Bearer ${demoKey}` };
const strangerKey = 'sk-stranger-0000001';

describe('Simulator task lists, batches and progress', () => {
  // A frozen clock (speed 0): only advanceClock moves tasks, so that progress is exact.
  const simulator = new EvoLinkSimulator({ taskDurationMs: 10_000, speed: 0 });

  const submit = async (body: Json, key = demoKey): Promise<string> => {
    const response = await fetch(`${simulator.urls.api}/v1/images/generations`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    assert.equal(response.status, 200);
    return ((await response.json()) as Json).id as string;
  };
  const get = async (path: string, headers: Record<string, string> = auth) => {
    const response = await fetch(`${simulator.urls.api}${path}`, { headers });
    return { status: response.status, headers: response.headers, json: (await response.json()) as Json };
  };
  const batch = async (body: unknown, headers: Record<string, string> = {}) => {
    const response = await fetch(`${simulator.urls.api}/v1/tasks/batch`, {
      method: 'POST',
      headers: { ...auth, 'content-type': 'application/json', ...headers },
      body: typeof body === 'string' ? body : JSON.stringify(body),
    });
    const text = await response.text();
    const json = /json/.test(response.headers.get('content-type') ?? '') && text ? JSON.parse(text) : undefined;
    return { status: response.status, headers: response.headers, json: json as Json, text };
  };
  const control = (op: string, body: unknown) =>
    fetch(`${simulator.urls.api}/__simulator/${op}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });

  before(() => simulator.start());
  after(() => simulator.stop());
  beforeEach(() => {
    simulator.reset();
    simulator.setKey(strangerKey, { account: 'stranger' });
  });

  describe('GET /v1/tasks', () => {
    it("lists the account's tasks newest first, as summaries without result links", async () => {
      simulator.addTaskOutcome({ kind: 'fail', code: 'service_error' }, 1);
      const failed = await submit({ model: 'gpt-4o-image', prompt: 'one' });
      const done = await submit({ model: 'doubao-seedream-4.5', prompt: 'two' });
      await submit({ model: 'gpt-4o-image', prompt: 'foreign' }, strangerKey);
      simulator.advanceClock(10_000);
      const pending = await submit({ model: 'gpt-image-1.5-lite', prompt: 'three' });
      const { status, json } = await get('/v1/tasks');
      assert.equal(status, 200);
      assert.deepEqual(Object.keys(json).sort(), ['data', 'page', 'page_size', 'total']);
      assert.deepEqual([json.total, json.page, json.page_size], [3, 1, 20]);
      assert.deepEqual((json.data as Json[]).map((item) => item.id as string), [pending, done, failed]);
      for (const item of json.data as Json[]) {
        assert.deepEqual(Object.keys(item).sort(), ['created_at', 'credits_used', 'has_error', 'has_results', 'id', 'model', 'progress', 'status', 'type']);
        assert.ok(Number.isInteger(item.created_at) && Math.abs(item.created_at - Date.now() / 1000) < 3600);
        assert.equal(item.type, 'image');
      }
      assert.deepEqual(
        (json.data as Json[]).map((item): unknown[] => [item.status, item.model, item.progress, item.credits_used, item.has_results, item.has_error]),
        [
          ['pending', 'gpt-image-1.5-lite', 0, 0, false, false],
          ['completed', 'doubao-seedream-4.5', 100, 1.8, true, false],
          ['failed', 'gpt-4o-image', 0, 0, false, true],
        ],
      );
      assert.ok(!JSON.stringify(json).includes('/results/'), 'no result links');
    });

    it('filters by status (processing includes pending), type and model, and pages', async () => {
      const ids: string[] = [];
      for (let i = 0; i < 5; i++) ids.push(await submit({ model: i % 2 ? 'gpt-4o-image' : 'doubao-seedream-4.5', prompt: `p${i}` }));
      simulator.advanceClock(5000);
      ids.push(await submit({ model: 'gpt-4o-image', prompt: 'queued' }));
      const list = async (query: string) => (await get(`/v1/tasks?${query}`)).json;
      assert.equal((await list('status=processing')).total, 6);
      assert.equal((await list('status=completed')).total, 0);
      assert.equal((await list('status=&type=&model=&page=1&page_size=20')).total, 6);
      assert.equal((await list('type=image')).total, 6);
      assert.equal((await list('type=video')).total, 0);
      assert.deepEqual(((await list('model=gpt-4o-image')).data as Json[]).map((item) => item.id as string), [ids[5], ids[3], ids[1]]);
      const second = await list('page=2&page_size=4');
      assert.deepEqual([second.total, second.page, second.page_size], [6, 2, 4]);
      assert.deepEqual((second.data as Json[]).map((item) => item.id as string), [ids[1], ids[0]]);
      assert.deepEqual((await list('page=3&page_size=4')).data, []);
      simulator.advanceClock(5000);
      assert.equal((await list('status=completed')).total, 5, 'the list reads the tasks, as a query does');
    });

    for (const [query, param] of [
      ['page_size=0', 'page_size'],
      ['page_size=101', 'page_size'],
      ['page_size=ten', 'page_size'],
      ['page=0', 'page'],
      ['page=-1', 'page'],
      ['page=1.5', 'page'],
      ['status=running', 'status'],
      ['type=picture', 'type'],
    ] as const) {
      it(`refuses ${query} with a 400 naming ${param}`, async () => {
        const { status, json } = await get(`/v1/tasks?${query}`);
        assert.equal(status, 400);
        assert.equal(json.error.type, 'invalid_request_error');
        assert.equal(json.error.param, param);
      });
    }

    it('takes page_size 1 and 100, and needs a key', async () => {
      assert.equal((await get('/v1/tasks?page_size=1')).status, 200);
      assert.equal((await get('/v1/tasks?page_size=100')).status, 200);
      assert.equal((await get('/v1/tasks', {})).status, 401);
    });

    it('answers 404 when switched off, by option, in code or over the control API', async () => {
      simulator.configure({ taskList: 'off' });
      const off = await get('/v1/tasks');
      assert.equal(off.status, 404);
      assert.equal(off.json.error.type, 'not_found_error');
      simulator.configure({ taskList: 'on' });
      assert.equal((await get('/v1/tasks')).status, 200);
      assert.equal((await control('settings', { taskList: 'off' })).status, 200);
      assert.equal((await get('/v1/tasks')).status, 404);
      const own = new EvoLinkSimulator({ taskList: 'off' });
      const urls = await own.start();
      assert.equal((await fetch(`${urls.api}/v1/tasks`, { headers: auth })).status, 404);
      await own.stop();
    });

    it('meets faults on the route taskList', async () => {
      simulator.addFault('taskList', { kind: 'status', status: 503, retryAfter: '2' });
      const { status, headers } = await get('/v1/tasks');
      assert.equal(status, 503);
      assert.equal(headers.get('retry-after'), '2');
      assert.equal((await get('/v1/tasks')).status, 200);
    });
  });

  describe('POST /v1/tasks/batch', () => {
    it('answers the full task objects a query answers, leaving out unknown, foreign and expired ids', async () => {
      const old = await submit({ model: 'gpt-4o-image', prompt: 'old' });
      simulator.advanceClock(60_000);
      const a = await submit({ model: 'gpt-4o-image', prompt: 'a' });
      const b = await submit({ model: 'doubao-seedream-4.5', prompt: 'b' });
      const foreign = await submit({ model: 'gpt-4o-image', prompt: 'x' }, strangerKey);
      simulator.advanceClock(10_000);
      simulator.configure({ taskLifetimeMs: 65_000 });
      const { status, json } = await batch({ task_ids: [b, 'task-unified-1-nothing', a, foreign, old, b] });
      assert.equal(status, 200);
      assert.deepEqual(Object.keys(json), ['data']);
      assert.deepEqual((json.data as Json[]).map((task) => task.id as string), [b, a]);
      assert.equal(json.data[1].status, 'completed', 'the batch reads the tasks, as a query does');
      assert.deepEqual(json.data[1], (await get(`/v1/tasks/${a}`)).json);
      assert.match(json.data[1].results[0], /\/results\//);
      assert.equal((await get(`/v1/tasks/${old}`)).status, 404, 'an expired task is gone from the query too');
      assert.ok(simulator.requests.some((r) => r.method === 'POST' && r.path === '/v1/tasks/batch' && r.status === 200));
    });

    for (const [label, body] of [
      ['no ids', { task_ids: [] }],
      ['51 ids', { task_ids: Array.from({ length: 51 }, (_, i) => `task-${i}`) }],
      ['ids that are not strings', { task_ids: [1, 2] }],
      ['no task_ids', { ids: ['a'] }],
      ['a list instead of an object', ['a']],
    ] as const) {
      it(`refuses ${label} with a 400 naming task_ids`, async () => {
        const { status, json } = await batch(body);
        assert.equal(status, 400);
        assert.equal(json.error.param, 'task_ids');
      });
    }

    it('takes 50 ids, and refuses a body that is not JSON', async () => {
      const id = await submit({ model: 'gpt-4o-image', prompt: 'x' });
      const { status, json } = await batch({ task_ids: [id, ...Array.from({ length: 49 }, (_, i) => `task-${i}`)] });
      assert.equal(status, 200);
      assert.equal(json.data.length, 1);
      assert.equal((await batch('{nope')).status, 400);
      assert.equal((await batch({ task_ids: [id] }, { 'content-type': 'text/plain' })).status, 400);
    });

    it('counts repeated ids toward the 50, answers each task once, and needs a key of the account', async () => {
      const id = await submit({ model: 'gpt-4o-image', prompt: 'x' });
      const repeated = await batch({ task_ids: Array.from({ length: 50 }, () => id) });
      assert.equal(repeated.status, 200);
      assert.deepEqual((repeated.json.data as Json[]).map((task) => task.id as string), [id]);
      assert.equal((await batch({ task_ids: Array.from({ length: 51 }, () => id) })).json.error?.param, 'task_ids');
      assert.equal((await batch({ task_ids: [id] }, { authorization: 'Bearer sk-nobody' })).status, 401);
      assert.deepEqual((await batch({ task_ids: [id] }, { authorization: `Bearer ${strangerKey}` })).json, { data: [] });
      assert.equal((await batch({ task_ids: [id, ''] })).status, 400, 'an empty id is refused');
    });

    it('meets faults on the route taskBatch, and leaves the per-task query alone', async () => {
      const id = await submit({ model: 'gpt-4o-image', prompt: 'x' });
      simulator.addFault('taskBatch', { kind: 'status', status: 503, retryAfter: '1' });
      const failed = await batch({ task_ids: [id] });
      assert.equal(failed.status, 503);
      assert.equal(failed.headers.get('retry-after'), '1');
      assert.equal((await get(`/v1/tasks/${id}`)).status, 200);
      assert.equal((await batch({ task_ids: [id] })).status, 200);
    });

    it('answers 404 or 405 when switched off', async () => {
      simulator.configure({ taskBatch: 'off404' });
      const gone = await batch({ task_ids: ['a'] });
      assert.equal(gone.status, 404);
      assert.equal(gone.json.error.type, 'not_found_error');
      assert.equal((await control('settings', { taskBatch: 'off405' })).status, 200);
      const refused = await batch({ task_ids: ['a'] });
      assert.equal(refused.status, 405);
      assert.equal(refused.headers.get('allow'), 'GET');
      assert.equal(refused.json.error.code, 'method_not_allowed');
      assert.deepEqual(simulator.requests.map((r) => [r.path, r.status]), [['/v1/tasks/batch', 404], ['/v1/tasks/batch', 405]]);
      await control('settings', { taskBatch: null });
      assert.equal((await batch({ task_ids: ['a'] })).status, 200);
    });

    it("answers a gateway's HTML page with 200, or 500 every time, while the per-task query works", async () => {
      const id = await submit({ model: 'gpt-4o-image', prompt: 'x' });
      simulator.configure({ taskBatch: 'html' });
      const page = await batch({ task_ids: [id] });
      assert.equal(page.status, 200);
      assert.match(page.headers.get('content-type') ?? '', /^text\/html/);
      assert.equal(page.json, undefined, 'not JSON');
      assert.match(page.text, /^<!doctype html>/);
      simulator.configure({ taskBatch: 'error500' });
      for (let i = 0; i < 2; i++) assert.equal((await batch({ task_ids: [id] })).status, 500);
      assert.equal((await get(`/v1/tasks/${id}`)).status, 200);
    });
  });

  describe('progress curves', () => {
    /** The status and progress of a task at each share of its 10 s duration. */
    const sample = async (fractions: number[], outcome?: TaskOutcome): Promise<string[]> => {
      if (outcome) simulator.addTaskOutcome(outcome);
      const id = await submit({ model: 'gpt-4o-image', prompt: 'curve' });
      const seen: string[] = [];
      let at = 0;
      for (const fraction of fractions) {
        simulator.advanceClock(fraction * 10_000 - at);
        at = fraction * 10_000;
        const { json } = await get(`/v1/tasks/${id}`);
        seen.push(`${json.status} ${json.progress}`);
      }
      return seen;
    };

    it('keeps the quadratic ease-out by default', async () => {
      assert.deepEqual(await sample([0.05, 0.55, 1.01]), ['pending 0', 'processing 75', 'completed 100']);
    });

    it('follows linear, fastStart and slowStart', async () => {
      simulator.configure({ progressCurve: 'linear' });
      assert.deepEqual(await sample([0.55, 0.91]), ['processing 50', 'processing 90']);
      simulator.configure({ progressCurve: 'fastStart' });
      assert.deepEqual(await sample([0.55]), ['processing 94']);
      simulator.configure({ progressCurve: 'slowStart' });
      assert.deepEqual(await sample([0.55, 0.91]), ['processing 13', 'processing 73']);
    });

    it('moves stepwise: flat levels, the last one from 60% until the end', async () => {
      simulator.configure({ progressCurve: 'stepwise' });
      assert.deepEqual(await sample([0.05, 0.15, 0.25, 0.45, 0.65, 0.99, 1.01]), [
        'pending 0',
        'processing 0',
        'processing 20',
        'processing 50',
        'processing 80',
        'processing 80',
        'completed 100',
      ]);
    });

    it('draws stepwise levels for each task when asked: two to six rising flat levels, the last from 50% to 95% of the run', async () => {
      simulator.configure({ progressCurve: 'stepwise', stepLevels: 'planned' });
      const fractions = Array.from({ length: 200 }, (_, i) => (i + 1) / 200);
      const shapes = new Set<string>();
      for (let task = 0; task < 8; task++) {
        const seen = (await sample(fractions)).map((answer) => answer.split(' '));
        assert.deepEqual(seen.at(-1), ['completed', '100']);
        const running = seen.slice(0, -1).map(([, progress]) => Number(progress));
        const levels = running.filter((progress, i) => progress > 0 && progress !== running[i - 1]);
        assert.ok(levels.length >= 2 && levels.length <= 6, `${levels.length} levels`);
        assert.ok(levels.every((level, i) => level < 99 && (i === 0 || level > levels[i - 1]!)), `rising, below 99: ${levels.join(' ')}`);
        const lastAt = fractions[running.indexOf(levels.at(-1)!)]!;
        assert.ok(lastAt >= 0.5 && lastAt <= 0.955, `last level at ${lastAt}`);
        shapes.add(levels.join(' '));
      }
      assert.ok(shapes.size >= 6, 'each task draws its own');
      simulator.configure({ stepLevels: 'fixed' });
      assert.deepEqual(await sample([0.25, 0.65]), ['processing 20', 'processing 80']);
      assert.throws(() => simulator.configure({ stepLevels: 'sometimes' as never }), /stepLevels/);
    });

    it('keeps a task pending behind a queue of its own, at most half its run, then runs its curve over the rest', async () => {
      simulator.configure({ progressCurve: 'linear', queueSeconds: 1e7 });
      const fractions = Array.from({ length: 101 }, (_, i) => i / 100 + 0.001);
      for (let task = 0; task < 3; task++) {
        const seen = await sample(fractions);
        const started = seen.findIndex((answer) => answer.startsWith('processing'));
        // A queue of 5 s (half of 10 s), then a tenth of the rest pending as without one.
        assert.equal(fractions[started]!.toFixed(2), '0.55', seen.slice(50, 60).join(', '));
        assert.equal(seen[started + 44], 'processing 98', 'linear over the rest of the run');
        assert.equal(seen.at(-1), 'completed 100');
        assert.equal(seen.at(-2)!.split(' ')[0], 'processing');
      }
      simulator.configure({ queueSeconds: 0 });
      assert.deepEqual(await sample([0.11]), ['processing 1']);
    });

    it('eases out, then stops on 95 until done', async () => {
      simulator.configure({ progressCurve: 'holdNearTop' });
      // Processing from 10%: ease out reaches 75 at 55% and would pass 95 at about 80%.
      assert.deepEqual(await sample([0.55, 0.85, 0.99, 1.01]), ['processing 75', 'processing 95', 'processing 95', 'completed 100']);
    });

    it('says 0 until done', async () => {
      simulator.configure({ progressCurve: 'zeroUntilDone' });
      assert.deepEqual(await sample([0.2, 0.5, 0.99, 1.01]), ['processing 0', 'processing 0', 'processing 0', 'completed 100']);
    });

    it('tracks elapsed time against estimated_time, saying nothing about the real end', async () => {
      // gpt-4o-image estimates 100 s; this task takes 200 s.
      simulator.configure({ progressCurve: 'elapsed', taskDurationMs: undefined, durationFactor: 2 });
      const id = await submit({ model: 'gpt-4o-image', prompt: 'slow' });
      const at = async (seconds: number, already: number) => {
        simulator.advanceClock((seconds - already) * 1000);
        const { json } = await get(`/v1/tasks/${id}`);
        return `${json.status} ${json.progress}`;
      };
      assert.equal(await at(50, 0), 'processing 50');
      assert.equal(await at(99.5, 50), 'processing 99');
      assert.equal(await at(150, 99.5), 'processing 99');
      assert.equal(await at(200, 150), 'completed 100');
    });

    it('takes a curve and a duration per task from its outcome, and over the control API', async () => {
      assert.deepEqual(await sample([0.55], { kind: 'complete', curve: 'linear' }), ['processing 50']);
      assert.deepEqual(await sample([0.15, 0.35], { kind: 'complete', curve: 'stepwise', durationMs: 5000 }), ['processing 20', 'processing 80']);
      assert.deepEqual(await sample([0.55, 1.01]), ['processing 75', 'completed 100'], 'the next task is back to the default');
      assert.equal((await control('task-outcomes', { outcome: { kind: 'neverFinish', curve: 'linear' } })).status, 200);
      assert.deepEqual(await sample([0.55, 5]), ['processing 50', 'processing 95']);
      assert.equal((await control('task-outcomes', { outcome: { kind: 'complete', curve: 'sideways' } })).status, 400);
      assert.equal((await control('settings', { progressCurve: 'zeroUntilDone' })).status, 200);
      assert.deepEqual(await sample([0.5]), ['processing 0']);
    });

    it('knows every curve it names', () => {
      for (const curve of progressCurves) simulator.configure({ progressCurve: curve });
      assert.throws(() => simulator.configure({ progressCurve: 'bumpy' as never }), /progressCurve/);
    });
  });

  describe('task durations', () => {
    const durationOf = async (model = 'gpt-4o-image') => simulator.tasks.get(await submit({ model, prompt: `d${Math.random()}` }))!.durationMs;

    it('runs each task its estimate times durationFactor, or within a range of factors', async () => {
      simulator.configure({ taskDurationMs: undefined, durationFactor: 0.3 });
      assert.equal(await durationOf(), 30_000);
      assert.equal(await durationOf('doubao-seedream-4.5'), 13_500);
      simulator.configure({ durationFactor: [0.3, 2] });
      const spread = await Promise.all(Array.from({ length: 20 }, () => durationOf()));
      assert.ok(spread.every((ms) => ms >= 30_000 && ms <= 200_000));
      assert.ok(new Set(spread).size > 10);
    });

    it('lets taskDurationMs win over durationFactor, and a task outcome win over both', async () => {
      simulator.configure({ durationFactor: 0.3 });
      assert.equal(await durationOf(), 10_000);
      simulator.addTaskOutcome({ kind: 'complete', durationFactor: 2 });
      assert.equal(await durationOf(), 200_000);
      simulator.configure({ taskDurationMs: undefined, durationFactor: undefined });
      const scattered = await durationOf();
      assert.ok(scattered >= 45_000 && scattered <= 115_000, 'the default scatter around the estimate');
    });

    it('tells when a task completed at the service, on the real clock, read or not', async () => {
      simulator.configure({ taskDurationMs: undefined, durationFactor: 0.3 });
      const before = Date.now();
      const id = await submit({ model: 'gpt-4o-image', prompt: 'when' });
      // The clock stands still in this suite: the moment is known only once it runs.
      assert.ok(Number.isNaN(simulator.completedAt(id)));
      simulator.setSpeed(10);
      const at = simulator.completedAt(id)!;
      assert.ok(at >= before + 3000 - 50 && at <= Date.now() + 3000 + 50, `${at - before} ms`);
      simulator.setSpeed(0);
      simulator.addTaskOutcome({ kind: 'neverFinish' });
      assert.equal(simulator.completedAt(await submit({ model: 'gpt-4o-image', prompt: 'never' })), undefined);
      assert.equal(simulator.completedAt('task-unified-1-unknown'), undefined);
    });

    it('completes a task no earlier than its duration', async () => {
      simulator.configure({ taskDurationMs: undefined, durationFactor: 0.3 });
      const id = await submit({ model: 'gpt-4o-image', prompt: 'quick' });
      simulator.advanceClock(29_000);
      assert.equal((await get(`/v1/tasks/${id}`)).json.status, 'processing');
      simulator.advanceClock(1000);
      assert.equal((await get(`/v1/tasks/${id}`)).json.status, 'completed');
    });
  });
});
