/*
 * The before/after view of an edit: the original and the edit under one slider (or side by
 * side), the variants to choose from, and the three decisions. Text comes from the host; the
 * decisions are carried out by the host, which asks before replacing anything.
 */
import '@vscode-elements/elements/dist/vscode-button/index.js';
import { html, nothing, type TemplateResult } from 'lit';
import { live } from 'lit/directives/live.js';
import type { CompareHostMessage, CompareImage, CompareMessage } from '../common/protocol';
import { cssProperty } from './shared/cssProperty';
import { mount } from './shared/mount';
import { Store } from './shared/store';
import { translator, type Translate } from './shared/strings';
import { connectToHost } from './shared/vscodeApi';

interface CompareState {
  t: Translate;
  prompt: string;
  /** Absent until the host's `init`. */
  before: CompareImage | undefined;
  after: readonly CompareImage[];
  /** The edit shown (and replaced on Replace). */
  variant: number;
  mode: 'slider' | 'side';
  /** Where the slider splits the images, in percent of the width. */
  split: number;
  /** What the host did with the decision; no decision is offered any more. */
  done: string | undefined;
}

/** What the page keeps across reloads: the task (so VS Code can restore the view) and how it was shown. */
interface KeptCompare {
  localId: string;
  mode: CompareState['mode'];
}

const host = connectToHost<CompareHostMessage, CompareMessage, KeptCompare>();
const store = new Store<CompareState>({ t: translator({}), prompt: '', before: undefined, after: [], variant: 0, mode: 'slider', split: 50, done: undefined });

const dims = (image: CompareImage): string => (image.width && image.height ? `${image.width}×${image.height}` : '');

function button(id: string, label: string, icon: string, onClick: () => void, primary = false): TemplateResult {
  return html`<vscode-button id=${id} icon=${icon} ?secondary=${!primary} @click=${onClick}>${label}</vscode-button>`;
}

/** A mode switch: one of a pair, its state said with `aria-pressed`. */
function modeButton(id: string, label: string, icon: string, mode: CompareState['mode']): TemplateResult {
  const pressed = store.state.mode === mode;
  const choose = (): void => {
    store.update({ mode });
    if (localId) host.keep({ localId, mode });
  };
  return html`<vscode-button id=${id} icon=${icon} ?secondary=${!pressed} aria-pressed=${String(pressed)} @click=${choose}>${label}</vscode-button>`;
}

function sideBySide(original: CompareImage, edited: CompareImage): TemplateResult {
  const { t } = store.state;
  return html`<div class="side" id="stage">
    <figure><img src=${original.src} alt=${t('before')} /><figcaption>${t('before')} · ${original.name} ${dims(original)}</figcaption></figure>
    <figure><img src=${edited.src} alt=${t('after')} /><figcaption>${t('after')} · ${edited.name} ${dims(edited)}</figcaption></figure>
  </div>`;
}

/** The edit under the original, clipped at the split; the slider and a drag on the image move it. */
function slider(original: CompareImage, edited: CompareImage): TemplateResult {
  const { t, split } = store.state;
  const onDrag = (event: PointerEvent): void => {
    if (event.buttons !== 1) return;
    const box = (event.currentTarget as HTMLElement).getBoundingClientRect();
    store.update({ split: Math.round(Math.min(100, Math.max(0, ((event.clientX - box.left) / box.width) * 100))) });
  };
  return html`<div class="slider-wrap">
    <div class="slider-stage" id="stage" ${cssProperty('--split', `${split}%`)} @pointermove=${onDrag}>
      <img src=${edited.src} alt=${t('after')} class="after" />
      <div class="clip"><img src=${original.src} alt=${t('before')} class="before" /></div>
      <div class="handle"></div>
    </div>
    <div class="labels"><span>${t('before')} · ${original.name} ${dims(original)}</span><span>${t('after')} · ${edited.name} ${dims(edited)}</span></div>
    <input type="range" min="0" max="100" id="split" aria-label=${t('slider')} .value=${live(String(split))} @input=${(event: Event) => store.update({ split: Number((event.currentTarget as HTMLInputElement).value) })} />
  </div>`;
}

function variants(): TemplateResult | typeof nothing {
  const { t, after, variant } = store.state;
  if (after.length < 2) return nothing;
  return html`<div class="variants" role="group" aria-label=${t('variants')}>
    ${after.map(
      (image, index) =>
        html`<button class=${index === variant ? 'variant chosen' : 'variant'} aria-pressed=${String(index === variant)} aria-label=${t('variant', index + 1)} @click=${() => store.update({ variant: index })}>
          <img src=${image.src} alt="" />
        </button>`,
    )}
  </div>`;
}

function decisions(): TemplateResult {
  const { t, done, variant } = store.state;
  if (done !== undefined) return html`<p class="done" role="status">${done}</p>`;
  return html`<div class="decisions">
      ${button('keep-both', t('keepBoth'), 'check-all', () => host.post({ type: 'keepBoth' }), true)}
      ${button('replace', t('replace'), 'replace', () => host.post({ type: 'replace', variant }))}
      ${button('discard', t('discard'), 'trash', () => host.post({ type: 'discard' }))}
    </div>
    <p class="hint">${t('decisionHint')}</p>`;
}

function view(): TemplateResult | typeof nothing {
  const { t, before, after, variant, mode, prompt } = store.state;
  const edited = after[variant];
  if (!before || !edited) return nothing;
  return html`<h1>${t('title')}</h1>
    <p class="prompt" title=${prompt}>${prompt}</p>
    <div class="modes" role="group" aria-label=${t('view')}>
      ${modeButton('mode-slider', t('slider'), 'split-horizontal', 'slider')}
      ${modeButton('mode-side', t('sideBySide'), 'layout-sidebar-left', 'side')}
    </div>
    ${variants()} ${mode === 'side' ? sideBySide(before, edited) : slider(before, edited)} ${decisions()}`;
}

let localId: string | undefined;
const app = document.getElementById('app');
if (app) store.subscribe(mount(app, view));
host.listen((message) => {
  if (message.type === 'init') {
    const t = translator(message.strings);
    document.title = t('title');
    localId = message.localId;
    const kept = host.kept();
    const mode = kept?.localId === localId && (kept.mode === 'side' || kept.mode === 'slider') ? kept.mode : store.state.mode;
    host.keep({ localId, mode });
    store.update({ t, before: message.before, after: message.after, prompt: message.prompt, mode });
  } else if (message.type === 'done') {
    store.update({ done: message.message });
  }
});
host.post({ type: 'ready' });
