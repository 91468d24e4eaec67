import * as assert from 'node:assert/strict';
import { mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readImageSize, sniffImageFormat } from '../../src/common/imageType';
import { AssetWorker } from '../../src/extension/assets/assetWorker';
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

  it('stops when idle and starts again on the next call', async () => {
    await new Promise((resolve) => setTimeout(resolve, 400));
    const png = await worker.encode({ width: 8, height: 8, data: testPicture(8, 8) }, { format: 'png' });
    assert.equal(sniffImageFormat(png), 'png');
  });
});
