import * as assert from 'node:assert/strict';
import { crc32, deflateSync, inflateSync } from 'node:zlib';
import sharp from 'sharp';
import { embeddedProfile, matrixProfile } from '../../src/common/colourProfile';
import { localPipeline } from '../support/wasm';

/** Inflates as the codecs do, to the limit given. */
const inflate = (data: Uint8Array, limit: number): Uint8Array => inflateSync(data, { maxOutputLength: limit });

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
      const profile = embeddedProfile(bytes, inflate);
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

  it('finds no matrix in what is not an RGB display profile, nor in a damaged one, and reads such an image as it is', async () => {
    assert.equal(matrixProfile(new Uint8Array(200)), undefined);
    assert.equal(embeddedProfile(new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 200, 105, 67, 67, 80]), inflate), undefined);
    const p3 = new Uint8Array(await tagged('p3', 'png'));
    const profile = embeddedProfile(p3, inflate)!;
    // Its tone curves cut off: a tag whose data runs past the end of the profile.
    const view = new DataView(profile.buffer, profile.byteOffset, profile.byteLength);
    const cut = profile.slice();
    for (let index = 0; index < view.getUint32(128); index++) {
      const entry = 132 + index * 12;
      if (String.fromCharCode(...profile.subarray(entry, entry + 4)).endsWith('TRC')) new DataView(cut.buffer).setUint32(entry + 4, profile.length - 12);
    }
    cut.set([...Buffer.from('curv'), 0, 0, 0, 0, 0, 0, 0, 1], profile.length - 12);
    assert.equal(matrixProfile(cut), undefined);
    // A curve that gives no number (a = 0 in a parametric curve of type 1) is no profile either.
    const para = profile.slice();
    const zeroA = new Uint8Array([...Buffer.from('para'), 0, 0, 0, 0, 0, 1, 0, 0, 0, 2, 0x66, 0x66, 0, 0, 0, 0, 0, 0, 0, 0]);
    const grown = new Uint8Array(para.length + zeroA.length);
    grown.set(para);
    grown.set(zeroA, para.length);
    for (let index = 0; index < view.getUint32(128); index++) {
      const entry = 132 + index * 12;
      if (String.fromCharCode(...profile.subarray(entry, entry + 4)) === 'rTRC') new DataView(grown.buffer).setUint32(entry + 4, para.length);
    }
    assert.equal(matrixProfile(grown), undefined);
  });

  it('takes a PNG whose profile inflates past 16 MB for one without a profile, never inflating it whole', async () => {
    const png = await sharp(srgbPicture(), { raw: { width: patches.length * 8, height: 8, channels: 3 } }).png().toBuffer();
    const data = Buffer.concat([Buffer.from('icc\0\0'), deflateSync(Buffer.alloc(32 << 20))]);
    const chunk = Buffer.alloc(12 + data.length);
    chunk.writeUInt32BE(data.length, 0);
    chunk.write('iCCP', 4, 'latin1');
    data.copy(chunk, 8);
    chunk.writeUInt32BE(crc32(chunk.subarray(4, 8 + data.length)), 8 + data.length);
    const bomb = new Uint8Array(Buffer.concat([png.subarray(0, 33), chunk, png.subarray(33)]));
    assert.equal(embeddedProfile(bomb, inflate), undefined);
    // The PNG decoder itself refuses such a file, so an export says it cannot be read.
    await assert.rejects(codecs.decode(bomb));
  });
});
