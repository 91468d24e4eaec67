import { html, type TemplateResult } from 'lit';
import type { StudioImage, StudioTask } from '../../common/protocol';
import { iconButton } from './controls';
import type { StudioStore } from './state';

/*
 * The saved images of the listed tasks, as a gallery with what can be done with each.
 */

/** The section. */
export function resultsSection(store: StudioStore): TemplateResult {
  const saved = store.state.tasks.filter((task) => task.images.length > 0);
  return html`<section class="results" aria-labelledby="results-title">
    <h2 id="results-title">${store.t('results')}</h2>
    ${saved.length === 0
      ? html`<p class="hint">${store.t('noResults')}</p>`
      : html`<div class="gallery" role="list">${saved.flatMap((task) => task.images.map((image) => tile(store, task, image)))}</div>`}
  </section>`;
}

function tile(store: StudioStore, task: StudioTask, image: StudioImage): TemplateResult {
  const { t } = store;
  const open = (): void => store.post({ type: 'openImage', uri: image.uri });
  // The picture is a button for the keyboard as well as the mouse.
  const onKeydown = (event: KeyboardEvent): void => {
    if (event.key === 'Enter' || event.key === ' ') {
      event.preventDefault();
      open();
    }
  };
  // The original, not the gallery's thumbnail: a tile is 200 px wide or more, past the 176 px a
  // thumbnail has. It is loaded once near the view and decoded off the page's thread.
  return html`<figure class="tile" role="listitem">
    <img src=${image.src} alt=${task.prompt} loading="lazy" decoding="async" tabindex="0" role="button" aria-label=${`${t('open')}: ${image.name}`} @click=${open} @keydown=${onKeydown} />
    <figcaption title=${task.prompt}>${image.name}</figcaption>
    <div class="tile-actions">
      ${iconButton(t('open'), 'go-to-file', open)}
      ${iconButton(t('reveal'), 'folder-opened', () => store.post({ type: 'revealImage', uri: image.uri }))}
      ${iconButton(t('insert'), 'insert', () => store.post({ type: 'insertReference', uri: image.uri }))}
      ${iconButton(t('useAsReference'), 'references', () => store.post({ type: 'useAsReference', uri: image.uri }))}
      ${iconButton(t('copyPrompt'), 'copy', () => store.post({ type: 'copyPrompt', localId: task.localId }))}
      ${iconButton(t('delete'), 'trash', () => store.post({ type: 'deleteImage', uri: image.uri }))}
    </div>
  </figure>`;
}
