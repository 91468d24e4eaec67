import * as assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import type * as vscode from 'vscode';
import { demoKey, EvoLinkSimulator } from '../../simulator/server';
import { EvoLinkError } from '../../src/common/errors';
import { EvoLinkClient } from '../../src/extension/api/client';
import { createUndiciTransport, type Transport } from '../../src/extension/net/transport';
import { describeBytes, Uploads } from '../../src/extension/submit/uploads';
import { TaskLedger } from '../../src/extension/tasks/ledger';

const quiet = { info: () => undefined, warn: () => undefined } as unknown as vscode.LogOutputChannel;
const hour = 3600 * 1000;

describe('Uploads of local images', () => {
  let simulator: EvoLinkSimulator;
  let transport: Transport;
  let dir: string;
  let now: number;
  let uploads: Uploads;
  const png = (colour: string) => sharp({ create: { width: 32, height: 32, channels: 3, background: colour } }).png().toBuffer();
  const uploadRequests = () => simulator.requests.filter((request) => request.origin === 'files').length;

  before(async () => {
    simulator = new EvoLinkSimulator();
    await simulator.start();
    transport = createUndiciTransport({ proxy: '', strictSSL: true, noProxy: [] });
  });
  after(async () => {
    await transport.dispose();
    await simulator.stop();
  });
  beforeEach(() => {
    simulator.reset();
    dir = mkdtempSync(join(tmpdir(), 'evolink-uploads-'));
    now = Date.now();
    const client = new EvoLinkClient({ transport, endpoints: () => ({ api: simulator.urls.api, files: simulator.urls.files }), userAgent: 'test/0', timeoutMs: () => 5000 });
    uploads = new Uploads({ ledger: new TaskLedger(dir), client: () => client, apiKey: () => Promise.resolve(demoKey), log: quiet, now: () => now });
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('uploads the same bytes once while the link is valid, and other bytes again', async () => {
    const red = await png('#f00');
    const first = await uploads.urlFor(red, 'red.png', 'png');
    assert.equal(first.reused, false);
    const again = await uploads.urlFor(Buffer.from(red), 'renamed.png', 'png');
    assert.deepEqual(again, { url: first.url, reused: true });
    assert.equal(uploadRequests(), 1);
    const blue = await uploads.urlFor(await png('#00f'), 'blue.png', 'png');
    assert.notEqual(blue.url, first.url);
    assert.equal(uploadRequests(), 2);
  });

  it('reuses an upload only with the key it was made with, and uploads again once EvoLink could not use its link', async () => {
    const red = await png('#f00');
    const first = await uploads.urlFor(red, 'red.png', 'png');
    // Another key (another account) may not see the file: uploaded again for it.
    const other = 'sk-other-account-0000000000000000';
    simulator.setKey(other, { account: 'other' });
    const client = new EvoLinkClient({ transport, endpoints: () => ({ api: simulator.urls.api, files: simulator.urls.files }), userAgent: 'test/0', timeoutMs: () => 5000 });
    const ledger = new TaskLedger(dir);
    const theirs = new Uploads({ ledger, client: () => client, apiKey: () => Promise.resolve(other), log: quiet, now: () => now });
    assert.equal((await theirs.urlFor(red, 'red.png', 'png')).reused, false);
    assert.equal(uploadRequests(), 2);
    // A task that failed for another reason keeps the link; one EvoLink could not fetch (a file deleted in the dashboard) drops it.
    const mine = new Uploads({ ledger, client: () => client, apiKey: () => Promise.resolve(demoKey), log: quiet, now: () => now });
    const again = await mine.urlFor(red, 'red.png', 'png');
    assert.equal(again.reused, false, 'the record now holds the other key\'s upload');
    await mine.forgetAfter({ code: 'content_policy_violation' }, [again.url]);
    assert.equal((await mine.urlFor(red, 'red.png', 'png')).reused, true);
    await mine.forgetAfter({ code: 'image_processing_error' }, [again.url]);
    assert.equal((await mine.urlFor(red, 'red.png', 'png')).reused, false);
    await mine.forgetAfter({ param: 'image_urls' }, [first.url, 'https://elsewhere.example/x.png']);
    assert.equal(uploadRequests(), 4);
  });

  it('names the file after its real format, so that its link ends in an image extension', async () => {
    const bytes = await png('#0f0');
    const { url } = await uploads.urlFor(bytes, 'logo', 'png');
    assert.match(url, /logo\.png$/);
    const jfif = await uploads.urlFor(await png('#ff0'), 'photo.v2.jfif', 'png');
    assert.match(jfif.url, /photo\.v2\.png$/);
  });

  it('names and types an upload by what its bytes are, not by the format it was inspected as', async () => {
    const jpeg = await sharp({ create: { width: 32, height: 32, channels: 3, background: '#08f' } }).jpeg().toBuffer();
    // photo.png was inspected as a PNG, then replaced by a JPEG before it was sent.
    const { url } = await uploads.urlFor(jpeg, 'photo.png', 'png');
    assert.match(url, /photo\.jpg$/);
    const stored = [...simulator.files.values()][0]!;
    assert.equal(stored.name, 'photo.jpg');
  });

  it('keeps the record across windows (it lives in the ledger folder)', async () => {
    const red = await png('#f00');
    const { url } = await uploads.urlFor(red, 'red.png', 'png');
    const client = new EvoLinkClient({ transport, endpoints: () => ({ api: simulator.urls.api, files: simulator.urls.files }), userAgent: 'test/0', timeoutMs: () => 5000 });
    const other = new Uploads({ ledger: new TaskLedger(dir), client: () => client, apiKey: () => Promise.resolve(demoKey), log: quiet, now: () => now });
    assert.deepEqual(await other.urlFor(red, 'red.png', 'png'), { url, reused: true });
  });

  it('uploads again when the link would expire within six hours (it expires after 72)', async () => {
    const red = await png('#f00');
    await uploads.urlFor(red, 'red.png', 'png');
    now += 65 * hour;
    assert.equal((await uploads.urlFor(red, 'red.png', 'png')).reused, true);
    now += 2 * hour;
    assert.equal((await uploads.urlFor(red, 'red.png', 'png')).reused, false);
    assert.equal(uploadRequests(), 2);
  });

  it('records nothing when the files API refuses with HTTP 200 and success: false', async () => {
    const red = await png('#f00');
    simulator.addFault('upload', { kind: 'refusedWith200', code: 403, msg: 'File quota exceeded' });
    await assert.rejects(uploads.urlFor(red, 'red.png', 'png'), (error: unknown) => error instanceof EvoLinkError && error.reason === 'uploadFailed' && /quota/.test(error.message));
    assert.equal((await uploads.urlFor(red, 'red.png', 'png')).reused, false);
  });
});

describe('An upload under way', () => {
  it('stops at once when it is cancelled, with nothing recorded', async () => {
    // A files API that takes the request and never answers.
    const server = createServer((request) => request.resume());
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const transport = createUndiciTransport({ proxy: '', strictSSL: true, noProxy: [] });
    const dir = mkdtempSync(join(tmpdir(), 'evolink-uploads-'));
    try {
      const client = new EvoLinkClient({ transport, endpoints: () => ({ api: base, files: base }), userAgent: 'test/0', timeoutMs: () => 60_000 });
      const ledger = new TaskLedger(dir);
      const uploads = new Uploads({ ledger, client: () => client, apiKey: () => Promise.resolve(demoKey), log: quiet });
      const cancel = new AbortController();
      setTimeout(() => cancel.abort(), 200);
      const bytes = await sharp({ create: { width: 8, height: 8, channels: 3, background: '#f00' } }).png().toBuffer();
      await assert.rejects(uploads.urlFor(bytes, 'red.png', 'png', cancel.signal), (error: unknown) => error instanceof EvoLinkError && error.reason === 'cancelled');
      assert.equal(await ledger.getUpload(createHash('sha256').update(bytes).digest('hex')), undefined, 'nothing recorded');
    } finally {
      await transport.dispose();
      server.closeAllConnections();
      server.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('What the bytes of an upload are', () => {
  it('reads the type, size and pixel size from the bytes themselves', async () => {
    const bytes = await sharp({ create: { width: 300, height: 200, channels: 3, background: '#f00' } }).png().toBuffer();
    assert.deepEqual(await describeBytes(bytes), { format: 'png', bytes: bytes.length, width: 300, height: 200 });
  });

  it('tells a cut image (half a JPEG, a file still being written) as cut', async () => {
    const jpeg = await sharp({ create: { width: 256, height: 256, channels: 3, background: '#00f', noise: { type: 'gaussian', mean: 128, sigma: 60 } } }).jpeg().toBuffer();
    const half = await describeBytes(jpeg.subarray(0, jpeg.length >> 1));
    assert.equal(half.format, 'jpeg');
    assert.equal(half.truncated, true);
    assert.equal((await describeBytes(jpeg)).truncated, undefined);
  });

  it('tells bytes that are no image as such', async () => {
    assert.equal((await describeBytes(new TextEncoder().encode('not an image'))).format, undefined);
  });
});
