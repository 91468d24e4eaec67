import * as assert from 'node:assert/strict';
import {
  filterItems,
  isThumbnailKey,
  matches,
  maxThumbnailBytes,
  modelsOf,
  noFilter,
  periodOf,
  thumbnailCrop,
  thumbnailKey,
  thumbnailSize,
  type GalleryItem,
} from '../../src/common/gallery';
import { parseGalleryMessage } from '../../src/common/galleryProtocol';
import { GalleryStore } from '../../src/webview/history/state';

/** Noon on a Wednesday, local time: "today", "this week" and "older" are told from it. */
const now = new Date(2026, 11, 2, 12, 0, 0);
const daysAgo = (days: number, hours = 0): string => new Date(now.getTime() - days * 86_400_000 - hours * 3_600_000).toISOString();

function item(name: string, prompt: string, model: string, createdAt: string): GalleryItem {
  return {
    uri: `file:///project/images/generated/${name}`,
    src: `https://webview.example/${name}`,
    thumb: undefined,
    key: thumbnailKey({ uri: `file:///project/images/generated/${name}`, size: 1000, mtime: 1 }),
    name,
    path: `images/generated/${name}`,
    prompt,
    model,
    modelLabel: model === 'gpt-4o-image' ? 'GPT-4o Image' : 'Seedream 4.5',
    size: '1:1',
    width: 1024,
    height: 1024,
    createdAt,
    edit: false,
  };
}

const items = [
  item('lighthouse.png', 'A lighthouse at dawn, watercolor', 'gpt-4o-image', daysAgo(0, 1)),
  item('harbour.jpg', 'A harbour at night with neon signs', 'doubao-seedream-4.5', daysAgo(2)),
  item('fox.png', 'A red fox in the snow', 'gpt-4o-image', daysAgo(30)),
];
const names = (list: readonly GalleryItem[]): string[] => list.map((entry) => entry.name);

describe('The History gallery: search and filters', () => {
  it('finds images whose prompt holds every word of the search, in any case and order', () => {
    assert.deepEqual(names(filterItems(items, { ...noFilter, query: 'DAWN lighthouse' }, now)), ['lighthouse.png']);
    assert.deepEqual(names(filterItems(items, { ...noFilter, query: 'a  at' }, now)), ['lighthouse.png', 'harbour.jpg']);
    assert.deepEqual(names(filterItems(items, { ...noFilter, query: 'lighthouse night' }, now)), []);
  });

  it('searches the model and the file name as well as the prompt', () => {
    assert.deepEqual(names(filterItems(items, { ...noFilter, query: 'seedream' }, now)), ['harbour.jpg']);
    assert.deepEqual(names(filterItems(items, { ...noFilter, query: 'fox.png' }, now)), ['fox.png']);
  });

  it('filters by model and by period, and keeps the order it was given (newest first)', () => {
    assert.deepEqual(names(filterItems(items, { ...noFilter, model: 'gpt-4o-image' }, now)), ['lighthouse.png', 'fox.png']);
    assert.deepEqual(names(filterItems(items, { ...noFilter, period: 'today' }, now)), ['lighthouse.png']);
    assert.deepEqual(names(filterItems(items, { ...noFilter, period: 'week' }, now)), ['harbour.jpg']);
    assert.deepEqual(names(filterItems(items, { ...noFilter, period: 'older' }, now)), ['fox.png']);
    assert.deepEqual(names(filterItems(items, { query: 'a', model: 'gpt-4o-image', period: 'older' }, now)), ['fox.png']);
    assert.deepEqual(names(filterItems(items, noFilter, now)), ['lighthouse.png', 'harbour.jpg', 'fox.png']);
  });

  it('counts midnight as today, the six days before as this week, and an unreadable date as older', () => {
    const midnight = new Date(2026, 11, 2, 0, 0, 0).toISOString();
    const lastSecondOfYesterday = new Date(2026, 11, 1, 23, 59, 59).toISOString();
    assert.equal(periodOf(midnight, now), 'today');
    assert.equal(periodOf(lastSecondOfYesterday, now), 'week');
    assert.equal(periodOf(new Date(2026, 10, 26, 0, 0, 0).toISOString(), now), 'week');
    assert.equal(periodOf(new Date(2026, 10, 25, 23, 59, 0).toISOString(), now), 'older');
    assert.equal(periodOf('not a date', now), 'older');
    assert.equal(matches(item('x.png', 'x', 'gpt-4o-image', 'garbage'), { ...noFilter, period: 'today' }, now), false);
  });

  it('offers each model the images use once, in the order first seen', () => {
    assert.deepEqual(modelsOf(items), [
      { id: 'gpt-4o-image', label: 'GPT-4o Image' },
      { id: 'doubao-seedream-4.5', label: 'Seedream 4.5' },
    ]);
  });

  it('filters five hundred images well within a keystroke', () => {
    const many = Array.from({ length: 500 }, (_, index) => item(`image-${index}.png`, `prompt number ${index} of a long list of words`, index % 2 ? 'gpt-4o-image' : 'doubao-seedream-4.5', daysAgo(index % 40)));
    const started = performance.now();
    for (let round = 0; round < 20; round++) filterItems(many, { query: `number ${round} words`, model: 'gpt-4o-image', period: 'all' }, now);
    assert.ok((performance.now() - started) / 20 < 16, 'one filtering of 500 images takes less than a frame');
  });
});

describe('The History gallery: thumbnail cache keys', () => {
  const file = { uri: 'file:///project/images/generated/fox.png', size: 123_456, mtime: 1_764_000_000_000 };

  it('gives the same image version the same key, a safe file name', () => {
    assert.equal(thumbnailKey(file), thumbnailKey({ ...file }));
    assert.ok(isThumbnailKey(thumbnailKey(file)), thumbnailKey(file));
    assert.match(thumbnailKey(file), new RegExp(`^[0-9a-f]{16}-${thumbnailSize}$`));
  });

  it('gives a new key when the file changes (size or time), moves, or the thumbnail size changes', () => {
    const keys = new Set([
      thumbnailKey(file),
      thumbnailKey({ ...file, size: file.size + 1 }),
      thumbnailKey({ ...file, mtime: file.mtime + 1 }),
      thumbnailKey({ ...file, uri: 'file:///project/images/generated/fox-2.png' }),
      thumbnailKey(file, 256),
    ]);
    assert.equal(keys.size, 5);
  });

  it('has no collision among thousands of images', () => {
    const keys = new Set(Array.from({ length: 5000 }, (_, index) => thumbnailKey({ ...file, uri: `file:///project/images/generated/image-${index}.png` })));
    assert.equal(keys.size, 5000);
  });

  it('tells its own keys from other names in the cache folder', () => {
    assert.equal(isThumbnailKey('../../etc/passwd'), false);
    assert.equal(isThumbnailKey('0123456789abcdef'), false);
    assert.equal(isThumbnailKey('0123456789ABCDEF-176'), false);
  });

  it('draws the centre square, scaled to the thumbnail size, never enlarged', () => {
    assert.deepEqual(thumbnailCrop(4096, 2304), { sx: 896, sy: 0, sw: 2304, sh: 2304, out: thumbnailSize });
    assert.deepEqual(thumbnailCrop(1024, 1536), { sx: 0, sy: 256, sw: 1024, sh: 1024, out: thumbnailSize });
    assert.deepEqual(thumbnailCrop(100, 60), { sx: 20, sy: 0, sw: 60, sh: 60, out: 60 });
  });
});

describe('The History gallery: messages', () => {
  const uri = 'file:///project/images/generated/fox.png';
  const key = thumbnailKey({ uri, size: 1, mtime: 1 });

  it('accepts the documented messages', () => {
    for (const message of [
      { type: 'ready' },
      { type: 'generate' },
      { type: 'action', action: 'open', uri },
      { type: 'action', action: 'delete', uri },
      { type: 'action', action: 'reuse', uri },
      { type: 'thumbnail', uri, key, data: 'UklGRg==' },
      { type: 'thumbnailFailed', uri, key },
      { type: 'copied', uri },
      { type: 'copyFailed', uri, reason: 'NotAllowedError: Write permission denied.' },
    ]) {
      assert.deepEqual(parseGalleryMessage(message), message, JSON.stringify(message));
    }
  });

  it('drops malformed, unknown and oversized messages', () => {
    for (const message of [
      undefined,
      'ready',
      { type: 'unknown' },
      { type: 'action', action: 'format', uri },
      { type: 'action', action: 'open' },
      { type: 'action', action: 'open', uri: 'x'.repeat(5000) },
      { type: 'thumbnail', uri, key: '../../escape', data: 'UklGRg==' },
      { type: 'thumbnail', uri, key, data: 'not base64!' },
      { type: 'thumbnail', uri, key, data: 'A'.repeat(Math.ceil(maxThumbnailBytes / 3) * 4 + 4) },
      { type: 'copyFailed', uri, reason: 'x'.repeat(301) },
    ]) {
      assert.equal(parseGalleryMessage(message), undefined, JSON.stringify(message)?.slice(0, 80));
    }
  });

  it('keeps no field it does not know', () => {
    assert.deepEqual(parseGalleryMessage({ type: 'action', action: 'open', uri, command: 'rm -rf' }), { type: 'action', action: 'open', uri });
  });
});

describe('The gallery store', () => {
  it('shows no details of a selected image the search has hidden, and shows them again when it matches', () => {
    const store = new GalleryStore({ post: () => undefined, listen: () => undefined, kept: () => undefined, keep: () => undefined });
    store.update({ items, loading: false, selected: items[2]!.uri });
    const shown = (): string | undefined => store.selectedItem?.name;
    assert.equal(shown(), 'fox.png');
    store.setFilter({ query: 'lighthouse' });
    assert.equal(shown(), undefined);
    store.setFilter({ query: 'fox' });
    assert.equal(shown(), 'fox.png');
  });
});
