import { ascii, pngChunks, sniffImageFormat, webpChunks, type Chunk } from './imageType';

/*
 * Animated sources. Export As makes still files, from an animation's first frame: an APNG's
 * default image (what a viewer without animation shows), and an animated WebP's first frame,
 * which libwebp's still decoder does not read, so it is taken out of its container here as a
 * WebP of its own.
 */

/** Whether an image is animated: an APNG (an `acTL` chunk before its image data) or a WebP with the animation flag. */
export function isAnimated(bytes: Uint8Array): boolean {
  try {
    switch (sniffImageFormat(bytes)) {
      case 'png':
        for (const { type } of pngChunks(bytes)) {
          if (type === 'acTL') return true;
          if (type === 'IDAT' || type === 'IEND') return false;
        }
        return false;
      case 'webp':
        return ascii(bytes, 12, 16) === 'VP8X' && bytes.length > 20 && (bytes[20]! & 0x02) !== 0;
      default:
        return false;
    }
  } catch {
    return false;
  }
}

/** An animated WebP's first frame: a still WebP of its own, where it goes on the canvas, and the canvas's size. */
export interface WebpFrame {
  still: Uint8Array;
  x: number;
  y: number;
  canvas: { width: number; height: number };
}

const uint24 = (bytes: Uint8Array, at: number): number => bytes[at]! | (bytes[at + 1]! << 8) | (bytes[at + 2]! << 16);

/** The first frame of an animated WebP, or `undefined` for any other bytes (or a frame that cannot be found). */
export function firstWebpFrame(bytes: Uint8Array): WebpFrame | undefined {
  if (!isAnimated(bytes)) return undefined;
  const end = Math.min(bytes.length, 8 + new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getUint32(4, true));
  const canvas = { width: 1 + uint24(bytes, 24), height: 1 + uint24(bytes, 27) };
  for (const chunk of webpChunks(bytes, 12, end)) {
    if (chunk.type !== 'ANMF' || chunk.end - chunk.start < 16) continue;
    const at = chunk.start;
    const frame = { x: 2 * uint24(bytes, at), y: 2 * uint24(bytes, at + 3), width: 1 + uint24(bytes, at + 6), height: 1 + uint24(bytes, at + 9) };
    if (frame.x + frame.width > canvas.width || frame.y + frame.height > canvas.height) return undefined;
    // The frame's own chunks: an optional ALPH, then its VP8 or VP8L bitstream.
    const parts = [...webpChunks(bytes, at + 16, chunk.end)].filter((part) => ['ALPH', 'VP8 ', 'VP8L'].includes(part.type));
    if (!parts.some((part) => part.type === 'VP8 ' || part.type === 'VP8L')) return undefined;
    return { still: stillWebp(bytes, parts, frame.width, frame.height), x: frame.x, y: frame.y, canvas };
  }
  return undefined;
}

/** A still WebP of a frame's chunks, behind a VP8X header that says whether it has alpha. */
function stillWebp(bytes: Uint8Array, parts: readonly Chunk[], width: number, height: number): Uint8Array {
  const padded = (part: Chunk): number => 8 + (part.end - part.start) + ((part.end - part.start) % 2);
  const size = 12 + 18 + parts.reduce((sum, part) => sum + padded(part), 0);
  const out = new Uint8Array(size);
  const view = new DataView(out.buffer);
  const put = (at: number, text: string): void => out.set([...text].map((char) => char.charCodeAt(0)), at);
  put(0, 'RIFF');
  view.setUint32(4, size - 8, true);
  put(8, 'WEBP');
  put(12, 'VP8X');
  view.setUint32(16, 10, true);
  out[20] = parts.some((part) => part.type === 'ALPH' || part.type === 'VP8L') ? 0x10 : 0;
  for (const [at, value] of [[24, width - 1], [27, height - 1]] as const) out.set([value & 0xff, (value >> 8) & 0xff, (value >> 16) & 0xff], at);
  let offset = 30;
  for (const part of parts) {
    put(offset, part.type);
    view.setUint32(offset + 4, part.end - part.start, true);
    out.set(bytes.subarray(part.start, part.end), offset + 8);
    offset += padded(part);
  }
  return out;
}
