import * as z from 'zod/mini';
import type { GalleryItem } from './gallery';
import { thumbnailMessageSchemas, uriSchema as uri, type ThumbnailStored } from './thumbnailMessages';

/*
 * The messages between the History gallery (a webview view in the EvoLink sidebar) and the host,
 * both ways: discriminated unions on `type`. What comes from the webview is `unknown` until
 * {@link parseGalleryMessage} accepts it; the host then also checks that the URI named is one it
 * listed.
 */


/** What the gallery may ask the host to do with one of the images it was sent. */
export const galleryImageActions = ['open', 'reveal', 'insertReference', 'reuse', 'edit', 'export', 'delete'] as const;
export type GalleryImageAction = (typeof galleryImageActions)[number];

/** Every message the gallery may send. */
export const galleryMessageSchema = z.discriminatedUnion('type', [
  /** The webview has loaded and listens: the host answers `init`, then `items`. */
  z.object({ type: z.literal('ready') }),
  /** Do this with an image. */
  z.object({ type: z.literal('action'), action: z.enum(galleryImageActions), uri }),
  ...thumbnailMessageSchemas,
  /** The webview copied the image itself; the host only confirms it. */
  z.object({ type: z.literal('copied'), uri }),
  /** The webview could not write the image to the clipboard: the host copies its path instead. */
  z.object({ type: z.literal('copyFailed'), uri, reason: z.string().check(z.maxLength(300)) }),
  /** The empty state's button: generate a first image. */
  z.object({ type: z.literal('generate') }),
]);

/** A message from the gallery, once parsed. */
export type GalleryMessage = z.infer<typeof galleryMessageSchema>;

/** Parses a message from the gallery; `undefined` for anything malformed or unknown. */
export function parseGalleryMessage(raw: unknown): GalleryMessage | undefined {
  const parsed = galleryMessageSchema.safeParse(raw);
  return parsed.success ? parsed.data : undefined;
}

/** Every message the host sends the gallery. */
export type GalleryHostMessage =
  | {
      type: 'init';
      /** Localized strings, by key; the webview has no other source of text. */
      strings: Record<string, string>;
      /** The locale for dates. */
      locale: string;
    }
  /** Every image, newest first; `loading` while the workspace is still being searched. */
  | { type: 'items'; items: GalleryItem[]; loading: boolean }
  | ThumbnailStored;
