import { html, type TemplateResult } from 'lit';
import { live } from 'lit/directives/live.js';
import { ref } from 'lit/directives/ref.js';
import { repeat } from 'lit/directives/repeat.js';
import type { StudioHistoryItem } from '../../common/protocol';
import type { Thumbnailer } from '../shared/thumbnails';
import { iconButton } from './controls';
import { customSize, type Draft, type StudioStore } from './state';

/*
 * Past generations of the workspace, found by prompt or model, each reusable as the settings of
 * a new request. Each shows the small thumbnail the History gallery shows (one cache for both);
 * an image without one yet has it made when it comes into view; the original shows only where
 * no thumbnail can be made.
 */

/** The most items listed at once. */
const listed = 100;

/** The section. */
export function historySection(store: StudioStore, thumbnailer: Thumbnailer): TemplateResult {
  const { t } = store;
  const { history, historyQuery } = store.state;
  const heading = html`<h2 id="history-title">${t('history')}</h2>`;
  if (history.length === 0) {
    return html`<section class="history" aria-labelledby="history-title">${heading}<p class="hint">${t('historyEmpty')}</p></section>`;
  }
  const words = historyQuery.toLowerCase().split(/\s+/).filter(Boolean);
  const matches = history.filter((item) => words.every((word) => `${item.prompt} ${item.model}`.toLowerCase().includes(word)));
  const onSearch = (event: Event): void => store.update({ historyQuery: (event.currentTarget as HTMLElement & { value: string }).value });
  return html`<section class="history" aria-labelledby="history-title">
    ${heading}
    <vscode-textfield id="history-search" type="search" placeholder=${t('historySearch')} aria-label=${t('historySearch')} .value=${live(historyQuery)} @input=${onSearch}></vscode-textfield>
    ${matches.length === 0
      ? html`<p class="hint">${t('historyNoMatch')}</p>`
      : html`<ul class="history-list">
          ${repeat(matches.slice(0, listed), (item) => `${item.uri}|${item.key}`, (item) => historyItem(store, thumbnailer, item))}
        </ul>`}
  </section>`;
}

function historyItem(store: StudioStore, thumbnailer: Thumbnailer, item: StudioHistoryItem): TemplateResult {
  const { t } = store;
  const when = new Date(item.createdAt).toLocaleString(store.state.locale, { dateStyle: 'medium', timeStyle: 'short' });
  return html`<li class="history-item">
    ${picture(store, thumbnailer, item)}
    <div class="history-text">
      <div class="task-prompt" title=${item.prompt}>${item.prompt}</div>
      <div class="task-meta">${[item.model, item.size, when].filter(Boolean).join(' · ')}</div>
    </div>
    <div class="task-actions">
      ${iconButton(t('reuse'), 'history', () => reuse(store, item), `${t('reuse')}: ${item.prompt}`)}
      ${iconButton(t('open'), 'go-to-file', () => store.post({ type: 'openImage', uri: item.uri }))}
      ${iconButton(t('insert'), 'insert', () => store.post({ type: 'insertReference', uri: item.uri }))}
      ${iconButton(t('useAsReference'), 'references', () => store.post({ type: 'useAsReference', uri: item.uri }))}
    </div>
  </li>`;
}

/**
 * The item's picture: its thumbnail; until there is one, an empty tile that has it made; the
 * original only where no thumbnail could be made (the browser may still show what it cannot draw).
 * The entry's text says what it shows: the picture adds nothing to read out.
 */
function picture(store: StudioStore, thumbnailer: Thumbnailer, item: StudioHistoryItem): TemplateResult {
  if (item.thumb) return html`<img class="history-picture" src=${item.thumb} alt="" />`;
  if (store.state.thumbnailsFailed.has(item.key)) return html`<img class="history-picture" src=${item.src} alt="" loading="lazy" decoding="async" />`;
  return html`<div class="history-picture pending" aria-hidden="true" ${ref((element) => element && thumbnailer.watch(element, item))}></div>`;
}

/** Fills the compose form with a past request's settings, and puts the caret in the prompt. */
export function reuse(store: StudioStore, item: StudioHistoryItem): void {
  const spec = store.state.models.find((candidate) => candidate.id === item.model);
  if (!spec) return;
  const change: Partial<Draft> = { model: spec.id, prompt: item.prompt };
  if (item.size && spec.size.options.some((option) => option.value === item.size)) {
    change.size = item.size;
  } else if (item.size && spec.size.kind === 'pixels') {
    const [width = '', height = ''] = item.size.split('x');
    change.size = customSize;
    change.width = width;
    change.height = height;
  }
  if (item.n !== undefined) change.n = item.n;
  if (item.quality) change.quality = item.quality;
  if (item.promptPriority) change.promptPriority = item.promptPriority;
  store.updateDraft(change, { problem: '' });
  document.getElementById('prompt')?.focus();
  window.scrollTo({ top: 0 });
}
