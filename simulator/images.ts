import { createHash } from 'node:crypto';
import sharp, { type Sharp } from 'sharp';
import type { ImageFormat } from './rules';
import { sceneSvg } from './scene';

/** Reads the format of image bytes from their magic numbers. */
export function sniffFormat(bytes: Uint8Array): ImageFormat | undefined {
  const b = bytes;
  if (b.length >= 8 && b[0] === 0x89 && b[1] === 0x50 && b[2] === 0x4e && b[3] === 0x47) return 'png';
  if (b.length >= 3 && b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff) return 'jpeg';
  if (b.length >= 12 && String.fromCharCode(...b.subarray(0, 4)) === 'RIFF' && String.fromCharCode(...b.subarray(8, 12)) === 'WEBP') return 'webp';
  if (b.length >= 6 && String.fromCharCode(...b.subarray(0, 4)) === 'GIF8') return 'gif';
  if (b.length >= 2 && b[0] === 0x42 && b[1] === 0x4d) return 'bmp';
  if (b.length >= 4 && ((b[0] === 0x49 && b[1] === 0x49 && b[2] === 0x2a && b[3] === 0) || (b[0] === 0x4d && b[1] === 0x4d && b[2] === 0 && b[3] === 0x2a))) return 'tiff';
  return undefined;
}

/** Reads the format and dimensions of image bytes; `undefined` when they are not an image. */
export async function inspectImage(bytes: Uint8Array): Promise<{ format: ImageFormat; width: number; height: number } | undefined> {
  const format = sniffFormat(bytes);
  if (!format) {
    return undefined;
  }
  if (format === 'bmp') {
    // sharp does not read BMP; its header is simple enough to read here.
    if (bytes.length < 26) return undefined;
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    return { format, width: Math.abs(view.getInt32(18, true)), height: Math.abs(view.getInt32(22, true)) };
  }
  try {
    const meta = await sharp(bytes).metadata();
    if (!meta.width || !meta.height) return undefined;
    return { format, width: meta.width, height: meta.height };
  } catch {
    return undefined;
  }
}

/**
 * Renders a result image: the same request always gives the same bytes. It is a simple scene
 * composed from the prompt's words (see scene.ts), so that screenshots show pictures; variants of
 * one request differ. `noise` instead fills it with per-pixel noise over a gradient, which makes
 * files as large as real photographs (for download benchmarks).
 */
export async function renderImage(
  seed: string,
  width: number,
  height: number,
  format: 'png' | 'jpeg' | 'webp',
  options: { noise?: boolean; prompt?: string } = {},
): Promise<Buffer> {
  const image = options.noise ? sharp(noisy(seed, width, height), { raw: { width, height, channels: 3 } }) : await scene(options.prompt ?? '', seed, width, height);
  switch (format) {
    case 'png':
      return image.png({ compressionLevel: options.noise ? 1 : 6 }).toBuffer();
    case 'jpeg':
      return image.jpeg({ quality: 90 }).toBuffer();
    case 'webp':
      return image.webp({ quality: 90 }).toBuffer();
  }
}

/** The scene drawn at most 768 pixels wide or high (drawing is the slow part), then scaled to the size. */
async function scene(prompt: string, seed: string, width: number, height: number): Promise<Sharp> {
  const scale = Math.min(1, 768 / Math.max(width, height));
  const drawn = [Math.max(1, Math.round(width * scale)), Math.max(1, Math.round(height * scale))] as const;
  const svg = sharp(Buffer.from(sceneSvg(prompt, seed, drawn[0], drawn[1]))).removeAlpha();
  if (scale === 1) return svg;
  return sharp(await svg.raw().toBuffer(), { raw: { width: drawn[0], height: drawn[1], channels: 3 } }).resize(width, height, { fit: 'fill', kernel: 'cubic' });
}

/** A gradient between two colours from the seed, with per-pixel noise. */
function noisy(seed: string, width: number, height: number): Buffer {
  const hash = createHash('sha256').update(seed).digest();
  const c1 = [hash[0]!, hash[1]!, hash[2]!];
  const c2 = [hash[3]!, hash[4]!, hash[5]!];
  const pixels = Buffer.alloc(width * height * 3);
  let state = hash.readUInt32LE(8) || 1;
  for (let y = 0; y < height; y++) {
    const ty = y / height;
    for (let x = 0; x < width; x++) {
      const t = (x / width + ty) / 2;
      state ^= state << 13;
      state ^= state >>> 17;
      state ^= state << 5;
      const jitter = (state & 63) - 32;
      const offset = (y * width + x) * 3;
      for (let channel = 0; channel < 3; channel++) {
        const value = c1[channel]! + (c2[channel]! - c1[channel]!) * t + jitter;
        pixels[offset + channel] = value < 0 ? 0 : value > 255 ? 255 : value;
      }
    }
  }
  return pixels;
}
