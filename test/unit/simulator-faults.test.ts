import * as assert from 'node:assert/strict';
import { request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import { sniffFormat } from '../../simulator/images';
import { demoKey, EvoLinkSimulator, type HttpFault } from '../../simulator/server';
import { imageIntegrity, sniffImageFormat } from '../../src/common/imageType';

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

/** What a plain HTTP client saw: no redirect followed, no body decoded, how the exchange ended. */
interface RawResponse {
  status: number;
  headers: IncomingHttpHeaders;
  body: Buffer;
  /** `end` when the body ended, `error` when the connection broke, `timeout` when we gave up. */
  ending: 'end' | 'error' | 'timeout';
  ms: number;
}

/** One request with node:http, without a pooled connection; gives up after `timeoutMs`. */
function raw(url: string, options: { method?: string; headers?: Record<string, string>; timeoutMs?: number } = {}): Promise<RawResponse> {
  const started = Date.now();
  return new Promise((resolve, reject) => {
    const req = httpRequest(url, { method: options.method ?? 'GET', headers: options.headers, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      const done = (ending: RawResponse['ending']): void => {
        clearTimeout(timer);
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks), ending, ms: Date.now() - started });
      };
      const timer = setTimeout(() => {
        done('timeout');
        req.destroy();
      }, options.timeoutMs ?? 5000);
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => done('end'));
      res.on('error', () => done('error'));
      res.on('aborted', () => done('error'));
    });
    req.on('error', reject);
    req.end();
  });
}

const agent = { 'user-agent': 'evolink-tests/1.0' };
const auth = { authorization: `Bearer ${demoKey}` };

describe('Simulator faults over plain HTTP', () => {
  const simulator = new EvoLinkSimulator({ taskDurationMs: 1000 });

  const submit = async (body: unknown, headers: Record<string, string> = {}) => {
    const response = await fetch(`${simulator.urls.api}/v1/images/generations`, {
      method: 'POST',
      headers: { ...auth, 'content-type': 'application/json', ...headers },
      body: JSON.stringify(body),
    });
    return { status: response.status, headers: response.headers, json: (await response.json()) as Json };
  };
  const query = async (id: string) => (await (await fetch(`${simulator.urls.api}/v1/tasks/${id}`, { headers: auth })).json()) as Json;
  /** A completed result: its link and its bytes, read before any fault is set. */
  const result = async (): Promise<{ url: string; bytes: Buffer }> => {
    const { json } = await submit({ model: 'gpt-4o-image', prompt: `fault test ${Math.random()}`, size: '1:1' });
    simulator.advanceClock(2000);
    const url = ((await query(json.id)).results as string[])[0]!;
    const bytes = (await raw(url, { headers: agent })).body;
    simulator.requests.length = 0;
    return { url, bytes };
  };
  const control = async (op: string, body: unknown) => {
    const response = await fetch(`${simulator.urls.api}/__simulator/${op}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    return { status: response.status, json: (await response.json()) as Json };
  };
  /** Follows redirects by hand, resolving relative locations, and records every answer. */
  const follow = async (url: string, headers: Record<string, string> = agent, limit = 20) => {
    const steps: { url: string; status: number; location: string | undefined }[] = [];
    let current = url;
    for (let i = 0; i < limit; i++) {
      const response = await raw(current, { headers });
      const location = response.headers.location;
      steps.push({ url: current, status: response.status, location });
      if (!location || response.status < 300 || response.status >= 400) return { steps, final: response };
      current = new URL(location, current).href;
    }
    return { steps, final: undefined };
  };

  before(() => simulator.start());
  after(() => simulator.stop());
  beforeEach(() => simulator.reset());

  describe('API answers as gateways send them', () => {
    it('puts a byte order mark before the JSON, sends an error body with another status, and a header twice', async () => {
      const { json } = await submit({ model: 'gpt-4o-image', prompt: 'bom test', size: '1:1' });
      simulator.addFault('task', { kind: 'bom' });
      const marked = await raw(`${simulator.urls.api}/v1/tasks/${json.id}`, { headers: { ...agent, ...auth } });
      assert.deepEqual([...marked.body.subarray(0, 3)], [0xef, 0xbb, 0xbf]);
      assert.equal((JSON.parse(marked.body.subarray(3).toString('utf8')) as Json).id, json.id);
      simulator.addFault('task', { kind: 'status', status: 402, asStatus: 200, code: 'insufficient_user_quota' });
      const hidden = await raw(`${simulator.urls.api}/v1/tasks/${json.id}`, { headers: { ...agent, ...auth } });
      assert.equal(hidden.status, 200);
      assert.equal((JSON.parse(hidden.body.toString('utf8')) as Json).error.type, 'insufficient_quota_error');
      simulator.addFault('task', { kind: 'status', status: 429, retryAfter: ['5', '5'] });
      const twice = await fetch(`${simulator.urls.api}/v1/tasks/${json.id}`, { headers: { ...agent, ...auth } });
      assert.equal(twice.headers.get('retry-after'), '5, 5', 'fetch joins a header sent twice');
      await twice.arrayBuffer();
    });
  });

  describe('CDN redirects', () => {
    it('redirects once to the object on the same CDN, with an absolute Location', async () => {
      const { url, bytes } = await result();
      simulator.addFault('cdn', { kind: 'redirect', status: 302 });
      const first = await raw(url, { headers: agent });
      assert.equal(first.status, 302);
      const location = first.headers.location!;
      assert.ok(location.startsWith(`${simulator.urls.cdn}${new URL(url).pathname}?sig=`), location);
      const object = await raw(location, { headers: agent });
      assert.equal(object.status, 200);
      assert.ok(object.body.equals(bytes));
      assert.deepEqual(
        simulator.requests.map((r) => [r.origin, r.status, r.hasAuthorization]),
        [['cdn', 302, false], ['cdn', 200, false]],
      );
    });

    for (const status of [301, 302, 303, 307, 308] as const) {
      it(`leads through three ${status} hops, with absolute and relative Locations`, async () => {
        const { url, bytes } = await result();
        simulator.addFault('cdn', { kind: 'redirect', status, hops: 3 });
        const { steps, final } = await follow(url);
        assert.deepEqual(steps.map((step) => step.status), [status, status, status, 200]);
        const locations = steps.slice(0, 3).map((step) => step.location!);
        assert.deepEqual(locations.map((location) => /^https?:/.test(location)), [true, false, true]);
        assert.equal(new Set(steps.map((step) => step.url)).size, 4, 'every hop is a new URL');
        assert.ok(final!.body.equals(bytes));
      });
    }

    it('leads through the mirror CDN, which serves the object and refuses an Authorization header', async () => {
      const { url, bytes } = await result();
      simulator.addFault('cdn', { kind: 'redirect', status: 307, hops: 2, via: 'other' }, 2);
      const { steps, final } = await follow(url);
      assert.ok(steps[0]!.location!.startsWith(`${simulator.urls.mirror}/redirect/`), 'to another origin: absolute');
      assert.ok(steps[1]!.location!.startsWith('/results/'), 'on the mirror: relative');
      assert.ok(final!.body.equals(bytes));
      assert.deepEqual(simulator.requests.map((r) => [r.origin, r.status]), [['cdn', 307], ['mirror', 307], ['mirror', 200]]);

      simulator.requests.length = 0;
      const leaky = await follow(url, { ...agent, ...auth });
      assert.equal(leaky.final!.status, 400, 'the first hop already refuses the header');
      const direct = await raw(`${simulator.urls.mirror}${new URL(url).pathname}`, { headers: { ...agent, ...auth } });
      assert.equal(direct.status, 400);
      assert.ok(simulator.requests.every((r) => r.hasAuthorization));
      assert.deepEqual([...new Set(simulator.requests.map((r) => r.origin))], ['cdn', 'mirror']);
    });

    it('can keep every Location relative or absolute', async () => {
      const { url } = await result();
      simulator.addFault('cdn', { kind: 'redirect', status: 302, hops: 2, location: 'relative' });
      simulator.addFault('cdn', { kind: 'redirect', status: 302, hops: 2, location: 'absolute' });
      const relative = await follow(url);
      assert.ok(relative.steps.slice(0, 2).every((step) => step.location!.startsWith('/')));
      const absolute = await follow(url);
      assert.ok(absolute.steps.slice(0, 2).every((step) => step.location!.startsWith('http://')));
    });

    it('meets one download per fault: the requests after a redirect use up nothing', async () => {
      const { url } = await result();
      simulator.addFault('cdn', { kind: 'redirect', status: 302, hops: 2 }, 2);
      assert.equal((await follow(url)).steps.length, 3);
      assert.equal((await follow(url)).steps.length, 3);
      assert.equal((await follow(url)).steps.length, 1, 'the faults are used up');
    });

    it('redirects without end, each time to a new URL', async () => {
      const { url } = await result();
      simulator.addFault('cdn', { kind: 'redirectLoop' });
      const { steps, final } = await follow(url, agent, 25);
      assert.equal(final, undefined);
      assert.ok(steps.every((step) => step.status === 302));
      assert.equal(new Set(steps.map((step) => step.url)).size, 25);
      assert.equal((await raw(url, { headers: agent })).status, 200, 'the next download is not redirected');
    });

    for (const location of ['ftp://files.example/result.png', 'file:///etc/passwd', 'http://169.254.169.254/latest']) {
      it(`redirects to ${location}`, async () => {
        const { url } = await result();
        simulator.addFault('cdn', { kind: 'redirectTo', location, status: 301 });
        const response = await raw(url, { headers: agent });
        assert.equal(response.status, 301);
        assert.equal(response.headers.location, location);
      });
    }
  });

  describe('CDN bodies', () => {
    it('answers an HTML page with HTTP 200 and an image content type', async () => {
      const { url } = await result();
      simulator.addFault('cdn', { kind: 'html' });
      const response = await raw(url, { headers: agent });
      assert.equal(response.status, 200);
      assert.equal(response.headers['content-type'], 'image/png');
      assert.equal(Number(response.headers['content-length']), response.body.length);
      assert.match(response.body.toString('utf8'), /^<!DOCTYPE html>/);
      assert.equal(sniffFormat(response.body), undefined);
    });

    it('answers an empty body with HTTP 200 and an image content type', async () => {
      const { url } = await result();
      simulator.addFault('cdn', { kind: 'emptyBody' });
      const response = await raw(url, { headers: agent });
      assert.deepEqual([response.status, response.headers['content-type'], response.headers['content-length'], response.body.length, response.ending], [200, 'image/png', '0', 0, 'end']);
    });

    for (const fraction of [undefined, 0.1]) {
      it(`announces the whole length, sends ${fraction ?? 0.5} of it and breaks the connection`, async () => {
        const { url, bytes } = await result();
        simulator.addFault('cdn', fraction === undefined ? { kind: 'truncated' } : { kind: 'truncated', fraction });
        const response = await raw(url, { headers: agent });
        assert.equal(response.status, 200);
        assert.equal(Number(response.headers['content-length']), bytes.length);
        assert.equal(response.ending, 'error');
        assert.equal(response.body.length, Math.floor(bytes.length * (fraction ?? 0.5)));
        assert.ok(response.body.equals(bytes.subarray(0, response.body.length)));
      });
    }

    it('stalls after the first bytes and stays silent until the client gives up', async () => {
      const { url, bytes } = await result();
      simulator.addFault('cdn', { kind: 'stall', afterBytes: 100 });
      simulator.addFault('cdn', { kind: 'stall' });
      const stalled = await raw(url, { headers: agent, timeoutMs: 600 });
      assert.deepEqual([stalled.status, stalled.ending, stalled.body.length], [200, 'timeout', 100]);
      assert.equal(Number(stalled.headers['content-length']), bytes.length);
      const byDefault = await raw(url, { headers: agent, timeoutMs: 300 });
      assert.equal(byDefault.body.length, Math.min(1024, bytes.length - 1));
      assert.equal((await raw(url, { headers: agent })).status, 200, 'other downloads go on');
    });

    it('trickles the whole body at the given rate', async () => {
      const { url, bytes } = await result();
      const bytesPerSecond = Math.ceil(bytes.length / 0.6);
      simulator.addFault('cdn', { kind: 'slowBody', bytesPerSecond });
      const response = await raw(url, { headers: agent });
      assert.equal(response.ending, 'end');
      assert.ok(response.body.equals(bytes));
      assert.ok(response.ms >= 450, `took ${response.ms} ms`);
    });

    it('completes a transfer of an image cut in half: a PNG without its IEND chunk', async () => {
      const { url, bytes } = await result();
      simulator.addFault('cdn', { kind: 'truncatedImage' });
      const response = await raw(url, { headers: agent });
      assert.equal(response.status, 200);
      assert.equal(response.ending, 'end');
      assert.equal(Number(response.headers['content-length']), Math.floor(bytes.length / 2));
      assert.ok(response.body.equals(bytes.subarray(0, Math.floor(bytes.length / 2))));
      assert.equal(sniffFormat(response.body), 'png');
      assert.equal(response.body.indexOf('IEND'), -1);
      assert.notEqual(bytes.indexOf('IEND'), -1);
    });

    it('sends the image converted to AVIF or HEIC, whole or cut, with its own type', async () => {
      const { url } = await result();
      for (const format of ['avif', 'heic'] as const) {
        simulator.addFault('cdn', { kind: 'converted', format });
        const response = await raw(url, { headers: agent });
        assert.equal(response.status, 200);
        assert.equal(response.headers['content-type'], `image/${format}`);
        assert.equal(sniffImageFormat(response.body), format);
        assert.equal(imageIntegrity(format, response.body, response.body.subarray(-64), response.body.length), 'complete');
      }
      simulator.addFault('cdn', { kind: 'converted', format: 'avif', cut: true });
      const cut = await raw(url, { headers: agent });
      assert.equal(imageIntegrity('avif', cut.body, cut.body.subarray(-64), cut.body.length), 'truncated');
      assert.throws(() => simulator.addFault('cdn', { kind: 'converted', format: 'jxl' } as never), /avif or heic/);
    });

    it('keeps a body fault queued past a download the CDN refuses anyway', async () => {
      const { url, bytes } = await result();
      simulator.addFault('cdn', { kind: 'emptyBody' });
      assert.equal((await raw(url, { headers: { ...agent, ...auth } })).status, 400);
      assert.equal((await raw(`${simulator.urls.cdn}/results/nothing/0.png`, { headers: agent })).status, 404);
      assert.equal((await raw(url, { headers: agent })).body.length, 0);
      assert.ok((await raw(url, { headers: agent })).body.equals(bytes));
    });

    it('still meets the status, reset, delay and malformed JSON faults', async () => {
      const { url, bytes } = await result();
      simulator.addFault('cdn', { kind: 'status', status: 503, body: 'html' });
      simulator.addFault('cdn', { kind: 'status', status: 500, body: 'empty' });
      simulator.addFault('cdn', { kind: 'status', status: 403 });
      simulator.addFault('cdn', { kind: 'reset' });
      simulator.addFault('cdn', { kind: 'delay', ms: 300 });
      simulator.addFault('cdn', { kind: 'malformedJson' });
      const html = await raw(url, { headers: agent });
      assert.deepEqual([html.status, html.headers['content-type']], [503, 'text/html']);
      const empty = await raw(url, { headers: agent });
      assert.deepEqual([empty.status, empty.body.length], [500, 0]);
      const json = await raw(url, { headers: agent });
      assert.equal(json.status, 403);
      assert.equal((JSON.parse(json.body.toString('utf8')) as Json).error.code, 403);
      await assert.rejects(raw(url, { headers: agent }));
      const slow = await raw(url, { headers: agent });
      assert.ok(slow.ms >= 280 && slow.body.equals(bytes));
      const malformed = await raw(url, { headers: agent });
      assert.equal(malformed.headers['content-type'], 'application/json');
      assert.throws(() => JSON.parse(malformed.body.toString('utf8')) as unknown);
    });
  });

  describe('setting faults', () => {
    it('refuses a fault a route cannot meet, in code and over the control API', async () => {
      assert.throws(() => simulator.addFault('task', { kind: 'html' }), /route 'cdn' only/);
      assert.throws(() => simulator.addFault('cdn', { kind: 'redirect', status: 200 } as unknown as HttpFault), /301, 302/);
      assert.throws(() => simulator.addFault('task', { kind: 'status', status: 500, late: true }), /submit only/);
      const refused = await control('faults', { route: 'cdn', fault: { kind: 'teleport' } });
      assert.equal(refused.status, 400);
      assert.match(refused.json.error, /unknown fault kind/);
      assert.equal((await control('faults', { route: 'cdn', fault: { kind: 'stall', afterBytes: 10 }, times: 2 })).status, 200);
    });

    it('sets CDN faults over the control API', async () => {
      const { url } = await result();
      await control('faults', { route: 'cdn', fault: { kind: 'redirect', status: 308, via: 'other' } });
      const response = await raw(url, { headers: agent });
      assert.equal(response.status, 308);
      assert.ok(response.headers.location!.startsWith(simulator.urls.mirror));
    });

    it('ends a stalled download promptly when it stops', async () => {
      const own = new EvoLinkSimulator({ taskDurationMs: 1000 });
      const urls = await own.start();
      const { json } = await (async () => {
        const response = await fetch(`${urls.api}/v1/images/generations`, {
          method: 'POST',
          headers: { ...auth, 'content-type': 'application/json' },
          body: JSON.stringify({ model: 'gpt-4o-image', prompt: 'stall', size: '1:1' }),
        });
        return { json: (await response.json()) as Json };
      })();
      own.advanceClock(2000);
      const done = (await (await fetch(`${urls.api}/v1/tasks/${json.id}`, { headers: auth })).json()) as Json;
      own.addFault('cdn', { kind: 'stall', afterBytes: 10 });
      const download = raw(done.results[0], { headers: agent, timeoutMs: 5000 });
      await new Promise((resolve) => setTimeout(resolve, 200));
      const started = Date.now();
      await own.stop();
      assert.ok(Date.now() - started < 1000);
      const response = await download;
      assert.equal(response.ending, 'error');
      assert.equal(response.body.length, 10);
    });
  });

  describe('submit answers that are lost', () => {
    const body = { model: 'gpt-4o-image', prompt: 'lost' };
    const key = { 'idempotency-key': 'evolink-test-lost-000001' };

    it('creates and charges the task before a late error status', async () => {
      simulator.addFault('submit', { kind: 'status', status: 504, late: true, body: 'html' });
      simulator.addFault('submit', { kind: 'status', status: 502, late: true });
      const html = await raw(`${simulator.urls.api}/v1/images/generations`, { method: 'POST' }).catch(() => undefined);
      assert.equal(html?.status, 504, 'even a refusal is lost behind a late status');
      simulator.reset();
      simulator.addFault('submit', { kind: 'status', status: 502, late: true });
      const late = await submit(body, key);
      assert.equal(late.status, 502);
      assert.equal(late.json.error.type, 'upstream_error');
      assert.equal(simulator.tasks.size, 1);
      assert.equal(simulator.balanceOf(demoKey), 997.5);
      const replay = await submit(body, key);
      assert.equal(replay.status, 200);
      assert.equal(replay.headers.get('idempotency-replayed'), 'true');
      assert.equal(replay.json.id, [...simulator.tasks.keys()][0]);
    });

    it('answers a plain status before the task exists', async () => {
      simulator.addFault('submit', { kind: 'status', status: 503 });
      assert.equal((await submit(body, key)).status, 503);
      assert.equal(simulator.tasks.size, 0);
      assert.equal(simulator.balanceOf(demoKey), 1000);
    });

    it('loses every answer while a long fault lasts, replays included, and answers once it is cleared', async () => {
      simulator.addFault('submit', { kind: 'reset' }, 1000);
      for (let i = 0; i < 4; i++) {
        await assert.rejects(submit(body, key));
      }
      await assert.rejects(submit({ ...body, prompt: 'other' }, key), 'a conflicting replay is lost too');
      assert.equal(simulator.tasks.size, 1);
      assert.equal(simulator.balanceOf(demoKey), 997.5, 'charged once');
      assert.equal(simulator.requests.filter((r) => r.path === '/v1/images/generations').length, 5);
      assert.ok(simulator.requests.every((r) => r.status === 0));
      assert.equal((await control('clear-faults', { route: 'submit' })).status, 200);
      const replay = await submit(body, key);
      assert.equal(replay.headers.get('idempotency-replayed'), 'true');
      assert.equal(replay.json.id, [...simulator.tasks.keys()][0]);
    });

    it('sets the long fault over the control API too', async () => {
      assert.equal((await control('faults', { route: 'submit', fault: { kind: 'reset' }, times: 1000 })).status, 200);
      await assert.rejects(submit(body, key));
      await assert.rejects(submit(body, key));
      simulator.clearFaults();
      assert.equal((await submit(body, key)).status, 200);
      assert.equal(simulator.tasks.size, 1);
    });
  });

  describe('result links on another base', () => {
    it('answers result links on the configured base, while the CDN serves its own', async () => {
      simulator.configure({ resultUrlBase: 'http://169.254.169.254', resultData: 'array' });
      const { json } = await submit({ model: 'gpt-4o-image', prompt: 'elsewhere' });
      simulator.advanceClock(2000);
      const done = await query(json.id);
      assert.match(done.results[0], /^http:\/\/169\.254\.169\.254\/results\/task-unified-[^/]+\/0\.png$/);
      assert.equal(done.result_data[0].image_url, done.results[0]);
      const own = `${simulator.urls.cdn}${new URL(done.results[0]).pathname}`;
      assert.equal((await raw(own, { headers: agent })).status, 200);
    });

    it('is set and cleared over the control API, and reset restores it', async () => {
      assert.equal((await control('settings', { resultUrlBase: 'http://10.0.0.7/' })).status, 200);
      const { json } = await submit({ model: 'gpt-4o-image', prompt: 'private' });
      simulator.advanceClock(2000);
      assert.match((await query(json.id)).results[0], /^http:\/\/10\.0\.0\.7\/results\//);
      await control('settings', { resultUrlBase: null });
      assert.ok(((await query(json.id)).results[0] as string).startsWith(simulator.urls.cdn));
      simulator.configure({ resultUrlBase: 'http://10.0.0.7' });
      simulator.reset();
      assert.equal(simulator.settings.resultUrlBase, undefined);
    });

    it('refuses settings it does not know', async () => {
      const refused = await control('settings', { taskList: 'maybe' });
      assert.equal(refused.status, 400);
      assert.match(refused.json.error, /taskList/);
      const info = (await (await fetch(`${simulator.urls.api}/__simulator/info`)).json()) as Json;
      assert.equal(info.urls.mirror, simulator.urls.mirror);
      assert.equal(info.settings.taskList, 'on');
    });
  });
});
