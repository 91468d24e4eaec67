/*
 * The codecs, from jSquash (Squoosh's codecs compiled to WebAssembly, Apache-2.0): libpng via
 * Rust's png crate, MozJPEG, libwebp and libavif with aom. Each module is compiled on first use
 * from the file `WasmLoader` finds and instantiated once. This runs in the asset worker (and in
 * tests); the extension host's own thread never loads it.
 */
import { initSync as initPng, decode as pngDecode, encode as pngEncode } from '@jsquash/png/codec/pkg/squoosh_png.js';
import jpegDecoderFactory from '@jsquash/jpeg/codec/dec/mozjpeg_dec.js';
import jpegEncoderFactory from '@jsquash/jpeg/codec/enc/mozjpeg_enc.js';
import webpDecoderFactory from '@jsquash/webp/codec/dec/webp_dec.js';
import webpEncoderFactory from '@jsquash/webp/codec/enc/webp_enc_simd.js';
import avifEncoderFactory from '@jsquash/avif/codec/enc/avif_enc.js';
import { defaultOptions as jpegDefaults } from '@jsquash/jpeg/meta.js';
import { defaultOptions as webpDefaults } from '@jsquash/webp/meta.js';
import { defaultOptions as avifDefaults } from '@jsquash/avif/meta.js';
import { inflateSync } from 'node:zlib';
import { encodeOpaquePng } from './opaquePng';
import { firstWebpFrame } from '../../common/animation';
import { convertToSrgb, embeddedProfile, matrixProfile } from '../../common/colourProfile';
import { imageOrientation, sniffImageFormat } from '../../common/imageType';
import { decodeBmp, decodeTiff } from './bmpTiff';
import { isCmykJpeg } from './jpegColour';
import { blank, hasAlpha, orient, paste, type RgbaImage } from './rgba';
import { webAssembly, type WasmLoader, type WasmModule, type WasmName } from './wasmLoader';
import { thrownText } from './workerProtocol';

/** The formats the pipeline writes. */
export type OutputFormat = 'png' | 'jpeg' | 'webp' | 'avif';

/** How to write one image. `quality` is 0-100 and ignored for PNG. */
export interface EncodeOptions {
  format: OutputFormat;
  quality?: number;
  /** WebP: every pixel kept (libwebp's lossless mode, at its default effort); `quality` is then ignored. */
  lossless?: boolean;
  /** AVIF: aom's speed, 0 (slowest, smallest) to 10; 6 unless given. */
  speed?: number;
  /**
   * PNG: written without an alpha channel when every pixel is opaque (app stores refuse icons
   * that have one). Not for PNGs inside an ICO (32-bit by its rules) or sent to EvoLink (edit
   * endpoints want RGBA).
   */
  opaqueAsRgb?: boolean;
}

/** The quality each format uses when none is given: what a web page usually wants. */
export const defaultQuality: Record<Exclude<OutputFormat, 'png'>, number> = { jpeg: 80, webp: 80, avif: 50 };

interface ImageLike {
  data: Uint8Array | Uint8ClampedArray;
  width: number;
  height: number;
}

interface Decoder {
  decode(data: Uint8Array, ...rest: unknown[]): ImageLike | null;
}
interface Encoder {
  encode(data: Uint8Array, width: number, height: number, options: object): Uint8Array | null;
}
type EmscriptenFactory = (options: object) => Promise<unknown>;

/*
 * The codecs create their results with `new ImageData(...)`, which Node lacks. Inside the worker
 * this small stand-in is the global; it only carries the pixels out.
 */
class PixelData implements ImageLike {
  constructor(
    readonly data: Uint8ClampedArray,
    readonly width: number,
    readonly height: number,
  ) {}
}
const globals = globalThis as { ImageData?: unknown };
globals.ImageData ??= PixelData;

/** Runs one of the Emscripten-built codecs on an already compiled module. */
function instantiate<T>(factory: unknown, module: WasmModule): Promise<T> {
  return (factory as EmscriptenFactory)({
    noInitialRun: true,
    // The file was compiled by WasmLoader: the codec's own loader (which builds a URL next to
    // its script) never runs.
    instantiateWasm(imports: object, done: (instance: { exports: object }) => void) {
      const instance = new webAssembly.Instance(module, imports);
      done(instance);
      return instance.exports;
    },
  }) as Promise<T>;
}

const toRgba = (image: ImageLike): RgbaImage => ({
  width: image.width,
  height: image.height,
  data: new Uint8Array(image.data.buffer, image.data.byteOffset, image.data.byteLength),
});

/** The codecs over one loader; each codec starts on first use. */
export class Codecs {
  private readonly started = new Map<WasmName, Promise<unknown>>();

  constructor(private readonly loader: WasmLoader) {}

  /**
   * Decodes a PNG, JPEG, WebP, BMP or TIFF file to RGBA in sRGB (a source in Display P3 or Adobe
   * RGB is converted by its profile: `colourProfile.ts`); throws a TypeError for any other bytes.
   */
  async decode(bytes: Uint8Array): Promise<RgbaImage> {
    const image = await this.decodePixels(bytes);
    const profile = embeddedProfile(bytes, (data, limit) => inflateSync(data, { maxOutputLength: limit }));
    const matrix = profile && matrixProfile(profile);
    if (matrix) convertToSrgb(image.data, matrix);
    return image;
  }

  private async decodePixels(bytes: Uint8Array): Promise<RgbaImage> {
    const format = sniffImageFormat(bytes);
    switch (format) {
      case 'png':
        await this.png();
        return toRgba(pngDecode(bytes) as ImageLike);
      case 'jpeg': {
        // MozJPEG would stop with "Unsupported color conversion request", and the codec with it.
        if (isCmykJpeg(bytes)) throw new TypeError('Cannot read CMYK JPEG images: save it as an RGB JPEG or a PNG.');
        const decoder = await this.emscripten<Decoder>('jpegDecoder', jpegDecoderFactory);
        // Upright, as it is seen: a phone's portrait is often stored sideways with an orientation tag.
        return orient(this.guarded('jpegDecoder', () => this.decodeWith(decoder, bytes, false)), imageOrientation(bytes));
      }
      case 'webp': {
        const decoder = await this.emscripten<Decoder>('webpDecoder', webpDecoderFactory);
        // An animation's first frame, which libwebp's still decoder reads only out of its container, placed on its canvas.
        const frame = firstWebpFrame(bytes);
        if (!frame) return this.guarded('webpDecoder', () => this.decodeWith(decoder, bytes));
        const canvas = blank(frame.canvas);
        paste(canvas, this.guarded('webpDecoder', () => this.decodeWith(decoder, frame.still)), frame);
        return canvas;
      }
      case 'bmp':
        return decodeBmp(bytes);
      case 'tiff':
        return orient(decodeTiff(bytes), imageOrientation(bytes));
      default:
        throw new TypeError(`Cannot read ${format ?? 'this'} images: only PNG, JPEG, WebP, BMP and TIFF.`);
    }
  }

  /** Encodes an RGBA image. */
  async encode(image: RgbaImage, options: EncodeOptions): Promise<Uint8Array> {
    const { width, height, data } = image;
    switch (options.format) {
      case 'png':
        // Opaque images without an alpha channel (app stores refuse icons that have one).
        if (options.opaqueAsRgb && !hasAlpha(image)) return encodeOpaquePng(data, width, height);
        await this.png();
        return pngEncode(data, width, height, 8);
      case 'jpeg': {
        const quality = options.quality ?? defaultQuality.jpeg;
        const codec = await this.emscripten<Encoder>('jpegEncoder', jpegEncoderFactory);
        // Chroma at half resolution (4:2:0), as sharp and libjpeg default to: MozJPEG's automatic
        // choice keeps it whole and writes a third more bytes at the same quality setting.
        return check(codec.encode(data, width, height, { ...jpegDefaults, quality, auto_subsample: false, chroma_subsample: 2 }));
      }
      case 'webp': {
        const codec = await this.emscripten<Encoder>('webpEncoder', webpEncoderFactory);
        if (options.lossless) return check(codec.encode(data, width, height, { ...webpDefaults, lossless: 1 }));
        return check(codec.encode(data, width, height, { ...webpDefaults, quality: options.quality ?? defaultQuality.webp }));
      }
      case 'avif': {
        const codec = await this.emscripten<Encoder>('avifEncoder', avifEncoderFactory);
        const settings = { ...avifDefaults, quality: options.quality ?? defaultQuality.avif, speed: options.speed ?? avifDefaults.speed };
        return check(codec.encode(data, width, height, settings));
      }
    }
  }

  private decodeWith(codec: Decoder, bytes: Uint8Array, ...rest: unknown[]): RgbaImage {
    const image = codec.decode(bytes, ...rest);
    if (!image) throw new TypeError('The image could not be decoded: the file is damaged or uses a feature the decoder lacks.');
    return toRgba(image);
  }

  /**
   * Runs a codec call; when the codec stops its program (Emscripten throws an `ExitStatus`, not an
   * Error) the instance is dropped, so that the next call starts a fresh one, and the failure is
   * told as a TypeError with readable text.
   */
  private guarded<T>(name: WasmName, run: () => T): T {
    try {
      return run();
    } catch (error) {
      if (error instanceof Error) throw error;
      this.started.delete(name);
      throw new TypeError(`The image could not be decoded: the file is damaged or uses a feature the decoder lacks (${thrownText(error)}).`);
    }
  }

  private png(): Promise<unknown> {
    return this.once('png', async () => initPng(await this.loader.module('png')));
  }

  private emscripten<T>(name: WasmName, factory: unknown): Promise<T> {
    return this.once(name, async () => instantiate<T>(factory, await this.loader.module(name))) as Promise<T>;
  }

  private once(name: WasmName, start: () => Promise<unknown>): Promise<unknown> {
    let pending = this.started.get(name);
    if (!pending) {
      pending = start();
      this.started.set(name, pending);
      pending.catch(() => this.started.delete(name));
    }
    return pending;
  }
}

function check(bytes: Uint8Array | null): Uint8Array {
  if (!bytes) throw new Error('The encoder gave no output.');
  // The codec's view may point into its own memory: copy it out.
  return new Uint8Array(bytes);
}
