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
  /** A decision was sent and the host has not answered yet: the decisions are off. */
  deciding: boolean;
}

/** What the page keeps across reloads: the task (so VS Code can restore the view) and how it was shown. */
interface KeptCompare {
  localId: string;
  mode: CompareState['mode'];
  variant?: number;
  split?: number;
}

let localId: string | undefined;
const host = connectToHost<CompareHostMessage, CompareMessage, KeptCompare>();
const store = new Store<CompareState>({ t: translator({}), prompt: '', before: undefined, after: [], variant: 0, mode: 'slider', split: 50, done: undefined, deciding: false });

/** Keeps how the view is shown (mode, variant, split) for when it is hidden and shown again, or restored. */
function keep(): void {
  const { mode, variant, split } = store.state;
  if (localId) host.keep({ localId, mode, variant, split });
}

const dims = (image: CompareImage): string => (image.width && image.height ? `${image.width}×${image.height}` : '');

/** A decision's button: off from the first click until the host answers. */
function decision(id: string, label: string, icon: string, message: CompareMessage, primary = false): TemplateResult {
  const decide = (): void => {
    if (store.state.deciding) return;
    store.update({ deciding: true });
    host.post(message);
  };
  return html`<vscode-button id=${id} icon=${icon} ?secondary=${!primary} ?disabled=${store.state.deciding} @click=${decide}>${label}</vscode-button>`;
}

/** A mode switch: one of a pair, its state said with `aria-pressed`. */
function modeButton(id: string, label: string, icon: string, mode: CompareState['mode']): TemplateResult {
  const pressed = store.state.mode === mode;
  const choose = (): void => {
    store.update({ mode });
    keep();
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

/**
 * The edit under the original, clipped at the split; the slider and a drag on the image move it.
 * The original is fitted into the edit's box, so that both line up when their sizes differ.
 */
function slider(original: CompareImage, edited: CompareImage): TemplateResult {
  const { t, split } = store.state;
  const onDrag = (event: PointerEvent): void => {
    if (event.buttons !== 1) return;
    const box = (event.currentTarget as HTMLElement).getBoundingClientRect();
    store.update({ split: Math.round(Math.min(100, Math.max(0, ((event.clientX - box.left) / box.width) * 100))) });
    keep();
  };
  return html`<div class="slider-wrap">
    <div class="slider-stage" id="stage" ${cssProperty('--split', `${split}%`)} @pointermove=${onDrag}>
      <img src=${edited.src} alt=${t('after')} class="after" />
      <img src=${original.src} alt=${t('before')} class="before" />
      <div class="handle"></div>
    </div>
    <div class="labels"><span>${t('before')} · ${original.name} ${dims(original)}</span><span>${t('after')} · ${edited.name} ${dims(edited)}</span></div>
    <input type="range" min="0" max="100" id="split" aria-label=${t('slider')} .value=${live(String(split))} @input=${(event: Event) => (store.update({ split: Number((event.currentTarget as HTMLInputElement).value) }), keep())} />
  </div>`;
}

function variants(): TemplateResult | typeof nothing {
  const { t, after, variant } = store.state;
  if (after.length < 2) return nothing;
  return html`<div class="variants" role="group" aria-label=${t('variants')}>
    ${after.map(
      (image, index) =>
        html`<button class=${index === variant ? 'variant chosen' : 'variant'} aria-pressed=${String(index === variant)} aria-label=${t('variant', index + 1)} @click=${() => (store.update({ variant: index }), keep())}>
          <img src=${image.src} alt="" decoding="async" />
        </button>`,
    )}
  </div>`;
}

function decisions(): TemplateResult {
  const { t, done, variant } = store.state;
  if (done !== undefined) return html`<p class="done" role="status">${done}</p>`;
  return html`<div class="decisions">
      ${decision('keep-both', t('keepBoth'), 'check-all', { type: 'keepBoth' }, true)}
      ${decision('replace', t('replace'), 'replace', { type: 'replace', variant })}
      ${decision('discard', t('discard'), 'trash', { type: 'discard' })}
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

const app = document.getElementById('app');
if (app) store.subscribe(mount(app, view));
host.listen((message) => {
  if (message.type === 'init') {
    const t = translator(message.strings);
    document.title = t('title');
    localId = message.localId;
    const kept = host.kept()?.localId === localId ? host.kept() : undefined;
    const mode = kept?.mode === 'side' || kept?.mode === 'slider' ? kept.mode : store.state.mode;
    const variant = Number.isInteger(kept?.variant) ? Math.min(Math.max(kept!.variant!, 0), message.after.length - 1) : 0;
    const split = typeof kept?.split === 'number' && kept.split >= 0 && kept.split <= 100 ? kept.split : store.state.split;
    store.update({ t, before: message.before, after: message.after, prompt: message.prompt, mode, variant: Math.max(variant, 0), split });
    keep();
  } else if (message.type === 'done') {
    store.update({ done: message.message, deciding: false });
  } else if (message.type === 'idle') {
    store.update({ deciding: false });
  }
});
host.post({ type: 'ready' });
