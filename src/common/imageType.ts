import { heifIntegrity, heifKind, readHeifSize } from './heif';
import type { ImageFormat } from './models';

/**
 * The file extension written, every extension the format goes by (the first is the one written),
 * its MIME type and the name people know it by.
 */
export const imageFormats: Record<ImageFormat, { extension: string; extensions: readonly string[]; mime: string; name: string }> = {
  png: { extension: 'png', extensions: ['png'], mime: 'image/png', name: 'PNG' },
  jpeg: { extension: 'jpg', extensions: ['jpg', 'jpeg', 'jpe', 'jfif'], mime: 'image/jpeg', name: 'JPEG' },
  webp: { extension: 'webp', extensions: ['webp'], mime: 'image/webp', name: 'WebP' },
  gif: { extension: 'gif', extensions: ['gif'], mime: 'image/gif', name: 'GIF' },
  bmp: { extension: 'bmp', extensions: ['bmp'], mime: 'image/bmp', name: 'BMP' },
  tiff: { extension: 'tiff', extensions: ['tiff', 'tif'], mime: 'image/tiff', name: 'TIFF' },
  // Results a converting CDN may send (no model takes them as references; the pipeline does not read them).
  avif: { extension: 'avif', extensions: ['avif'], mime: 'image/avif', name: 'AVIF' },
  heic: { extension: 'heic', extensions: ['heic', 'heif'], mime: 'image/heic', name: 'HEIC' },
};

/** Every file name extension of these formats: for file pickers and menus. */
export const extensionsOf = (formats: readonly ImageFormat[]): string[] => [...new Set(formats.flatMap((format) => imageFormats[format].extensions))];

/** Formats by the names people know them by, for messages: "JPEG, PNG, WebP". */
export const formatNames = (formats: readonly ImageFormat[]): string => formats.map((format) => imageFormats[format].name).join(', ');

/** The formats the image pipeline reads (its worker decodes them; it writes PNG, JPEG, WebP and AVIF). */
export const decodableFormats: readonly ImageFormat[] = ['png', 'jpeg', 'webp', 'bmp', 'tiff'];

/**
 * A file name that ends in its real format's extension: the stem kept (a name with no extension
 * gets one), so that a link made from it ends as the service expects ("URLs typically end in an
 * image extension"): `photo.jfif` of JPEG bytes is `photo.jpg`, `logo` of PNG bytes `logo.png`.
 */
export function nameAs(name: string, format: ImageFormat): string {
  const stem = name.replace(/\.[^./\\]*$/, '') || 'image';
  return `${stem}.${imageFormats[format].extension}`;
}

/** The bytes `from` to `to` as text: a chunk's or a marker's name. */
export const ascii = (bytes: Uint8Array, from: number, to: number): string => String.fromCharCode(...bytes.subarray(from, to));

/**
 * Reads an image's format from its first bytes (magic numbers), never from a name or a URL:
 * services label JPEG bytes `.png` often enough.
 */
export function sniffImageFormat(bytes: Uint8Array): ImageFormat | undefined {
  if (bytes.length >= 8 && bytes[0] === 0x89 && ascii(bytes, 1, 4) === 'PNG' && bytes[4] === 0x0d && bytes[5] === 0x0a) return 'png';
  if (bytes.length >= 3 && bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff) return 'jpeg';
  if (bytes.length >= 12 && ascii(bytes, 0, 4) === 'RIFF' && ascii(bytes, 8, 12) === 'WEBP') return 'webp';
  if (bytes.length >= 6 && (ascii(bytes, 0, 6) === 'GIF87a' || ascii(bytes, 0, 6) === 'GIF89a')) return 'gif';
  if (bytes.length >= 26 && ascii(bytes, 0, 2) === 'BM') return 'bmp';
  if (bytes.length >= 4 && ((ascii(bytes, 0, 2) === 'II' && bytes[2] === 42 && bytes[3] === 0) || (ascii(bytes, 0, 2) === 'MM' && bytes[2] === 0 && bytes[3] === 42))) return 'tiff';
  return heifKind(bytes);
}

/** Width and height from a TIFF's first image directory, when it lies within `bytes`. */
function tiffSize(bytes: Uint8Array, view: DataView): { width: number; height: number } | undefined {
  const little = bytes[0] === 0x49;
  const ifd = view.getUint32(4, little);
  const count = view.getUint16(ifd, little);
  let width: number | undefined;
  let height: number | undefined;
  for (let index = 0; index < count; index++) {
    const entry = ifd + 2 + index * 12;
    const tag = view.getUint16(entry, little);
    const type = view.getUint16(entry + 2, little);
    const value = type === 3 ? view.getUint16(entry + 8, little) : view.getUint32(entry + 8, little);
    if (tag === 256) width = value;
    if (tag === 257) height = value;
  }
  return width && height ? { width, height } : undefined;
}

/** A chunk of a PNG or a WebP: its type and where its data starts and ends. */
export interface Chunk {
  type: string;
  start: number;
  end: number;
}

/** The chunks of a PNG, from the first after its signature. */
export function* pngChunks(bytes: Uint8Array): Generator<Chunk> {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  for (let offset = 8; offset + 8 <= bytes.length; offset += 12 + view.getUint32(offset)) {
    yield { type: ascii(bytes, offset + 4, offset + 8), start: offset + 8, end: offset + 8 + view.getUint32(offset) };
  }
}

/** The chunks of a WebP between `from` and `to` (each padded to an even length); one that runs past `to` ends them. */
export function* webpChunks(bytes: Uint8Array, from: number, to: number): Generator<Chunk> {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let offset = from;
  while (offset + 8 <= to) {
    const size = view.getUint32(offset + 4, true);
    const start = offset + 8;
    if (start + size > to) return;
    yield { type: ascii(bytes, offset, offset + 4), start, end: start + size };
    offset = start + size + (size % 2);
  }
}

/** The segments of a JPEG before its image data: each marker and where its data starts and ends. */
export function* jpegSegments(bytes: Uint8Array, view: DataView): Generator<{ marker: number; start: number; end: number }> {
  let offset = 2;
  while (offset + 4 <= bytes.length && bytes[offset] === 0xff) {
    const marker = bytes[offset + 1]!;
    const length = view.getUint16(offset + 2);
    yield { marker, start: offset + 4, end: offset + 2 + length };
    // Start of scan: the image data follows, no more headers.
    if (marker === 0xda) return;
    offset += 2 + length;
  }
}

/**
 * The orientation tag (0x0112) of an APP1 segment's first directory (1 when it has none), or
 * `undefined` for an APP1 that is not Exif (XMP, which photo editors write beside it): only the
 * first Exif segment counts, as viewers read it.
 */
function exifOrientation(bytes: Uint8Array, view: DataView, start: number): number | undefined {
  if (ascii(bytes, start, start + 6) !== 'Exif\0\0') return undefined;
  try {
    return orientationTag(bytes, view, start + 6);
  } catch {
    // A directory that runs past the bytes read: no orientation.
    return 1;
  }
}

/** The orientation tag of the first directory of a TIFF structure that starts at `tiff` (a TIFF file, or a JPEG's Exif). */
function orientationTag(bytes: Uint8Array, view: DataView, tiff: number): number {
  const little = ascii(bytes, tiff, tiff + 2) === 'II';
  const directory = tiff + view.getUint32(tiff + 4, little);
  const entries = view.getUint16(directory, little);
  for (let index = 0; index < entries; index++) {
    const entry = directory + 2 + index * 12;
    if (view.getUint16(entry, little) !== 0x0112) continue;
    const value = view.getUint16(entry + 8, little);
    return value >= 1 && value <= 8 ? value : 1;
  }
  return 1;
}

/**
 * How an image's stored pixels are turned to be seen upright (its orientation tag, 1 to 8; 1
 * when it has none): what browsers, VS Code's image preview, phones and photo editors apply. A
 * phone's portrait photo is often stored sideways with 6. A JPEG carries it in its Exif, a TIFF
 * in its first directory.
 */
export function imageOrientation(bytes: Uint8Array): number {
  const format = sniffImageFormat(bytes);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  try {
    if (format === 'tiff') return orientationTag(bytes, view, 0);
    if (format !== 'jpeg') return 1;
    for (const segment of jpegSegments(bytes, view)) {
      const orientation = segment.marker === 0xe1 ? exifOrientation(bytes, view, segment.start) : undefined;
      if (orientation !== undefined) return orientation;
    }
  } catch {
    // Segments or directories that run past the bytes read.
  }
  return 1;
}

/**
 * Reads width and height from the header of a PNG, JPEG, WebP, GIF, BMP, TIFF, AVIF or HEIC, without
 * decoding; a JPEG's as it is seen, after its orientation (a sideways-stored portrait is tall).
 */
export function readImageSize(bytes: Uint8Array): { width: number; height: number } | undefined {
  const format = sniffImageFormat(bytes);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  try {
    switch (format) {
      case 'png':
        return { width: view.getUint32(16), height: view.getUint32(20) };
      case 'gif':
        return { width: view.getUint16(6, true), height: view.getUint16(8, true) };
      case 'bmp':
        return { width: Math.abs(view.getInt32(18, true)), height: Math.abs(view.getInt32(22, true)) };
      case 'tiff': {
        const size = tiffSize(bytes, view);
        return size && imageOrientation(bytes) >= 5 ? { width: size.height, height: size.width } : size;
      }
      case 'avif':
      case 'heic':
        return readHeifSize(bytes);
      case 'webp': {
        const chunk = ascii(bytes, 12, 16);
        if (chunk === 'VP8X') return { width: 1 + (view.getUint32(24, true) & 0xffffff), height: 1 + (view.getUint32(27, true) & 0xffffff) };
        if (chunk === 'VP8L') {
          const bits = view.getUint32(21, true);
          return { width: 1 + (bits & 0x3fff), height: 1 + ((bits >> 14) & 0x3fff) };
        }
        if (chunk === 'VP8 ') return { width: view.getUint16(26, true) & 0x3fff, height: view.getUint16(28, true) & 0x3fff };
        return undefined;
      }
      case 'jpeg': {
        let orientation: number | undefined;
        for (const { marker, start } of jpegSegments(bytes, view)) {
          if (marker === 0xe1) orientation ??= exifOrientation(bytes, view, start);
          // Start-of-frame markers carry the size; 0xC4, 0xC8 and 0xCC are not frames.
          if (marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc) {
            const [height, width] = [view.getUint16(start + 1), view.getUint16(start + 3)];
            return (orientation ?? 1) >= 5 ? { width: height, height: width } : { width, height };
          }
        }
        return undefined;
      }
      default:
        return undefined;
    }
  } catch {
    return undefined;
  }
}

/** Whether an image's bytes end where its format says: `truncated` when they certainly do not. */
export type ImageIntegrity = 'complete' | 'truncated' | 'unknown';

/** Whether `pattern` occurs in `bytes`. */
function findsIn(bytes: Uint8Array, pattern: readonly number[]): boolean {
  for (let at = bytes.indexOf(pattern[0]!); at >= 0 && at + pattern.length <= bytes.length; at = bytes.indexOf(pattern[0]!, at + 1)) {
    if (pattern.every((byte, index) => bytes[at + index] === byte)) return true;
  }
  return false;
}

/**
 * Tells a whole image from a cut one by its first and last bytes and its size: a PNG ends with
 * its IEND chunk, a JPEG with the end-of-image marker (a few stray bytes after it occur), a GIF
 * with its trailer, a WebP and a BMP state their own length, AVIF and HEIC boxes each theirs (`heif.ts`).
 * TIFF has no end mark: `unknown`. Where the last bytes say `truncated` for a PNG, JPEG or GIF,
 * the file may still be whole with more after its end: `imageEnd.ts` walks it to tell.
 */
export function imageIntegrity(format: ImageFormat, head: Uint8Array, tail: Uint8Array, size: number): ImageIntegrity {
  if (size === 0) return 'truncated';
  const view = new DataView(head.buffer, head.byteOffset, head.byteLength);
  const endsWith = (...bytes: number[]): boolean => tail.length >= bytes.length && bytes.every((byte, index) => tail[tail.length - bytes.length + index] === byte);
  switch (format) {
    case 'png':
      // The IEND chunk: length 0, type "IEND", and its fixed CRC (a few stray bytes after it occur).
      return findsIn(tail, [0x49, 0x45, 0x4e, 0x44, 0xae, 0x42, 0x60, 0x82]) ? 'complete' : 'truncated';
    case 'jpeg': {
      for (let index = tail.length - 2; index >= 0; index--) {
        if (tail[index] === 0xff && tail[index + 1] === 0xd9) return 'complete';
      }
      return 'truncated';
    }
    case 'gif':
      // Its trailer (bytes after it are walked by `imageEnd.ts`).
      return endsWith(0x3b) ? 'complete' : 'truncated';
    case 'webp':
      if (head.length < 8) return 'truncated';
      return view.getUint32(4, true) + 8 <= size ? 'complete' : 'truncated';
    case 'bmp': {
      if (head.length < 6) return 'truncated';
      const declared = view.getUint32(2, true);
      return declared === 0 || declared <= size ? 'complete' : 'truncated';
    }
    case 'tiff':
      return size > 8 ? 'unknown' : 'truncated';
    case 'avif':
    case 'heic':
      return heifIntegrity(head, size);
  }
}
