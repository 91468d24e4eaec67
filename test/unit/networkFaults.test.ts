import * as assert from 'node:assert/strict';
import dns from 'node:dns';
import fsp from 'node:fs/promises';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { createServer as createHttpServer, type Server } from 'node:http';
import { createServer as createNetServer, type Server as NetServer, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { renderImage } from '../../simulator/images';
import { failure } from '../support/failure';
import type { SubmitBody } from '../../src/common/request';
import { redirectProblem } from '../../src/common/urlPolicy';
import { EvoLinkClient, type DownloadSink } from '../../src/extension/api/client';
import { createFetchTransport } from '../../src/extension/net/fetchTransport';
import { createNodeHttpTransport } from '../../src/extension/net/nodeHttpTransport';
import { createUndiciTransport, type Transport } from '../../src/extension/net/transport';
import { downloadResult, type ResultDownloadDeps } from '../../src/extension/tasks/resultDownload';
import { toEntryError } from '../../src/extension/tasks/taskWork';
import type { LedgerEntry } from '../../src/common/ledgerEntry';

/*
 * Faults of the network and of the disk around a call: an error answer whose body cannot be
 * read, a TLS handshake with a server that speaks plain http, a redirect of an upload or of the
 * API, a name server that does not answer, a result link that leaves https, a rename refused.
 */

const transports: [string, () => Transport][] = [
  ['fetch', () => createFetchTransport((input, init) => fetch(input, init))],
  ['undici', () => createUndiciTransport({ proxy: '', strictSSL: true, noProxy: [] })],
  ['http module', () => createNodeHttpTransport()],
];

async function listen(server: Server | NetServer): Promise<string> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

/** A server that answers each request with `answer` written raw to the socket; counts the requests. */
function rawServer(answer: (socket: Socket) => void): { server: NetServer; requests: () => number } {
  let requests = 0;
  const server = createNetServer((socket) => {
    socket.on('error', () => undefined);
    socket.on('data', (data) => {
      const found = (data.toString('latin1').match(/^(GET|POST) /gm) ?? []).length;
      requests += found;
      if (found) answer(socket);
    });
  });
  return { server, requests: () => requests };
}

const submitBody = { model: 'gpt-image-1', prompt: 'a cat' } as unknown as SubmitBody;

function clientFor(transport: Transport, base: string, log?: (level: 'debug' | 'warn', message: string) => void): { client: EvoLinkClient; waits: number[] } {
  const waits: number[] = [];
  const client = new EvoLinkClient({
    transport,
    endpoints: () => ({ api: base, files: base }),
    userAgent: 'test',
    timeoutMs: () => 10_000,
    sleep: (ms) => (waits.push(ms), Promise.resolve()),
    ...(log ? { log } : {}),
  });
  return { client, waits };
}

for (const [name, make] of transports) {
  describe(`An error answer whose body cannot be read (${name})`, () => {
    let transport: Transport;
    beforeEach(() => (transport = make()));
    afterEach(() => transport.dispose());

    it('a refused submit whose body stalls is a refusal, sent once, not an outcome unknown; its connection is let go', async () => {
      let closed: Promise<void> | undefined;
      const { server, requests } = rawServer((socket) => {
        closed = new Promise((resolve) => socket.once('close', () => resolve()));
        socket.write('HTTP/1.1 400 Bad Request\r\ncontent-type: application/json\r\ncontent-length: 200\r\n\r\n{"error":{"code":"invalid_');
      });
      try {
        const { client } = clientFor(transport, await listen(server));
        const started = Date.now();
        const error = await failure(client.submit(submitBody, 'k'.repeat(24), { apiKey: 'sk-test-key' }, Date.now() + 60_000));
        assert.equal(error.reason, 'invalidRequest');
        assert.equal(error.details.status, 400);
        assert.equal(error.details.outcomeUnknown, undefined);
        assert.equal(requests(), 1);
        assert.ok(Date.now() - started < 8000, 'told within the short bound, not the call timeout');
        // The stalled body's socket is closed by this side, not left open until the server gives up.
        const letGo = await Promise.race([closed!.then(() => true), new Promise((resolve) => setTimeout(resolve, 2000, false))]);
        assert.ok(letGo, 'the connection was closed');
      } finally {
        server.close();
      }
    });

    it('a 429 whose body breaks off keeps its Retry-After', async () => {
      const { server } = rawServer((socket) => {
        socket.write('HTTP/1.1 429 Too Many Requests\r\nretry-after: 20\r\ncontent-type: application/json\r\ncontent-length: 200\r\n\r\n{"error":{"code":"rate_');
        setTimeout(() => socket.destroy(), 20);
      });
      try {
        const { client } = clientFor(transport, await listen(server));
        const error = await failure(client.getBalance({ apiKey: 'sk-test-key', once: true }));
        assert.equal(error.reason, 'rateLimited');
        assert.equal(error.details.retryAfterMs, 20_000);
      } finally {
        server.close();
      }
    });

    it('reads an empty or unterminated gzip error body as fetch does', async () => {
      const body = gzipSync(JSON.stringify({ error: { code: 'invalid_api_key', message: 'Invalid token', type: 'authentication_error' } }));
      const cut = body.subarray(0, body.length - 8);
      for (const [bytes, message] of [[Buffer.alloc(0), 'HTTP 401'], [cut, 'Invalid token']] as const) {
        const { server, requests } = rawServer((socket) => socket.write(Buffer.concat([Buffer.from(`HTTP/1.1 401 Unauthorized\r\ncontent-type: application/json\r\ncontent-encoding: gzip\r\ncontent-length: ${bytes.length}\r\n\r\n`), bytes])));
        try {
          const { client } = clientFor(transport, await listen(server));
          const error = await failure(client.getBalance({ apiKey: 'sk-test-key' }));
          assert.equal(error.reason, 'auth');
          assert.equal(error.message, message);
          assert.equal(requests(), 1);
        } finally {
          server.close();
        }
      }
    });

    it('a TLS handshake with a plain http server sent nothing, and its submit is no outcome unknown', async () => {
      const server = createHttpServer((_req, res) => res.end('{}'));
      const base = (await listen(server)).replace('http:', 'https:');
      try {
        const error = await failure(transport.send({ method: 'POST', url: `${base}/v1/images/generations`, headers: { authorization: 'Bearer sk-test-key' }, body: '{}', timeoutMs: 5000 }));
        assert.equal(error.reason, 'network');
        assert.equal(error.details.notSent, true);
        assert.match(error.details.code ?? '', /^(ERR_SSL_WRONG_VERSION_NUMBER|EPROTO)$/);
        const { client } = clientFor(transport, base);
        const submit = await failure(client.submit(submitBody, 'k'.repeat(24), { apiKey: 'sk-test-key' }, Date.now() + 60_000));
        assert.equal(submit.details.outcomeUnknown, undefined);
      } finally {
        server.close();
      }
    });
  });
}

describe('Redirects of API calls', () => {
  let transport: Transport;
  beforeEach(() => (transport = createUndiciTransport({ proxy: '', strictSSL: true, noProxy: [] })));
  afterEach(() => transport.dispose());

  it('sends an upload answered with a redirect once', async () => {
    let uploads = 0;
    const server = createHttpServer((req, res) => {
      uploads++;
      req.resume();
      req.on('end', () => res.writeHead(307, { location: 'https://files.example/elsewhere' }).end());
    });
    try {
      const { client, waits } = clientFor(transport, await listen(server));
      await failure(client.upload(new Uint8Array(1000), 'a.png', 'image/png', { apiKey: 'sk-test-key' }));
      assert.equal(uploads, 1);
      assert.deepEqual(waits, []);
    } finally {
      server.close();
    }
  });

  it('tells an upload answered with a redirect as one not carried out there, never as refused by the files API', async () => {
    // A moved files address (307 to the same call elsewhere on the host), then a sign-in page (308 to a portal).
    const answers = [{ status: 307, location: '/api/v2/files/upload/stream' }, { status: 308, location: 'http://portal.example/login' }];
    const server = createHttpServer((req, res) => {
      const { status, location } = answers.shift()!;
      req.resume();
      req.on('end', () => res.writeHead(status, { location }).end());
    });
    try {
      const base = await listen(server);
      const { client } = clientFor(transport, base);
      const moved = await failure(client.upload(new Uint8Array(1000), 'a.png', 'image/png', { apiKey: 'sk-test-key' }));
      assert.deepEqual(
        [moved.reason, moved.details.code, moved.details.notSent, moved.details.location, moved.details.param],
        ['invalidResponse', 'apiRedirect', true, `${base}/api/v2/files/upload/stream`, 'evolink.filesApiBaseUrl'],
        'told as a redirect of the files address, whose setting is named',
      );
      const portal = await failure(client.upload(new Uint8Array(1000), 'a.png', 'image/png', { apiKey: 'sk-test-key' }));
      assert.deepEqual([portal.reason, portal.details.code, portal.details.notSent], ['invalidResponse', 'webPage', true]);
    } finally {
      server.close();
    }
  });

  it('tells a redirect to the API itself from a sign-in page, and logs where it led without its query', async () => {
    const server = createHttpServer((req, res) => {
      if (req.url === '/v1/credits') res.writeHead(301, { location: '/v2/credits?token=secret' }).end();
      else res.writeHead(302, { location: 'http://portal.example/login?mac=00' }).end();
    });
    const lines: string[] = [];
    try {
      const base = await listen(server);
      const { client } = clientFor(transport, base, (_level, message) => lines.push(message));
      const own = await failure(client.getBalance({ apiKey: 'sk-test-key' }));
      assert.equal(own.details.code, 'apiRedirect');
      assert.equal(own.details.location, `${base}/v2/credits`);
      assert.ok(lines.some((line) => line.includes(`${base}/v2/credits`)));
      const portal = await failure(client.getTask('task-1', { apiKey: 'sk-test-key' }));
      assert.equal(portal.details.code, 'webPage');
      assert.equal(portal.details.location, 'http://portal.example/login');
      assert.ok(lines.every((line) => !line.includes('secret') && !line.includes('mac=')));
    } finally {
      server.close();
    }
  });
});

describe("undici's look-up of a result link's name", () => {
  it('stops at a cancellation, not when a slow name server answers', async () => {
    const lookup = dns.promises.lookup;
    (dns.promises as { lookup: unknown }).lookup = (...args: Parameters<typeof lookup>) => new Promise((resolve) => setTimeout(() => resolve(lookup(...args)), 4000));
    const transport = createUndiciTransport({ proxy: '', strictSSL: true, noProxy: [] });
    try {
      const controller = new AbortController();
      setTimeout(() => controller.abort(), 100);
      const started = Date.now();
      const error = await failure(
        transport.send({ method: 'GET', url: 'http://cdn.example.invalid/a.png', headers: {}, timeoutMs: 10_000, idleMs: 5000, untimedBody: true, signal: controller.signal, bulk: true, refuseAddress: () => undefined }),
      );
      assert.equal(error.reason, 'cancelled');
      assert.ok(Date.now() - started < 2000, `cancelled after ${Date.now() - started} ms`);
    } finally {
      (dns.promises as { lookup: unknown }).lookup = lookup;
      await transport.dispose();
    }
  });
});

describe('Result links that leave https', () => {
  it('refuses a redirect from https to http; a link that is http from the start stays allowed', () => {
    const remote = { allowLocal: false };
    assert.equal(redirectProblem('https://cdn.example.com/a.png', 'http://cdn.example.com/a.png', remote), 'downgrade');
    assert.equal(redirectProblem('http://cdn.example.com/a.png', 'http://cdn2.example.com/a.png', remote), undefined);
    assert.equal(redirectProblem('https://cdn.example.com/a.png', 'https://cdn2.example.com/a.png', remote), undefined);
    assert.equal(redirectProblem('https://cdn.example.com/a.png', 'http://10.0.0.7/a.png', remote), 'privateNetwork');
    // Where the user agreed to plain http for a task: that hop is followed, and nothing else is allowed with it.
    const agreed = { allowLocal: false, allowPlainHttp: true };
    assert.equal(redirectProblem('https://cdn.example.com/a.png', 'http://cdn.example.com/a.png', agreed), undefined);
    assert.equal(redirectProblem('https://cdn.example.com/a.png', 'http://10.0.0.7/a.png', agreed), 'privateNetwork');
    assert.equal(redirectProblem('https://cdn.example.com/a.png', 'http://127.0.0.1/a.png', agreed), 'loopback');
    assert.equal(redirectProblem('https://cdn.example.com/a.png', 'ftp://cdn.example.com/a.png', agreed), 'scheme');
  });

  it('hands the link a redirect came from to the check of its target', async () => {
    const server = createHttpServer((req, res) => (req.url === '/a.png' ? res.writeHead(302, { location: '/b.png?signature=secret' }).end() : res.writeHead(200).end('x')));
    const transport = createUndiciTransport({ proxy: '', strictSSL: true, noProxy: [] });
    const seen: [string, string][] = [];
    try {
      const base = await listen(server);
      const { client } = clientFor(transport, base);
      const sink: DownloadSink = { write: () => Promise.resolve(), reset: () => Promise.resolve() };
      const error = await failure(client.download(`${base}/a.png`, sink, { maxBytes: 1000, checkLink: (to, from) => (seen.push([to, from]), 'downgrade') }));
      assert.equal(error.details.code, 'refusedLink');
      assert.deepEqual(seen, [[`${base}/b.png?signature=secret`, `${base}/a.png`]]);
      // Why it was refused is kept with the task, for the sentence of a link that left https, and
      // where it led by its origin alone (the question names it; the signature is not kept).
      assert.equal(error.details.param, 'downgrade');
      assert.equal(error.details.location, base);
      assert.deepEqual([toEntryError(error).code, toEntryError(error).param, toEntryError(error).location], ['refusedLink', 'downgrade', base]);
    } finally {
      server.close();
      await transport.dispose();
    }
  });
});

describe('Keeping a downloaded result when its rename fails', () => {
  let dir: string;
  let png: Buffer;
  const rename = fsp.rename;
  before(async () => (png = await renderImage('keep', 16, 16, 'png')));
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'evolink-keep-'))));
  afterEach(() => {
    (fsp as { rename: unknown }).rename = rename;
    rmSync(dir, { recursive: true, force: true });
  });

  const deps = (): ResultDownloadDeps =>
    ({
      client: () => ({ download: async (_url: string, sink: DownloadSink) => (await sink.write(png), png.length) }),
      downloadsDir: dir,
      owner: 'w1',
      maxDownloadBytes: 1 << 20,
      downloadIdleMs: 5000,
      apiIsLocal: () => false,
      log: { info: () => undefined, warn: () => undefined },
    }) as unknown as ResultDownloadDeps;
  const entry = { localId: 'L1' } as LedgerEntry;
  const refuse = (codes: string[]): void => {
    (fsp as { rename: unknown }).rename = (from: string, to: string) => {
      const code = codes.shift();
      return code ? Promise.reject(Object.assign(new Error(`${code}: ${from}`), { code })) : rename(from, to);
    };
  };

  it('tries a rename again while another program holds the file', async () => {
    refuse(['EBUSY', 'EPERM']);
    const kept = await downloadResult(deps(), 'https://cdn.example.com/a.png', entry, 0, new AbortController().signal);
    assert.ok(existsSync(kept));
    assert.deepEqual(readdirSync(dir), ['L1-0.png']);
  });

  it('tells a rename that fails as a storage failure, without the path, and removes the part file', async () => {
    refuse(['EXDEV']);
    const error = await failure(downloadResult(deps(), 'https://cdn.example.com/a.png', entry, 0, new AbortController().signal));
    assert.equal(error.reason, 'fileSystem');
    assert.equal(error.details.code, 'storageFailed');
    assert.doesNotMatch(error.message, new RegExp(dir.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')));
    assert.deepEqual(readdirSync(dir), []);
  });
});
