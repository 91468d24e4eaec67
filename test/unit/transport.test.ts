import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createServer as createHttpServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { brotliCompressSync, deflateSync, gzipSync } from 'node:zlib';
import { createFetchTransport } from '../../src/extension/net/fetchTransport';
import { toTransportError } from '../../src/extension/net/failures';
import { PassThrough } from 'node:stream';
import { createNodeHttpTransport, flowingChunks, waitingBytes } from '../../src/extension/net/nodeHttpTransport';
import { createUndiciTransport, type HttpRequest, type Transport } from '../../src/extension/net/transport';
import { createTestCertificates, type TestCertificates } from '../support/certificates';
import { failure } from '../support/failure';
import { startTestProxy } from '../support/proxy';

type Handler = (req: IncomingMessage, res: ServerResponse) => void;

async function listen(server: Server): Promise<string> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return String((server.address() as AddressInfo).port);
}

const transports: [string, () => Transport][] = [
  ["VS Code's fetch (here Node's)", () => createFetchTransport((input, init) => fetch(input, init))],
  ['undici', () => createUndiciTransport({ proxy: '', strictSSL: true, noProxy: [] })],
  ["VS Code's http module (here Node's), for results", () => createNodeHttpTransport()],
];

for (const [name, make] of transports) {
  describe(`The transport over ${name}`, () => {
    let server: Server;
    let base: string;
    let handler: Handler;
    let transport: Transport;
    const requests: IncomingMessage[] = [];
    const get = (path: string, extra: Partial<HttpRequest> = {}): HttpRequest => ({ method: 'GET', url: `${base}${path}`, headers: { authorization: 'Bearer secret' }, timeoutMs: 5000, ...extra });

    before(async () => {
      server = createHttpServer((req, res) => {
        requests.push(req);
        handler(req, res);
      });
      base = `http://127.0.0.1:${await listen(server)}`;
    });
    beforeEach(() => {
      requests.length = 0;
      transport = make();
    });
    afterEach(() => transport.dispose());
    after(() => {
      server.closeAllConnections();
      server.close();
    });

    it('answers a redirect as it is and follows nothing, so no Authorization reaches the next hop', async () => {
      handler = (req, res) => (req.url === '/from' ? res.writeHead(302, { location: '/to' }).end() : res.end('followed'));
      const response = await transport.send(get('/from'));
      assert.equal(response.status, 302);
      assert.equal(response.header('location'), '/to');
      await response.discard();
      assert.deepEqual(requests.map((req) => req.url), ['/from']);
    });

    it('reads at most the size asked for, and stops reading there', async () => {
      handler = (_req, res) => {
        res.write(Buffer.alloc(64 * 1024, 'a'));
        // Never ends: a reader that drained the body would wait for ever.
      };
      const response = await transport.send(get('/big'));
      assert.equal(await response.text(10), 'aaaaaaaaaa');
    });

    it('reads a body the server compressed although asked not to as the server meant it, and caps what it inflates to', async () => {
      for (const [coding, pack] of [['gzip', gzipSync], ['deflate', deflateSync], ['br', brotliCompressSync]] as const) {
        handler = (_req, res) => res.writeHead(200, { 'content-encoding': coding, 'content-type': 'application/json' }).end(pack(Buffer.from('{"id":"task-1","status":"completed"}')));
        const response = await transport.send(get('/packed'));
        assert.equal(await response.text(), '{"id":"task-1","status":"completed"}', coding);
      }
      // 64 MB of zeros in a few dozen kilobytes: read up to the cap, no further.
      handler = (_req, res) => res.writeHead(200, { 'content-encoding': 'gzip' }).end(gzipSync(Buffer.alloc(64 * 1024 * 1024)));
      const bomb = await transport.send(get('/bomb'));
      assert.equal((await bomb.text(1024)).length, 1024);
    });

    it('sends a streamed body and asks for the content as it is (no compression)', async () => {
      let received = '';
      handler = (req, res) => {
        req.setEncoding('utf8').on('data', (chunk: string) => (received += chunk));
        req.on('end', () => res.end(String(req.headers['accept-encoding'] ?? '')));
      };
      async function* parts(): AsyncGenerator<Uint8Array> {
        yield new TextEncoder().encode('one,');
        await new Promise((resolve) => setTimeout(resolve, 10));
        yield new TextEncoder().encode('two');
      }
      const response = await transport.send({ ...get('/upload'), method: 'POST', body: parts() });
      const encoding = await response.text();
      assert.equal(received, 'one,two');
      assert.equal(encoding, 'identity');
    });

    it('still answers a request sent after it was disposed (a retry of a client made before the settings changed)', async () => {
      const open = new Set<unknown>();
      handler = (req, res) => {
        open.add(req.socket);
        req.socket.once('close', () => open.delete(req.socket));
        res.end(Buffer.alloc(200 * 1024, 'b'));
      };
      await transport.dispose();
      for (let i = 0; i < 3; i++) {
        const response = await transport.send(get('/late'));
        assert.equal((await response.text()).length, 200 * 1024);
      }
      // undici's connections for them close once they are done: nothing is left open behind a disposed transport.
      if (name === 'undici') for (let wait = 0; open.size > 0 && wait < 40; wait++) await new Promise((resolve) => setTimeout(resolve, 50));
      if (name === 'undici') assert.equal(open.size, 0, 'connections left open');
    });

    it('refuses addresses other than http and https before sending anything', async () => {
      const error = await failure(transport.send({ ...get('/'), url: 'file:///etc/passwd' }));
      assert.equal(error.reason, 'invalidRequest');
      assert.equal(error.details.code, 'refusedBeforeSending');
    });

    it('refuses a key it cannot send before sending anything, without quoting it', async () => {
      handler = (_req, res) => res.end('{}');
      for (const key of ['sk-\u200bpasted', 'sk-with\u0000nul', 'sk-line\nbreak']) {
        const error = await failure(transport.send(get('/', { headers: { authorization: `Bearer ${key}` } })));
        assert.equal(error.reason, 'auth');
        assert.equal(error.details.code, 'keyNotSendable');
        assert.doesNotMatch(error.message, /sk-/);
      }
      const other = await failure(transport.send(get('/', { headers: { 'x-note': 'caf\u00e9 \u2615' } })));
      assert.equal(other.details.code, 'refusedBeforeSending');
      assert.equal(requests.length, 0, 'nothing reached the server');
    });

    it('waits for the answer to an upload it handed over whole past the idle time, within the whole timeout', async () => {
      // A hop that takes the whole upload at once, and answers when it has sent it on, later than the idle time.
      handler = (req, res) => {
        let received = 0;
        req.on('data', (chunk: Buffer) => (received += chunk.length));
        req.on('end', () => setTimeout(() => res.end(String(received)), 900));
      };
      const slices = async function* (): AsyncGenerator<Uint8Array> {
        for (let at = 0; at < 4; at++) yield await Promise.resolve(new Uint8Array(16 * 1024));
      };
      const response = await transport.send({ method: 'POST', url: `${base}/buffered`, headers: { 'content-length': String(64 * 1024) }, body: slices(), timeoutMs: 5000, idleMs: 300 });
      assert.equal(await response.text(), String(64 * 1024));
      // An answer that never comes is still given up, at the whole timeout.
      handler = (req) => req.resume();
      const started = Date.now();
      const error = await failure(transport.send({ method: 'POST', url: `${base}/never`, headers: { 'content-length': String(64 * 1024) }, body: slices(), timeoutMs: 1200, idleMs: 300 }));
      assert.equal(error.reason, 'timeout');
      assert.match(error.message, /No answer within/);
      assert.ok(Date.now() - started < 4000);
    });

    it('times out an answer that does not come, with its own timer', async () => {
      handler = () => undefined;
      const started = Date.now();
      const error = await failure(transport.send(get('/silent', { timeoutMs: 300 })));
      assert.equal(error.reason, 'timeout');
      assert.match(error.message, /No answer within 0\.3 s/);
      assert.ok(Date.now() - started < 3000);
    });

    it('does not count the time the reader holds a chunk (a slow disk) as the network\'s', async () => {
      handler = (_req, res) => res.end(Buffer.alloc(256 * 1024, 'a'));
      const response = await transport.send(get('/slow-disk', { timeoutMs: 10_000, idleMs: 300 }));
      let received = 0;
      for await (const chunk of response.body) {
        if (received === 0) await new Promise((resolve) => setTimeout(resolve, 800));
        received += chunk.length;
      }
      assert.equal(received, 256 * 1024);
    });

    it('gives up a body that stops sending, after the idle time', async () => {
      handler = (_req, res) => res.writeHead(200, { 'content-length': '1000' }).write('x');
      const response = await transport.send(get('/stall', { timeoutMs: 10_000, idleMs: 300 }));
      const error = await failure(response.text());
      assert.equal(error.reason, 'timeout');
      assert.match(error.message, /No data/);
    });

    it('gives up a body that stops sending after the idle time also when the wall clock is set back meanwhile', async () => {
      handler = (_req, res) => res.writeHead(200, { 'content-length': '1000' }).write('x');
      const response = await transport.send(get('/stall-clock', { timeoutMs: 10_000, idleMs: 300 }));
      const realNow = Date.now;
      try {
        const started = performance.now();
        const reading = failure(response.text());
        // The clock is set back an hour once the first byte is in (a manual change, a sync).
        await new Promise((resolve) => setTimeout(resolve, 100));
        Date.now = () => realNow() - 3600_000;
        const error = await reading;
        assert.match(error.message, /No data/);
        assert.ok(performance.now() - started < 5000, 'not only at the whole timeout');
      } finally {
        Date.now = realNow;
      }
    });

    it('gives up an upload the server stopped taking, after the idle time, long before the whole timeout', async () => {
      let taken = 0;
      handler = (req) => {
        // Takes the first bytes, then reads no more and never answers.
        req.once('data', (chunk: Buffer) => {
          taken += chunk.length;
          req.pause();
        });
      };
      const size = 64 * 1024 * 1024;
      const slices = async function* (): AsyncGenerator<Uint8Array> {
        for (let at = 0; at < size; at += 256 * 1024) yield await Promise.resolve(new Uint8Array(256 * 1024));
      };
      const started = Date.now();
      const error = await failure(
        transport.send({ method: 'POST', url: `${base}/upload`, headers: { 'content-length': String(size) }, body: slices(), timeoutMs: 60_000, idleMs: 400 }),
      );
      assert.equal(error.reason, 'timeout');
      assert.match(error.message, /No data for/);
      assert.ok(taken > 0, 'the server took the first bytes');
      assert.ok(Date.now() - started < 10_000, `stopped after ${Date.now() - started} ms`);
    });

    it('keeps an upload going while the network takes its bytes, however long it takes in all', async () => {
      let received = 0;
      handler = (req, res) => {
        // Takes the bytes at about 16 MB/s, as a link would: for longer in all than the idle time.
        req.on('data', (chunk: Buffer) => {
          received += chunk.length;
          req.pause();
          setTimeout(() => req.resume(), Math.ceil(chunk.length / 16_000));
        });
        req.on('end', () => res.end(String(received)));
      };
      // More than loopback's socket buffers hold, so that the sender waits for the server's pace.
      const size = 32 * 1024 * 1024;
      const slices = async function* (): AsyncGenerator<Uint8Array> {
        for (let at = 0; at < size; at += 64 * 1024) yield await Promise.resolve(new Uint8Array(64 * 1024));
      };
      const started = Date.now();
      const response = await transport.send({ method: 'POST', url: `${base}/slow`, headers: { 'content-length': String(size) }, body: slices(), timeoutMs: 60_000, idleMs: 1000 });
      assert.equal(await response.text(), String(size));
      assert.ok(Date.now() - started > 1500, `it took ${Date.now() - started} ms, not longer than the idle time`);
      assert.equal(requests[0]?.headers['content-length'], String(size));
      assert.equal(requests[0]?.headers['transfer-encoding'], undefined);
    });

    it('drops the body of an answer it does not want at once, also one that stalls (an error page on a held connection)', async () => {
      for (const status of [302, 404]) {
        handler = (_req, res) => res.writeHead(status, { location: '/elsewhere', 'content-type': 'text/html' }).write('<html>moved');
        const response = await transport.send(get('/held', { timeoutMs: 10_000, idleMs: 10_000 }));
        const started = Date.now();
        await response.discard();
        assert.ok(Date.now() - started < 1000, `${status}: discarded in ${Date.now() - started} ms`);
      }
    });

    it('reports a cancellation as cancelled', async () => {
      handler = () => undefined;
      const controller = new AbortController();
      setTimeout(() => controller.abort(), 100);
      const error = await failure(transport.send(get('/silent', { signal: controller.signal })));
      assert.equal(error.reason, 'cancelled');
    });

    it('fails the read of a body whose request was cancelled before it was read', async () => {
      handler = (_req, res) => res.writeHead(200, { 'content-length': '100000' }).write('x');
      const controller = new AbortController();
      const response = await transport.send(get('/unread', { signal: controller.signal }));
      controller.abort();
      await new Promise((resolve) => setTimeout(resolve, 50));
      const error = await failure(response.text());
      assert.equal(error.reason, 'cancelled');
    });

    it('reports a refused connection as a network failure', async () => {
      const closed = createHttpServer();
      const port = await listen(closed);
      closed.close();
      const error = await failure(transport.send({ ...get('/'), url: `http://127.0.0.1:${port}/` }));
      assert.equal(error.reason, 'network');
      assert.match(error.message, /ECONNREFUSED/);
      assert.equal(error.details.notSent, true, 'no connection, nothing sent');
    });

    it('tells a name that does not resolve, and a port fetch blocks, as failures where nothing was sent, in their own words', async () => {
      const unknown = await failure(transport.send({ ...get('/'), url: 'http://evolink.invalid/' }));
      assert.equal(unknown.reason, 'network');
      assert.match(unknown.message, /ENOTFOUND|EAI_AGAIN/);
      assert.equal(unknown.details.notSent, true);
      const blocked = await failure(transport.send({ ...get('/'), url: 'http://127.0.0.1:10080/' }));
      assert.equal(blocked.reason, 'network');
      if (name.includes('fetch')) assert.match(blocked.message, /bad port/, 'not a bare "fetch failed"');
      assert.equal(blocked.details.notSent, true);
    });

    it('does not tell a connection that broke after the request went out as one where nothing was sent', async () => {
      handler = (req) => req.socket.destroy();
      const error = await failure(transport.send(get('/')));
      assert.equal(error.reason, 'network');
      assert.equal(error.details.notSent, undefined);
    });
  });
}

describe('Whether a failed request may have gone out', () => {
  const req = { method: 'POST', url: 'https://api.evolink.ai/v1/images/generations', headers: {}, timeoutMs: 1000 } as HttpRequest;
  const failed = (code: string, syscall: string): unknown => new TypeError('fetch failed', { cause: Object.assign(new Error(`${syscall} ${code}`), { code, syscall }) });

  it('takes a network that went away during connect as nothing sent, and on a read or write of the sent request as unknown', () => {
    for (const code of ['EHOSTUNREACH', 'ENETUNREACH', 'ENETDOWN', 'EHOSTDOWN', 'EADDRNOTAVAIL']) {
      assert.equal(toTransportError(failed(code, 'connect'), undefined, req).details.notSent, true, `connect ${code}`);
      assert.equal(toTransportError(failed(code, 'read'), undefined, req).details.notSent, undefined, `read ${code}`);
      assert.equal(toTransportError(failed(code, 'write'), undefined, req).details.notSent, undefined, `write ${code}`);
    }
    assert.equal(toTransportError(failed('ECONNREFUSED', 'connect'), undefined, req).details.notSent, true);
    assert.equal(toTransportError(failed('ENOTFOUND', 'getaddrinfo'), undefined, req).details.notSent, true);
  });
});

describe('The transport and certificates', () => {
  let certificates: TestCertificates;
  let server: Server;
  let url: string;
  before(async () => {
    certificates = createTestCertificates(['api.evolink.test']);
    server = createHttpsServer({ cert: certificates.cert, key: certificates.key }, (_req, res) => res.end('trusted'));
    url = `https://127.0.0.1:${await listen(server)}/`;
  });
  after(async () => {
    server.close();
    await certificates.dispose();
  });

  for (const [name, make] of transports) {
    it(`maps an untrusted certificate to the reason certificate with its TLS code (${name})`, async () => {
      const transport = make();
      const error = await failure(transport.send({ method: 'GET', url, headers: {}, timeoutMs: 5000 }));
      await transport.dispose();
      assert.equal(error.reason, 'certificate');
      assert.equal(error.details.code, 'UNABLE_TO_VERIFY_LEAF_SIGNATURE');
    });

    it(`speaks TLS to an address whose scheme is written in capitals, HTTPS:// (${name})`, async () => {
      const transport = make();
      const error = await failure(transport.send({ method: 'GET', url: url.replace('https:', 'HTTPS:'), headers: {}, timeoutMs: 5000 }));
      await transport.dispose();
      assert.equal(error.reason, 'certificate', error.message);
    });
  }
});

describe('The undici transport and a proxy that asks for credentials', () => {
  it('maps a 407 to the reason proxy, and passes with the credentials in http.proxy', async () => {
    const target = createHttpServer((_req, res) => res.end('through'));
    const port = await listen(target);
    const proxy = await startTestProxy({ credentials: { username: 'user', password: 'p@ss' }, hosts: { 'api.evolink.test': Number(port) } });
    try {
      const without = createUndiciTransport({ proxy: proxy.url, strictSSL: true, noProxy: [] });
      const error = await failure(without.send({ method: 'GET', url: 'http://api.evolink.test/', headers: {}, timeoutMs: 5000 }));
      await without.dispose();
      assert.equal(error.reason, 'proxy');
      assert.equal(error.details.status, 407);
      const withCredentials = createUndiciTransport({ proxy: proxy.urlWithCredentials, strictSSL: true, noProxy: [] });
      assert.equal(await (await withCredentials.send({ method: 'GET', url: 'http://api.evolink.test/', headers: {}, timeoutMs: 5000 })).text(), 'through');
      await withCredentials.dispose();
      assert.deepEqual(proxy.log.map((entry) => entry.status), [407, 200]);
    } finally {
      await proxy.close();
      target.close();
    }
  });
});

describe('The transport module and the process-wide dispatcher', () => {
  for (const order of ['undici-first', 'fetch-first']) {
    it(`loads undici only on its first request and leaves the global dispatcher to Node (${order})`, () => {
      const probe = join(__dirname, '..', 'support', 'dispatcherProbe.ts');
      const output = execFileSync(process.execPath, ['--import', 'tsx', probe, order], { encoding: 'utf8' });
      const result = JSON.parse(output.trim().split('\n').at(-1)!) as Record<string, unknown>;
      assert.deepEqual(result, { undiciAtImport: false, answers: ['ok', 'ok'], dispatcherIsOurs: false, dispatcherSet: true });
    });
  }
});

describe("The http-module transport's reading of a body", () => {
  it('lets the body flow, pauses it while half a megabyte waits for the reader, and resumes it as the reader catches up', async () => {
    const body = new PassThrough({ highWaterMark: 16 * 1024 });
    const chunk = Buffer.alloc(64 * 1024, 1);
    const chunks = flowingChunks(body);
    for (let index = 0; index < 40; index++) body.write(chunk);
    body.end();
    let read = (await chunks.next()).value!.length;
    await new Promise((resolve) => setImmediate(resolve));
    assert.ok(body.isPaused(), 'paused while the reader is behind');
    assert.ok(body.writableLength + body.readableLength >= 40 * chunk.length - waitingBytes - 2 * chunk.length, 'the rest waits in the stream, not in the reader');
    for await (const next of chunks) read += next.length;
    assert.equal(read, 40 * chunk.length);
  });

  it('fails a body that closes before its end, and destroys a body the reader leaves', async () => {
    const cut = new PassThrough();
    const reading = (async () => {
      for await (const part of flowingChunks(cut)) void part;
    })();
    cut.write('x');
    cut.destroy();
    await assert.rejects(reading, (error: unknown) => (error as { code?: string }).code === 'ERR_STREAM_PREMATURE_CLOSE');
    const left = new PassThrough();
    left.write('x');
    for await (const part of flowingChunks(left)) {
      void part;
      break;
    }
    assert.ok(left.destroyed);
  });
});
