import { html, nothing, type TemplateResult } from 'lit';
import { live } from 'lit/directives/live.js';
import type { StudioReference } from '../../common/protocol';
import type { MaskPainter, MaskTool } from '../maskPainter';
import type { StudioStore } from './state';

/*
 * The mask painter of the one reference: a toggle with the mask's state, and when open, the
 * tools and the canvas laid over the image. The painter keeps its pixels, tool and brush size;
 * this module only shows them.
 */

/** The block, inside the references. */
export function maskBlock(store: StudioStore, reference: StudioReference): TemplateResult {
  const { t } = store;
  const { maskOpen } = store.state;
  const paint = store.painterOf(reference);
  const toggle = (): void => {
    store.update({ maskOpen: !maskOpen, problem: '' });
    // The stage appears with the next render; bring it into view once it is there.
    if (!maskOpen) requestAnimationFrame(() => document.querySelector('.mask-stage')?.scrollIntoView({ block: 'nearest', behavior: 'smooth' }));
  };
  return html`<div class="mask">
    <div class="mask-head">
      <vscode-button id="mask-toggle" secondary icon=${maskOpen ? 'chevron-up' : 'edit'} aria-expanded=${String(maskOpen)} @click=${toggle}>${maskOpen ? t('maskDone') : t('maskPaint')}</vscode-button>
      <span id="mask-state" class="hint" aria-live="polite">${paint.isPainted ? t('maskPainted') : t('maskEmpty')}</span>
    </div>
    ${maskOpen ? openMask(store, reference, paint) : nothing}
  </div>`;
}

function openMask(store: StudioStore, reference: StudioReference, paint: MaskPainter): TemplateResult {
  const { t } = store;
  const tool = (name: MaskTool, icon: string, label: string): TemplateResult => html`<vscode-button
    id=${`mask-${name}`}
    icon=${icon}
    title=${label}
    aria-label=${label}
    aria-pressed=${String(paint.tool === name)}
    ?secondary=${paint.tool !== name}
    @click=${() => {
      paint.tool = name;
      store.changed();
    }}
  ></vscode-button>`;
  const action = (id: string, icon: string, label: string, run: () => void, disabled = false): TemplateResult =>
    html`<vscode-button id=${id} secondary icon=${icon} title=${label} aria-label=${label} ?disabled=${disabled} @click=${run}></vscode-button>`;
  const onSize = (event: Event): void => {
    paint.brushSize = Number((event.currentTarget as HTMLInputElement).value);
  };
  return html`<div class="mask-tools" role="toolbar" aria-label=${t('maskTools')}>
      ${tool('brush', 'edit', t('maskBrush'))} ${tool('eraser', 'circle-slash', t('maskEraser'))}
      <label class="mask-size" for="mask-size">${t('maskSize')}</label>
      <input id="mask-size" type="range" min="4" max="160" .value=${live(String(paint.brushSize))} aria-label=${t('maskSize')} @input=${onSize} />
      ${action('mask-undo', 'discard', t('maskUndo'), () => paint.undo(), !paint.canUndo)} ${action('mask-redo', 'redo', t('maskRedo'), () => paint.redo(), !paint.canRedo)}
      ${action('mask-clear', 'clear-all', t('maskClear'), () => paint.clear())} ${action('mask-invert', 'arrow-swap', t('maskInvert'), () => paint.invert())}
    </div>
    <div class="mask-stage"><img src=${reference.src} alt=${reference.name} />${paint.canvas}${paint.cursor}</div>
    <p class="hint" id="mask-hint">${t('maskHint', reference.width, reference.height)} ${t('maskKeys')}</p>`;
}
