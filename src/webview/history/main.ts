/*
 * The History gallery: a webview view in the EvoLink sidebar. It talks to the host only through
 * postMessage, takes all its text from the host's `init`, makes each missing thumbnail once
 * (the host caches it), and keeps the search and filters in the webview state.
 */
import '@vscode-elements/elements/dist/vscode-button/index.js';
import '@vscode-elements/elements/dist/vscode-option/index.js';
import '@vscode-elements/elements/dist/vscode-progress-ring/index.js';
import '@vscode-elements/elements/dist/vscode-single-select/index.js';
import '@vscode-elements/elements/dist/vscode-textfield/index.js';
import { html, nothing, type TemplateResult } from 'lit';
import type { GalleryHostMessage, GalleryMessage } from '../../common/galleryProtocol';
import { mount } from '../shared/mount';
import { Thumbnailer, withThumbnail } from '../shared/thumbnails';
import { connectToHost } from '../shared/vscodeApi';
import { focusTabStop, grid, select } from './grid';
import { details, emptyState, loadingState, noMatch, toolbar } from './sections';
import { GalleryStore, type KeptGalleryState } from './state';

function gallery(store: GalleryStore, thumbnailer: Thumbnailer): TemplateResult | typeof nothing {
  const { state } = store;
  if (Object.keys(state.strings).length === 0) return nothing;
  if (state.items.length === 0) return state.loading ? loadingState(store) : emptyState(store);
  const matches = store.matches;
  return html`${toolbar(store, matches.length)} ${matches.length === 0 ? noMatch(store) : grid(store, thumbnailer, matches)} ${details(store)}`;
}

function receive(store: GalleryStore, message: GalleryHostMessage): void {
  switch (message.type) {
    case 'init':
      store.update({ strings: message.strings, locale: message.locale });
      document.title = store.t('title');
      return;
    case 'items': {
      // The selected image gone (deleted, moved): the one now in its place is selected, and
      // focused when the focus was on the grid, so that the keyboard does not lose its way.
      const before = store.matches.findIndex((item) => item.uri === store.state.selected);
      const focused = document.activeElement;
      const inGrid = document.hasFocus() && (focused === null || focused === document.body || focused.closest('.grid') !== null);
      store.update({ items: message.items, loading: message.loading });
      if (before >= 0 && !store.matches.some((item) => item.uri === store.state.selected)) {
        if (store.matches.length > 0) select(store, Math.min(before, store.matches.length - 1), inGrid);
        else store.update({ selected: undefined });
      }
      return;
    }
    case 'thumbnail':
      store.update({ items: withThumbnail(store.state.items, message) });
      return;
  }
}

const host = connectToHost<GalleryHostMessage, GalleryMessage, KeptGalleryState>();
const store = new GalleryStore(host);
const thumbnailer = new Thumbnailer(
  (message) => store.post(message),
  (item) => store.update({ failed: new Set([...store.state.failed, item.uri]) }),
);
const app = document.getElementById('app');
if (app) store.subscribe(mount(app, () => gallery(store, thumbnailer)));
host.listen((message) => {
  if (message.type === 'thumbnail') thumbnailer.stored(message.key);
  receive(store, message);
});
// Focus that comes back to the page (after a dialog) with nothing in it to land on (the tile it
// was on is gone) lands on the grid's tab stop, so that the keyboard does not lose its way.
window.addEventListener('focus', () => {
  if (!document.activeElement || document.activeElement === document.body) focusTabStop();
});
host.post({ type: 'ready' });
