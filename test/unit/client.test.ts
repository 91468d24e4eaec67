import * as assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { brotliCompressSync, deflateSync, gzipSync } from 'node:zlib';
import { demoKey, EvoLinkSimulator } from '../../simulator/server';
import { EvoLinkError } from '../../src/common/errors';
import { EvoLinkClient } from '../../src/extension/api/client';
import { createFetchTransport } from '../../src/extension/net/fetchTransport';
import { createNodeHttpTransport } from '../../src/extension/net/nodeHttpTransport';
import { createUndiciTransport, type ProxySettings, type Transport } from '../../src/extension/net/transport';
import { startTestProxy } from '../support/proxy';

const direct: ProxySettings = { proxy: '', strictSSL: true, noProxy: [] };

describe('The EvoLink client against the simulator', () => {
  let simulator: EvoLinkSimulator;
  let transport: Transport;
  let client: EvoLinkClient;
  const waits: number[] = [];

  const makeClient = (t: Transport, timeoutMs = 5000) =>
    new EvoLinkClient({
      transport: t,
      endpoints: () => ({ api: simulator.urls.api, files: simulator.urls.files }),
      userAgent: 'evolink.evolink-image-studio/0.0.0-test',
      timeoutMs: () => timeoutMs,
      sleep: (ms) => {
        waits.push(ms);
        return Promise.resolve();
      },
    });

  before(async () => {
    simulator = new EvoLinkSimulator();
    await simulator.start();
    transport = createUndiciTransport(direct);
    client = makeClient(transport);
  });

  after(async () => {
    await transport.dispose();
    await simulator.stop();
  });

  beforeEach(() => {
    simulator.reset();
    waits.length = 0;
  });

  it('tells a web page where JSON belongs (a sign-in page, a redirect to one) from an answer it cannot read', async () => {
    const portal = createServer((req, res) => {
      if (req.url?.startsWith('/v1/credits')) res.writeHead(200, { 'content-type': 'text/html' }).end('\n<!doctype html><title>Sign in to the guest network</title>');
      else res.writeHead(302, { location: 'http://portal.example/login' }).end();
    });
    await new Promise<void>((resolve) => portal.listen(0, '127.0.0.1', resolve));
    const base = `http://127.0.0.1:${(portal.address() as AddressInfo).port}`;
    const other = new EvoLinkClient({ transport, endpoints: () => ({ api: base, files: base }), userAgent: 'test', timeoutMs: () => 5000, sleep: () => Promise.resolve() });
    const isPage = (error: unknown): boolean => error instanceof EvoLinkError && error.reason === 'invalidResponse' && error.details.code === 'webPage';
    try {
      await assert.rejects(other.getBalance({ apiKey: demoKey }), isPage);
      await assert.rejects(other.getTask('task-unified-mine', { apiKey: demoKey }), isPage);
    } finally {
      portal.close();
    }
  });

  it('refuses a JSON answer larger than it reads as too large, rather than cut and told as something that is not JSON', async () => {
    const links = JSON.stringify(Array.from({ length: 9000 }, (_, i) => `https://files.example/${i}.png?sig=${'x'.repeat(2000)}`));
    const server = createServer((req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' }).end(`{"id":"task-unified-mine","status":"completed","progress":100,"results":${links}}`);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const other = new EvoLinkClient({ transport, endpoints: () => ({ api: base, files: base }), userAgent: 'test', timeoutMs: () => 5000, sleep: () => Promise.resolve() });
    try {
      await assert.rejects(other.getTask('task-unified-mine', { apiKey: demoKey }), (error: unknown) => error instanceof EvoLinkError && error.details.code === 'tooLarge' && /more than 16 MB where JSON belongs/.test(error.message));
    } finally {
      server.close();
    }
  });

  it('reads answers that start with a byte order mark, takes the documented error object under HTTP 200 for the error it is, and a redirect of the submit for a request not carried out', async () => {
    const task = '{"id":"task-unified-mine","status":"processing","progress":40}';
    const answers: Record<string, [number, string, Record<string, string>?]> = {
      '/v1/tasks/task-unified-mine': [200, `\uFEFF${task}`],
      '/v1/tasks/task-unified-gone': [200, '{"error":{"code":"task_not_found","message":"No such task","type":"not_found_error"}}'],
      '/v1/credits': [200, '{"error":{"code":429,"message":"Slow down","type":"rate_limit_error"}}', { 'retry-after': '3' }],
      '/v1/images/generations': [200, '\uFEFF{"error":{"code":"insufficient_user_quota","message":"Insufficient balance","type":"insufficient_quota_error"}}'],
      '/moved/v1/images/generations': [307, '', { location: '/v1/images/generations' }],
      // A gateway's error object without a type, beside data that is null; a balance refused in one-api's envelope.
      '/untyped/v1/images/generations': [200, '{"data":null,"error":{"code":"insufficient_user_quota","message":"balance too low"}}'],
      '/untyped/v1/credits': [200, '{"success":false,"message":"无效的令牌","data":null}'],
      '/api/v1/files/upload/stream': [200, '{"success":true,"code":200,"data":{"file_id":7,"file_url":""}}'],
      '/marked/v1/images/generations': [200, '{"id":"task-unified-marked","status":"pending"}', { 'idempotency-replayed': 'True' }],
    };
    const scripted = createServer((req, res) => {
      const [status, body, headers] = answers[req.url ?? ''] ?? [404, ''];
      res.writeHead(status, { 'content-type': 'application/json', ...headers }).end(body);
    });
    await new Promise<void>((resolve) => scripted.listen(0, '127.0.0.1', resolve));
    const base = `http://127.0.0.1:${(scripted.address() as AddressInfo).port}`;
    const paused: number[] = [];
    const at = (api: string) => new EvoLinkClient({ transport, endpoints: () => ({ api, files: base }), userAgent: 'test', timeoutMs: () => 5000, sleep: (ms) => {
      paused.push(ms);
      return Promise.resolve();
    } });
    const body = { model: 'gpt-4o-image', prompt: 'x', size: '1:1', n: 1 };
    try {
      assert.equal((await at(base).getTask('task-unified-mine', { apiKey: demoKey })).progress, 40);
      await assert.rejects(at(base).getTask('task-unified-gone', { apiKey: demoKey }), (error: unknown) => error instanceof EvoLinkError && error.reason === 'notFound' && error.details.code === 'task_not_found');
      await assert.rejects(at(base).getBalance({ apiKey: demoKey }), (error: unknown) => error instanceof EvoLinkError && error.reason === 'rateLimited' && error.message === 'Slow down');
      assert.ok(paused.includes(3000), `Retry-After of the 200 was waited out: ${paused.join(',')}`);
      // A refusal, never sent again: no task was made.
      await assert.rejects(at(base).submit(body, 'evl-test-000000000001', { apiKey: demoKey }), (error: unknown) => error instanceof EvoLinkError && error.reason === 'credits' && error.details.code === 'insufficient_user_quota' && !error.details.outcomeUnknown);
      await assert.rejects(at(`${base}/moved`).submit(body, 'evl-test-000000000002', { apiKey: demoKey }), (error: unknown) => error instanceof EvoLinkError && error.details.status === 307 && error.details.notSent === true && !error.details.outcomeUnknown);
      const untyped = at(`${base}/untyped`);
      paused.length = 0;
      await assert.rejects(untyped.submit(body, 'evl-test-000000000003', { apiKey: demoKey }), (error: unknown) => error instanceof EvoLinkError && error.reason === 'credits' && error.message === 'balance too low' && !error.details.outcomeUnknown);
      assert.deepEqual(paused, [], 'a refusal under HTTP 200 is not sent again');
      await assert.rejects(untyped.getBalance({ apiKey: demoKey }), (error: unknown) => error instanceof EvoLinkError && error.reason === 'auth' && error.message === '无效的令牌');
      await assert.rejects(untyped.upload(new Uint8Array(8), 'a.png', 'image/png', { apiKey: demoKey }), (error: unknown) => error instanceof EvoLinkError && error.reason === 'invalidResponse' && /no link/.test(error.message));
      assert.equal((await at(`${base}/marked`).submit(body, 'evl-test-000000000004', { apiKey: demoKey })).replayed, true, 'the replay mark in any case');
    } finally {
      scripted.close();
    }
  });

  it('refuses an answer about another task than the one asked for', async () => {
    const mixed = createServer((_req, res) => res.writeHead(200, { 'content-type': 'application/json' }).end('{"id":"task-unified-other","status":"completed","results":["https://cdn.example/x.png"]}'));
    await new Promise<void>((resolve) => mixed.listen(0, '127.0.0.1', resolve));
    const base = `http://127.0.0.1:${(mixed.address() as AddressInfo).port}`;
    const other = new EvoLinkClient({ transport, endpoints: () => ({ api: base, files: base }), userAgent: 'test', timeoutMs: () => 5000, sleep: () => Promise.resolve() });
    try {
      await assert.rejects(other.getTask('task-unified-mine', { apiKey: demoKey }), (error: unknown) => error instanceof EvoLinkError && error.reason === 'invalidResponse' && error.details.code === 'otherTask');
    } finally {
      mixed.close();
    }
  });

  it('reads the balance of the account and of the key', async () => {
    simulator.setKey('sk-limited-key-0001', { balance: 80, limit: 25 });
    assert.deepEqual(await client.getBalance({ apiKey: demoKey }), { account: 1000, key: undefined, spendable: 1000 });
    assert.deepEqual(await client.getBalance({ apiKey: 'sk-limited-key-0001' }), { account: 80, key: 25, spendable: 25 });
  });

  it('sends the key as a bearer token and a real User-Agent', async () => {
    await client.getBalance({ apiKey: demoKey });
    const request = simulator.requests.at(-1)!;
    assert.equal(request.hasAuthorization, true);
    assert.equal(request.userAgent, 'evolink.evolink-image-studio/0.0.0-test');
  });

  it("takes a gateway's refusal in its envelope for no answer, not for an empty task list or batch", async () => {
    const refusing = createServer((_req, res) => res.writeHead(200, { 'content-type': 'application/json' }).end('{"success":false,"message":"no permission for this route","data":null}'));
    await new Promise<void>((resolve) => refusing.listen(0, '127.0.0.1', resolve));
    const base = `http://127.0.0.1:${(refusing.address() as AddressInfo).port}`;
    try {
      const other = new EvoLinkClient({ transport, endpoints: () => ({ api: base, files: base }), userAgent: 'test', timeoutMs: () => 5000, sleep: () => Promise.resolve() });
      const refused = (error: unknown): boolean => error instanceof EvoLinkError && error.message === 'no permission for this route';
      await assert.rejects(other.listTasks({ model: 'gpt-4o-image', createdSince: 0 }, { apiKey: demoKey }), refused);
      await assert.rejects(other.getTasks(['task-unified-1'], { apiKey: demoKey }), refused);
    } finally {
      refusing.close();
    }
  });

  it('never repeats the key that a gateway echoes in its error page', async () => {
    const echo = createServer((req, res) => res.writeHead(401, { 'content-type': 'text/plain' }).end(`Unauthorized: ${req.headers.authorization ?? ''} is not valid`));
    await new Promise<void>((resolve) => echo.listen(0, '127.0.0.1', resolve));
    const base = `http://127.0.0.1:${(echo.address() as AddressInfo).port}`;
    try {
      const other = new EvoLinkClient({ transport, endpoints: () => ({ api: base, files: base }), userAgent: 'test', timeoutMs: () => 5000, sleep: () => Promise.resolve() });
      await assert.rejects(other.getBalance({ apiKey: 'sk-secret-echoed-1234' }), (error: unknown) => error instanceof EvoLinkError && error.message === 'Unauthorized: Bearer [key] is not valid');
    } finally {
      echo.close();
    }
  });

  it('fails with the auth reason on a wrong key, with the request id', async () => {
    await assert.rejects(client.getBalance({ apiKey: 'sk-wrong' }), (error: unknown) => {
      assert.ok(error instanceof EvoLinkError);
      assert.equal(error.reason, 'auth');
      assert.match(error.details.requestId ?? '', /^req-/);
      return true;
    });
  });

  it('retries 429, 502 and 503 on a GET and honours Retry-After', async () => {
    simulator.addFault('credits', { kind: 'status', status: 429, retryAfter: '2' });
    simulator.addFault('credits', { kind: 'status', status: 502, body: 'html' });
    simulator.addFault('credits', { kind: 'status', status: 503, body: 'empty' });
    const balance = await client.getBalance({ apiKey: demoKey });
    assert.equal(balance.account, 1000);
    assert.deepEqual(waits, [2000, 2000, 4000]);
  });

  it('gives up after four attempts and reports the server reason', async () => {
    simulator.addFault('credits', { kind: 'status', status: 503 }, 4);
    await assert.rejects(client.getBalance({ apiKey: demoKey }), (error: unknown) => error instanceof EvoLinkError && error.reason === 'server');
    assert.equal(simulator.requests.length, 4);
  });

  it('retries a connection reset as a network failure', async () => {
    simulator.addFault('credits', { kind: 'reset' });
    assert.equal((await client.getBalance({ apiKey: demoKey })).account, 1000);
    assert.equal(waits.length, 1);
  });

  it('times out an answer slower than its timeout', async () => {
    const impatient = makeClient(transport, 300);
    simulator.addFault('credits', { kind: 'delay', ms: 1500 }, 4);
    await assert.rejects(impatient.getBalance({ apiKey: demoKey }), (error: unknown) => error instanceof EvoLinkError && error.reason === 'timeout');
  });

  it('reports malformed JSON as an invalid response', async () => {
    simulator.addFault('credits', { kind: 'malformedJson' });
    await assert.rejects(client.getBalance({ apiKey: demoKey }), (error: unknown) => error instanceof EvoLinkError && error.reason === 'invalidResponse');
  });

  it('stops at once when cancelled', async () => {
    const controller = new AbortController();
    simulator.addFault('credits', { kind: 'delay', ms: 2000 });
    const pending = client.getBalance({ apiKey: demoKey, signal: controller.signal });
    setTimeout(() => controller.abort(), 50);
    await assert.rejects(pending, (error: unknown) => error instanceof EvoLinkError && error.reason === 'cancelled');
  });

  describe('paid submits, tasks, uploads and downloads', () => {
    const body = { model: 'gpt-4o-image', prompt: 'a fox', size: '1:1', n: 1 };
    const sinkInto = (chunks: Uint8Array[]) => ({
      write: (chunk: Uint8Array) => {
        chunks.push(chunk);
        return Promise.resolve();
      },
      reset: () => {
        chunks.length = 0;
        return Promise.resolve();
      },
    });

    it('submits with the Idempotency-Key and answers the pending task', async () => {
      const { task, replayed, lostSince } = await client.submit(body, 'evolink-test-0000000001', { apiKey: demoKey });
      assert.equal(task.state, 'pending');
      assert.equal(task.creditsReserved, 2.5);
      assert.equal(replayed, false);
      assert.equal(lostSince, undefined);
      assert.equal(simulator.requests.filter((request) => request.path === '/v1/images/generations').at(-1)?.idempotencyKey, 'evolink-test-0000000001');
    });

    it('asks again with the same key when the answer is lost, and is charged once', async () => {
      simulator.addFault('submit', { kind: 'reset' });
      const before = Date.now();
      const { task, replayed, lostSince } = await client.submit(body, 'evolink-test-0000000002', { apiKey: demoKey });
      assert.equal(replayed, true);
      assert.ok(lostSince !== undefined && lostSince >= before && lostSince <= Date.now(), 'when the attempt that may have reached EvoLink started');
      assert.equal(simulator.tasks.size, 1);
      assert.ok(simulator.tasks.has(task.id));
      assert.equal(simulator.balanceOf(demoKey), 997.5);
    });

    it('asks again after a gateway error or a timeout, and never after a refusal', async () => {
      simulator.addFault('submit', { kind: 'delay', ms: 1500 });
      const impatient = makeClient(transport, 500);
      const { replayed } = await impatient.submit(body, 'evolink-test-0000000003', { apiKey: demoKey });
      assert.equal(replayed, true);
      assert.equal(simulator.balanceOf(demoKey), 997.5);
      await assert.rejects(client.submit({ ...body, n: 3 }, 'evolink-test-0000000004', { apiKey: demoKey }), (error: unknown) => {
        assert.ok(error instanceof EvoLinkError);
        assert.equal(error.reason, 'invalidRequest');
        assert.equal(error.details.param, 'n');
        return true;
      });
      assert.equal(simulator.requests.filter((r) => r.idempotencyKey === 'evolink-test-0000000004').length, 1);
    });

    it("asks again with the same key after a CDN's timeout page (524) that came once the task was made, and is charged once", async () => {
      simulator.addFault('submit', { kind: 'status', status: 524, body: 'html', late: true });
      const { replayed } = await client.submit(body, 'evolink-test-0000000031', { apiKey: demoKey });
      assert.equal(replayed, true);
      assert.equal(simulator.tasks.size, 1);
      assert.equal(simulator.balanceOf(demoKey), 997.5);
    });

    it('takes an error object under HTTP 200 without its type for what its code says, sent once', async () => {
      simulator.addFault('submit', { kind: 'status', status: 402, asStatus: 200, body: 'typeless', code: 'insufficient_user_quota', message: 'Insufficient balance' });
      await assert.rejects(client.submit(body, 'evolink-test-0000000032', { apiKey: demoKey }), (error: unknown) => error instanceof EvoLinkError && error.reason === 'credits' && error.details.creditsScope === 'account' && !error.details.outcomeUnknown);
      assert.equal(simulator.requests.filter((r) => r.idempotencyKey === 'evolink-test-0000000032').length, 1);
      assert.equal(simulator.tasks.size, 0);
    });

    it("takes a gateway's refusal with null code, type and param for the refusal it is, sent once, in its own words", async () => {
      simulator.addFault('submit', { kind: 'status', status: 400, body: 'nulls', message: 'size is not valid' });
      await assert.rejects(client.submit(body, 'evolink-test-0000000005', { apiKey: demoKey }), (error: unknown) => {
        assert.ok(error instanceof EvoLinkError);
        assert.deepEqual([error.reason, error.message, error.details.outcomeUnknown], ['invalidRequest', 'size is not valid', undefined]);
        assert.match(error.details.requestId ?? '', /\w/, 'the request id, from the message');
        return true;
      });
      assert.equal(simulator.requests.filter((r) => r.idempotencyKey === 'evolink-test-0000000005').length, 1);
      // A busy model, with the service's suggestion of another.
      simulator.addFault('credits', { kind: 'status', status: 400, code: 'model_busy', message: 'busy', suggestion: 'use gpt-image-1.5-lite' });
      await assert.rejects(client.getBalance({ apiKey: demoKey }), (error: unknown) => error instanceof EvoLinkError && error.details.suggestion === 'use gpt-image-1.5-lite' && error.details.code === 'model_busy');
    });

    it('asks again after a connection that was never made, and never calls that outcome unknown', async () => {
      const closed = createServer();
      await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
      const port = (closed.address() as AddressInfo).port;
      closed.close();
      const nowhere = new EvoLinkClient({ transport, endpoints: () => ({ api: `http://127.0.0.1:${port}`, files: simulator.urls.files }), userAgent: 'test', timeoutMs: () => 5000, sleep: (ms) => (waits.push(ms), Promise.resolve()) });
      await assert.rejects(nowhere.submit(body, 'evolink-test-0000000010', { apiKey: demoKey }), (error: unknown) => {
        assert.ok(error instanceof EvoLinkError);
        assert.equal(error.reason, 'network');
        assert.equal(error.details.notSent, true);
        assert.equal(error.details.outcomeUnknown, undefined);
        return true;
      });
      assert.equal(waits.length, 3, 'tried four times');
    });

    it('marks an outcome it could not learn as unknown', async () => {
      simulator.addFault('submit', { kind: 'reset' }, 4);
      await assert.rejects(client.submit(body, 'evolink-test-0000000005', { apiKey: demoKey }), (error: unknown) => {
        assert.ok(error instanceof EvoLinkError);
        assert.equal(error.details.outcomeUnknown, true);
        return true;
      });
    });

    it('reads a task until it completes, then downloads its results without the key', async () => {
      const { task } = await client.submit(body, 'evolink-test-0000000006', { apiKey: demoKey });
      simulator.advanceClock(1_000_000);
      const done = await client.getTask(task.id, { apiKey: demoKey });
      assert.equal(done.state, 'completed');
      assert.equal(done.resultUrls.length, 1);
      const chunks: Uint8Array[] = [];
      const size = await client.download(done.resultUrls[0]!, sinkInto(chunks), { maxBytes: 50 * 1024 * 1024 });
      assert.equal(size, Buffer.concat(chunks).length);
      const cdn = simulator.requests.filter((r) => r.origin === 'cdn');
      assert.equal(cdn.length, 1);
      assert.equal(cdn[0]?.hasAuthorization, false);
      assert.equal(cdn[0]?.userAgent, 'evolink.evolink-image-studio/0.0.0-test');
    });

    it('stops a download over the size cap, and reports an expired link', async () => {
      const { task } = await client.submit(body, 'evolink-test-0000000007', { apiKey: demoKey });
      simulator.advanceClock(1_000_000);
      const [url] = (await client.getTask(task.id, { apiKey: demoKey })).resultUrls;
      await assert.rejects(client.download(url!, sinkInto([]), { maxBytes: 100 }), (error: unknown) => error instanceof EvoLinkError && error.reason === 'tooLarge');
      simulator.advanceClock(25 * 3600 * 1000);
      await assert.rejects(client.download(url!, sinkInto([]), { maxBytes: 1 << 30 }), (error: unknown) => error instanceof EvoLinkError && error.reason === 'expired');
    });

    it('saves a result the server sends compressed (a stored encoding, longer than the image), and fails one cut short, on every transport', async () => {
      // Bytes that do not compress (as a PNG or JPEG): packed, they are longer than they are.
      const image = randomBytes(200_000);
      const packs = { gzip: gzipSync, deflate: deflateSync, br: brotliCompressSync };
      const store = createServer((req, res) => {
        const [, coding, cut] = /^\/(\w+)(\/cut)?/.exec(req.url ?? '') ?? [];
        const packed = packs[coding as keyof typeof packs](image);
        res.writeHead(200, { 'content-type': 'image/png', 'content-length': packed.length, 'content-encoding': coding });
        if (cut) res.write(packed.subarray(0, packed.length >> 1), () => res.destroy());
        else res.end(packed);
      });
      await new Promise<void>((resolve) => store.listen(0, '127.0.0.1', resolve));
      const base = `http://127.0.0.1:${(store.address() as AddressInfo).port}`;
      try {
        for (const [name, make] of [
          ['undici', () => createUndiciTransport(direct)],
          ['http', createNodeHttpTransport],
          ['fetch', () => createFetchTransport((input, init) => fetch(input, init))],
        ] as const) {
          const via = make();
          const other = makeClient(via);
          for (const coding of Object.keys(packs)) {
            assert.ok(packs[coding as keyof typeof packs](image).length > image.length);
            const chunks: Uint8Array[] = [];
            await other.download(`${base}/${coding}`, sinkInto(chunks), { maxBytes: 1 << 30 });
            assert.ok(Buffer.concat(chunks).equals(image), `${name} ${coding}`);
            await assert.rejects(other.download(`${base}/${coding}/cut`, sinkInto([]), { maxBytes: 1 << 30 }), (error: unknown) => error instanceof EvoLinkError && error.reason === 'network', `${name} ${coding} cut`);
          }
          await via.dispose();
        }
      } finally {
        store.close();
      }
    });

    it('retries a download that meets a reset, from the start', async () => {
      const { task } = await client.submit(body, 'evolink-test-0000000008', { apiKey: demoKey });
      simulator.advanceClock(1_000_000);
      const [url] = (await client.getTask(task.id, { apiKey: demoKey })).resultUrls;
      simulator.addFault('cdn', { kind: 'reset' });
      const chunks: Uint8Array[] = [];
      const size = await client.download(url!, sinkInto(chunks), { maxBytes: 1 << 30 });
      assert.equal(Buffer.concat(chunks).length, size);
    });

    it('reads several tasks in one batch request, leaving out the ids the service does not know', async () => {
      const first = (await client.submit(body, 'evolink-test-0000000011', { apiKey: demoKey })).task;
      const second = (await client.submit({ ...body, prompt: 'a hare' }, 'evolink-test-0000000012', { apiKey: demoKey })).task;
      const found = await client.getTasks([first.id, 'task-unified-1-unknown', second.id], { apiKey: demoKey });
      assert.deepEqual([...found.keys()].sort(), [first.id, second.id].sort());
      assert.equal(found.get(first.id)?.state, 'pending');
      const request = simulator.requests.at(-1)!;
      assert.deepEqual([request.method, request.path, request.status, request.hasAuthorization], ['POST', '/v1/tasks/batch', 200, true]);
      await assert.rejects(client.getTasks([], { apiKey: demoKey }), RangeError);
      await assert.rejects(client.getTasks(Array.from({ length: 51 }, (_, i) => `task-${i}`), { apiKey: demoKey }), RangeError);
    });

    it('tries a batch once, and reports a switched-off batch with its status', async () => {
      const { task } = await client.submit(body, 'evolink-test-0000000013', { apiKey: demoKey });
      // A failure goes back to the caller at once: it reads each task on its own (pollBatcher.ts).
      for (const [fault, failed] of [
        [{ kind: 'status', status: 503 }, (error: EvoLinkError) => error.details.status === 503],
        [{ kind: 'status', status: 429, retryAfter: '1' }, (error: EvoLinkError) => error.reason === 'rateLimited'],
        [{ kind: 'reset' }, (error: EvoLinkError) => error.reason === 'network'],
      ] as const) {
        simulator.addFault('taskBatch', fault);
        await assert.rejects(client.getTasks([task.id], { apiKey: demoKey }), (error: unknown) => error instanceof EvoLinkError && failed(error));
      }
      assert.deepEqual(waits, [], 'not retried');
      assert.equal((await client.getTasks([task.id], { apiKey: demoKey })).size, 1);
      for (const setting of ['off404', 'off405'] as const) {
        simulator.configure({ taskBatch: setting });
        await assert.rejects(client.getTasks([task.id], { apiKey: demoKey }), (error: unknown) => error instanceof EvoLinkError && error.details.status === Number(setting.slice(3)));
      }
      simulator.configure({ taskBatch: 'on' });
    });

    it('reads a task once, without retries, when asked to (the probe of a refused batch)', async () => {
      const { task } = await client.submit(body, 'evolink-test-0000000014', { apiKey: demoKey });
      simulator.addFault('task', { kind: 'status', status: 429, retryAfter: '30' });
      await assert.rejects(client.getTask(task.id, { apiKey: demoKey, once: true }), (error: unknown) => error instanceof EvoLinkError && error.reason === 'rateLimited');
      assert.deepEqual(waits, [], 'not retried');
      simulator.addFault('task', { kind: 'status', status: 429, retryAfter: '30' });
      assert.equal((await client.getTask(task.id, { apiKey: demoKey })).id, task.id);
      assert.deepEqual(waits, [30_000], 'a plain read is retried');
    });

    it('drops items of a batch answer that are not task objects, and refuses an answer without data', async () => {
      const transportWith = (text: string): Transport => ({
        send: () => Promise.resolve({ status: 200, header: () => undefined, text: () => Promise.resolve(text), discard: () => Promise.resolve(), body: (async function* () {})() }),
        dispose: () => Promise.resolve(),
      });
      const odd = makeClient(transportWith(JSON.stringify({ data: [{ id: 'a', status: 'processing', progress: 40 }, { id: 'b' }, 'junk', { id: 'stranger', status: 'completed' }] })));
      const found = await odd.getTasks(['a', 'b'], { apiKey: demoKey });
      assert.deepEqual([...found.keys()], ['a']);
      assert.equal(found.get('a')?.progress, 40);
      // Items that say less than the task's own query (as the task list does) are read by it.
      const partial = makeClient(
        transportWith(
          JSON.stringify({
            data: [
              { id: 'done', status: 'completed', progress: 100 },
              { id: 'running', status: 'processing' },
              { id: 'odd', status: 'paused', progress: 10 },
              { id: 'queued', status: 'pending' },
              { id: 'whole', status: 'completed', results: ['https://cdn.example/whole.png'] },
            ],
          }),
        ),
      );
      const whole = await partial.getTasks(['done', 'running', 'odd', 'queued', 'whole'], { apiKey: demoKey });
      assert.deepEqual([...whole.keys()], ['queued', 'whole']);
      // A batch that does not answer within 10 s is given up, whatever the request timeout.
      const timeouts: number[] = [];
      const timed: Transport = { ...transportWith('{"data": []}'), send: (req) => (timeouts.push(req.timeoutMs), transportWith('{"data": []}').send(req)) };
      await makeClient(timed, 30_000).getTasks(['a'], { apiKey: demoKey });
      await makeClient(timed, 5000).getTasks(['a'], { apiKey: demoKey });
      assert.deepEqual(timeouts, [10_000, 5000]);
      await assert.rejects(makeClient(transportWith('{"tasks": []}')).getTasks(['a'], { apiKey: demoKey }), (error: unknown) => error instanceof EvoLinkError && error.reason === 'invalidResponse');
    });

    it('gives an upload the request timeout plus the time its bytes take at 1 Mbit/s, and stops it when the network takes nothing for the request timeout', async () => {
      const timeouts: number[] = [];
      const idles: (number | undefined)[] = [];
      const lengths: string[] = [];
      const answer = JSON.stringify({ success: true, data: { file_id: 'f', file_url: 'https://files.example/f.png' } });
      const recording: Transport = {
        send: async (req) => {
          timeouts.push(req.timeoutMs);
          idles.push(req.idleMs);
          // The body goes in pieces, and its length is declared (no chunked encoding).
          let sent = 0;
          for await (const piece of req.body as AsyncIterable<Uint8Array>) sent += piece.length;
          lengths.push(`${req.headers['content-length']}/${sent}`);
          return { status: 200, header: () => undefined, text: () => Promise.resolve(answer), discard: () => Promise.resolve(), body: (async function* () {})() };
        },
        dispose: () => Promise.resolve(),
      };
      await makeClient(recording, 30_000).upload(new Uint8Array(1_250_000), 'ref.png', 'image/png', { apiKey: demoKey });
      assert.ok(timeouts[0]! >= 40_000 && timeouts[0]! < 40_100, String(timeouts[0]));
      assert.equal(idles[0], 30_000);
      const [declared, sent] = lengths[0]!.split('/');
      assert.equal(declared, sent);
      assert.ok(Number(sent) > 1_250_000);
    });

    it('uploads a file and answers its URL; a refusal with HTTP 200 is an error', async () => {
      const sharp = (await import('sharp')).default;
      const png = await sharp({ create: { width: 20, height: 20, channels: 3, background: '#123456' } }).png().toBuffer();
      const { fileUrl } = await client.upload(png, 'ref.png', 'image/png', { apiKey: demoKey });
      const stored = [...simulator.files.values()][0]!;
      assert.equal(stored.url, fileUrl);
      assert.ok(Buffer.from(stored.bytes).equals(png));
      await assert.rejects(client.upload(new TextEncoder().encode('not an image'), 'x.png', 'image/png', { apiKey: demoKey }), (error: unknown) => {
        assert.ok(error instanceof EvoLinkError);
        assert.equal(error.reason, 'uploadFailed');
        assert.match(error.message, /Unsupported file type/);
        return true;
      });
      // A BMP: a model may take it by URL, but the files API stores JPEG, PNG, GIF and WebP only.
      const { encode } = await import('bmp-ts');
      const bmp = encode({ data: Buffer.alloc(4 * 20 * 20, 255), width: 20, height: 20, bitPP: 24 }).data;
      await assert.rejects(client.upload(bmp, 'scan.bmp', 'image/bmp', { apiKey: demoKey }), (error: unknown) => error instanceof EvoLinkError && error.reason === 'uploadFailed' && /image\/webp/.test(error.message));
    });

    it('reads the task list in pages of 20, the next only while a full page reached no task older than asked for', async () => {
      const body = { model: 'gpt-4o-image', prompt: 'a boat', size: '1:1', n: 1 };
      for (let index = 0; index < 25; index++) await client.submit(body, `evolink-test-list-${String(index).padStart(8, '0')}`, { apiKey: demoKey });
      const pages = () =>
        simulator.requests
          .filter((request) => request.method === 'GET' && request.path === '/v1/tasks')
          .map((request) => new URLSearchParams(request.query))
          .map((query) => `${query.get('page')}/${query.get('page_size')}`);
      const all = await client.listTasks({ model: 'gpt-4o-image', createdSince: 0 }, { apiKey: demoKey });
      assert.deepEqual([all.items.length, new Set(all.items.map((item) => item.id)).size, all.complete], [25, 25, true]);
      assert.deepEqual(pages(), ['1/20', '2/20']);
      // The service's clock, by its answer's Date (whole seconds): this machine's here.
      assert.ok(all.aheadMs !== undefined && Math.abs(all.aheadMs) < 1500, `ahead by ${all.aheadMs} ms`);
      simulator.requests.length = 0;
      const recent = await client.listTasks({ model: 'gpt-4o-image', createdSince: Math.max(...all.items.map((item) => item.createdAt ?? 0)) + 1 }, { apiKey: demoKey });
      assert.deepEqual([recent.items.length, recent.complete], [20, true]);
      assert.deepEqual(pages(), ['1/20'], 'a page that reached older tasks is the last');
    });

    it('reads the task list of a gateway: pages smaller than asked, no total, nulls where a task knows nothing yet', async () => {
      simulator.configure({ taskList: 'gateway', taskDurationMs: 60_000 });
      const body = { model: 'gpt-4o-image', prompt: 'a kite', size: '1:1', n: 1 };
      const made: number[] = [];
      for (let index = 0; index < 25; index++) made.push((await client.submit(body, `evolink-test-gate-${String(index).padStart(8, '0')}`, { apiKey: demoKey })).task.createdAt ?? 0);
      const listed = await client.listTasks({ model: 'gpt-4o-image', createdSince: 0 }, { apiKey: demoKey });
      assert.ok(listed.complete, 'a page of 10 is full when the service pages by 10');
      assert.ok(listed.items.length >= 25, `all the tasks: ${listed.items.length}`);
      const sizes = simulator.requests.filter((request) => request.method === 'GET' && request.path === '/v1/tasks').length;
      assert.ok(sizes >= 3, `read page by page: ${sizes}`);
      // Its moments are dates without a zone, in UTC: read in this machine's zone they would be hours off.
      assert.ok(listed.items.every((item) => made.includes((item.createdAt ?? 0) * 1000)), 'moments read in UTC');
      const none = await client.listTasks({ model: 'doubao-seedream-4.5', createdSince: 0 }, { apiKey: demoKey });
      assert.deepEqual([none.items, none.complete], [[], true], 'an empty page of null is an empty list');
    });

    it('says when the task list did not reach back far enough: a service that answers every page alike is read twice, not five times', async () => {
      const now = Math.floor(Date.now() / 1000);
      const page = { data: Array.from({ length: 20 }, (_, index) => ({ id: `task-${index}`, model: 'gpt-4o-image', status: 'processing', created_at: now })), total: 20, page: 1, page_size: 20 };
      let reads = 0;
      const server = createServer((_req, res) => (reads++, res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(page))));
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
      try {
        const other = new EvoLinkClient({ transport, endpoints: () => ({ api: base, files: base }), userAgent: 'test', timeoutMs: () => 5000, sleep: () => Promise.resolve() });
        const listed = await other.listTasks({ model: 'gpt-4o-image', createdSince: now - 3600 }, { apiKey: demoKey });
        assert.deepEqual([listed.items.length, listed.complete, reads], [20, false, 2]);
      } finally {
        server.close();
      }
    });

    it('reads on past a full page whatever total it gives, and says the list is incomplete when an item names no task', async () => {
      const now = Math.floor(Date.now() / 1000);
      const item = (index: number): unknown => ({ id: `task-${index}`, model: 'gpt-4o-image', status: 'processing', progress: null, created_at: now });
      let odd: unknown = { id: 7, status: 'processing' };
      let reads = 0;
      const server = createServer((req, res) => {
        reads++;
        const page = Number(new URL(req.url ?? '/', 'http://x').searchParams.get('page'));
        // A stale total (the first page's own count), and on the first page an item with a numeric id.
        const data = page === 1 ? [...Array.from({ length: 19 }, (_, index) => item(index)), odd] : [item(100), item(101), item(102)];
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ data, total: 20, page, page_size: 20 }));
      });
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
      try {
        const other = new EvoLinkClient({ transport, endpoints: () => ({ api: base, files: base }), userAgent: 'test', timeoutMs: () => 5000, sleep: () => Promise.resolve() });
        const listed = await other.listTasks({ model: 'gpt-4o-image', createdSince: now - 3600 }, { apiKey: demoKey });
        assert.deepEqual([listed.items.length, listed.complete, reads], [22, false, 2], 'the item without a usable id may be the one looked for');
        odd = item(19);
        reads = 0;
        const whole = await other.listTasks({ model: 'gpt-4o-image', createdSince: now - 3600 }, { apiKey: demoKey });
        assert.deepEqual([whole.items.length, whole.complete, reads], [23, true, 2]);
      } finally {
        server.close();
      }
    });

    it('sends an upload again after a rate limit, as Retry-After asks, and never after an answer that may have stored the file', async () => {
      const png = new Uint8Array(await (await import('sharp')).default({ create: { width: 8, height: 8, channels: 3, background: '#000' } }).png().toBuffer());
      const uploads = () => simulator.requests.filter((request) => request.origin === 'files').length;
      simulator.addFault('upload', { kind: 'status', status: 429, retryAfter: '2', message: 'Too many uploads' });
      const { fileUrl } = await client.upload(png, 'ref.png', 'image/png', { apiKey: demoKey });
      assert.match(fileUrl, /^http/);
      assert.deepEqual([uploads(), waits], [2, [2000]], 'one wait of what Retry-After asked, then the upload again');
      simulator.reset();
      waits.length = 0;
      simulator.addFault('upload', { kind: 'status', status: 502, message: 'Bad gateway' });
      await assert.rejects(client.upload(png, 'ref.png', 'image/png', { apiKey: demoKey }));
      assert.deepEqual([uploads(), waits], [1, []], 'a gateway error may have stored the file: not sent again');
    });

    it('tells a refusal of the files API with an error status as a refused upload, in its own words; a refused key stays a key problem', async () => {
      simulator.addFault('upload', { kind: 'status', status: 403, message: 'File quota exceeded: an account holds at most 100 files' });
      simulator.addFault('upload', { kind: 'status', status: 401, message: 'Invalid token' });
      const png = new Uint8Array(await (await import('sharp')).default({ create: { width: 8, height: 8, channels: 3, background: '#000' } }).png().toBuffer());
      await assert.rejects(client.upload(png, 'ref.png', 'image/png', { apiKey: demoKey }), (error: unknown) => {
        assert.ok(error instanceof EvoLinkError);
        assert.deepEqual([error.reason, error.message, error.details.status, error.details.code], ['uploadFailed', 'File quota exceeded: an account holds at most 100 files', 403, '403']);
        return true;
      });
      await assert.rejects(client.upload(png, 'ref.png', 'image/png', { apiKey: demoKey }), (error: unknown) => error instanceof EvoLinkError && error.reason === 'auth' && error.message === 'Invalid token');
    });
  });

  /** A client of the simulator's API under a name only `proxy` resolves. */
  const behindProxy = (t: Transport, name: string) =>
    new EvoLinkClient({ transport: t, endpoints: () => ({ api: `http://${name}:${new URL(simulator.urls.api).port}`, files: simulator.urls.files }), userAgent: 'test', timeoutMs: () => 5000, sleep: () => Promise.resolve() });

  it('goes through the proxy named in the settings, around it for NO_PROXY hosts, and never for loopback', async () => {
    const name = 'api.evolink.test';
    const proxy = await startTestProxy({ hosts: { [name]: Number(new URL(simulator.urls.api).port) } });
    const proxied = createUndiciTransport({ proxy: proxy.url, strictSSL: true, noProxy: [] });
    const bypassing = createUndiciTransport({ proxy: proxy.url, strictSSL: true, noProxy: [name] });
    try {
      assert.equal((await behindProxy(proxied, name).getBalance({ apiKey: demoKey })).account, 1000);
      assert.deepEqual(proxy.seen, [`${name}:${new URL(simulator.urls.api).port}`]);
      await assert.rejects(behindProxy(bypassing, name).getBalance({ apiKey: demoKey }), (error: unknown) => error instanceof EvoLinkError && error.reason === 'network', 'only the proxy knows the name');
      assert.equal(proxy.seen.length, 1, 'the bypassing request did not reach the proxy');
      // A local gateway (the simulator on 127.0.0.1) is reached directly: the key never crosses the proxy.
      assert.equal((await makeClient(proxied).getBalance({ apiKey: demoKey })).account, 1000);
      assert.equal(proxy.log.length, 1);
    } finally {
      await proxied.dispose();
      await bypassing.dispose();
      await proxy.close();
    }
  });

  it('takes a proxy that refuses the tunnel with 502 for a submit that was never sent, never for an unknown outcome', async () => {
    const proxy = await startTestProxy();
    const proxied = createUndiciTransport({ proxy: proxy.url, strictSSL: true, noProxy: [] });
    const unreachable = new EvoLinkClient({ transport: proxied, endpoints: () => ({ api: 'https://api.unknown.evolink.test', files: simulator.urls.files }), userAgent: 'test', timeoutMs: () => 5000, sleep: (ms) => (waits.push(ms), Promise.resolve()) });
    try {
      await assert.rejects(unreachable.submit({ model: 'gpt-4o-image', prompt: 'a fox' } as never, 'evolink-test-0000000020', { apiKey: demoKey }), (error: unknown) => {
        assert.ok(error instanceof EvoLinkError);
        assert.equal(error.reason, 'proxy');
        assert.equal(error.details.status, 502);
        assert.equal(error.details.notSent, true);
        assert.equal(error.details.outcomeUnknown, undefined);
        return true;
      });
      assert.deepEqual(waits, [], 'not sent again');
    } finally {
      await proxied.dispose();
      await proxy.close();
    }
  });

  it('goes through HTTPS_PROXY / HTTP_PROXY from the environment when no proxy is set', async () => {
    const proxy = await startTestProxy({ hosts: { 'api.evolink.test': Number(new URL(simulator.urls.api).port) } });
    const saved = { ...process.env };
    process.env.HTTP_PROXY = proxy.url;
    process.env.HTTPS_PROXY = proxy.url;
    delete process.env.NO_PROXY;
    delete process.env.no_proxy;
    const fromEnvironment = createUndiciTransport(direct);
    try {
      assert.equal((await behindProxy(fromEnvironment, 'api.evolink.test').getBalance({ apiKey: demoKey })).account, 1000);
      assert.equal(proxy.seen.length, 1);
    } finally {
      process.env = saved;
      await fromEnvironment.dispose();
      await proxy.close();
    }
  });
});
