/*
 * BMP and TIFF, read to RGBA: formats that a model may take by URL (Seedream), or that a
 * designer's scans and exports come in, but that EvoLink's files API does not store. They are read
 * here, in the asset worker, and sent on as PNG. The decoders: bmp-ts (every bit depth, RLE and
 * bit fields) and UTIF (Photopea's TIFF reader: LZW, Deflate, PackBits, JPEG, CMYK, 16-bit).
 */
import { decode as readBmp } from 'bmp-ts';
import * as UTIF from 'utif2';
import type { RgbaImage } from './rgba';

/**
 * A BMP's pixels. Only a 32-bit BMP can carry alpha, and many writers leave its fourth byte 0
 * where they mean "unused": a BMP whose alpha is 0 everywhere is opaque, as every viewer shows it.
 */
export function decodeBmp(bytes: Uint8Array): RgbaImage {
  const bmp = readBmp(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength), { toRGBA: true });
  const { width, height } = bmp;
  if (!(width > 0 && height > 0)) throw new TypeError('This BMP has no pixels.');
  const data = new Uint8Array(width * height * 4);
  data.set(bmp.data.subarray(0, data.length));
  let alpha = false;
  if (bmp.bitPP === 32) {
    for (let index = 3; index < data.length && !alpha; index += 4) alpha = data[index] !== 0;
  }
  if (!alpha) for (let index = 3; index < data.length; index += 4) data[index] = 255;
  return { width, height, data };
}

/** A TIFF's first image (a multi-page TIFF's first page; a scanner's or an editor's main image). */
export function decodeTiff(bytes: Uint8Array): RgbaImage {
  const buffer = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
  const directories = UTIF.decode(buffer);
  const first = directories[0];
  if (!first) throw new TypeError('This TIFF has no image.');
  UTIF.decodeImage(buffer, first);
  const { width, height } = first;
  if (!(width > 0 && height > 0)) throw new TypeError('This TIFF has no pixels.');
  const rgba = UTIF.toRGBA8(first);
  return { width, height, data: new Uint8Array(rgba.buffer, rgba.byteOffset, width * height * 4) };
}
