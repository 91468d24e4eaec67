/**
 * AVIF and HEIC: images in the HEIF container (ISO-BMFF boxes). Some CDNs convert images to one of
 * these by the `Accept` header; a result that arrives so is kept and saved under its own extension
 * (a paid image is never dropped for its container). Read here without decoding: the kind from the
 * `ftyp` box's brands, the size from the image spatial extent (`ispe`) properties, and whether
 * the file is whole from its top-level boxes.
 */

/** The two kinds: `avif` (AV1 images) and `heic` (HEVC images, as phones write them). */
export type HeifKind = 'avif' | 'heic';

const ascii = (bytes: Uint8Array, from: number, to: number): string => String.fromCharCode(...bytes.subarray(from, to));
const viewOf = (bytes: Uint8Array): DataView => new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);

const avifBrands = new Set(['avif', 'avis']);
const heicBrands = new Set(['heic', 'heix', 'heim', 'heis', 'hevc', 'hevx']);

/**
 * The kind of HEIF file the bytes start, from the `ftyp` box: its major brand first, then its
 * compatible brands (a generic `mif1` file names what it holds there). `undefined` for anything
 * else, a HEIF file of another codec included.
 */
export function heifKind(bytes: Uint8Array): HeifKind | undefined {
  if (bytes.length < 16 || ascii(bytes, 4, 8) !== 'ftyp') return undefined;
  const boxEnd = Math.min(viewOf(bytes).getUint32(0), bytes.length);
  // The major brand (8), the minor version (12), then the compatible brands (16 on).
  const brands = [ascii(bytes, 8, 12)];
  for (let at = 16; at + 4 <= boxEnd; at += 4) brands.push(ascii(bytes, at, at + 4));
  for (const brand of brands) {
    if (avifBrands.has(brand)) return 'avif';
    if (heicBrands.has(brand)) return 'heic';
  }
  return undefined;
}

/**
 * The width and height of a HEIF file: the largest `ispe` property in its first 64 KB (a HEIC
 * from a phone is a grid of tiles, each with its own `ispe`, and the grid's is the largest).
 */
export function readHeifSize(bytes: Uint8Array): { width: number; height: number } | undefined {
  if (!heifKind(bytes)) return undefined;
  const view = viewOf(bytes);
  const end = Math.min(bytes.length - 16, 64 * 1024);
  let best: { width: number; height: number } | undefined;
  for (let at = 8; at < end; at++) {
    // "ispe", then version and flags (4 bytes), then width and height.
    if (bytes[at] === 0x69 && bytes[at + 1] === 0x73 && bytes[at + 2] === 0x70 && bytes[at + 3] === 0x65) {
      const size = { width: view.getUint32(at + 8), height: view.getUint32(at + 12) };
      if (!best || size.width * size.height > best.width * best.height) best = size;
    }
  }
  return best && best.width > 0 && best.height > 0 ? best : undefined;
}

/**
 * Whether a HEIF file of `size` bytes, of which `head` is the start, is whole: its top-level
 * boxes, each stating its length, must end exactly at the file's end and include the media data
 * (`mdat`). `unknown` when a box header lies beyond `head` (the boxes cannot be followed), or
 * when there is no `mdat` (a small image may keep its data inside `meta`).
 */
export function heifIntegrity(head: Uint8Array, size: number): 'complete' | 'truncated' | 'unknown' {
  const view = viewOf(head);
  let at = 0;
  let media = false;
  while (at < size) {
    if (at + 8 > head.length) return 'unknown';
    let length = view.getUint32(at);
    let header = 8;
    if (length === 1) {
      // A 64-bit length follows the type.
      if (at + 16 > head.length) return 'unknown';
      length = Number(view.getBigUint64(at + 8));
      header = 16;
    }
    if (ascii(head, at + 4, at + 8) === 'mdat') media = true;
    // Length 0: the box runs to the end of the file.
    if (length === 0) return media ? 'complete' : 'unknown';
    if (length < header) return 'truncated';
    at += length;
  }
  if (at !== size) return 'truncated';
  return media ? 'complete' : 'unknown';
}
