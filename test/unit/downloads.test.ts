import * as assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { lookup } from 'node:dns/promises';
import type { AddressInfo } from 'node:net';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { demoKey, type EvoLinkSimulator } from '../../simulator/server';
import { EvoLinkError } from '../../src/common/errors';
import { imageIntegrity, sniffImageFormat } from '../../src/common/imageType';
import { addressProblem, resultLinkProblem } from '../../src/common/urlPolicy';
import { EvoLinkClient } from '../../src/extension/api/client';
import { createVsCodeTransport } from '../../src/extension/net/vscodeTransport';
import { createNodeHttpTransport } from '../../src/extension/net/nodeHttpTransport';
import { createUndiciTransport } from '../../src/extension/net/transport';
import { FileSink } from '../../src/extension/tasks/fileSink';
import { useSimulatorClient } from '../support/simulatorClient';

/** A completed task's result link, made through the simulator's API. */
async function resultLink(client: EvoLinkClient, simulator: EvoLinkSimulator): Promise<string> {
  const { task } = await client.submit({ model: 'gpt-4o-image', prompt: 'a kite', size: '1:1', n: 1 }, `evl-test-${Date.now()}-000001`, { apiKey: demoKey });
  simulator.advanceClock(10 * 60_000);
  return (await client.getTask(task.id, { apiKey: demoKey })).resultUrls[0]!;
}

describe('Downloading results', () => {
  const session = useSimulatorClient();
  let simulator: EvoLinkSimulator;
  let client: EvoLinkClient;
  let dir: string;
  const check = (url: string) => resultLinkProblem(url, { allowLocal: true });

  beforeEach(() => {
    simulator = session.simulator();
    client = session.client();
    dir = mkdtempSync(join(tmpdir(), 'evolink-download-'));
  });

  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const download = async (url: string, options: { idleMs?: number } = {}) => {
    const sink = new FileSink(join(dir, 'result'));
    try {
      const size = await client.download(url, sink, { maxBytes: 50 * 1024 * 1024, checkLink: check, ...options });
      await sink.close();
      return { size, sink };
    } finally {
      await sink.close().catch(() => undefined);
    }
  };

  it('refuses a link whose host name resolves to a refused address, before anything is asked of it', async () => {
    const url = new URL(await resultLink(client, simulator));
    url.hostname = 'localhost';
    const before = simulator.requests.filter((request) => request.origin !== 'api').length;
    const sink = new FileSink(join(dir, 'result'));
    await assert.rejects(
      client.download(url.href, sink, { maxBytes: 50 * 1024 * 1024, checkLink: check, checkAddress: (address) => addressProblem(address, { allowLocal: false }) }),
      (error: unknown) => error instanceof EvoLinkError && error.details.code === 'refusedLink',
    );
    await sink.close();
    assert.equal(simulator.requests.filter((request) => request.origin !== 'api').length, before, 'no request reached the host');
  });

  it('follows redirects across hosts, with no Authorization on any hop', async () => {
    const url = await resultLink(client, simulator);
    simulator.addFault('cdn', { kind: 'redirect', status: 302, hops: 4, via: 'other' });
    const { size, sink } = await download(url);
    assert.equal(sniffImageFormat(sink.head), 'png');
    assert.equal(imageIntegrity('png', sink.head, sink.tail, size), 'complete');
    const hops = simulator.requests.filter((request) => request.origin !== 'api');
    assert.equal(hops.length, 5);
    assert.ok(hops.every((request) => !request.hasAuthorization));
  });

  it('gives up after five redirects, and never follows one to another scheme, a private address or no address at all', async () => {
    const url = await resultLink(client, simulator);
    simulator.addFault('cdn', { kind: 'redirectLoop' });
    await assert.rejects(download(url), (error: unknown) => error instanceof EvoLinkError && error.details.code === 'redirects');
    assert.equal(simulator.requests.filter((request) => request.origin === 'cdn').length, 6, 'the link and five redirects');
    for (const location of ['file:///etc/passwd', 'http://169.254.169.254/latest/meta-data', 'http://[fd00::1]/x', 'http://10.1.2.3/a.png', 'http://[zz']) {
      simulator.addFault('cdn', { kind: 'redirectTo', location });
      await assert.rejects(download(url), (error: unknown) => error instanceof EvoLinkError && error.details.code === 'refusedLink', location);
    }
  });

  it('gives up a body that stalls, after the idle time, and tries again', async () => {
    const url = await resultLink(client, simulator);
    simulator.addFault('cdn', { kind: 'stall', afterBytes: 100 });
    const started = Date.now();
    const { sink, size } = await download(url, { idleMs: 300 });
    assert.ok(Date.now() - started < 5000);
    assert.equal(imageIntegrity('png', sink.head, sink.tail, size), 'complete');
    assert.equal(simulator.requests.filter((request) => request.origin === 'cdn').length, 2);
  });

  it('does not cut a slow body that keeps sending', async () => {
    const url = await resultLink(client, simulator);
    simulator.addFault('cdn', { kind: 'slowBody', bytesPerSecond: 40_000 });
    const { sink, size } = await download(url, { idleMs: 500 });
    assert.equal(imageIntegrity('png', sink.head, sink.tail, size), 'complete');
    assert.equal(simulator.requests.filter((request) => request.origin === 'cdn').length, 1);
  });

  it('takes a connection cut before the declared length for a failure, and tries again', async () => {
    const url = await resultLink(client, simulator);
    simulator.addFault('cdn', { kind: 'truncated', fraction: 0.4 });
    const { sink, size } = await download(url);
    assert.equal(imageIntegrity('png', sink.head, sink.tail, size), 'complete');
  });

  it('tells a cut image by its last bytes, whatever the transfer said', async () => {
    const url = await resultLink(client, simulator);
    simulator.addFault('cdn', { kind: 'truncatedImage' });
    const { sink, size } = await download(url);
    assert.equal(imageIntegrity('png', sink.head, sink.tail, size), 'truncated');
  });

  it('fails a full disk cleanly, as a storage error', async function () {
    if (!existsSync('/dev/full')) this.skip();
    const sink = new FileSink('/dev/full');
    await assert.rejects(
      (async () => {
        for (let index = 0; index < 64; index++) await sink.write(new Uint8Array(64 * 1024));
        await sink.close();
      })(),
      (error: unknown) => error instanceof EvoLinkError && error.reason === 'fileSystem' && error.details.code === 'storageFull' && !error.message.includes('/dev'),
    );
    await sink.close().catch(() => undefined);
  });
});

describe("Downloading results on VS Code's path (the http module)", () => {
  let handler: (req: IncomingMessage, res: ServerResponse) => void;
  const requests: IncomingMessage[] = [];
  const server = createServer((req, res) => {
    requests.push(req);
    handler(req, res);
  });
  let base: string;
  let dir: string;
  const transport = createVsCodeTransport((input, init) => fetch(input, init));
  const client = new EvoLinkClient({ transport, endpoints: () => ({ api: base, files: base }), userAgent: 'evolink.evolink-image-studio/0.0.0-test', sleep: () => Promise.resolve() });
  const png = Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), Buffer.alloc(300_000, 7)]);

  before(async () => {
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  beforeEach(() => {
    requests.length = 0;
    dir = mkdtempSync(join(tmpdir(), 'evolink-download-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));
  after(() => {
    server.closeAllConnections();
    server.close();
  });

  const download = async (options: { idleMs?: number; maxBytes?: number } = {}) => {
    const sink = new FileSink(join(dir, 'result'));
    try {
      return { size: await client.download(`${base}/result.png`, sink, { maxBytes: 50 * 1024 * 1024, ...options }), sink };
    } finally {
      await sink.close().catch(() => undefined);
    }
  };

  it('saves a body that comes in small pieces whole, without an Authorization header', async () => {
    handler = (_req, res) => {
      res.writeHead(200, { 'content-length': png.length });
      let offset = 0;
      const next = (): void => {
        if (offset >= png.length) return void res.end();
        res.write(png.subarray(offset, (offset += 1000)));
        setImmediate(next);
      };
      next();
    };
    const { size, sink } = await download();
    assert.equal(size, png.length);
    assert.ok(Buffer.from(sink.head).equals(png.subarray(0, sink.head.length)));
    assert.ok(Buffer.from(sink.tail).equals(png.subarray(png.length - 64)));
    assert.ok(requests.every((request) => request.headers.authorization === undefined));
  });

  it('gives up a body that stalls after the idle time, on every attempt', async () => {
    handler = (_req, res) => res.writeHead(200, { 'content-length': png.length }).write(png.subarray(0, 100));
    const started = Date.now();
    await assert.rejects(download({ idleMs: 300 }), (error: unknown) => error instanceof EvoLinkError && error.reason === 'timeout' && /No data/.test(error.message));
    assert.equal(requests.length, 4, 'the first attempt and three more');
    assert.ok(Date.now() - started < 8000);
  });

  it("takes a CDN's 4xx for a refusal of the link, never for the API key or the credits, and asks once", async () => {
    for (const [status, body] of [
      [401, 'Unauthorized'],
      [402, ''],
      [400, '<?xml version="1.0"?><Error><Code>ExpiredToken</Code></Error>'],
      [403, 'AccessDenied'],
    ] as const) {
      requests.length = 0;
      handler = (_req, res) => res.writeHead(status).end(body);
      await assert.rejects(download(), (error: unknown) => error instanceof EvoLinkError && error.reason === 'expired' && error.details.status === status, String(status));
      assert.equal(requests.length, 1, `${status}: not asked again at once`);
    }
    // A rate limit may pass: it keeps its reason.
    handler = (_req, res) => res.writeHead(429, { 'retry-after': '0' }).end();
    await assert.rejects(download(), (error: unknown) => error instanceof EvoLinkError && error.reason === 'rateLimited');
  });

  it('stops a body larger than the cap as it streams, even when its length is not declared', async () => {
    handler = (_req, res) => {
      res.writeHead(200);
      res.end(png);
    };
    await assert.rejects(download({ maxBytes: 100_000 }), (error: unknown) => error instanceof EvoLinkError && error.reason === 'tooLarge');
  });
});

describe('Which result links are followed', () => {
  it('refuses other schemes, credentials, private, link-local and loopback addresses; follows plain http to a public host', () => {
    const remote = { allowLocal: false };
    assert.equal(resultLinkProblem('https://cdn.example.com/r/0.png', remote), undefined);
    assert.equal(resultLinkProblem('http://cdn.example.com/r/0.png', remote), undefined);
    assert.equal(resultLinkProblem('http://10.0.0.7/r/0.png', remote), 'privateNetwork');
    const refused: [string, string][] = [
      ['ftp://cdn.example.com/0.png', 'scheme'],
      ['file:///etc/passwd', 'scheme'],
      ['https://user:pass@cdn.example.com/0.png', 'credentials'],
      ['https://127.0.0.1/0.png', 'loopback'],
      ['https://localhost/0.png', 'loopback'],
      ['https://[::1]/0.png', 'loopback'],
      ['https://169.254.169.254/latest', 'linkLocal'],
      ['https://[fe80::1]/x', 'linkLocal'],
      ['https://10.0.0.7/x', 'privateNetwork'],
      ['https://172.20.1.1/x', 'privateNetwork'],
      ['https://192.168.1.10/x', 'privateNetwork'],
      ['https://100.64.0.1/x', 'privateNetwork'],
      ['https://[fd12::1]/x', 'privateNetwork'],
      ['https://[::ffff:10.0.0.1]/x', 'privateNetwork'],
      ['https://[::ffff:7f00:1]/x', 'loopback'],
      ['https://localhost./x', 'loopback'],
      ['https://cdn.localhost./x', 'loopback'],
      ['https://[::127.0.0.1]/x', 'loopback'],
      ['https://[64:ff9b::a9fe:a9fe]/x', 'linkLocal'],
      ['https://[fec0::1]/x', 'privateNetwork'],
      ['not a url', 'malformed'],
    ];
    for (const [url, problem] of refused) assert.equal(resultLinkProblem(url, remote), problem, url);
  });

  for (const [path, transportFor] of [
    ['Node\'s http (VS Code\'s network support)', createNodeHttpTransport],
    ['undici (VS Code\'s network support off)', () => createUndiciTransport({ proxy: '', strictSSL: true, noProxy: [] })],
  ] as const) {
    it(`refuses a host name whose address leads into this machine or its network, when the download connects: ${path}`, async () => {
      let connections = 0;
      const server = createServer((_req, res) => res.end('ok'));
      server.on('connection', () => connections++);
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      const { port } = server.address() as AddressInfo;
      const transport = transportFor();
      const get = (host: string, refuse?: (address: string) => string | undefined) => transport.send({ method: 'GET', url: `http://${host}:${port}/`, headers: {}, timeoutMs: 5000, ...(refuse ? { refuseAddress: refuse } : {}) });
      const asked: string[] = [];
      try {
        assert.equal((await get('localhost', (address) => addressProblem(address, { allowLocal: true }))).status, 200, 'loopback where the API is local');
        const before = connections;
        const refused = (error: unknown): boolean => error instanceof EvoLinkError && error.details.code === 'refusedLink' && /loopback/.test(error.message);
        await assert.rejects(get('localhost', (address) => (asked.push(address), addressProblem(address, { allowLocal: false }))), refused);
        // Only addresses are judged, never the name.
        assert.ok(asked.length > 0 && asked.every((address) => address === '127.0.0.1' || address === '::1'), asked.join());
        await assert.rejects(get('127.0.0.1', (address) => addressProblem(address, { allowLocal: false })), refused);
        assert.equal(connections, before, 'nothing connected to a refused address');
        assert.equal(addressProblem('169.254.169.254', { allowLocal: true }), 'linkLocal');
        assert.equal(addressProblem('93.184.216.34', { allowLocal: false }), undefined);
      } finally {
        await transport.dispose?.();
        server.close();
      }
    });
  }

  it('undici: a name that answers the check before the request with an allowed address and the connection with a refused one is refused (DNS rebinding), on the loopback and the outside dispatcher', async () => {
    let connections = 0;
    const server = createServer((_req, res) => res.end('ok'));
    server.on('connection', () => connections++);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    const transport = createUndiciTransport({ proxy: '', strictSSL: true, noProxy: [] });
    // This machine's own name, where it resolves to loopback, goes through the dispatcher that real result links take.
    const own = await lookup(hostname()).then((found) => (found.address.startsWith('127.') ? hostname() : undefined), () => undefined);
    try {
      for (const host of ['localhost', ...(own ? [own] : [])]) {
        // Each lookup's addresses are judged in one go: the first lookup's pass, every later one's are refused.
        let rounds = 0;
        let judging = false;
        const rebinding = (): string | undefined => {
          if (!judging) {
            rounds++;
            judging = true;
            queueMicrotask(() => (judging = false));
          }
          return rounds > 1 ? 'privateNetwork' : undefined;
        };
        await assert.rejects(
          transport.send({ method: 'GET', url: `http://${host}:${port}/`, headers: {}, timeoutMs: 5000, refuseAddress: rebinding }),
          (error: unknown) => error instanceof EvoLinkError && error.details.code === 'refusedLink',
          host,
        );
        assert.equal(rounds, 2, `${host}: checked before the request and by the connection`);
      }
      assert.equal(connections, 0, 'nothing connected');
    } finally {
      await transport.dispose?.();
      server.close();
    }
  });

  it('allows loopback and plain http when the API itself is on this machine, but never the metadata address', () => {
    const local = { allowLocal: true };
    assert.equal(resultLinkProblem('http://127.0.0.1:4000/results/0.png', local), undefined);
    assert.equal(resultLinkProblem('http://169.254.169.254/latest', local), 'linkLocal');
    assert.equal(resultLinkProblem('http://10.0.0.7/x', local), 'privateNetwork');
  });
});

describe('Whole images', () => {
  const bytes = (...values: number[]) => Uint8Array.from(values);
  it('knows a PNG by its IEND chunk, a JPEG by its end marker, a GIF by its trailer, WebP and BMP by their lengths', () => {
    const png = bytes(0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a);
    const iend = bytes(0, 0, 0, 0, 0x49, 0x45, 0x4e, 0x44, 0xae, 0x42, 0x60, 0x82);
    assert.equal(imageIntegrity('png', png, iend, 100), 'complete');
    assert.equal(imageIntegrity('png', png, bytes(1, 2, 3), 100), 'truncated');
    assert.equal(imageIntegrity('jpeg', bytes(0xff, 0xd8, 0xff), bytes(9, 0xff, 0xd9, 0, 0), 100), 'complete');
    assert.equal(imageIntegrity('jpeg', bytes(0xff, 0xd8, 0xff), bytes(9, 9, 9), 100), 'truncated');
    assert.equal(imageIntegrity('gif', bytes(0x47), bytes(0x3b), 100), 'complete');
    const webp = new Uint8Array(16);
    new DataView(webp.buffer).setUint32(4, 92, true);
    assert.equal(imageIntegrity('webp', webp, bytes(), 100), 'complete');
    assert.equal(imageIntegrity('webp', webp, bytes(), 60), 'truncated');
    assert.equal(imageIntegrity('png', png, iend, 0), 'truncated');
    assert.equal(imageIntegrity('tiff', bytes(0x49, 0x49, 42, 0), bytes(), 100), 'unknown');
  });
});
