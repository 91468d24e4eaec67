import { ascii, jpegSegments, pngChunks, sniffImageFormat, webpChunks } from './imageType';

/*
 * Colour profiles of sources. A phone's photo or a Mac's screenshot is often Display P3, a
 * designer's export Adobe RGB; the web assumes sRGB for an image without a profile, and most
 * favicon and Open Graph consumers ignore profiles anyway. So Export As brings every source to
 * sRGB when it is decoded, as an image pipeline for the web does, and writes sRGB files.
 *
 * Read here: the profile a PNG (`iCCP`), JPEG (APP2 `ICC_PROFILE`), WebP (`ICCP`) or TIFF (tag
 * 34675) carries, and of it the RGB matrix/TRC form (`rXYZ`/`gXYZ`/`bXYZ` and three tone curves),
 * which is how display profiles (Display P3, Adobe RGB, ProPhoto, sRGB itself) are written.
 * Profiles of other forms (lookup tables, CMYK, grey) are left as they are.
 */

/** Inflates zlib data (a PNG's compressed profile) to at most `limit` bytes, or throws: Node's, where this runs. */
export type Inflate = (data: Uint8Array, limit: number) => Uint8Array;

/** The most a profile inflates to: a display profile is a few hundred bytes, a printer's a few hundred KB. */
const maxProfileBytes = 16 << 20;

/** The ICC profile an image carries, or `undefined`. */
export function embeddedProfile(bytes: Uint8Array, inflate: Inflate): Uint8Array | undefined {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  try {
    switch (sniffImageFormat(bytes)) {
      case 'png':
        return pngProfile(bytes, inflate);
      case 'jpeg':
        return jpegProfile(bytes, view);
      case 'webp':
        return webpProfile(bytes);
      case 'tiff':
        return tiffProfile(bytes, view);
      default:
        return undefined;
    }
  } catch {
    // A profile that runs past the bytes, or does not inflate: none.
    return undefined;
  }
}

function pngProfile(bytes: Uint8Array, inflate: Inflate): Uint8Array | undefined {
  for (const { type, start, end } of pngChunks(bytes)) {
    // An `sRGB` chunk says sRGB outright; image data ends the headers.
    if (type === 'sRGB' || type === 'IDAT') return undefined;
    if (type !== 'iCCP') continue;
    const name = bytes.subarray(start, Math.min(end, start + 80)).indexOf(0);
    if (name < 1 || bytes[start + name + 1] !== 0) return undefined;
    return inflate(bytes.subarray(start + name + 2, end), maxProfileBytes);
  }
  return undefined;
}

function jpegProfile(bytes: Uint8Array, view: DataView): Uint8Array | undefined {
  // A profile over 64 KB is split across APP2 segments, each numbered.
  const parts: { index: number; data: Uint8Array }[] = [];
  for (const segment of jpegSegments(bytes, view)) {
    if (segment.marker !== 0xe2 || ascii(bytes, segment.start, segment.start + 12) !== 'ICC_PROFILE\0') continue;
    parts.push({ index: bytes[segment.start + 12]!, data: bytes.subarray(segment.start + 14, segment.end) });
  }
  if (parts.length === 0) return undefined;
  parts.sort((a, b) => a.index - b.index);
  const whole = new Uint8Array(parts.reduce((sum, part) => sum + part.data.length, 0));
  let offset = 0;
  for (const part of parts) {
    whole.set(part.data, offset);
    offset += part.data.length;
  }
  return whole;
}

function webpProfile(bytes: Uint8Array): Uint8Array | undefined {
  if (ascii(bytes, 12, 16) !== 'VP8X' || (bytes[20]! & 0x20) === 0) return undefined;
  const profile = [...webpChunks(bytes, 12, bytes.length)].find((chunk) => chunk.type === 'ICCP');
  return profile && bytes.subarray(profile.start, profile.end);
}

function tiffProfile(bytes: Uint8Array, view: DataView): Uint8Array | undefined {
  const little = bytes[0] === 0x49;
  const directory = view.getUint32(4, little);
  const count = view.getUint16(directory, little);
  for (let index = 0; index < count; index++) {
    const entry = directory + 2 + index * 12;
    if (view.getUint16(entry, little) !== 34675) continue;
    const length = view.getUint32(entry + 4, little);
    const at = length <= 4 ? entry + 8 : view.getUint32(entry + 8, little);
    return bytes.subarray(at, at + length);
  }
  return undefined;
}

/** A tone curve: encoded value (0 to 1) to linear light (0 to 1). */
type ToneCurve = (value: number) => number;

/** An RGB matrix/TRC profile: its primaries in D50 XYZ (columns red, green, blue) and its curves. */
export interface MatrixProfile {
  matrix: readonly [number, number, number, number, number, number, number, number, number];
  curves: readonly [ToneCurve, ToneCurve, ToneCurve];
}

/**
 * The matrix/TRC form of an RGB display profile, or `undefined` for a profile of another form, a
 * damaged one (fields past its end, curves that give no number) or no profile: the image is then
 * read as it is, never refused for its profile.
 */
export function matrixProfile(profile: Uint8Array): MatrixProfile | undefined {
  try {
    const found = readMatrixProfile(profile);
    return found && found.matrix.every(Number.isFinite) && found.curves.every(usableCurve) ? found : undefined;
  } catch {
    return undefined;
  }
}

/** Whether a tone curve is one a display has: numbers that rise from about 0 to about 1. */
function usableCurve(curve: ToneCurve): boolean {
  const values = [0, 0.25, 0.5, 0.75, 1].map(curve);
  return values.every(Number.isFinite) && values.every((value, index) => index === 0 || value >= values[index - 1]!) && values[0]! < 0.1 && Math.abs(values[4]! - 1) < 0.1;
}

function readMatrixProfile(profile: Uint8Array): MatrixProfile | undefined {
  if (profile.length < 132 || ascii(profile, 36, 40) !== 'acsp' || ascii(profile, 16, 20) !== 'RGB ' || ascii(profile, 20, 24) !== 'XYZ ') return undefined;
  const view = new DataView(profile.buffer, profile.byteOffset, profile.byteLength);
  const tags = new Map<string, number>();
  const count = view.getUint32(128);
  for (let index = 0; index < count && 132 + index * 12 + 12 <= profile.length; index++) {
    const entry = 132 + index * 12;
    tags.set(ascii(profile, entry, entry + 4), view.getUint32(entry + 4));
  }
  const fixed = (at: number): number => view.getInt32(at) / 65536;
  const xyz = (name: string): [number, number, number] | undefined => {
    const at = tags.get(name);
    return at !== undefined && at + 20 <= profile.length && ascii(profile, at, at + 4) === 'XYZ ' ? [fixed(at + 8), fixed(at + 12), fixed(at + 16)] : undefined;
  };
  const [red, green, blue] = [xyz('rXYZ'), xyz('gXYZ'), xyz('bXYZ')];
  const curves = ['rTRC', 'gTRC', 'bTRC'].map((name) => toneCurve(profile, view, tags.get(name)));
  if (!red || !green || !blue || curves.some((curve) => !curve)) return undefined;
  return {
    matrix: [red[0], green[0], blue[0], red[1], green[1], blue[1], red[2], green[2], blue[2]],
    curves: curves as [ToneCurve, ToneCurve, ToneCurve],
  };
}

function toneCurve(profile: Uint8Array, view: DataView, at: number | undefined): ToneCurve | undefined {
  if (at === undefined || at + 12 > profile.length) return undefined;
  const type = ascii(profile, at, at + 4);
  if (type === 'curv') {
    const entries = view.getUint32(at + 8);
    if (entries === 0) return (value) => value;
    if (entries === 1) {
      if (at + 14 > profile.length) return undefined;
      const gamma = view.getUint16(at + 12) / 256;
      return (value) => value ** gamma;
    }
    if (at + 12 + entries * 2 > profile.length) return undefined;
    const table = Array.from({ length: entries }, (_, index) => view.getUint16(at + 12 + index * 2) / 65535);
    return (value) => {
      const place = Math.min(Math.max(value, 0), 1) * (entries - 1);
      const below = Math.floor(place);
      const above = Math.min(below + 1, entries - 1);
      return table[below]! + (table[above]! - table[below]!) * (place - below);
    };
  }
  if (type === 'para') {
    const kind = view.getUint16(at + 8);
    const counts = [1, 3, 4, 5, 7];
    if (kind >= counts.length || at + 12 + counts[kind]! * 4 > profile.length) return undefined;
    const [g = 1, a = 1, b = 0, c = 0, d = 0, e = 0, f = 0] = Array.from({ length: counts[kind]! }, (_, index) => view.getInt32(at + 12 + index * 4) / 65536);
    switch (kind) {
      case 0:
        return (value) => value ** g;
      case 1:
        return (value) => (value >= -b / a ? (a * value + b) ** g : 0);
      case 2:
        return (value) => (value >= -b / a ? (a * value + b) ** g + c : c);
      case 3:
        return (value) => (value >= d ? (a * value + b) ** g : c * value);
      default:
        return (value) => (value >= d ? (a * value + b) ** g + e : c * value + f);
    }
  }
  return undefined;
}

/** Linear sRGB from D50 XYZ (sRGB's primaries adapted to D50 with Bradford, as ICC profiles keep them). */
const xyzToSrgb = [3.1338561, -1.6168667, -0.4906146, -0.9787684, 1.9161415, 0.033454, 0.0719453, -0.2289914, 1.4052427] as const;
/** sRGB's own matrix, to tell a profile that is sRGB. */
const srgbToXyz = [0.4360747, 0.3850649, 0.1430804, 0.2225045, 0.7168786, 0.0606169, 0.0139322, 0.0971045, 0.7141733] as const;

const srgbEncode = (value: number): number => (value <= 0.0031308 ? value * 12.92 : 1.055 * value ** (1 / 2.4) - 0.055);

/** Whether a profile is sRGB's (within what an 8-bit value shows): nothing to convert. */
function isSrgb(profile: MatrixProfile): boolean {
  if (profile.matrix.some((value, index) => Math.abs(value - srgbToXyz[index]!) > 0.003)) return false;
  return profile.curves.every((curve) => [0.02, 0.1, 0.25, 0.5, 0.75, 0.9].every((value) => Math.abs(srgbEncode(curve(value)) - value) < 0.5 / 255));
}

/** Levels of the table that encodes linear light as sRGB (fine enough that no 8-bit value is off by more than one). */
const encodeLevels = 16384;
let encodeTable: Uint8Array | undefined;

/**
 * Converts RGBA pixels (8 bits, in place) from a matrix/TRC profile to sRGB; colours outside
 * sRGB are clipped to its edge. Answers whether anything was converted (an sRGB profile is not).
 */
export function convertToSrgb(data: Uint8Array, profile: MatrixProfile): boolean {
  if (isSrgb(profile)) return false;
  const m = multiply(xyzToSrgb, profile.matrix);
  const linear = profile.curves.map((curve) => Float32Array.from({ length: 256 }, (_, value) => curve(value / 255) || 0));
  const [red, green, blue] = linear as [Float32Array, Float32Array, Float32Array];
  encodeTable ??= Uint8Array.from({ length: encodeLevels + 1 }, (_, level) => Math.round(srgbEncode(level / encodeLevels) * 255));
  const table = encodeTable;
  const encode = (value: number): number => table[value <= 0 ? 0 : value >= 1 ? encodeLevels : Math.round(value * encodeLevels)]!;
  for (let index = 0; index < data.length; index += 4) {
    const r = red[data[index]!]!;
    const g = green[data[index + 1]!]!;
    const b = blue[data[index + 2]!]!;
    data[index] = encode(m[0] * r + m[1] * g + m[2] * b);
    data[index + 1] = encode(m[3] * r + m[4] * g + m[5] * b);
    data[index + 2] = encode(m[6] * r + m[7] * g + m[8] * b);
  }
  return true;
}

type Matrix = readonly [number, number, number, number, number, number, number, number, number];

function multiply(a: Matrix, b: Matrix): Matrix {
  const cell = (row: number, column: number): number => a[row * 3]! * b[column]! + a[row * 3 + 1]! * b[3 + column]! + a[row * 3 + 2]! * b[6 + column]!;
  return [cell(0, 0), cell(0, 1), cell(0, 2), cell(1, 0), cell(1, 1), cell(1, 2), cell(2, 0), cell(2, 1), cell(2, 2)];
}
