import * as assert from 'node:assert/strict';
import { inflateSync } from 'node:zlib';
import sharp from 'sharp';
import { embeddedProfile, matrixProfile } from '../../src/common/colourProfile';
import { localPipeline } from '../support/wasm';

/** Colour patches in sRGB, 8x8 pixels each, in a row: saturated, skin, sky, grey, dark. */
const patches = [
  [200, 50, 50],
  [40, 160, 70],
  [30, 80, 200],
  [224, 172, 140],
  [120, 180, 230],
  [128, 128, 128],
  [20, 24, 30],
  [250, 240, 60],
] as const;

function srgbPicture(): Buffer {
  const width = patches.length * 8;
  const data = Buffer.alloc(width * 8 * 3);
  for (let y = 0; y < 8; y++) {
    for (let x = 0; x < width; x++) data.set(patches[Math.floor(x / 8)]!, (y * width + x) * 3);
  }
  return data;
}

/** The same picture converted to another profile by libvips (lcms) and tagged with it. */
const tagged = (profile: string, format: 'png' | 'jpeg' | 'webp' | 'tiff'): Promise<Buffer> => {
  const picture = sharp(srgbPicture(), { raw: { width: patches.length * 8, height: 8, channels: 3 } }).withIccProfile(profile);
  return (format === 'png' ? picture.png() : format === 'jpeg' ? picture.jpeg({ quality: 98, chromaSubsampling: '4:4:4' }) : format === 'webp' ? picture.webp({ lossless: true }) : picture.tiff({ compression: 'lzw' })).toBuffer();
};

/** The largest difference of any patch's centre from its sRGB value. */
function worstError(image: { width: number; data: Uint8Array }): number {
  let worst = 0;
  patches.forEach((colour, index) => {
    const at = (4 * image.width + index * 8 + 4) * 4;
    for (let channel = 0; channel < 3; channel++) worst = Math.max(worst, Math.abs(image.data[at + channel]! - colour[channel]!));
  });
  return worst;
}

describe('Colour profiles: Export As reads every source as sRGB', () => {
  const { codecs } = localPipeline();

  for (const format of ['png', 'jpeg', 'webp', 'tiff'] as const) {
    it(`converts a Display P3 ${format.toUpperCase()} to the sRGB colours it shows`, async () => {
      const bytes = new Uint8Array(await tagged('p3', format));
      const profile = embeddedProfile(bytes, inflateSync);
      assert.ok(profile && matrixProfile(profile), 'a matrix/TRC profile is found');
      const image = await codecs.decode(bytes);
      const limit = format === 'jpeg' ? 4 : 2;
      assert.ok(worstError(image) <= limit, `within ${limit} of sRGB: off by ${worstError(image)}`);
    });
  }

  it('leaves an sRGB-tagged source and an untagged one as they are', async () => {
    for (const bytes of [await tagged('srgb', 'png'), await sharp(srgbPicture(), { raw: { width: patches.length * 8, height: 8, channels: 3 } }).png().toBuffer()]) {
      const image = await codecs.decode(new Uint8Array(bytes));
      assert.equal(worstError(image), 0);
    }
  });

  it('without the conversion, the P3 values would be off by more than a designer accepts', async () => {
    // sharp converts to sRGB itself unless told to keep the profile: these are the values stored.
    const stored = await sharp(await tagged('p3', 'png')).keepIccProfile().ensureAlpha().raw().toBuffer({ resolveWithObject: true });
    assert.ok(worstError({ width: stored.info.width, data: new Uint8Array(stored.data) }) > 10);
  });

  it('finds no matrix in what is not an RGB display profile', () => {
    assert.equal(matrixProfile(new Uint8Array(200)), undefined);
    assert.equal(embeddedProfile(new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 200, 105, 67, 67, 80]), inflateSync), undefined);
  });
});
