import * as z from 'zod/mini';
import { maxThumbnailBytes, thumbnailKeyPattern } from './gallery';

/*
 * The parts of the webview messages that the History gallery and the Image Studio share: the
 * thumbnails they make of history images for the host's one cache, and the shapes those carry.
 */

/** A URI as a webview may name it. */
export const uriSchema = z.string().check(z.maxLength(4096));
/** Base64 bytes, at most `maxBytes` once decoded. */
export const base64Schema = (maxBytes: number) => z.string().check(z.maxLength(Math.ceil(maxBytes / 3) * 4), z.regex(/^[A-Za-z0-9+/]*={0,2}$/));
/** A thumbnail's cache key, as `thumbnailKey` makes it. */
const key = z.string().check(z.regex(thumbnailKeyPattern));

/** What a webview sends of a history image's thumbnail. */
export const thumbnailMessageSchemas = [
  /** A thumbnail made in the webview, for the cache: a WebP or PNG, keyed as the host sent it. */
  z.object({ type: z.literal('thumbnail'), uri: uriSchema, key, data: base64Schema(maxThumbnailBytes) }),
  /** The original could not be drawn (damaged, or a format the browser lacks): show no thumbnail. */
  z.object({ type: z.literal('thumbnailFailed'), uri: uriSchema, key }),
] as const;

/** A thumbnail message of a webview, once parsed. */
export type ThumbnailMessage = z.infer<(typeof thumbnailMessageSchemas)[number]>;

/** The host's message: an image's thumbnail is cached, and the item shows it from now on. */
export interface ThumbnailStored {
  type: 'thumbnail';
  uri: string;
  key: string;
  thumb: string;
}

/** A history image as a webview lists it: the host names its original and its thumbnail's key. */
export interface ThumbnailItem {
  uri: string;
  key: string;
  /** The original's webview address. */
  src: string;
  /** The cached thumbnail's address, once there is one. */
  thumb?: string | undefined;
}
