import { html, nothing, type TemplateResult } from 'lit';
import { ref } from 'lit/directives/ref.js';
import { repeat } from 'lit/directives/repeat.js';
import type { GalleryItem } from '../../common/gallery';
import type { GalleryImageAction } from '../../common/galleryProtocol';
import { copyImage } from './clipboard';
import { pageSize, type GalleryStore } from './state';
import type { Thumbnailer } from '../shared/thumbnails';

/*
 * The grid of thumbnails: a listbox of square tiles with one tab stop (roving focus). Arrow keys
 * move by tile and by row, Home and End jump, Enter opens, Delete moves to the trash, Ctrl+C
 * copies, Shift+F10 goes to the actions of the selected image. Each tile can be dragged into an
 * editor, carrying the file's URI.
 */

/** Asks the host to do something with an image. */
export function act(store: GalleryStore, action: GalleryImageAction, item: GalleryItem): void {
  store.post({ type: 'action', action, uri: item.uri });
}

/** A short date for a tile's label and the details. */
export function dateOf(store: GalleryStore, item: GalleryItem): string {
  const date = new Date(item.createdAt);
  return Number.isNaN(date.getTime()) ? '' : date.toLocaleString(store.state.locale, { dateStyle: 'medium', timeStyle: 'short' });
}

/** What a drag of a tile carries: the file's URI (VS Code's drop inserts a reference from it) and its path as text. */
function onDragStart(item: GalleryItem, event: DragEvent): void {
  const data = event.dataTransfer;
  if (!data) return;
  data.effectAllowed = 'copyLink';
  data.setData('text/uri-list', item.uri);
  data.setData('text/plain', item.path);
  const image = (event.currentTarget as HTMLElement).querySelector('img');
  if (image) data.setDragImage(image, image.width / 2, image.height / 2);
}

/** How many tiles a row holds, as laid out now. */
function columns(grid: HTMLElement): number {
  return Math.max(1, getComputedStyle(grid).gridTemplateColumns.split(' ').filter(Boolean).length);
}

/** Selects a tile and moves the focus to it, showing more tiles when it lies past the page. */
export function select(store: GalleryStore, index: number, focus = true): void {
  const matches = store.matches;
  const item = matches[Math.max(0, Math.min(index, matches.length - 1))];
  if (!item) return;
  const position = matches.indexOf(item);
  store.update({ selected: item.uri, ...(position >= store.state.limit ? { limit: position + pageSize } : {}) });
  if (focus) {
    requestAnimationFrame(() => {
      const tile = document.getElementById(tileId(position));
      tile?.focus();
      tile?.scrollIntoView({ block: 'nearest' });
    });
  }
}

const tileId = (index: number): string => `tile-${index}`;

/** Puts the focus on the grid's tab stop (the selected tile, or the first). */
export function focusTabStop(): void {
  document.querySelector<HTMLElement>('.grid [tabindex="0"]')?.focus({ preventScroll: true });
}

function onKeyDown(store: GalleryStore, event: KeyboardEvent): void {
  const grid = event.currentTarget as HTMLElement;
  const matches = store.matches;
  const current = Math.max(0, matches.findIndex((item) => item.uri === store.state.selected));
  const item = matches[current];
  if (!item) return;
  const row = columns(grid);
  const moves: Record<string, number> = { ArrowRight: 1, ArrowLeft: -1, ArrowDown: row, ArrowUp: -row, PageDown: row * 4, PageUp: -row * 4 };
  let handled = true;
  if (event.key in moves) select(store, current + moves[event.key]!);
  else if (event.key === 'Home') select(store, 0);
  else if (event.key === 'End') select(store, matches.length - 1);
  else if (event.key === 'Enter') act(store, 'open', item);
  else if (event.key === 'Delete') act(store, 'delete', item);
  else if ((event.ctrlKey || event.metaKey) && event.key.toLowerCase() === 'c') copyImage(store, item);
  else if ((event.shiftKey && event.key === 'F10') || event.key === 'ContextMenu') document.querySelector<HTMLElement>('.details vscode-button')?.focus();
  else handled = false;
  if (handled) event.preventDefault();
}

function tile(store: GalleryStore, thumbnailer: Thumbnailer, item: GalleryItem, index: number, tabStop: boolean): TemplateResult {
  const { t, state } = store;
  const selected = item.uri === state.selected;
  const label = t('tile', item.prompt, item.modelLabel, dateOf(store, item));
  const failed = state.failed.has(item.uri);
  return html`<div
    id=${tileId(index)}
    class="tile"
    role="option"
    aria-selected=${selected ? 'true' : 'false'}
    aria-label=${label}
    title=${`${item.prompt}\n${item.path}`}
    tabindex=${tabStop ? '0' : '-1'}
    draggable="true"
    @dragstart=${(event: DragEvent) => onDragStart(item, event)}
    @click=${() => select(store, index)}
    @dblclick=${() => act(store, 'open', item)}
    ${ref((element) => {
      if (element) thumbnailer.watch(element, item);
    })}
  >
    ${item.thumb
      ? html`<img src=${item.thumb} alt="" draggable="false" />`
      : html`<span class="placeholder codicon ${failed ? 'codicon-file-media' : 'codicon-loading codicon-modifier-spin'}" aria-hidden="true"></span>`}
    ${item.edit ? html`<span class="badge">${t('edited')}</span>` : nothing}
  </div>`;
}

/** The grid of the current page of matches, and Show More for the rest. */
export function grid(store: GalleryStore, thumbnailer: Thumbnailer, matches: readonly GalleryItem[]): TemplateResult {
  const shown = matches.slice(0, store.state.limit);
  const rest = matches.length - shown.length;
  // One tile takes the Tab key: the selected one, or the first when the selection is not shown (filtered out, gone).
  const stop = Math.max(0, shown.findIndex((item) => item.uri === store.state.selected));
  return html`<div class="grid" role="listbox" aria-label=${store.t('gridLabel')} @keydown=${(event: KeyboardEvent) => onKeyDown(store, event)}>
      ${repeat(shown, (item) => item.uri, (item, index) => tile(store, thumbnailer, item, index, index === stop))}
    </div>
    ${rest > 0
      ? html`<vscode-button class="more" secondary @click=${() => store.update({ limit: store.state.limit + pageSize })}>${store.t('showMore', Math.min(rest, pageSize))}</vscode-button>`
      : nothing}`;
}
