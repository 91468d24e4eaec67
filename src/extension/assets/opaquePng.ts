import { deflateSync } from 'node:zlib';

/*
 * A PNG without an alpha channel (colour type 2), for images every pixel of which is opaque: the
 * App Store refuses an app icon that has one, even when it is all opaque, and such a file is a
 * quarter smaller. The codec bundled for PNG writes RGBA only; this writes the same pixels as
 * RGB, each row with the filter that leaves the smallest sum of bytes (libpng's heuristic).
 */

let crcTable: Uint32Array | undefined;

function crc32(bytes: Uint8Array, crc = 0xffffffff): number {
  if (!crcTable) {
    crcTable = new Uint32Array(256);
    for (let n = 0; n < 256; n++) {
      let c = n;
      for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
      crcTable[n] = c >>> 0;
    }
  }
  for (const byte of bytes) crc = crcTable[(crc ^ byte) & 0xff]! ^ (crc >>> 8);
  return crc;
}

function chunk(type: string, data: Uint8Array): Uint8Array {
  const out = new Uint8Array(12 + data.length);
  const view = new DataView(out.buffer);
  view.setUint32(0, data.length);
  for (let index = 0; index < 4; index++) out[4 + index] = type.charCodeAt(index);
  out.set(data, 8);
  view.setUint32(8 + data.length, (crc32(out.subarray(4, 8 + data.length)) ^ 0xffffffff) >>> 0);
  return out;
}

/** Paeth's predictor (the PNG specification, filter type 4). */
function paeth(left: number, up: number, upLeft: number): number {
  const estimate = left + up - upLeft;
  const toLeft = Math.abs(estimate - left);
  const toUp = Math.abs(estimate - up);
  const toUpLeft = Math.abs(estimate - upLeft);
  return toLeft <= toUp && toLeft <= toUpLeft ? left : toUp <= toUpLeft ? up : upLeft;
}

/** One row filtered with `type` into `out`; answers the sum of its bytes as signed values, which picks the filter. */
function filterRow(type: number, row: Uint8Array, previous: Uint8Array, out: Uint8Array): number {
  const length = row.length;
  switch (type) {
    case 0:
      out.set(row);
      break;
    case 1:
      for (let index = 0; index < length; index++) out[index] = row[index]! - (index >= 3 ? row[index - 3]! : 0);
      break;
    case 2:
      for (let index = 0; index < length; index++) out[index] = row[index]! - previous[index]!;
      break;
    case 3:
      for (let index = 0; index < length; index++) out[index] = row[index]! - (((index >= 3 ? row[index - 3]! : 0) + previous[index]!) >> 1);
      break;
    default:
      for (let index = 0; index < length; index++) {
        out[index] = row[index]! - (index >= 3 ? paeth(row[index - 3]!, previous[index]!, previous[index - 3]!) : previous[index]!);
      }
  }
  let sum = 0;
  for (let index = 0; index < length; index++) {
    const value = out[index]!;
    sum += value < 128 ? value : 256 - value;
  }
  return sum;
}

/** An opaque RGBA image as an 8-bit RGB PNG. */
export function encodeOpaquePng(data: Uint8Array, width: number, height: number): Uint8Array {
  const stride = width * 3;
  const filtered = new Uint8Array((stride + 1) * height);
  const candidate = new Uint8Array(stride);
  // The row above the first is zeros (the specification's rule for Up, Average and Paeth).
  let previous = new Uint8Array(stride);
  for (let y = 0; y < height; y++) {
    const row = new Uint8Array(stride);
    for (let x = 0, from = y * width * 4; x < stride; x += 3, from += 4) {
      row[x] = data[from]!;
      row[x + 1] = data[from + 1]!;
      row[x + 2] = data[from + 2]!;
    }
    const target = filtered.subarray(y * (stride + 1) + 1, (y + 1) * (stride + 1));
    let best = Number.POSITIVE_INFINITY;
    for (let type = 0; type <= 4; type++) {
      const sum = filterRow(type, row, previous, candidate);
      if (sum < best) {
        best = sum;
        filtered[y * (stride + 1)] = type;
        target.set(candidate);
      }
    }
    previous = row;
  }
  const header = new Uint8Array(13);
  const view = new DataView(header.buffer);
  view.setUint32(0, width);
  view.setUint32(4, height);
  header.set([8, 2, 0, 0, 0], 8); // 8 bits, RGB, deflate, adaptive filters, not interlaced
  const signature = Uint8Array.of(0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a);
  const parts = [signature, chunk('IHDR', header), chunk('IDAT', deflateSync(filtered, { level: 9 })), chunk('IEND', new Uint8Array(0))];
  const out = new Uint8Array(parts.reduce((total, part) => total + part.length, 0));
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}
