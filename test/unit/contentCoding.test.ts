import * as assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { brotliCompressSync, deflateRawSync, deflateSync, gzipSync, inflateRawSync } from 'node:zlib';
import { EvoLinkError } from '../../src/common/errors';
import { EvoLinkClient, type DownloadSink } from '../../src/extension/api/client';
import { badContentCoding } from '../../src/extension/net/contentCoding';
import { createFetchTransport } from '../../src/extension/net/fetchTransport';
import { createUndiciTransport, type Transport } from '../../src/extension/net/transport';
import { createVsCodeTransport } from '../../src/extension/net/vscodeTransport';

/** A PNG's signature and header, then bytes that compress well (so a packed copy is short). */
const png = Buffer.concat([Buffer.from('89504e470d0a1a0a0000000d49484452', 'hex'), Buffer.from('0123456789abcdef'.repeat(20_000))]);
const packs = { gzip: gzipSync, deflate: deflateSync, br: brotliCompressSync };

/** Sends `bytes` in pieces, the first two bytes alone (less than it takes to tell an image). */
function sendInPieces(res: ServerResponse, bytes: Buffer): void {
  let offset = 0;
  const next = (): void => {
    if (offset >= bytes.length) return void res.end();
    const size = offset === 0 ? 2 : 4096;
    res.write(bytes.subarray(offset, (offset += size)), () => setImmediate(next));
  };
  next();
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

const isBadCoding = (error: unknown): boolean => error instanceof EvoLinkError && error.reason === 'invalidResponse' && error.details.code === badContentCoding;

const transports: [string, () => Transport][] = [
  ['undici', () => createUndiciTransport({ proxy: '', strictSSL: true, noProxy: [] })],
  ["VS Code's path (the http module for results)", () => createVsCodeTransport((input, init) => fetch(input, init))],
];

for (const [name, make] of transports) {
  describe(`A result whose Content-Encoding does not match its bytes, over ${name}`, () => {
    let handler: (req: IncomingMessage, res: ServerResponse) => void;
    const requests: IncomingMessage[] = [];
    const server = createServer((req, res) => {
      requests.push(req);
      handler(req, res);
    });
    let base: string;
    let transport: Transport;
    let client: EvoLinkClient;

    before(async () => {
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    });
    beforeEach(() => {
      requests.length = 0;
      transport = make();
      client = new EvoLinkClient({ transport, endpoints: () => ({ api: base, files: base }), userAgent: 'evolink.evolink-image-studio/0.0.0-test', sleep: () => Promise.resolve() });
    });
    afterEach(() => transport.dispose());
    after(() => {
      server.closeAllConnections();
      server.close();
    });

    it('saves an uncompressed image labelled gzip, deflate or br as the bytes it is, at the first try, and caps those bytes', async () => {
      for (const coding of Object.keys(packs)) {
        requests.length = 0;
        handler = (_req, res) => {
          res.writeHead(200, { 'content-type': 'image/png', 'content-encoding': coding, 'content-length': png.length });
          sendInPieces(res, png);
        };
        const chunks: Buffer[] = [];
        const size = await client.download(`${base}/result.png`, sinkInto(chunks), { maxBytes: 50 * 1024 * 1024 });
        assert.equal(size, png.length, coding);
        assert.ok(Buffer.concat(chunks).equals(png), coding);
        assert.equal(requests.length, 1, coding);
        await assert.rejects(client.download(`${base}/result.png`, sinkInto([]), { maxBytes: png.length - 1 }), (error: unknown) => error instanceof EvoLinkError && error.reason === 'tooLarge', coding);
      }
    });

    it('still inflates an image that is compressed as labelled', async () => {
      for (const [coding, pack] of Object.entries(packs)) {
        handler = (_req, res) => {
          res.writeHead(200, { 'content-encoding': coding });
          sendInPieces(res, pack(png));
        };
        const chunks: Buffer[] = [];
        await client.download(`${base}/result.png`, sinkInto(chunks), { maxBytes: 50 * 1024 * 1024 });
        assert.ok(Buffer.concat(chunks).equals(png), coding);
      }
    });

    it('inflates a deflate body sent as a bare deflate stream (no zlib header), as browsers and curl do', async () => {
      for (const body of [deflateRawSync(png), deflateRawSync(Buffer.from('{"ok":true}'))]) {
        handler = (_req, res) => {
          res.writeHead(200, { 'content-type': 'image/png', 'content-encoding': 'deflate', 'content-length': body.length });
          sendInPieces(res, body);
        };
        const chunks: Buffer[] = [];
        await client.download(`${base}/result.png`, sinkInto(chunks), { maxBytes: 50 * 1024 * 1024 });
        assert.ok(Buffer.concat(chunks).equals(inflateRawSync(body)));
      }
    });

    it('fails bytes that are neither the labelled compression nor an image, and a compression that breaks down after it gave bytes, as badContentCoding, without retrying', async () => {
      for (const coding of ['gzip', 'deflate']) {
        requests.length = 0;
        handler = (_req, res) => res.writeHead(200, { 'content-encoding': coding }).end('<html><body>Not found</body></html>');
        await assert.rejects(client.download(`${base}/page`, sinkInto([]), { maxBytes: 1 << 20 }), isBadCoding, `${coding} page`);
        assert.equal(requests.length, 1, `${coding} page`);
        // A whole compressed image with bytes spoilt in its middle: the decoder gives bytes first.
        const spoilt = Buffer.from(packs[coding as keyof typeof packs](png));
        spoilt.fill(0xff, spoilt.length >> 1, (spoilt.length >> 1) + 64);
        requests.length = 0;
        handler = (_req, res) => {
          res.writeHead(200, { 'content-encoding': coding, 'content-length': spoilt.length });
          sendInPieces(res, spoilt);
        };
        await assert.rejects(client.download(`${base}/spoilt`, sinkInto([]), { maxBytes: 1 << 20 }), isBadCoding, `${coding} spoilt`);
        assert.equal(requests.length, 1, `${coding} spoilt`);
      }
    });
  });
}

describe("A body whose Content-Encoding does not match its bytes, over VS Code's fetch", () => {
  it('fails as badContentCoding, not as a broken connection (fetch inflates by itself and cannot pass the bytes on)', async () => {
    const server = createServer((req, res) => res.writeHead(200, { 'content-encoding': req.url!.slice(1) }).end(png));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const transport = createFetchTransport((input, init) => fetch(input, init));
    try {
      for (const coding of Object.keys(packs)) {
        const response = await transport.send({ method: 'GET', url: `${base}/${coding}`, headers: {}, timeoutMs: 5000 });
        await assert.rejects(response.text(), isBadCoding, coding);
      }
    } finally {
      await transport.dispose();
      server.closeAllConnections();
      server.close();
    }
  });
});
