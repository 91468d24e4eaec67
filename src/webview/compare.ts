/*
 * The before/after view of an edit: the original and the edit under one slider (or side by
 * side), the variants to choose from, and the three decisions. Text comes from the host; the
 * decisions are carried out by the host, which asks before replacing anything.
 */
import '@vscode-elements/elements/dist/vscode-button/index.js';
import type { CompareHostMessage, CompareImage } from '../common/protocol';

interface VsCodeApi {
  postMessage(message: unknown): void;
  getState(): unknown;
  setState(state: unknown): void;
}

declare function acquireVsCodeApi(): VsCodeApi;

const vscode = acquireVsCodeApi();
let strings: Record<string, string> = {};
let before: CompareImage | undefined;
let after: CompareImage[] = [];
let prompt = '';
let variant = 0;
let mode: 'slider' | 'side' = 'slider';
let split = 50;
let done: string | undefined;

const t = (key: string, ...args: (string | number)[]): string =>
  (strings[key] ?? key).replace(/\{(\d+)\}/g, (whole, index: string) => String(args[Number(index)] ?? whole));

function h(tag: string, attributes: Record<string, string> = {}, ...children: (Node | string | undefined)[]): HTMLElement {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) element.setAttribute(name, value);
  for (const child of children) if (child !== undefined) element.append(child);
  return element;
}

function button(id: string, label: string, icon: string, onClick: () => void, primary = false): HTMLElement {
  const element = h('vscode-button', { id, icon }, label);
  if (!primary) element.setAttribute('secondary', '');
  element.addEventListener('click', onClick);
  return element;
}

const dims = (image: CompareImage): string => (image.width && image.height ? `${image.width}×${image.height}` : '');

function renderStage(original: CompareImage, edited: CompareImage): HTMLElement {
  if (mode === 'side') {
    return h(
      'div',
      { class: 'side', id: 'stage' },
      h('figure', {}, h('img', { src: original.src, alt: t('before') }), h('figcaption', {}, `${t('before')} · ${original.name} ${dims(original)}`)),
      h('figure', {}, h('img', { src: edited.src, alt: t('after') }), h('figcaption', {}, `${t('after')} · ${edited.name} ${dims(edited)}`)),
    );
  }
  const top = h('img', { src: edited.src, alt: t('after'), class: 'after' });
  const clip = h('div', { class: 'clip' }, h('img', { src: original.src, alt: t('before'), class: 'before' }));
  clip.style.width = `${split}%`;
  const handle = h('div', { class: 'handle' });
  handle.style.left = `${split}%`;
  const slider = h('input', { type: 'range', min: '0', max: '100', value: String(split), id: 'split', 'aria-label': t('slider') }) as HTMLInputElement;
  slider.addEventListener('input', () => {
    split = Number(slider.value);
    clip.style.width = `${split}%`;
    handle.style.left = `${split}%`;
  });
  const stage = h('div', { class: 'slider-stage', id: 'stage' }, top, clip, handle);
  // Dragging on the image moves the split too.
  stage.addEventListener('pointermove', (event) => {
    if (event.buttons !== 1) return;
    const box = stage.getBoundingClientRect();
    split = Math.round(Math.min(100, Math.max(0, ((event.clientX - box.left) / box.width) * 100)));
    slider.value = String(split);
    clip.style.width = `${split}%`;
    handle.style.left = `${split}%`;
  });
  return h(
    'div',
    { class: 'slider-wrap' },
    stage,
    h('div', { class: 'labels' }, h('span', {}, `${t('before')} · ${original.name} ${dims(original)}`), h('span', {}, `${t('after')} · ${edited.name} ${dims(edited)}`)),
    slider,
  );
}

function render(): void {
  const app = document.getElementById('app');
  const edited = after[variant];
  if (!app || !before || !edited) return;
  const children: HTMLElement[] = [h('h1', {}, t('title')), h('p', { class: 'prompt', title: prompt }, prompt)];
  const modes = h(
    'div',
    { class: 'modes', role: 'group', 'aria-label': t('view') },
    button('mode-slider', t('slider'), 'split-horizontal', () => {
      mode = 'slider';
      render();
    }, mode === 'slider'),
    button('mode-side', t('sideBySide'), 'layout-sidebar-left', () => {
      mode = 'side';
      render();
    }, mode === 'side'),
  );
  children.push(modes);
  if (after.length > 1) {
    const variants = h('div', { class: 'variants', role: 'group', 'aria-label': t('variants') });
    after.forEach((image, index) => {
      const choice = h('button', { class: `variant${index === variant ? ' chosen' : ''}`, 'aria-pressed': String(index === variant), 'aria-label': t('variant', index + 1) }, h('img', { src: image.src, alt: '' }));
      choice.addEventListener('click', () => {
        variant = index;
        render();
      });
      variants.append(choice);
    });
    children.push(variants);
  }
  children.push(renderStage(before, edited));
  if (done !== undefined) {
    children.push(h('p', { class: 'done', role: 'status' }, done));
  } else {
    children.push(
      h(
        'div',
        { class: 'decisions' },
        button('keep-both', t('keepBoth'), 'check-all', () => vscode.postMessage({ type: 'keepBoth' }), true),
        button('replace', t('replace'), 'replace', () => vscode.postMessage({ type: 'replace', variant })),
        button('discard', t('discard'), 'trash', () => vscode.postMessage({ type: 'discard' })),
      ),
      h('p', { class: 'hint' }, t('decisionHint')),
    );
  }
  app.replaceChildren(...children);
  app.setAttribute('aria-busy', 'false');
}

window.addEventListener('message', (event: MessageEvent<CompareHostMessage>) => {
  const message = event.data;
  if (message.type === 'init') {
    strings = message.strings;
    before = message.before;
    after = message.after;
    prompt = message.prompt;
    document.title = t('title');
  } else if (message.type === 'done') {
    done = message.message;
  }
  render();
});

vscode.postMessage({ type: 'ready' });
