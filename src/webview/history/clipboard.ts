import type { GalleryItem } from '../../common/gallery';
import type { GalleryStore } from './state';
import { loadImage } from '../shared/thumbnails';

/** The original as a PNG (the one image type the clipboard takes everywhere). */
async function pngOf(src: string): Promise<Blob> {
  const image = await loadImage(src);
  const canvas = document.createElement('canvas');
  canvas.width = image.naturalWidth;
  canvas.height = image.naturalHeight;
  canvas.getContext('2d')?.drawImage(image, 0, 0);
  return new Promise((resolve, reject) => canvas.toBlob((blob) => (blob ? resolve(blob) : reject(new Error('The image could not be encoded.'))), 'image/png'));
}

/**
 * Puts the image on the clipboard as a PNG. The write starts at once, while the click or key
 * press still counts as the user's (the browser requires it); the PNG follows as a promise. When
 * the webview refuses (no clipboard permission, no focus), the host copies the path instead and
 * says so.
 */
export function copyImage(store: GalleryStore, item: GalleryItem): void {
  const fail = (error: unknown): void => {
    store.post({ type: 'copyFailed', uri: item.uri, reason: (error instanceof Error ? `${error.name}: ${error.message}` : String(error)).slice(0, 300) });
  };
  try {
    if (typeof ClipboardItem === 'undefined' || !navigator.clipboard?.write) throw new Error('The clipboard API is not available.');
    navigator.clipboard.write([new ClipboardItem({ 'image/png': pngOf(item.src) })]).then(() => store.post({ type: 'copied', uri: item.uri }), fail);
  } catch (error) {
    fail(error);
  }
}
