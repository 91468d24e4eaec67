import { initSync as initResize, resize as wasmResize } from '@jsquash/resize/lib/resize/pkg/squoosh_resize.js';
import { isPadded, planResize, type ResizeOptions, type ResizePlan, type Size } from '../../common/imageGeometry';
import { blank, crop, flatten, hasAlpha, paste, transparent, type Rgba, type RgbaImage } from './rgba';
import type { WasmLoader } from './wasmLoader';

/** Squoosh's resize filters by index: 0 triangle, 1 Catmull-Rom, 2 Mitchell, 3 Lanczos3. */
const lanczos3 = 3;

/** One resize, with what fills the canvas where the source does not reach. */
export interface ResizeRequest extends ResizeOptions {
  /** The colour behind the image: shows in padding, and under transparent pixels if opaque. */
  background?: Rgba;
}

/**
 * Lanczos3 resampling (Squoosh's resize crate, in WebAssembly), in sRGB values as sharp and
 * most tools do; alpha is premultiplied only when the image has transparent pixels, so that
 * transparent colour does not bleed into edges and opaque images pay nothing for it.
 */
export class Resizer {
  private ready: Promise<unknown> | undefined;

  constructor(private readonly loader: WasmLoader) {}

  /** Resamples the whole image to `size` (the same image when the size is its own). */
  async resample(image: RgbaImage, size: Size, alpha = hasAlpha(image)): Promise<RgbaImage> {
    if (image.width === size.width && image.height === size.height) return image;
    this.ready ??= this.loader.module('resize').then((module) => initResize(module));
    await this.ready;
    const data = wasmResize(image.data, image.width, image.height, size.width, size.height, lanczos3, alpha, false);
    return { width: size.width, height: size.height, data: new Uint8Array(data.buffer, data.byteOffset, data.byteLength) };
  }

  /** Crops, resamples and pads the image as the request says. */
  async resize(image: RgbaImage, request: ResizeRequest): Promise<RgbaImage> {
    return this.apply(image, planResize(image, request), request.background);
  }

  /**
   * Carries out a plan on `image`, whose crop rectangle is given in its own coordinates
   * (`plan.crop` may refer to a smaller copy of the planned source).
   */
  async apply(image: RgbaImage, plan: ResizePlan, background?: Rgba, alpha = hasAlpha(image)): Promise<RgbaImage> {
    const resampled = await this.resample(crop(image, plan.crop), plan.place, alpha);
    const padded = isPadded(plan);
    let result = resampled;
    if (padded) {
      result = blank(plan.canvas, background ?? transparent);
      paste(result, resampled, plan.place);
    } else if (result.data.buffer === image.data.buffer) {
      result = { ...image, data: image.data.slice() };
    }
    return background && background[3] === 255 && (alpha || padded) ? flatten(result, background) : result;
  }
}
