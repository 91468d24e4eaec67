import { AssetWorker } from '../assets/assetWorker';

/**
 * Turns a reference image into a PNG of the same pixels, for a request whose model wants a PNG
 * (a mask's reference, on the vendor's pages). The image pipeline's worker is started on the
 * first conversion, never before, and stops on its own when idle.
 */
export class PngConverter {
  private worker: AssetWorker | undefined;

  constructor(private readonly start: () => AssetWorker = () => new AssetWorker()) {}

  /** The same image as a PNG (PNG, JPEG and WebP are read). */
  async toPng(bytes: Uint8Array): Promise<Uint8Array> {
    this.worker ??= this.start();
    const image = await this.worker.decode(bytes);
    return this.worker.encode(image, { format: 'png' });
  }

  dispose(): void {
    this.worker?.dispose();
  }
}
