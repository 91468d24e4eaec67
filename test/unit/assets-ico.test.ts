import * as assert from 'node:assert/strict';
import { buildIco, readIco } from '../../src/common/ico';
import { readImageSize, sniffImageFormat } from '../../src/common/imageType';
import { runOutputs } from '../../src/extension/assets/outputs';
import { testPicture } from '../support/imageMetrics';
import { localPipeline } from '../support/wasm';

describe('ICO files', () => {
  it('hold PNG entries largest first, whatever order they came in, each pointing at its PNG', async () => {
    const { codecs, resizer } = localPipeline();
    const source = { width: 64, height: 64, data: testPicture(64, 64) };
    const pngs = [];
    for (const size of [16, 48, 32]) pngs.push(await codecs.encode(await resizer.resample(source, { width: size, height: size }), { format: 'png' }));
    const bytes = buildIco(pngs);
    const view = new DataView(bytes.buffer);
    assert.deepEqual([view.getUint16(0, true), view.getUint16(2, true), view.getUint16(4, true)], [0, 1, 3]);
    const entries = readIco(bytes);
    assert.deepEqual(entries.map((entry) => entry.width), [48, 32, 16]);
    assert.equal(view.getUint32(6 + 12, true), 6 + 3 * 16, 'the first image follows the directory');
    for (const entry of entries) {
      assert.equal(sniffImageFormat(entry.png), 'png');
      assert.deepEqual(readImageSize(entry.png), { width: entry.width, height: entry.height });
      assert.equal(view.getUint16(6 + entries.indexOf(entry) * 16 + 6, true), 32, 'bits per pixel');
    }
    assert.equal(bytes.length, 6 + 3 * 16 + pngs.reduce((sum, png) => sum + png.length, 0));
  });

  it('writes 256 as 0 in the directory and reads it back as 256', async () => {
    const { codecs } = localPipeline();
    const png = await codecs.encode({ width: 256, height: 256, data: new Uint8Array(256 * 256 * 4) }, { format: 'png' });
    const bytes = buildIco([png]);
    assert.equal(bytes[6], 0);
    assert.equal(readIco(bytes)[0]!.width, 256);
  });

  it('refuses what a PNG-in-ICO cannot hold', () => {
    assert.throws(() => buildIco([]), RangeError);
    assert.throws(() => buildIco([new Uint8Array([0xff, 0xd8, 0xff, 0xe0])]), TypeError);
    assert.throws(() => readIco(new Uint8Array([0, 0, 2, 0, 1, 0])), TypeError);
  });

  it('come out of the pipeline as favicon.ico with 48, 32 and 16 in that order', async () => {
    const { codecs, resizer } = localPipeline();
    const [result] = await runOutputs(codecs, resizer, { width: 200, height: 100, data: testPicture(200, 100) }, [{ width: 48, height: 48, fit: 'cover', format: 'ico', sizes: [16, 32, 48] }]);
    const entries = readIco(result!.bytes);
    assert.deepEqual(entries.map((entry) => [entry.width, entry.height]), [[48, 48], [32, 32], [16, 16]]);
    for (const entry of entries) {
      const image = await codecs.decode(entry.png);
      assert.deepEqual([image.width, image.height], [entry.width, entry.height]);
    }
  });
});
