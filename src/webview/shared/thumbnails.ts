import { thumbnailCrop } from '../../common/gallery';
import type { ThumbnailItem, ThumbnailMessage, ThumbnailStored } from '../../common/thumbnailMessages';

/** How many originals are decoded at once: a 4K image takes tens of megabytes while drawn. */
const concurrency = 2;

/** Loads an image the webview may read pixels from (VS Code serves its resources with CORS). */
export async function loadImage(src: string): Promise<HTMLImageElement> {
  const image = new Image();
  image.crossOrigin = 'anonymous';
  image.decoding = 'async';
  image.src = src;
  await image.decode();
  return image;
}

/** Encodes a canvas; WebP where the browser has it, PNG otherwise. */
function encode(canvas: HTMLCanvasElement, type: string, quality?: number): Promise<Blob> {
  return new Promise((resolve, reject) => canvas.toBlob((blob) => (blob ? resolve(blob) : reject(new Error('The canvas could not be encoded.'))), type, quality));
}

/**
 * Draws the centre square of an original once, scaled down with high-quality resampling, and
 * encodes it as a WebP (PNG where WebP cannot be encoded) at twice the tile's size.
 */
export async function makeThumbnail(src: string): Promise<Blob> {
  const image = await loadImage(src);
  const crop = thumbnailCrop(image.naturalWidth, image.naturalHeight);
  const canvas = document.createElement('canvas');
  canvas.width = canvas.height = crop.out;
  const context = canvas.getContext('2d');
  if (!context) throw new Error('No 2D canvas.');
  context.imageSmoothingEnabled = true;
  context.imageSmoothingQuality = 'high';
  try {
    // The browser's own resampler at 'high' (Lanczos-like in Chromium) in one step.
    const bitmap = await createImageBitmap(image, crop.sx, crop.sy, crop.sw, crop.sh, { resizeWidth: crop.out, resizeHeight: crop.out, resizeQuality: 'high' });
    context.drawImage(bitmap, 0, 0);
    bitmap.close();
  } catch {
    context.drawImage(image, crop.sx, crop.sy, crop.sw, crop.sh, 0, 0, crop.out, crop.out);
  }
  const webp = await encode(canvas, 'image/webp', 0.86);
  return webp.type === 'image/webp' ? webp : encode(canvas, 'image/png');
}

/** A blob's bytes as base64 (what the message schema carries). */
export function base64Of(blob: Blob): Promise<string> {
  return new Promise((resolve, reject) => {
    const reader = new FileReader();
    reader.onload = () => resolve((typeof reader.result === 'string' ? reader.result : '').replace(/^data:[^,]*,/, ''));
    reader.onerror = () => reject(reader.error ?? new Error('The thumbnail could not be read.'));
    reader.readAsDataURL(blob);
  });
}

/**
 * Makes the missing thumbnails of the history images that come into view, a couple at a time,
 * and sends each to the host, which caches it for every view of the history and answers with
 * its address. An image is queued the first time it comes near the view, and attempted once per
 * page; one whose thumbnail came from elsewhere while it waited is skipped.
 */
export class Thumbnailer {
  private readonly queue: ThumbnailItem[] = [];
  private readonly attempted = new Set<string>();
  private running = 0;
  private readonly observer: IntersectionObserver;
  private readonly byElement = new WeakMap<Element, ThumbnailItem>();
  /** Keys whose thumbnail the host has (made here or by another view). */
  private readonly cached = new Set<string>();

  constructor(
    private readonly post: (message: ThumbnailMessage) => void,
    /** An original that could not be drawn. */
    private readonly failed: (item: ThumbnailItem) => void,
  ) {
    // The page's own document as the root: the margin then counts (with the implicit root, the
    // top window's, a webview's cross-origin frame would have it ignored).
    this.observer = new IntersectionObserver(
      (entries) => {
        for (const entry of entries) {
          const item = this.byElement.get(entry.target);
          if (!entry.target.isConnected) this.observer.unobserve(entry.target);
          else if (item && entry.isIntersecting) this.want(entry.target, item);
        }
      },
      { root: document, rootMargin: '200px' },
    );
  }

  /**
   * Watches an element that shows an image without a thumbnail yet (called from its render). An
   * element the page reuses for another image or version is observed afresh, so that an element
   * already in view is seen again.
   */
  watch(element: Element, item: ThumbnailItem): void {
    if (this.byElement.get(element) === item) return;
    this.observer.unobserve(element);
    this.byElement.set(element, item);
    if (!item.thumb && !this.attempted.has(item.key)) this.observer.observe(element);
  }

  /** The host has this key's thumbnail (from this page or another view): a queued attempt is dropped. */
  stored(key: string): void {
    this.cached.add(key);
  }

  private want(element: Element, item: ThumbnailItem): void {
    this.observer.unobserve(element);
    if (this.attempted.has(item.key)) return;
    this.attempted.add(item.key);
    this.queue.push(item);
    this.next();
  }

  private next(): void {
    while (this.running < concurrency && this.queue.length > 0) {
      const item = this.queue.shift()!;
      this.running++;
      void this.make(item).finally(() => {
        this.running--;
        this.next();
      });
    }
  }

  private async make(item: ThumbnailItem): Promise<void> {
    if (this.cached.has(item.key)) return;
    try {
      const data = await base64Of(await makeThumbnail(item.src));
      this.post({ type: 'thumbnail', uri: item.uri, key: item.key, data });
    } catch {
      this.failed(item);
      this.post({ type: 'thumbnailFailed', uri: item.uri, key: item.key });
    }
  }
}

/** The items with the thumbnail the host cached, on the version it was made of (a new object: lit renders it again). */
export function withThumbnail<T extends ThumbnailItem>(items: readonly T[], stored: ThumbnailStored): T[] {
  return items.map((item) => (item.uri === stored.uri && item.key === stored.key ? { ...item, thumb: stored.thumb } : item));
}
