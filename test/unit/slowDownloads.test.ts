import * as assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { EvoLinkError } from '../../src/common/errors';
import { EvoLinkClient, type DownloadOptions, type DownloadSink } from '../../src/extension/api/client';
import { createUndiciTransport, type Transport } from '../../src/extension/net/transport';
import { createVsCodeTransport } from '../../src/extension/net/vscodeTransport';

/** A PNG's signature and header, then 40 KB. */
const png = Buffer.concat([Buffer.from('89504e470d0a1a0a0000000d49484452', 'hex'), Buffer.alloc(40_000, 9)]);
const etag = '"v1-result"';

/** Sends `bytes` in pieces of `size` every `everyMs`; stops when the client goes. */
function trickle(res: ServerResponse, bytes: Buffer, size: number, everyMs: number): void {
  let offset = 0;
  const timer = setInterval(() => {
    if (offset >= bytes.length) {
      clearInterval(timer);
      return void res.end();
    }
    res.write(bytes.subarray(offset, (offset += size)));
  }, everyMs);
  res.on('close', () => clearInterval(timer));
}

/** Sends the first part of `bytes` with the whole length declared, then breaks the connection. */
function cutAfterHalf(res: ServerResponse, bytes: Buffer, headers: Record<string, string | number>): void {
  res.writeHead(200, { 'content-length': bytes.length, ...headers });
  res.write(bytes.subarray(0, bytes.length >> 1), () => setTimeout(() => res.destroy(), 20));
}

function sinkInto(chunks: Buffer[]): DownloadSink {
  return {
    write: (chunk) => {
      chunks.push(Buffer.from(chunk));
      return Promise.resolve();
    },
    reset: () => {
      chunks.length = 0;
      return Promise.resolve();
    },
  };
}

const transports: [string, () => Transport][] = [
  ['undici', () => createUndiciTransport({ proxy: '', strictSSL: true, noProxy: [] })],
  ["VS Code's path (the http module for results)", () => createVsCodeTransport((input, init) => fetch(input, init))],
];

for (const [name, make] of transports) {
  describe(`A result on a slow or broken link, over ${name}`, () => {
    let handler: (req: IncomingMessage, res: ServerResponse) => void;
    const requests: IncomingMessage[] = [];
    const server = createServer((req, res) => {
      requests.push(req);
      handler(req, res);
    });
    let base: string;
    let transport: Transport;
    const clientWith = (attempts = 4) =>
      new EvoLinkClient({ transport, endpoints: () => ({ api: base, files: base }), userAgent: 'evolink.evolink-image-studio/0.0.0-test', getRetryPolicy: { attempts, baseDelayMs: 1 }, sleep: () => Promise.resolve() });
    const download = async (options: Partial<DownloadOptions> = {}, attempts?: number) => {
      const chunks: Buffer[] = [];
      const size = await clientWith(attempts).download(`${base}/result.png`, sinkInto(chunks), { maxBytes: 1 << 20, ...options });
      return { size, bytes: Buffer.concat(chunks) };
    };

    before(async () => {
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
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

    it('does not cut a body that keeps coming past the time a whole download was once given, in one request', async () => {
      handler = (_req, res) => {
        res.writeHead(200, { 'content-length': png.length });
        trickle(res, png, 1000, 20);
      };
      const started = Date.now();
      // The answer's head within 400 ms, no 200 ms without a byte: the body takes about 800 ms.
      const { size, bytes } = await download({ timeoutMs: 400, idleMs: 200, minRate: { bytes: 1000, perMs: 300 } });
      assert.ok(Date.now() - started > 600, 'the body took longer than the time once given');
      assert.equal(size, png.length);
      assert.ok(bytes.equals(png));
      assert.equal(requests.length, 1);
    });

    it('gives up a body that comes slower than the least rate as a timeout (tooSlow), though it never stands idle', async () => {
      handler = (_req, res) => {
        res.writeHead(200, { 'content-length': 2000 });
        trickle(res, png.subarray(0, 2000), 10, 50);
      };
      await assert.rejects(download({ idleMs: 300, minRate: { bytes: 1000, perMs: 400 } }, 1), (error: unknown) => error instanceof EvoLinkError && error.reason === 'timeout' && error.details.code === 'tooSlow');
    });

    it('does not count the time the disk takes with each chunk against the least rate', async () => {
      handler = (_req, res) => {
        res.writeHead(200, { 'content-length': png.length });
        trickle(res, png, 7000, 100);
      };
      const chunks: Buffer[] = [];
      const slowDisk: DownloadSink = {
        write: async (chunk) => {
          chunks.push(Buffer.from(chunk));
          await new Promise((resolve) => setTimeout(resolve, 85));
        },
        reset: () => Promise.resolve(void (chunks.length = 0)),
      };
      const started = Date.now();
      // Each piece comes while the disk still holds the one before: the network waits little.
      const size = await clientWith(1).download(`${base}/result.png`, slowDisk, { maxBytes: 1 << 20, idleMs: 400, minRate: { bytes: 1 << 20, perMs: 250 } });
      assert.ok(Date.now() - started > 500 && chunks.length >= 5, `the disk held the download past one span of the least rate (${Date.now() - started} ms, ${chunks.length} chunks)`);
      assert.equal(size, png.length);
      assert.ok(Buffer.concat(chunks).equals(png));
    });

    it('goes on from the byte where a cut body stopped, with Range and If-Range, where the server takes ranges and gave an ETag', async () => {
      let kept = -1;
      handler = (req, res) => {
        if (!req.headers.range) return cutAfterHalf(res, png, { 'accept-ranges': 'bytes', etag });
        kept = Number(/^bytes=(\d+)-$/.exec(req.headers.range)?.[1]);
        res.writeHead(206, { 'content-range': `bytes ${kept}-${png.length - 1}/${png.length}`, 'content-length': png.length - kept, etag }).end(png.subarray(kept));
      };
      const { size, bytes } = await download();
      assert.equal(requests.length, 2);
      assert.ok(kept > 0, 'the second request asked for the rest');
      assert.equal(requests[1]!.headers['if-range'], etag);
      // No type the extension cannot save is invited (a CDN converting by Accept would send AVIF to "image/*").
      assert.equal(requests[0]!.headers.accept, 'image/png, image/jpeg, image/webp, image/gif;q=0.9, image/*;q=0.5');
      assert.equal(size, png.length);
      assert.ok(bytes.equals(png));
    });

    it('downloads the whole file again where the server ignores the range, answers another part, or gave no validator', async () => {
      const rest = (req: IncomingMessage, res: ServerResponse, start: number): void => {
        res.writeHead(206, { 'content-range': `bytes ${start}-${png.length - 1}/${png.length}`, 'content-length': png.length - start, etag }).end(png.subarray(start));
      };
      const servers: [string, (req: IncomingMessage, res: ServerResponse) => void, number][] = [
        ['ignores the range', (req, res) => (req.headers.range ? res.writeHead(200, { 'content-length': png.length }).end(png) : cutAfterHalf(res, png, { 'accept-ranges': 'bytes', etag })), 2],
        ['answers from byte 0', (req, res) => (req.headers.range ? rest(req, res, 0) : requests.length > 2 ? res.end(png) : cutAfterHalf(res, png, { 'accept-ranges': 'bytes', etag })), 3],
        ['gave no validator', (req, res) => (req.headers.range ? rest(req, res, 0) : requests.length > 1 ? res.end(png) : cutAfterHalf(res, png, { 'accept-ranges': 'bytes' })), 2],
      ];
      for (const [what, serve, count] of servers) {
        requests.length = 0;
        handler = serve;
        const { size, bytes } = await download();
        assert.equal(size, png.length, what);
        assert.ok(bytes.equals(png), what);
        assert.equal(requests.length, count, what);
      }
      assert.equal(requests[1]!.headers.range, undefined, 'no range is asked for without a validator');
    });

    it('takes the whole file answered as a part (206 from byte 0) to a request without a range, but not a part of it', async () => {
      handler = (_req, res) => void res.writeHead(206, { 'content-range': `bytes 0-${png.length - 1}/${png.length}`, 'content-length': png.length, 'accept-ranges': 'bytes', etag }).end(png);
      const whole = await download();
      assert.ok(whole.bytes.equals(png));
      assert.equal(requests.length, 1);
      requests.length = 0;
      handler = (_req, res) => void res.writeHead(206, { 'content-range': `bytes 0-99/${png.length}`, 'content-length': 100 }).end(png.subarray(0, 100));
      await assert.rejects(download(), (error: unknown) => error instanceof EvoLinkError && error.reason === 'invalidResponse' && error.details.status === 206);
      assert.equal(requests.length, 1, 'a part for a whole is not asked for again');
    });

    it('takes no part that stops short of the end or is of a file of another length, and ends at a 416 that says the bytes kept are the whole file', async () => {
      const servers: [string, (req: IncomingMessage, res: ServerResponse) => void, number][] = [
        [
          'a part short of the end',
          (req, res) => {
            if (!req.headers.range) return requests.length > 2 ? res.end(png) : cutAfterHalf(res, png, { 'accept-ranges': 'bytes', etag });
            const start = Number(/^bytes=(\d+)-$/.exec(req.headers.range)?.[1]);
            res.writeHead(206, { 'content-range': `bytes ${start}-${start + 99}/${png.length}`, 'content-length': 100, etag }).end(png.subarray(start, start + 100));
          },
          3,
        ],
        [
          // The header says the rest; the body (chunked, its length unsaid) is the whole file.
          'a part whose body runs past its range',
          (req, res) => {
            if (!req.headers.range) return requests.length > 2 ? res.end(png) : cutAfterHalf(res, png, { 'accept-ranges': 'bytes', etag });
            const start = Number(/^bytes=(\d+)-$/.exec(req.headers.range)?.[1]);
            res.writeHead(206, { 'content-range': `bytes ${start}-${png.length - 1}/${png.length}`, etag });
            res.write(png.subarray(0, 100));
            res.end(png.subarray(100));
          },
          3,
        ],
        [
          'a part of a longer file',
          (req, res) => {
            if (!req.headers.range) return requests.length > 2 ? res.end(png) : cutAfterHalf(res, png, { 'accept-ranges': 'bytes', 'last-modified': 'Tue, 01 Dec 2026 10:00:00 GMT' });
            const start = Number(/^bytes=(\d+)-$/.exec(req.headers.range)?.[1]);
            res.writeHead(206, { 'content-range': `bytes ${start}-${png.length + 499}/${png.length + 500}`, 'content-length': png.length + 500 - start }).end(Buffer.concat([png.subarray(start), Buffer.alloc(500)]));
          },
          3,
        ],
      ];
      for (const [what, serve, count] of servers) {
        requests.length = 0;
        handler = serve;
        const { size, bytes } = await download();
        assert.ok(bytes.equals(png), what);
        assert.equal(size, png.length, what);
        assert.equal(requests.length, count, what);
      }
      // A chunked body that came whole but broke before its end was told: the range past it is empty.
      requests.length = 0;
      handler = (req, res) => {
        if (!req.headers.range) {
          res.writeHead(200, { 'accept-ranges': 'bytes', etag });
          return res.write(png, () => setTimeout(() => res.destroy(), 20));
        }
        res.writeHead(416, { 'content-range': `bytes */${png.length}` }).end();
      };
      const ended = await download();
      assert.ok(ended.bytes.equals(png), 'the bytes kept are the file');
      assert.equal(requests.length, 2);
    });

    it('gives up a body that creeps forward a little at each try, resumable or not, after a bounded number of tries', async () => {
      handler = (req, res) => {
        const start = Number(/^bytes=(\d+)-$/.exec(req.headers.range ?? '')?.[1] ?? 0);
        res.writeHead(req.headers.range ? 206 : 200, { 'content-length': png.length - start, 'accept-ranges': 'bytes', etag, ...(req.headers.range ? { 'content-range': `bytes ${start}-${png.length - 1}/${png.length}` } : {}) });
        trickle(res, png.subarray(start), 50, 40);
      };
      await assert.rejects(download({ idleMs: 300, minRate: { bytes: 1000, perMs: 150 } }, 4), (error: unknown) => error instanceof EvoLinkError && error.details.code === 'tooSlow');
      assert.ok(requests.length <= 12, `${requests.length} requests`);
    });
  });
}
