import * as assert from 'node:assert/strict';
import { demoKey, EvoLinkSimulator } from '../../simulator/server';
import { EvoLinkError } from '../../src/common/errors';
import { EvoLinkClient } from '../../src/extension/api/client';
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
      timeoutMs,
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

  it('goes through the proxy named in the settings, and around it for NO_PROXY hosts', async () => {
    const proxy = await startTestProxy();
    const host = new URL(simulator.urls.api).host;
    const proxied = createUndiciTransport({ proxy: proxy.url, strictSSL: true, noProxy: [] });
    const bypassing = createUndiciTransport({ proxy: proxy.url, strictSSL: true, noProxy: ['127.0.0.1'] });
    try {
      assert.equal((await makeClient(proxied).getBalance({ apiKey: demoKey })).account, 1000);
      assert.deepEqual(proxy.seen, [host]);
      assert.equal((await makeClient(bypassing).getBalance({ apiKey: demoKey })).account, 1000);
      assert.deepEqual(proxy.seen, [host], 'the bypassing request did not reach the proxy');
    } finally {
      await proxied.dispose();
      await bypassing.dispose();
      await proxy.close();
    }
  });

  it('goes through HTTPS_PROXY / HTTP_PROXY from the environment when no proxy is set', async () => {
    const proxy = await startTestProxy();
    const saved = { ...process.env };
    process.env.HTTP_PROXY = proxy.url;
    process.env.HTTPS_PROXY = proxy.url;
    delete process.env.NO_PROXY;
    delete process.env.no_proxy;
    const fromEnvironment = createUndiciTransport(direct);
    try {
      assert.equal((await makeClient(fromEnvironment).getBalance({ apiKey: demoKey })).account, 1000);
      assert.equal(proxy.seen.length, 1);
    } finally {
      process.env = saved;
      await fromEnvironment.dispose();
      await proxy.close();
    }
  });
});
