import * as assert from 'node:assert/strict';
import { encode as writeBmp } from 'bmp-ts';
import sharp from 'sharp';
import { readImageSize, sniffImageFormat } from '../../src/common/imageType';
import { localPipeline } from '../support/wasm';

/** A 40x20 picture: red on the left half, blue on the right, the right half half transparent. */
const width = 40;
const height = 20;
function rgba(): Buffer {
  const data = Buffer.alloc(width * height * 4);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) data.set(x < width / 2 ? [255, 0, 0, 255] : [0, 0, 255, 128], (y * width + x) * 4);
  }
  return data;
}

/** The same picture as bmp-ts takes it (ABGR), with the given alpha everywhere, or the picture's own. */
function abgr(alpha?: number): Buffer {
  const source = rgba();
  const data = Buffer.alloc(source.length);
  for (let i = 0; i < source.length; i += 4) data.set([alpha ?? source[i + 3]!, source[i + 2]!, source[i + 1]!, source[i]!], i);
  return data;
}

/** The RGBA of the pixel at the middle of the left and right halves. */
const halves = (image: { width: number; data: Uint8Array }): number[][] => [5, 30].map((x) => [...image.data.subarray((10 * image.width + x) * 4, (10 * image.width + x) * 4 + 4)]);

describe('BMP and TIFF sources (Seedream takes them; the files API does not store them)', () => {
  const { codecs } = localPipeline();

  it('decodes a 24-bit BMP as opaque pixels, right side up', async () => {
    const bmp = writeBmp({ data: abgr(255), width, height, bitPP: 24 }).data;
    assert.equal(sniffImageFormat(bmp), 'bmp');
    assert.deepEqual(readImageSize(bmp), { width, height });
    const image = await codecs.decode(bmp);
    assert.deepEqual([image.width, image.height, image.data.length], [width, height, width * height * 4]);
    assert.deepEqual(halves(image), [
      [255, 0, 0, 255],
      [0, 0, 255, 255],
    ]);
  });

  it('reads a 32-bit BMP whose fourth byte is 0 everywhere as opaque, and keeps the alpha of one that has it', async () => {
    const unused = await codecs.decode(writeBmp({ data: abgr(0), width, height, bitPP: 32 }).data);
    assert.deepEqual(
      halves(unused).map((pixel) => pixel[3]),
      [255, 255],
    );
    const withAlpha = await codecs.decode(writeBmp({ data: abgr(), width, height, bitPP: 32 }).data);
    assert.deepEqual(
      halves(withAlpha).map((pixel) => pixel.slice(0, 3)),
      [
        [255, 0, 0],
        [0, 0, 255],
      ],
    );
  });

  for (const compression of ['none', 'lzw', 'deflate', 'packbits'] as const) {
    it(`decodes a TIFF (${compression}) with its transparency`, async () => {
      const tiff = await sharp(rgba(), { raw: { width, height, channels: 4 } }).tiff({ compression }).toBuffer();
      assert.equal(sniffImageFormat(tiff), 'tiff');
      const image = await codecs.decode(tiff);
      assert.deepEqual([image.width, image.height], [width, height]);
      assert.deepEqual(halves(image), [
        [255, 0, 0, 255],
        [0, 0, 255, 128],
      ]);
    });
  }

  it('decodes an RGB TIFF as opaque pixels, and turns it into a PNG of the same pixels', async () => {
    const tiff = await sharp(rgba(), { raw: { width, height, channels: 4 } }).removeAlpha().tiff({ compression: 'lzw' }).toBuffer();
    const image = await codecs.decode(tiff);
    const png = await codecs.encode(image, { format: 'png' });
    const { data, info } = await sharp(png).ensureAlpha().raw().toBuffer({ resolveWithObject: true });
    assert.deepEqual([info.width, info.height], [width, height]);
    assert.deepEqual(halves({ width, data }), [
      [255, 0, 0, 255],
      [0, 0, 255, 255],
    ]);
  });

  it('refuses bytes that only start like a BMP or a TIFF with an error, not a hang or a crash', async () => {
    const bmp = writeBmp({ data: abgr(255), width, height, bitPP: 24 }).data;
    const tiff = await sharp(rgba(), { raw: { width, height, channels: 4 } }).tiff().toBuffer();
    for (const cut of [bmp.subarray(0, 30), tiff.subarray(0, 16)]) await assert.rejects(codecs.decode(cut));
  });
});
