import * as assert from 'node:assert/strict';
import { request } from 'node:http';
import sharp from 'sharp';
import { demoKey, EvoLinkSimulator } from '../../simulator/server';
import { sniffFormat } from '../../simulator/images';
import { taskErrorCodes } from '../../simulator/rules';

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

describe('The simulator over HTTP', () => {
  const simulator = new EvoLinkSimulator({ taskDurationMs: 10_000 });
  const auth = { authorization: `Bearer ${demoKey}` };
  const agent = { 'user-agent': 'evolink-tests/1.0' };

  const submit = async (body: unknown, headers: Record<string, string> = {}) => {
    const response = await fetch(`${simulator.urls.api}/v1/images/generations`, {
      method: 'POST',
      headers: { ...auth, 'content-type': 'application/json', ...headers },
      body: typeof body === 'string' ? body : JSON.stringify(body),
    });
    return { status: response.status, headers: response.headers, json: (await response.json()) as Json };
  };
  const query = async (id: string) => (await (await fetch(`${simulator.urls.api}/v1/tasks/${id}`, { headers: auth })).json()) as Json;
  const balance = () => simulator.balanceOf(demoKey);

  before(() => simulator.start());
  after(() => simulator.stop());
  beforeEach(() => simulator.reset());

  it('answers a submit with the documented pending task object and reserves credits', async () => {
    const { status, json } = await submit({ model: 'doubao-seedream-4.5', prompt: 'a lake', n: 2 });
    assert.equal(status, 200);
    assert.match(json.id, /^task-unified-\d+-[a-z0-9]{8}$/);
    assert.equal(json.object, 'image.generation.task');
    assert.equal(json.status, 'pending');
    assert.equal(json.type, 'image');
    assert.deepEqual(json.task_info, { can_cancel: true, estimated_time: 45 });
    assert.deepEqual(json.usage, { billing_rule: 'per_call', credits_reserved: 3.6, user_group: 'default' });
    assert.equal(balance(), 996.4);
  });

  it('logs a request at the moment it came, not when its answer was ready', async () => {
    // A submit whose body follows its headers 300 ms later: the answer waits for the body.
    const body = JSON.stringify({ model: 'gpt-4o-image', prompt: 'slow body' });
    const url = new URL(`${simulator.urls.api}/v1/images/generations`);
    let bodySentAt = 0;
    const status = await new Promise<number>((resolve, reject) => {
      const req = request(url, { method: 'POST', headers: { ...auth, 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } }, (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      });
      req.on('error', reject);
      req.flushHeaders();
      setTimeout(() => {
        bodySentAt = Date.now();
        req.end(body);
      }, 300);
    });
    assert.equal(status, 200);
    const logged = simulator.requests.find((entry) => entry.method === 'POST' && entry.path === '/v1/images/generations');
    assert.ok(logged && logged.at < bodySentAt, `logged at ${logged?.at}, the body was sent at ${bodySentAt}`);
  });

  it('moves a task from pending through processing to completed, and bills what was produced', async () => {
    const { json } = await submit({ model: 'doubao-seedream-4.5', prompt: 'a lake', n: 4 });
    assert.equal((await query(json.id)).status, 'pending');
    simulator.advanceClock(5000);
    const halfway = await query(json.id);
    assert.equal(halfway.status, 'processing');
    assert.ok(halfway.progress > 0 && halfway.progress < 100);
    simulator.advanceClock(5000);
    const done = await query(json.id);
    assert.equal(done.status, 'completed');
    assert.equal(done.progress, 100);
    assert.equal(done.results.length, 1, 'the prompt asked for one image');
    assert.equal(done.usage.credits_used, 1.8);
    assert.equal(balance(), 998.2, 'the unused reservation came back');
  });

  it('serves results as real images of the requested size, whose type is in the bytes, not the link', async () => {
    const { json } = await submit({ model: 'doubao-seedream-4.5', prompt: 'a lake', size: '2560x1440' });
    simulator.advanceClock(10_000);
    const [url] = (await query(json.id)).results as string[];
    assert.match(url!, /\.png$/);
    const response = await fetch(url!, { headers: agent });
    const bytes = new Uint8Array(await response.arrayBuffer());
    assert.equal(sniffFormat(bytes), 'jpeg');
    const meta = await sharp(bytes).metadata();
    assert.deepEqual([meta.width, meta.height], [2560, 1440]);
  });

  it('renders the same request to the same bytes', async () => {
    const fetchResult = async () => {
      const { json } = await submit({ model: 'gpt-4o-image', prompt: 'same', size: '1:1' });
      simulator.advanceClock(10_000);
      const [url] = (await query(json.id)).results as string[];
      return Buffer.from(await (await fetch(url!, { headers: agent })).arrayBuffer());
    };
    assert.ok((await fetchResult()).equals(await fetchResult()));
  });

  it('refuses result downloads that carry an Authorization header or no real User-Agent', async () => {
    const { json } = await submit({ model: 'gpt-4o-image', prompt: 'x' });
    simulator.advanceClock(10_000);
    const [url] = (await query(json.id)).results as string[];
    assert.equal((await fetch(url!, { headers: { ...agent, ...auth } })).status, 400);
    assert.equal((await fetch(url!)).status, 403, "Node's default agent is blocked");
    assert.equal((await fetch(url!, { headers: agent })).status, 200);
  });

  it('expires result links after 24 hours', async () => {
    const { json } = await submit({ model: 'gpt-4o-image', prompt: 'x' });
    simulator.advanceClock(10_000);
    const [url] = (await query(json.id)).results as string[];
    simulator.advanceClock(24 * 3600 * 1000);
    assert.equal((await fetch(url!, { headers: agent })).status, 403);
  });

  it('answers 401 without a key and with a wrong key, in the documented error body', async () => {
    const missing = await fetch(`${simulator.urls.api}/v1/credits`);
    assert.equal(missing.status, 401);
    const body = (await missing.json()) as Json;
    assert.equal(body.error.type, 'authentication_error');
    assert.match(body.error.message, /\(request id: req-[^)]+\)$/);
    const wrong = await fetch(`${simulator.urls.api}/v1/credits`, { headers: { authorization: 'Bearer nope' } });
    assert.equal(wrong.status, 401);
  });

  it("answers 402 when the account's balance or the key's limit is too low", async () => {
    simulator.setKey(demoKey, { balance: 2 });
    const low = await submit({ model: 'gpt-4o-image', prompt: 'x' });
    assert.equal(low.status, 402);
    assert.equal(low.json.error.code, 'insufficient_user_quota');
    assert.equal(low.json.error.type, 'insufficient_quota_error');
    simulator.setKey('sk-capped-key-0001', { balance: 100, limit: 1 });
    const capped = await submit({ model: 'gpt-4o-image', prompt: 'x' }, { authorization: 'Bearer sk-capped-key-0001' });
    assert.equal(capped.json.error.code, 'insufficient_token_quota');
  });

  it('answers 403 for a key not allowed to use the model, or disabled', async () => {
    simulator.setKey('sk-only-lite-0001', { models: ['gpt-image-1.5-lite'] });
    const refused = await submit({ model: 'gpt-4o-image', prompt: 'x' }, { authorization: 'Bearer sk-only-lite-0001' });
    assert.equal(refused.status, 403);
    assert.equal(refused.json.error.code, 'key_model_not_allowed');
    simulator.setKey('sk-disabled-0001', { disabled: true });
    assert.equal((await submit({ model: 'gpt-4o-image', prompt: 'x' }, { authorization: 'Bearer sk-disabled-0001' })).status, 403);
  });

  it('answers a 400 naming the parameter, and never crashes on malformed bodies', async () => {
    const bad = await submit({ model: 'gpt-4o-image', prompt: 'x', size: '4K' });
    assert.equal(bad.status, 400);
    assert.equal(bad.json.error.param, 'size');
    assert.equal(bad.json.error.type, 'invalid_request_error');
    for (const body of ['{not json', '[]', 'null', '"text"', '{"model": 5}']) {
      assert.equal((await submit(body)).status, 400, body);
    }
    const notJson = await fetch(`${simulator.urls.api}/v1/images/generations`, { method: 'POST', headers: { ...auth, 'content-type': 'text/plain' }, body: 'x' });
    assert.equal(notJson.status, 400);
    const huge = await submit({ model: 'gpt-4o-image', prompt: 'x'.repeat(2 * 1024 * 1024) });
    assert.equal(huge.status, 413);
    assert.equal((await fetch(`${simulator.urls.api}/v1/credits`, { headers: auth })).status, 200, 'still serving');
  });

  it('replays an Idempotency-Key with the same body and refuses it with another', async () => {
    const key = { 'idempotency-key': 'evolink-test-key-000001' };
    const first = await submit({ model: 'gpt-4o-image', prompt: 'once' }, key);
    const again = await submit({ model: 'gpt-4o-image', prompt: 'once' }, key);
    assert.equal(again.json.id, first.json.id);
    assert.equal(again.headers.get('idempotency-replayed'), 'true');
    assert.equal(balance(), 997.5, 'charged once');
    const conflict = await submit({ model: 'gpt-4o-image', prompt: 'other' }, key);
    assert.equal(conflict.status, 409);
    assert.equal(conflict.json.error.code, 'idempotency_conflict');
    assert.equal((await submit({ model: 'gpt-4o-image', prompt: 'x' }, { 'idempotency-key': 'short' })).status, 400);
  });

  it('can honour an Idempotency-Key without the replay mark, or ignore it as a gateway that drops it', async () => {
    simulator.configure({ idempotency: 'unmarked' });
    const key = { 'idempotency-key': 'evolink-test-key-unmarked' };
    const first = await submit({ model: 'gpt-4o-image', prompt: 'once' }, key);
    const again = await submit({ model: 'gpt-4o-image', prompt: 'once' }, key);
    assert.equal(again.json.id, first.json.id);
    assert.equal(again.headers.get('idempotency-replayed'), null, 'no mark');
    assert.equal(balance(), 997.5, 'charged once');
    simulator.configure({ idempotency: 'ignored' });
    const ignoredKey = { 'idempotency-key': 'evolink-test-key-ignored1' };
    const one = await submit({ model: 'gpt-4o-image', prompt: 'twice' }, ignoredKey);
    const two = await submit({ model: 'gpt-4o-image', prompt: 'twice' }, ignoredKey);
    assert.notEqual(two.json.id, one.json.id, 'a task of its own');
    assert.equal(two.headers.get('idempotency-replayed'), null);
    assert.equal(balance(), 992.5, 'charged for each send');
    assert.throws(() => simulator.configure({ idempotency: 'maybe' as never }), /idempotency/);
    simulator.configure({ idempotency: undefined });
  });

  for (const code of taskErrorCodes) {
    it(`fails a task with ${code} on request and returns the reserved credits`, async () => {
      simulator.addTaskOutcome({ kind: 'fail', code });
      const { json } = await submit({ model: 'gpt-4o-image', prompt: 'x', n: 2 });
      simulator.advanceClock(10_000);
      const failed = await query(json.id);
      assert.equal(failed.status, 'failed');
      assert.equal(failed.error.code, code);
      assert.equal(typeof failed.error.message, 'string');
      assert.equal(balance(), 1000);
    });
  }

  it('can cancel a task, spelled either way, and keep a task running forever', async () => {
    simulator.addTaskOutcome({ kind: 'cancelled', spelling: 'canceled' });
    simulator.addTaskOutcome({ kind: 'neverFinish' });
    const cancelled = await submit({ model: 'gpt-4o-image', prompt: 'x' });
    const endless = await submit({ model: 'gpt-4o-image', prompt: 'y' });
    simulator.advanceClock(1_000_000);
    assert.equal((await query(cancelled.json.id)).status, 'canceled');
    const stuck = await query(endless.json.id);
    assert.equal(stuck.status, 'processing');
    assert.ok(stuck.progress <= 95);
  });

  it('can complete a task with no results, or with results only in result_data', async () => {
    simulator.addTaskOutcome({ kind: 'noResults' });
    simulator.addTaskOutcome({ kind: 'resultDataOnly', shape: 'object' });
    const empty = await submit({ model: 'gpt-4o-image', prompt: 'x' });
    const odd = await submit({ model: 'gpt-4o-image', prompt: 'y' });
    simulator.advanceClock(10_000);
    const emptyTask = await query(empty.json.id);
    assert.equal(emptyTask.status, 'completed');
    assert.deepEqual(emptyTask.results, []);
    const oddTask = await query(odd.json.id);
    assert.equal(oddTask.results, undefined);
    assert.match(oddTask.result_data.image_url, /\/results\//);
  });

  it('can complete a task with a slot it could not fill', async () => {
    simulator.addTaskOutcome({ kind: 'nullSlot' });
    const { json } = await submit({ model: 'gpt-4o-image', prompt: 'x' });
    simulator.advanceClock(10_000);
    const task = await query(json.id);
    assert.equal(task.results.length, 2);
    assert.match(task.results[0], /\/results\//);
    assert.equal(task.results[1], null);
    assert.deepEqual(task.result_data[1], { image_url: null });
  });

  it('answers 404 for a task of another account', async () => {
    const { json } = await submit({ model: 'gpt-4o-image', prompt: 'x' });
    simulator.setKey('sk-stranger-0001', { account: 'stranger' });
    const response = await fetch(`${simulator.urls.api}/v1/tasks/${json.id}`, { headers: { authorization: 'Bearer sk-stranger-0001' } });
    assert.equal(response.status, 404);
  });

  it('injects 429 with Retry-After, 5xx with an HTML body, and resets', async () => {
    simulator.addFault('credits', { kind: 'status', status: 429, retryAfter: '3' });
    simulator.addFault('credits', { kind: 'status', status: 502, body: 'html' });
    simulator.addFault('credits', { kind: 'reset' });
    const limited = await fetch(`${simulator.urls.api}/v1/credits`, { headers: auth });
    assert.equal(limited.status, 429);
    assert.equal(limited.headers.get('retry-after'), '3');
    const proxy = await fetch(`${simulator.urls.api}/v1/credits`, { headers: auth });
    assert.equal(proxy.status, 502);
    assert.match(await proxy.text(), /<html>/);
    await assert.rejects(fetch(`${simulator.urls.api}/v1/credits`, { headers: auth }));
  });

  it('creates the task before a late fault, so the outcome of that submit is unknown to the client', async () => {
    simulator.addFault('submit', { kind: 'reset' });
    await assert.rejects(submit({ model: 'gpt-4o-image', prompt: 'x' }, { 'idempotency-key': 'evolink-test-key-000002' }));
    assert.equal(simulator.tasks.size, 1);
    const replay = await submit({ model: 'gpt-4o-image', prompt: 'x' }, { 'idempotency-key': 'evolink-test-key-000002' });
    assert.equal(replay.headers.get('idempotency-replayed'), 'true');
    assert.equal(simulator.tasks.size, 1);
  });

  describe('uploads', () => {
    const png = () => sharp({ create: { width: 64, height: 48, channels: 3, background: '#3366cc' } }).png().toBuffer();

    it('stores a multipart upload and serves the same bytes from its file_url', async () => {
      const bytes = await png();
      const form = new FormData();
      form.append('file', new Blob([bytes], { type: 'image/png' }), 'ref.png');
      const response = await fetch(`${simulator.urls.files}/api/v1/files/upload/stream`, { method: 'POST', headers: auth, body: form });
      const json = (await response.json()) as Json;
      assert.equal(json.success, true);
      assert.equal(json.data.mime_type, 'image/png');
      assert.equal(json.data.file_size, bytes.length);
      const served = Buffer.from(await (await fetch(json.data.file_url, { headers: agent })).arrayBuffer());
      assert.ok(served.equals(bytes));
    });

    it('accepts a base64 upload and lets its URL be used as a reference', async () => {
      const bytes = await png();
      const response = await fetch(`${simulator.urls.files}/api/v1/files/upload/base64`, {
        method: 'POST',
        headers: { ...auth, 'content-type': 'application/json' },
        body: JSON.stringify({ base64_data: `data:image/png;base64,${bytes.toString('base64')}`, file_name: 'a.png' }),
      });
      const json = (await response.json()) as Json;
      assert.equal(json.success, true);
      const seedream = await submit({ model: 'doubao-seedream-4.5', prompt: 'x', image_urls: [json.data.file_url] });
      assert.equal(seedream.status, 200);
    });

    it('answers success: false with HTTP 200 for a file that is not an image', async () => {
      const form = new FormData();
      form.append('file', new Blob([Buffer.from('hello')]), 'not.png');
      const response = await fetch(`${simulator.urls.files}/api/v1/files/upload/stream`, { method: 'POST', headers: auth, body: form });
      assert.equal(response.status, 200);
      const json = (await response.json()) as Json;
      assert.equal(json.success, false);
      assert.equal(json.code, 400);
    });

    it('checks uploaded references against the model limits at submit', async () => {
      const tiny = await sharp({ create: { width: 10, height: 10, channels: 3, background: '#000' } }).png().toBuffer();
      const form = new FormData();
      form.append('file', new Blob([tiny], { type: 'image/png' }), 'tiny.png');
      const json = (await (await fetch(`${simulator.urls.files}/api/v1/files/upload/stream`, { method: 'POST', headers: auth, body: form })).json()) as Json;
      const refused = await submit({ model: 'doubao-seedream-4.5', prompt: 'x', image_urls: [json.data.file_url] });
      assert.equal(refused.status, 400);
      assert.equal(refused.json.error.param, 'image_urls');
    });
  });
});
