import { html, nothing, type TemplateResult } from 'lit';
import { keyed } from 'lit/directives/keyed.js';
import { live } from 'lit/directives/live.js';
import { modelsOf, noFilter, periods, type Period } from '../../common/gallery';
import type { GalleryImageAction } from '../../common/galleryProtocol';
import { copyImage } from './clipboard';
import { act, dateOf } from './grid';
import type { GalleryStore } from './state';

/*
 * The parts of the gallery around the grid: the search and filters, the empty and loading
 * states, and the details and actions of the selected image.
 */

type ValueElement = HTMLElement & { value: string };

/** A labelled single select; a new set of options gets a new element (it reads them when slotted). */
function choose(id: string, label: string, choices: readonly { value: string; label: string }[], value: string, onChange: (value: string) => void): TemplateResult {
  const signature = choices.map((choice) => `${choice.value}\u0000${choice.label}`).join('\u0001');
  return html`${keyed(
    signature,
    html`<vscode-single-select id=${id} aria-label=${label} title=${label} @change=${(event: Event) => onChange((event.currentTarget as ValueElement).value)}>
      ${choices.map((choice) => html`<vscode-option value=${choice.value} ?selected=${choice.value === value}>${choice.label}</vscode-option>`)}
    </vscode-single-select>`,
  )}`;
}

/** The search field, the model and date filters, and how many images match. */
export function toolbar(store: GalleryStore, matches: number): TemplateResult {
  const { t, state } = store;
  const { filter } = state;
  const models = [{ value: '', label: t('allModels') }, ...modelsOf(state.items).map((model) => ({ value: model.id, label: model.label }))];
  const when = periods.map((period) => ({ value: period, label: t(`period.${period}`) }));
  return html`<div class="toolbar">
    <vscode-textfield
      id="search"
      type="search"
      placeholder=${t('search')}
      aria-label=${t('search')}
      .value=${live(filter.query)}
      @input=${(event: Event) => store.setFilter({ query: (event.currentTarget as ValueElement).value })}
    >
      <span slot="content-before" class="codicon codicon-search" aria-hidden="true"></span>
    </vscode-textfield>
    <div class="filters">
      ${choose('model', t('model'), models, filter.model, (model) => store.setFilter({ model }))}
      ${choose('period', t('period'), when, filter.period, (period) => store.setFilter({ period: period as Period }))}
    </div>
    <div class="count">${t('count', matches, state.items.length)}</div>
  </div>`;
}

/** Nothing generated yet: what the view is for, and a way to start. */
export function emptyState(store: GalleryStore): TemplateResult {
  const { t } = store;
  return html`<div class="empty">
    <span class="codicon codicon-file-media empty-icon" aria-hidden="true"></span>
    <h2>${t('emptyTitle')}</h2>
    <p>${t('emptyText')}</p>
    <vscode-button icon="sparkle" @click=${() => store.post({ type: 'generate' })}>${t('generate')}</vscode-button>
  </div>`;
}

/** The workspace is still being searched. */
export function loadingState(store: GalleryStore): TemplateResult {
  return html`<div class="empty"><vscode-progress-ring aria-label=${store.t('loading')}></vscode-progress-ring><p>${store.t('loading')}</p></div>`;
}

/** Nothing matches the search and filters. */
export function noMatch(store: GalleryStore): TemplateResult {
  const { t } = store;
  return html`<div class="empty">
    <p>${t('noMatch')}</p>
    <vscode-button secondary @click=${() => store.setFilter(noFilter)}>${t('clearFilters')}</vscode-button>
  </div>`;
}

function action(label: string, icon: string, run: () => void): TemplateResult {
  return html`<vscode-button secondary icon=${icon} title=${label} aria-label=${label} @click=${run}></vscode-button>`;
}

/** The selected image: its prompt, how it was made, and what can be done with it. */
export function details(store: GalleryStore): TemplateResult | typeof nothing {
  const item = store.selectedItem;
  if (!item) return nothing;
  const { t } = store;
  const meta = [item.modelLabel, item.width && item.height ? `${item.width}×${item.height}` : item.size, dateOf(store, item)].filter(Boolean).join(' · ');
  const actions: [GalleryImageAction | 'copy', string][] = [
    ['open', 'go-to-file'],
    ['insertReference', 'insert'],
    ['reuse', 'history'],
    ['edit', 'sparkle'],
    ['export', 'export'],
    ['copy', 'copy'],
    ['reveal', 'folder-opened'],
    ['delete', 'trash'],
  ];
  return html`<section class="details" aria-label=${t('actions', item.name)}>
    <div class="prompt" title=${item.prompt}>${item.prompt}</div>
    <div class="meta">${meta}</div>
    <div class="meta path" title=${item.path}>${item.path}</div>
    <div class="actions" role="toolbar" aria-label=${t('actions', item.name)}>
      ${actions.map(([name, icon]) => action(t(name), icon, () => (name === 'copy' ? copyImage(store, item) : act(store, name, item))))}
    </div>
  </section>`;
}
