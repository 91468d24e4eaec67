import { filterItems, noFilter, periods, type GalleryFilter, type GalleryItem, type Period } from '../../common/gallery';
import type { GalleryHostMessage, GalleryMessage } from '../../common/galleryProtocol';
import { Store } from '../shared/store';
import { translator, type Translate } from '../shared/strings';
import type { WebviewHost } from '../shared/vscodeApi';

/** How many tiles are rendered at first, and added by each Show More. */
export const pageSize = 120;

/** What the gallery keeps across reloads of its webview. */
export interface KeptGalleryState {
  filter: GalleryFilter;
}

/** Everything the gallery shows. */
export interface GalleryState {
  /** Empty until the host's `init`: nothing is shown before. */
  strings: Readonly<Record<string, string>>;
  locale: string;
  items: readonly GalleryItem[];
  /** The host is still searching the workspace. */
  loading: boolean;
  filter: GalleryFilter;
  /** How many of the matches are rendered. */
  limit: number;
  /** The selected image's URI: its details and actions show below the grid. */
  selected: string | undefined;
  /** Images whose thumbnail could not be made: they show an icon instead. */
  failed: ReadonlySet<string>;
}

export type GalleryHost = WebviewHost<GalleryHostMessage, GalleryMessage, KeptGalleryState>;

/** The gallery's one store. */
export class GalleryStore extends Store<GalleryState> {
  t: Translate = translator({});
  /** The matches of the current filter, computed once per change of the items or the filter. */
  private cache: { items: readonly GalleryItem[]; filter: GalleryFilter; day: number; matches: GalleryItem[] } | undefined;

  constructor(private readonly host: GalleryHost) {
    const kept = host.kept()?.filter;
    super({
      strings: {},
      locale: 'en',
      items: [],
      loading: true,
      filter: isFilter(kept) ? kept : noFilter,
      limit: pageSize,
      selected: undefined,
      failed: new Set(),
    });
  }

  override update(change: Partial<GalleryState>): void {
    if (change.strings) this.t = translator(change.strings);
    super.update(change);
  }

  post(message: GalleryMessage): void {
    this.host.post(message);
  }

  /** Changes the filter, keeps it across reloads, and starts again from the first page. */
  setFilter(change: Partial<GalleryFilter>): void {
    const filter = { ...this.state.filter, ...change };
    this.host.keep({ filter });
    this.update({ filter, limit: pageSize });
  }

  /** The images that pass the filter, newest first. */
  get matches(): GalleryItem[] {
    const { items, filter } = this.state;
    const now = new Date();
    const day = new Date(now.getFullYear(), now.getMonth(), now.getDate()).getTime();
    if (this.cache?.items !== items || this.cache.filter !== filter || this.cache.day !== day) {
      this.cache = { items, filter, day, matches: filterItems(items, filter, now) };
    }
    return this.cache.matches;
  }

  /** The selected item, when it is still listed and passes the filter (no details of a hidden image). */
  get selectedItem(): GalleryItem | undefined {
    const { selected } = this.state;
    return selected === undefined ? undefined : this.matches.find((item) => item.uri === selected);
  }
}

/** A kept filter may come from an earlier version: read it with care. */
function isFilter(value: unknown): value is GalleryFilter {
  if (typeof value !== 'object' || value === null) return false;
  const { query, model, period } = value as Record<string, unknown>;
  return typeof query === 'string' && typeof model === 'string' && periods.includes(period as Period);
}
