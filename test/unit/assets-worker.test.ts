import * as assert from 'node:assert/strict';
import { mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readImageSize, sniffImageFormat } from '../../src/common/imageType';
import { AssetWorker, AssetWorkCancelled, AssetWorkStalled } from '../../src/extension/assets/assetWorker';
import { wasmNames } from '../../src/extension/assets/wasmLoader';
import { testPicture } from '../support/imageMetrics';
import { wasmInPackages, wasmSources } from '../support/wasm';

describe('The asset worker', () => {
  let directory: string;
  let worker: AssetWorker;

  before(() => {
    // The shipped layout, dist/wasm/<name>.wasm, made of links to node_modules.
    directory = mkdtempSync(join(tmpdir(), 'evolink-wasm-'));
    for (const name of wasmNames) symlinkSync(wasmInPackages(name), join(directory, `${name}.wasm`));
    worker = new AssetWorker({ script: join(__dirname, '../support/assetsWorker.cjs'), wasmDirectory: directory, idleMs: 200 });
  });

  after(() => {
    worker.dispose();
    rmSync(directory, { recursive: true, force: true });
  });

  it('lists in wasm.json exactly the modules the loader names (the build copies that list)', () => {
    assert.deepEqual(Object.keys(wasmSources).sort(), [...wasmNames].sort());
  });

  it('decodes, resizes and encodes in its own thread, and runs a list of outputs', async () => {
    const png = await worker.encode({ width: 80, height: 40, data: testPicture(80, 40) }, { format: 'png' });
    const image = await worker.decode(png);
    assert.deepEqual([image.width, image.height], [80, 40]);
    const small = await worker.resize(image, { width: 20, height: 20, fit: 'cover' });
    assert.deepEqual([small.width, small.height], [20, 20]);
    const png2 = await worker.encode({ width: 80, height: 40, data: testPicture(80, 40) }, { format: 'png' });
    const results = await worker.run(png2, [
      { width: 32, height: 16, fit: 'fill', format: 'webp', quality: 70 },
      { width: 24, height: 24, fit: 'contain', format: 'jpeg', background: [255, 255, 255, 255] },
    ]);
    assert.deepEqual(results.map((result) => [sniffImageFormat(result.bytes), readImageSize(result.bytes)]), [
      ['webp', { width: 32, height: 16 }],
      ['jpeg', { width: 24, height: 24 }],
    ]);
  });

  it('answers a file it cannot read with the reason, and keeps working', async () => {
    await assert.rejects(worker.decode(new TextEncoder().encode('not an image')), (error: Error) => error instanceof TypeError && /only PNG, JPEG, WebP, BMP and TIFF/.test(error.message));
    const png = await worker.encode({ width: 8, height: 8, data: testPicture(8, 8) }, { format: 'png' });
    assert.equal(sniffImageFormat(png), 'png');
  });

  it('stops a run under way when its signal is aborted: the call fails at once, the thread stops, and the next call starts it again', async () => {
    const own = new AssetWorker({ script: join(__dirname, '../support/assetsWorker.cjs'), wasmDirectory: directory, idleMs: 200 });
    try {
      const png = await own.encode({ width: 512, height: 512, data: testPicture(512, 512) }, { format: 'png' });
      const stop = new AbortController();
      // Seconds of AVIF encoding: it is still under way when the signal comes.
      const heavy = own.run(png, [1, 2, 3, 4].map(() => ({ width: 2048, height: 2048, fit: 'fill' as const, format: 'avif' as const, quality: 90 })), undefined, stop.signal);
      let settled = false;
      void heavy.then(() => (settled = true), () => (settled = true));
      await new Promise((resolve) => setTimeout(resolve, 150));
      assert.equal(settled, false, 'the run was still under way');
      stop.abort();
      await assert.rejects(heavy, (error: Error) => error instanceof AssetWorkCancelled);
      assert.equal(own.running, false, 'the thread was stopped mid-run');
      await assert.rejects(own.run(png, [], undefined, stop.signal), AssetWorkCancelled, 'an aborted signal starts nothing');
      assert.equal(own.running, false);
      const again = await own.encode({ width: 8, height: 8, data: testPicture(8, 8) }, { format: 'png' });
      assert.equal(sniffImageFormat(again), 'png');
    } finally {
      own.dispose();
    }
  });

  it('cancels only its own call where another is under way in the same thread', async () => {
    const own = new AssetWorker({ script: join(__dirname, '../support/assetsWorker.cjs'), wasmDirectory: directory, idleMs: 200 });
    try {
      const picture = async (): Promise<Uint8Array> => own.encode({ width: 256, height: 256, data: testPicture(256, 256) }, { format: 'png' });
      const [first, second] = [await picture(), await picture()];
      const stop = new AbortController();
      const cancelled = own.run(first, [{ width: 1024, height: 1024, fit: 'fill', format: 'avif', quality: 80 }], undefined, stop.signal);
      const kept = own.run(second, [{ width: 64, height: 64, fit: 'fill', format: 'webp', quality: 80 }]);
      stop.abort();
      await assert.rejects(cancelled, AssetWorkCancelled);
      const [result] = await kept;
      assert.deepEqual(readImageSize(result!.bytes), { width: 64, height: 64 });
    } finally {
      own.dispose();
    }
  });

  it('stops a thread that answers nothing for too long: every call under way fails, and the next call starts it again', async () => {
    // Long enough for a thread to start and compile its codecs; far shorter than the work below.
    const stallMs = 2000;
    const own = new AssetWorker({ script: join(__dirname, '../support/assetsWorker.cjs'), wasmDirectory: directory, idleMs: 200, stallMs });
    try {
      const png = await worker.encode({ width: 512, height: 512, data: testPicture(512, 512) }, { format: 'png' });
      await own.encode({ width: 8, height: 8, data: testPicture(8, 8) }, { format: 'png' });
      // Long runs of AVIF encoding, with no answer for many seconds, stand for a codec caught in a damaged file.
      const outputs = Array.from({ length: 12 }, () => ({ width: 2048, height: 2048, fit: 'fill' as const, format: 'avif' as const, quality: 90 }));
      const started = Date.now();
      const copy = png.slice();
      const [first, second] = [own.run(png, outputs), own.run(copy, outputs)];
      await assert.rejects(first, (error: Error) => error instanceof AssetWorkStalled && error.name === 'TimeoutError');
      await assert.rejects(second, AssetWorkStalled);
      assert.ok(Date.now() - started < stallMs + 1000, 'stopped at the stall, not at the end of the work');
      assert.equal(own.running, false, 'the thread was stopped');
      // Work that answers in time is never stopped, however long all of it takes.
      const again = await own.encode({ width: 8, height: 8, data: testPicture(8, 8) }, { format: 'png' });
      assert.equal(sniffImageFormat(again), 'png');
    } finally {
      own.dispose();
    }
  });

  it('stops when idle and starts again on the next call', async () => {
    await new Promise((resolve) => setTimeout(resolve, 400));
    const png = await worker.encode({ width: 8, height: 8, data: testPicture(8, 8) }, { format: 'png' });
    assert.equal(sniffImageFormat(png), 'png');
  });
});
