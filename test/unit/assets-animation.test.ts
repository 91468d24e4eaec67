import * as assert from 'node:assert/strict';
import sharp from 'sharp';
import { firstWebpFrame, isAnimated } from '../../src/common/animation';
import { readImageSize } from '../../src/common/imageType';
import { localPipeline } from '../support/wasm';

/** A 48x32 frame of one colour. */
const frame = (r: number, g: number, b: number, alpha = 1): Promise<Buffer> =>
  sharp({ create: { width: 48, height: 32, channels: 4, background: { r, g, b, alpha } } }).png().toBuffer();

/** An animated WebP of a red frame, then a blue one. */
async function animatedWebp(options: { lossless?: boolean; quality?: number }): Promise<Uint8Array> {
  const frames = [await frame(255, 0, 0, 0.5), await frame(0, 0, 255)];
  return new Uint8Array(await sharp(frames, { join: { animated: true } }).webp({ loop: 0, delay: [100, 100], ...options }).toBuffer());
}

/** A PNG with an `acTL` chunk before its data: an APNG's header (the checksum is not read here). */
async function apngHeader(): Promise<Uint8Array> {
  const png = new Uint8Array(await frame(0, 255, 0));
  const actl = new Uint8Array([0, 0, 0, 8, ...Buffer.from('acTL'), 0, 0, 0, 2, 0, 0, 0, 0, 0, 0, 0, 0]);
  // After the signature (8 bytes) and IHDR (25).
  return new Uint8Array([...png.subarray(0, 33), ...actl, ...png.subarray(33)]);
}

const pixel = (image: { width: number; data: Uint8Array }, x: number, y: number): number[] => [...image.data.subarray((y * image.width + x) * 4, (y * image.width + x) * 4 + 4)];

describe('Animated sources: Export As reads the first frame', () => {
  const { codecs } = localPipeline();

  it('tells an animated WebP and an APNG from still images', async () => {
    assert.equal(isAnimated(await animatedWebp({ lossless: true })), true);
    assert.equal(isAnimated(await apngHeader()), true);
    assert.equal(isAnimated(new Uint8Array(await sharp(await frame(0, 0, 0)).webp().toBuffer())), false);
    assert.equal(isAnimated(new Uint8Array(await frame(0, 0, 0))), false);
    assert.equal(isAnimated(new Uint8Array(await sharp(await frame(0, 0, 0)).webp({ lossless: true }).toBuffer())), false, 'a still WebP with alpha has a VP8X header too');
    assert.equal(isAnimated(new Uint8Array(0)), false);
  });

  for (const [what, options] of [['lossless', { lossless: true }], ['lossy, with an alpha chunk', { quality: 90 }]] as const) {
    it(`decodes the first frame of an animated WebP (${what}) at the canvas's size, transparency kept`, async () => {
      const bytes = await animatedWebp(options);
      assert.ok(firstWebpFrame(bytes), 'a first frame is found');
      const image = await codecs.decode(bytes);
      assert.deepEqual({ width: image.width, height: image.height }, readImageSize(bytes));
      const [r, g, b, a] = pixel(image, 24, 16);
      assert.ok(r! > 200 && g! < 40 && b! < 40, `red, not the blue second frame: ${[r, g, b].join()}`);
      assert.ok(Math.abs(a! - 128) < 8, `half transparent: ${a}`);
    });
  }

  it('places a first frame smaller than its canvas at its offset, the rest transparent', async () => {
    const bytes = await animatedWebp({ lossless: true });
    const found = firstWebpFrame(bytes)!;
    // A frame of 16x8 at (8, 4) on the 48x32 canvas, made from a still WebP of that size.
    const small = new Uint8Array(await sharp({ create: { width: 16, height: 8, channels: 4, background: { r: 0, g: 255, b: 0, alpha: 1 } } }).webp({ lossless: true }).toBuffer());
    const vp8l = small.subarray(12);
    const header = new Uint8Array(16);
    header.set([4, 0, 0, 2, 0, 0, 15, 0, 0, 7, 0, 0, 100, 0, 0, 0]);
    const anmf = new Uint8Array([...Buffer.from('ANMF'), ...u32(header.length + vp8l.length), ...header, ...vp8l, ...(vp8l.length % 2 ? [0] : [])]);
    const head = bytes.subarray(12, 12 + 18 + 14); // VP8X and ANIM
    const body = new Uint8Array([...Buffer.from('WEBP'), ...head, ...anmf]);
    const file = new Uint8Array([...Buffer.from('RIFF'), ...u32(body.length), ...body]);
    assert.deepEqual({ x: firstWebpFrame(file)!.x, y: firstWebpFrame(file)!.y, canvas: firstWebpFrame(file)!.canvas }, { x: 8, y: 4, canvas: found.canvas });
    const image = await codecs.decode(file);
    assert.deepEqual(pixel(image, 10, 6), [0, 255, 0, 255]);
    assert.deepEqual(pixel(image, 2, 2), [0, 0, 0, 0]);
    assert.deepEqual(pixel(image, 30, 20), [0, 0, 0, 0]);
  });

  it('finds no frame in a WebP whose first frame runs past its canvas', async () => {
    const bytes = await animatedWebp({ lossless: true });
    const anmf = Buffer.from(bytes).indexOf('ANMF');
    const broken = bytes.slice();
    broken[anmf + 8] = 40; // x offset 80 on a canvas 48 wide
    assert.equal(firstWebpFrame(broken), undefined);
  });
});

function u32(value: number): number[] {
  return [value & 0xff, (value >> 8) & 0xff, (value >> 16) & 0xff, (value >>> 24) & 0xff];
}
