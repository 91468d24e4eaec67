import { AssetWorker } from '../assets/assetWorker';
import { flatten } from '../assets/rgba';

/** The formats an image is converted to here. */
export type ConvertibleFormat = 'png' | 'jpeg' | 'webp';

/**
 * Turns a reference image into a PNG of the same pixels, for a request whose model wants a PNG
 * (a mask's reference, on the vendor's pages). The image pipeline's worker is started on the
 * first conversion, never before, and stops on its own when idle.
 */
export class PngConverter {
  private worker: AssetWorker | undefined;

  constructor(private readonly start: () => AssetWorker = () => new AssetWorker()) {}

  /** The same image as a PNG (PNG, JPEG, WebP, BMP and TIFF are read). */
  toPng(bytes: Uint8Array): Promise<Uint8Array> {
    return this.convert(bytes, 'png');
  }

  /**
   * The same image in another format (PNG, JPEG, WebP, BMP and TIFF are read). A JPEG keeps no transparency:
   * what was transparent is laid on white.
   */
  async convert(bytes: Uint8Array, format: ConvertibleFormat): Promise<Uint8Array> {
    this.worker ??= this.start();
    const image = await this.worker.decode(bytes);
    return this.worker.encode(format === 'jpeg' ? flatten(image, [255, 255, 255, 255]) : image, format === 'png' ? { format } : { format, quality: 90 });
  }

  dispose(): void {
    this.worker?.dispose();
  }
}
