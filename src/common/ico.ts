import { readImageSize, sniffImageFormat } from './imageType';

/**
 * The ICO container with PNG entries (Windows Vista and every browser read them). Entries are
 * written largest first: browsers have been seen to misread a favicon whose sizes ascend.
 */

const headerSize = 6;
const entrySize = 16;

/** One image of an ICO file. */
export interface IcoEntry {
  width: number;
  height: number;
  /** The PNG file of this entry. */
  png: Uint8Array;
}

/**
 * Writes an ICO file holding the given PNG files, largest first. Throws when a file is not a
 * PNG or is larger than 256 pixels on a side (the directory cannot say so).
 */
export function buildIco(pngs: readonly Uint8Array[]): Uint8Array {
  if (pngs.length === 0 || pngs.length > 0xffff) throw new RangeError('An ICO file holds 1 to 65535 images.');
  const entries = pngs.map((png) => {
    const size = sniffImageFormat(png) === 'png' ? readImageSize(png) : undefined;
    if (!size) throw new TypeError('An ICO entry must be a PNG file.');
    if (size.width > 256 || size.height > 256) throw new RangeError('An ICO entry is at most 256 pixels on a side.');
    return { ...size, png };
  });
  entries.sort((a, b) => b.width * b.height - a.width * a.height);
  const total = headerSize + entries.length * entrySize + entries.reduce((sum, entry) => sum + entry.png.length, 0);
  const bytes = new Uint8Array(total);
  const view = new DataView(bytes.buffer);
  view.setUint16(2, 1, true); // Type 1: icon.
  view.setUint16(4, entries.length, true);
  let offset = headerSize + entries.length * entrySize;
  entries.forEach((entry, index) => {
    const at = headerSize + index * entrySize;
    // 256 is written as 0; the colour count, reserved byte and hotspot fields stay 0.
    view.setUint8(at, entry.width & 0xff);
    view.setUint8(at + 1, entry.height & 0xff);
    view.setUint16(at + 4, 1, true); // Colour planes.
    view.setUint16(at + 6, 32, true); // Bits per pixel.
    view.setUint32(at + 8, entry.png.length, true);
    view.setUint32(at + 12, offset, true);
    bytes.set(entry.png, offset);
    offset += entry.png.length;
  });
  return bytes;
}

/** Reads the entries of an ICO file (the directory's sizes and the bytes each points at). */
export function readIco(bytes: Uint8Array): IcoEntry[] {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (bytes.length < headerSize || view.getUint16(0, true) !== 0 || view.getUint16(2, true) !== 1) {
    throw new TypeError('Not an ICO file.');
  }
  const count = view.getUint16(4, true);
  if (bytes.length < headerSize + count * entrySize) throw new TypeError('The ICO directory is cut short.');
  return Array.from({ length: count }, (_, index) => {
    const at = headerSize + index * entrySize;
    const length = view.getUint32(at + 8, true);
    const offset = view.getUint32(at + 12, true);
    if (offset + length > bytes.length) throw new TypeError('An ICO entry lies outside the file.');
    return {
      width: view.getUint8(at) || 256,
      height: view.getUint8(at + 1) || 256,
      png: bytes.subarray(offset, offset + length),
    };
  });
}
