/*
 * The History gallery's pure parts: what one image is to the gallery, how the search and the
 * filters choose images, and the thumbnails' size, cache key and crop, which the Studio's
 * history shares. No vscode, no DOM.
 */

/** The largest side of a gallery tile in a sidebar of common width, in CSS pixels (media/history.css lays them out). */
export const tileSize = 88;

/** The side of a cached thumbnail, in pixels: twice the tile, sharp on high-density screens. */
export const thumbnailSize = tileSize * 2;

/** The most bytes a thumbnail may have (a 176 px WebP is a few KB; a PNG at most ~120 KB). */
export const maxThumbnailBytes = 256 * 1024;

/** One image of the gallery, as the webview shows it. */
export interface GalleryItem {
  /** The file's URI, to name it in messages back. */
  uri: string;
  /** The original as the webview may load it (to draw its thumbnail once, and to copy it). */
  src: string;
  /** The cached thumbnail as the webview may load it; absent until one is made. */
  thumb: string | undefined;
  /** The thumbnail's cache key: the webview sends it back with the bytes it made. */
  key: string;
  name: string;
  /** Workspace-relative path, for labels and the fallback copy. */
  path: string;
  prompt: string;
  model: string;
  /** The model's label, when the model is known. */
  modelLabel: string;
  size: string | undefined;
  width: number | undefined;
  height: number | undefined;
  /** ISO time the request was made. */
  createdAt: string;
  /** True for an edit of another image (it has sources). */
  edit: boolean;
}

/** The periods the date filter offers. */
export const periods = ['all', 'today', 'week', 'older'] as const;
export type Period = (typeof periods)[number];

/** What the user searches and filters by. */
export interface GalleryFilter {
  /** Words that must all appear in the prompt, the model or the file name (any case). */
  query: string;
  /** A model id, or `''` for every model. */
  model: string;
  period: Period;
}

/** The filter that shows everything. */
export const noFilter: GalleryFilter = { query: '', model: '', period: 'all' };

/** Midnight at the start of `now`'s day, in the local time zone of the clock given. */
function startOfDay(now: Date): number {
  return new Date(now.getFullYear(), now.getMonth(), now.getDate()).getTime();
}

/**
 * The period an image falls in: made today, in the last seven days (today excluded), or before.
 * A time that cannot be read counts as older.
 */
export function periodOf(createdAt: string, now: Date): Exclude<Period, 'all'> {
  const time = Date.parse(createdAt);
  if (Number.isNaN(time)) return 'older';
  const today = startOfDay(now);
  if (time >= today) return 'today';
  return time >= today - 6 * 24 * 60 * 60 * 1000 ? 'week' : 'older';
}

/** The words of a search, lower case. */
export function searchWords(query: string): string[] {
  return query.toLowerCase().split(/\s+/).filter(Boolean);
}

/** True when the item matches every part of the filter. */
export function matches(item: GalleryItem, filter: GalleryFilter, now: Date, words = searchWords(filter.query)): boolean {
  if (filter.model && item.model !== filter.model) return false;
  if (filter.period !== 'all' && periodOf(item.createdAt, now) !== filter.period) return false;
  if (words.length === 0) return true;
  const haystack = `${item.prompt} ${item.model} ${item.modelLabel} ${item.name}`.toLowerCase();
  return words.every((word) => haystack.includes(word));
}

/** The items that pass the filter, in their order (newest first, as the host sends them). */
export function filterItems(items: readonly GalleryItem[], filter: GalleryFilter, now: Date): GalleryItem[] {
  const words = searchWords(filter.query);
  return items.filter((item) => matches(item, filter, now, words));
}

/** The models the items use, each once, in the order first seen: the model filter's choices. */
export function modelsOf(items: readonly GalleryItem[]): { id: string; label: string }[] {
  const seen = new Map<string, string>();
  for (const item of items) if (!seen.has(item.model)) seen.set(item.model, item.modelLabel);
  return [...seen].map(([id, label]) => ({ id, label }));
}

/** FNV-1a over UTF-16 code units, 32 bits, from a given start. */
function fnv1a(text: string, seed: number): number {
  let hash = seed >>> 0;
  for (let index = 0; index < text.length; index++) {
    hash ^= text.charCodeAt(index);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash;
}

/**
 * The cache key of a thumbnail: it names the file (by URI), its size and its modification time,
 * and the thumbnail's size, so that a changed file gets a new thumbnail and a stale one is
 * never served. Two independent 32-bit hashes make a collision between a few thousand images
 * vanishingly rare; the key is a safe file name on every OS.
 */
export function thumbnailKey(file: { uri: string; size: number; mtime: number }, side = thumbnailSize): string {
  const text = `${file.uri}\u0000${file.size}\u0000${file.mtime}\u0000${side}`;
  const hex = (value: number): string => value.toString(16).padStart(8, '0');
  return `${hex(fnv1a(text, 0x811c9dc5))}${hex(fnv1a(text, 0x050c5d1f))}-${side}`;
}

/** What {@link thumbnailKey} makes: two hashes and the side. */
export const thumbnailKeyPattern = /^[0-9a-f]{16}-\d{2,4}$/;

/** True for a string that {@link thumbnailKey} could have made (a cache file name is checked with it). */
export function isThumbnailKey(value: string): boolean {
  return thumbnailKeyPattern.test(value);
}

/**
 * The thumbnail's drawing: the centre square of the original (the tile is square), scaled to
 * `side` pixels. Answers the source rectangle and the output size; a picture smaller than the
 * thumbnail is not enlarged.
 */
export function thumbnailCrop(width: number, height: number, side = thumbnailSize): { sx: number; sy: number; sw: number; sh: number; out: number } {
  const square = Math.min(width, height);
  return { sx: Math.floor((width - square) / 2), sy: Math.floor((height - square) / 2), sw: square, sh: square, out: Math.max(1, Math.min(side, square)) };
}
