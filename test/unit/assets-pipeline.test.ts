import * as assert from 'node:assert/strict';
import sharp from 'sharp';
import { readImageSize, sniffImageFormat } from '../../src/common/imageType';
import { runOutputs } from '../../src/extension/assets/outputs';
import { blank, halve, type RgbaImage } from '../../src/extension/assets/rgba';
import { psnr, testPicture } from '../support/imageMetrics';
import { localPipeline } from '../support/wasm';

const gradient = (width: number, height: number): RgbaImage => {
  const data = new Uint8Array(width * height * 4);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) data.set([Math.round((255 * x) / (width - 1)), 128, Math.round((255 * y) / (height - 1)), 255], (y * width + x) * 4);
  }
  return { width, height, data };
};

const pixel = (image: RgbaImage, x: number, y: number): number[] => [...image.data.subarray((y * image.width + x) * 4, (y * image.width + x) * 4 + 4)];

describe('Image pipeline', () => {
  const { codecs, resizer } = localPipeline();

  it('writes PNG, JPEG, WebP and AVIF that the type sniffer recognises, at the right size', async () => {
    const image = gradient(96, 64);
    for (const format of ['png', 'jpeg', 'webp'] as const) {
      const bytes = await codecs.encode(image, { format, quality: 80 });
      assert.equal(sniffImageFormat(bytes), format);
      assert.deepEqual(readImageSize(bytes), { width: 96, height: 64 }, format);
    }
    const avif = await codecs.encode(image, { format: 'avif', quality: 50, speed: 8 });
    assert.equal(sniffImageFormat(avif), 'avif');
    assert.deepEqual(readImageSize(avif), { width: 96, height: 64 });
  });

  it('reads back what it wrote: PNG exactly, JPEG and WebP closely', async () => {
    const image = { width: 64, height: 64, data: testPicture(64, 64) };
    assert.deepEqual((await codecs.decode(await codecs.encode(image, { format: 'png' }))).data, image.data);
    for (const format of ['jpeg', 'webp'] as const) {
      const back = await codecs.decode(await codecs.encode(image, { format, quality: 95 }));
      // The test picture's fine rings suffer from halved chroma resolution: a loose bound.
      assert.ok(psnr(back, image) > 25, `${format}: ${psnr(back, image).toFixed(1)} dB`);
    }
    await assert.rejects(codecs.decode(new Uint8Array([0x47, 0x49, 0x46, 0x38, 0x39, 0x61, 0, 0])), /only PNG, JPEG, WebP, BMP and TIFF/);
  });

  it('writes a lossless WebP that reads back exactly, transparency included', async () => {
    const image = { width: 48, height: 48, data: testPicture(48, 48) };
    for (let index = 3; index < image.data.length; index += 16) image.data[index] = 128;
    const bytes = await codecs.encode(image, { format: 'webp', lossless: true });
    assert.equal(sniffImageFormat(bytes), 'webp');
    assert.deepEqual((await codecs.decode(bytes)).data, image.data);
  });

  it('cuts an output to its inscribed circle: transparent outside, the rim anti-aliased, the background where an opaque one is named', async () => {
    const source = blank({ width: 64, height: 64 }, [200, 40, 40, 255]);
    const [round, onWhite] = await runOutputs(codecs, resizer, source, [
      { width: 48, height: 48, fit: 'cover', format: 'png', mask: 'circle' },
      { width: 48, height: 48, fit: 'cover', format: 'jpeg', quality: 95, mask: 'circle' },
    ]);
    const image = await codecs.decode(round!.bytes);
    assert.deepEqual(pixel(image, 24, 24), [200, 40, 40, 255]);
    assert.deepEqual(pixel(image, 0, 0).slice(3), [0]);
    assert.deepEqual(pixel(image, 47, 47).slice(3), [0]);
    // On the rim, part of the pixel: partly covered; just inside it, whole.
    const rim = pixel(image, 24, 0)[3]!;
    assert.ok(rim > 0 && rim < 255, `rim alpha ${rim}`);
    assert.equal(pixel(image, 24, 2)[3], 255);
    const flat = await codecs.decode(onWhite!.bytes);
    assert.ok(pixel(flat, 0, 0).slice(0, 3).every((channel) => channel >= 245), `JPEG corner ${pixel(flat, 0, 0).join(',')}`);
    assert.ok(pixel(flat, 24, 24)[0]! > 180 && pixel(flat, 24, 24)[1]! < 70, `JPEG middle ${pixel(flat, 24, 24).join(',')}`);
  });

  it('writes an opaque image as an RGB PNG without an alpha channel (app stores refuse icons that have one), and a transparent one with it', async () => {
    const opaque = { width: 48, height: 40, data: testPicture(48, 40).map((value, index) => (index % 4 === 3 ? 255 : value)) };
    // As RGBA unless asked (the PNGs of an ICO, and those sent to EvoLink, keep their alpha).
    assert.equal((await sharp(await codecs.encode(opaque, { format: 'png' })).metadata()).channels, 4);
    const bytes = await codecs.encode(opaque, { format: 'png', opaqueAsRgb: true });
    const meta = await sharp(bytes).metadata();
    assert.deepEqual([meta.channels, meta.hasAlpha, meta.width, meta.height], [3, false, 48, 40]);
    assert.deepEqual(new Uint8Array(await sharp(bytes).ensureAlpha().raw().toBuffer()), opaque.data);
    assert.deepEqual((await codecs.decode(bytes)).data, opaque.data);
    const seeThrough = { ...opaque, data: opaque.data.map((value, index) => (index === 3 ? 254 : value)) };
    const withAlpha = await sharp(await codecs.encode(seeThrough, { format: 'png', opaqueAsRgb: true })).metadata();
    assert.deepEqual([withAlpha.channels, withAlpha.hasAlpha], [4, true]);
  });

  it('downscales a smooth gradient without ringing: monotonic, and within 1 of the true ramp', async () => {
    const small = await resizer.resample(gradient(512, 512), { width: 64, height: 64 });
    for (let x = 0; x < 64; x++) {
      const [red] = pixel(small, x, 32);
      const expected = (255 * ((x + 0.5) * 8 - 0.5)) / 511;
      if (x > 0 && x < 63) assert.ok(Math.abs(red! - expected) <= 1, `x=${x}: ${red} vs ${expected}`);
      if (x > 0) assert.ok(red! >= pixel(small, x - 1, 32)[0]!, `not monotonic at ${x}`);
    }
  });

  it('keeps the colour of transparent pixels out of the edges of opaque ones', async () => {
    const image = blank({ width: 64, height: 64 }, [255, 0, 0, 0]);
    for (let y = 0; y < 64; y++) for (let x = 32; x < 64; x++) image.data.set([0, 0, 255, 255], (y * 64 + x) * 4);
    const small = await resizer.resample(image, { width: 16, height: 16 });
    for (let x = 0; x < 16; x++) {
      const [red, , , alpha] = pixel(small, x, 8);
      if (alpha! > 8) assert.ok(red! <= 2, `red bled in at x=${x}: ${pixel(small, x, 8).join(',')}`);
    }
  });

  it('crops around a focal point, pads a contained image with the background, and flattens on an opaque one', async () => {
    // Top half green, bottom half blue.
    const image = blank({ width: 100, height: 100 }, [0, 255, 0, 255]);
    image.data.fill(0, 100 * 50 * 4);
    for (let index = 100 * 50 * 4; index < image.data.length; index += 4) image.data.set([0, 0, 255, 255], index);
    const top = await resizer.resize(image, { width: 40, height: 10, fit: 'cover', focal: { x: 0.5, y: 0 } });
    assert.deepEqual(pixel(top, 20, 5), [0, 255, 0, 255]);
    const bottom = await resizer.resize(image, { width: 40, height: 10, fit: 'cover', focal: { x: 0.5, y: 1 } });
    assert.deepEqual(pixel(bottom, 20, 5), [0, 0, 255, 255]);
    const wide = blank({ width: 40, height: 20 }, [200, 200, 200, 255]);
    const contained = await resizer.resize(wide, { width: 20, height: 20, fit: 'contain', background: [255, 255, 255, 255] });
    assert.deepEqual(pixel(contained, 10, 1), [255, 255, 255, 255]);
    assert.deepEqual(pixel(contained, 10, 10), [200, 200, 200, 255]);
    const clear = await resizer.resize(wide, { width: 20, height: 20, fit: 'contain' });
    assert.deepEqual(pixel(clear, 10, 1), [0, 0, 0, 0]);
  });

  it('halves by averaging 2x2 blocks, repeating an odd edge, and weighting colours by alpha', () => {
    const image = { width: 3, height: 1, data: new Uint8Array([10, 20, 30, 255, 30, 40, 50, 255, 99, 99, 99, 255]) };
    const half = halve(image, false);
    assert.deepEqual([half.width, half.height, ...half.data], [2, 1, 20, 30, 40, 255, 99, 99, 99, 255]);
    const clear = { width: 2, height: 1, data: new Uint8Array([255, 0, 0, 0, 0, 0, 255, 255]) };
    assert.deepEqual([...halve(clear, true).data], [0, 0, 255, 128]);
  });

  it('lays a transparent source on white for JPEG, which has no alpha, unless the recipe names a colour', async () => {
    const source = blank({ width: 64, height: 64 }, [0, 0, 0, 0]);
    source.data.set([200, 30, 30, 255], (32 * 64 + 32) * 4);
    const [plain, coloured, seeThrough] = await runOutputs(codecs, resizer, source, [
      { width: 32, height: 32, fit: 'cover', format: 'jpeg' },
      { width: 32, height: 32, fit: 'cover', format: 'jpeg', background: [0, 0, 255, 255] },
      // A colour with alpha (#0000ff80) is taken as opaque: JPEG has nothing to show through.
      { width: 32, height: 32, fit: 'cover', format: 'jpeg', background: [0, 0, 255, 128] },
    ]);
    const corner = (bytes: Uint8Array) => codecs.decode(bytes).then((image) => pixel(image, 0, 0));
    assert.ok((await corner(plain!.bytes)).slice(0, 3).every((channel) => channel >= 245), 'white, not black');
    const blue = await corner(coloured!.bytes);
    assert.ok(blue[2]! >= 240 && blue[0]! <= 15, `the recipe's colour: ${blue.join(',')}`);
    assert.deepEqual(await corner(seeThrough!.bytes), blue, 'a see-through colour as opaque, not black');
  });

  it('makes every output from one source; halved copies for small outputs stay close to resizing from the original', async () => {
    const source = { width: 1024, height: 1024, data: testPicture(1024, 1024) };
    const outputs = [96, 48, 16].map((size) => ({ width: size, height: size, fit: 'cover' as const, format: 'png' as const }));
    const direct = await runOutputs(codecs, resizer, source, outputs, 'direct');
    for (const chain of ['ladder', 'box'] as const) {
      const halved = await runOutputs(codecs, resizer, source, outputs, chain);
      for (let index = 0; index < outputs.length; index++) {
        const a = await codecs.decode(halved[index]!.bytes);
        const b = await codecs.decode(direct[index]!.bytes);
        assert.equal(a.width, outputs[index]!.width);
        assert.ok(psnr(a, b) >= 35, `${chain} ${a.width}px: ${psnr(a, b).toFixed(1)} dB`);
      }
    }
    const [preview] = await runOutputs(codecs, resizer, source, [{ width: 64, height: 64, fit: 'cover', format: 'png', tile: 2 }]);
    const tiled = await codecs.decode(preview!.bytes);
    assert.deepEqual(pixel(tiled, 5, 5), pixel(tiled, 37, 37));
  });
});
