/*
 * The Image Studio webview. It runs in the panel's iframe, talks to the host only through
 * postMessage (the host makes every network call and never sends the key), takes all its text
 * from the host's `init`, and keeps the draft in the webview state so that it survives a reload.
 */
import '@vscode-elements/elements/dist/vscode-button/index.js';
import '@vscode-elements/elements/dist/vscode-label/index.js';
import '@vscode-elements/elements/dist/vscode-option/index.js';
import '@vscode-elements/elements/dist/vscode-progress-bar/index.js';
import '@vscode-elements/elements/dist/vscode-single-select/index.js';
import '@vscode-elements/elements/dist/vscode-textarea/index.js';
import '@vscode-elements/elements/dist/vscode-textfield/index.js';
import type { ModelSpec } from '../common/models';
import { checkReferenceImage, fillTemplate, resolveSize, type RequestIssue } from '../common/request';
import { maxMaskBytes, maxPastedBytes, type HostMessage, type StudioHistoryItem, type StudioReference, type StudioTask } from '../common/protocol';
import { MaskPainter, toBase64 } from './maskPainter';

interface VsCodeApi {
  postMessage(message: unknown): void;
  getState(): unknown;
  setState(state: unknown): void;
}

declare function acquireVsCodeApi(): VsCodeApi;

interface Draft {
  model: string;
  prompt: string;
  size: string;
  width: string;
  height: string;
  n: number;
  quality: string;
  /** Absent in drafts saved by earlier versions. */
  promptPriority?: string;
}

type Field = HTMLElement & { value: string };

const vscode = acquireVsCodeApi();
const customSize = '__custom__';
let strings: Record<string, string> = {};
let models: readonly ModelSpec[] = [];
let locale = 'en';
let draft: Draft = { model: '', prompt: '', size: '', width: '2560', height: '1440', n: 1, quality: '' };
let hasApiKey = true;
let tasks: StudioTask[] = [];
let submitting = false;
let history: StudioHistoryItem[] = [];
let historyQuery = '';
let spendable: number | undefined;
let references: StudioReference[] = [];
/** Where results go: the output folder, or beside the one reference as its edits. */
let destination: 'output' | 'beside' = 'output';
let maskOpen = false;
let painter: MaskPainter | undefined;
/** The reference the painter belongs to. */
let painterFor = '';

const t = (key: string, ...args: (string | number)[]): string =>
  (strings[key] ?? key).replace(/\{(\d+)\}/g, (whole, index: string) => String(args[Number(index)] ?? whole));

function h<K extends keyof HTMLElementTagNameMap>(tag: K, attributes?: Record<string, string>, ...children: (Node | string | undefined)[]): HTMLElementTagNameMap[K];
function h(tag: string, attributes?: Record<string, string>, ...children: (Node | string | undefined)[]): HTMLElement;
function h(tag: string, attributes: Record<string, string> = {}, ...children: (Node | string | undefined)[]): HTMLElement {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) element.setAttribute(name, value);
  for (const child of children) if (child !== undefined) element.append(child);
  return element;
}

/** A request issue in the UI language, from the host's templates. */
const issueText = (issue: RequestIssue): string => fillTemplate(strings[`issue.${issue.code}`] ?? issue.code, { ...issue.values, param: issue.param });

const credits = (value: number): string => value.toLocaleString(locale, { maximumFractionDigits: 2 });
const model = (): ModelSpec => models.find((candidate) => candidate.id === draft.model) ?? models[0]!;

function saveDraft(): void {
  vscode.setState({ draft });
}

/** The size value to send, from the choice or the custom fields. */
function sizeValue(): string {
  return draft.size === customSize ? `${draft.width.trim()}x${draft.height.trim()}` : draft.size;
}

function select(id: string, label: string, options: { value: string; label: string }[], value: string, onChange: (value: string) => void): HTMLElement {
  const field = h('vscode-single-select', { id, 'aria-label': label }) as Field;
  for (const option of options) {
    const element = h('vscode-option', { value: option.value }, option.label);
    if (option.value === value) element.setAttribute('selected', '');
    field.append(element);
  }
  field.addEventListener('change', () => onChange(field.value));
  return h('div', { class: 'field' }, h('vscode-label', { for: id }, label), field);
}

/** Keeps the draft valid for the chosen model (a size or count the model lacks falls back to its default). */
function fitDraft(): void {
  const spec = model();
  draft.model = spec.id;
  if (draft.size !== customSize && !spec.size.options.some((option) => option.value === draft.size)) draft.size = spec.size.default;
  if (draft.size === customSize && spec.size.kind !== 'pixels') draft.size = spec.size.default;
  const counts = spec.count.kind === 'choices' ? spec.count.values : Array.from({ length: spec.count.max - spec.count.min + 1 }, (_, i) => i + 1);
  if (!counts.includes(draft.n)) draft.n = spec.count.default;
  if (spec.quality && !spec.quality.values.includes(draft.quality)) draft.quality = spec.quality.default;
  if (spec.promptPriority && !spec.promptPriority.values.includes(draft.promptPriority ?? '')) draft.promptPriority = spec.promptPriority.default;
}

function renderCompose(): HTMLElement {
  fitDraft();
  const spec = model();
  const section = h('section', { class: 'compose', 'aria-labelledby': 'compose-title' }, h('h2', { id: 'compose-title' }, t('compose')));
  section.append(select('model', t('model'), models.map((m) => ({ value: m.id, label: m.label })), spec.id, (value) => {
    draft.model = value;
    saveDraft();
    render();
  }));

  const prompt = h('vscode-textarea', { id: 'prompt', rows: '5', resize: 'vertical', placeholder: t('promptPlaceholder'), 'aria-describedby': 'prompt-length' }) as Field;
  prompt.value = draft.prompt;
  const length = h('div', { id: 'prompt-length', class: 'hint', 'aria-live': 'polite' });
  const updateLength = (): void => {
    const count = [...draft.prompt].length;
    const over = count - spec.promptMaxLength;
    length.textContent = over > 0 ? t('promptTooLong', over) : t('promptLength', count, spec.promptMaxLength);
    length.classList.toggle('error', over > 0);
    updateGenerate();
  };
  prompt.addEventListener('input', () => {
    draft.prompt = prompt.value;
    saveDraft();
    updateLength();
  });
  // Ctrl+Enter (Cmd+Enter on macOS) generates, as in other VS Code input panels.
  prompt.addEventListener('keydown', (event: KeyboardEvent) => {
    if (event.key === 'Enter' && (event.ctrlKey || event.metaKey) && !generate.hasAttribute('disabled')) {
      event.preventDefault();
      void submit();
    }
  });
  section.append(h('div', { class: 'field wide' }, h('vscode-label', { for: 'prompt' }, t('prompt')), prompt, length));
  const referenceIssues = checkReferences(spec);
  section.append(renderReferences(spec, referenceIssues));

  const options = h('div', { class: 'options' });
  const sizes = spec.size.options.map((option) => ({ value: option.value, label: option.value.includes(':') || /^\dK$/.test(option.value) ? `${option.value} (${option.width}×${option.height})` : option.value }));
  if (spec.size.kind === 'pixels') sizes.push({ value: customSize, label: t('customSize') });
  options.append(select('size', t('size'), sizes, draft.size, (value) => {
    draft.size = value;
    saveDraft();
    render();
  }));
  if (draft.size === customSize) {
    for (const [key, label] of [['width', t('width')], ['height', t('height')]] as const) {
      const field = h('vscode-textfield', { id: key, type: 'number', min: '1', 'aria-label': label }) as Field;
      field.value = draft[key];
      field.addEventListener('input', () => {
        draft[key] = field.value;
        saveDraft();
        updateLength();
      });
      options.append(h('div', { class: 'field narrow' }, h('vscode-label', { for: key }, label), field));
    }
  }
  const count = spec.count;
  const counts = count.kind === 'choices' ? [...count.values] : Array.from({ length: count.max - count.min + 1 }, (_, i) => i + count.min);
  if (counts.length > 1) {
    options.append(select('count', t('count'), counts.map((n) => ({ value: String(n), label: String(n) })), String(draft.n), (value) => {
      draft.n = Number(value);
      saveDraft();
      render();
    }));
  }
  if (spec.quality) {
    options.append(select('quality', t('quality'), spec.quality.values.map((value) => ({ value, label: value })), draft.quality, (value) => {
      draft.quality = value;
      saveDraft();
    }));
  }
  if (spec.promptPriority) {
    options.append(select('prompt-priority', t('promptPriority'), spec.promptPriority.values.map((value) => ({ value, label: value })), draft.promptPriority ?? spec.promptPriority.default, (value) => {
      draft.promptPriority = value;
      saveDraft();
    }));
  }
  section.append(options);
  if (spec.count.kind === 'range' && spec.count.upperBound) section.append(h('p', { class: 'hint' }, t('countUpTo', draft.n)));

  const sizeProblem = h('div', { id: 'size-problem', class: 'hint error', role: 'status' });
  section.append(sizeProblem);
  const generate = h('vscode-button', { id: 'generate' }, submitting ? t('generating') : t('generate'));
  const updateGenerate = (): void => {
    const tooLong = [...draft.prompt].length > spec.promptMaxLength;
    const empty = draft.prompt.trim() === '';
    // A custom size is checked here with the limit named; the host checks everything again.
    const size = draft.size === customSize ? resolveSize(spec, sizeValue()) : undefined;
    const badSize = size !== undefined && 'code' in size;
    sizeProblem.textContent = badSize ? issueText(size) : '';
    if (tooLong || empty || badSize || referenceIssues.length > 0 || submitting || !hasApiKey) generate.setAttribute('disabled', '');
    else generate.removeAttribute('disabled');
  };
  generate.addEventListener('click', () => void submit());
  const costLine = h('span', { class: 'cost', id: 'cost' });
  showCost(costLine);
  section.append(h('div', { class: 'actions' }, generate, costLine));
  section.append(h('div', { id: 'problem', class: 'problem', role: 'alert' }));
  if (!hasApiKey) {
    const setKey = h('vscode-button', { secondary: '' }, t('setKey'));
    setKey.addEventListener('click', () => vscode.postMessage({ type: 'setApiKey' }));
    section.append(h('div', { class: 'banner', role: 'status' }, h('span', {}, t('noKey')), setKey));
  }
  updateLength();
  return section;
}

/** Every problem of the references with the chosen model, each naming the limit. */
function checkReferences(spec: ModelSpec): RequestIssue[] {
  const issues = references.flatMap((reference, index) => checkReferenceImage(spec, { ...reference, format: reference.format as never }, index));
  const limits = spec.references;
  if (references.length > limits.max) issues.unshift({ param: 'image_urls', code: 'referenceCount', values: { count: references.length, min: limits.min, max: limits.max } });
  if (references.length > 0 && limits.maxWithOutputs !== undefined && references.length + draft.n > limits.maxWithOutputs) {
    issues.push({ param: 'n', code: 'referencesWithOutputs', values: { count: references.length, n: draft.n, max: limits.maxWithOutputs } });
  }
  return issues;
}

/** The mask applies when the model takes one and there is exactly one reference. */
function maskApplies(spec: ModelSpec): boolean {
  return spec.mask !== undefined && references.length === 1;
}

/** The painter of the one reference, created at its pixel size. */
function painterOf(reference: StudioReference): MaskPainter {
  if (!painter || painterFor !== reference.uri) {
    painter = new MaskPainter(reference.width, reference.height, () => updateMaskState());
    painterFor = reference.uri;
  }
  return painter;
}

function updateMaskState(): void {
  const state = document.getElementById('mask-state');
  if (state) state.textContent = painter?.isPainted ? t('maskPainted') : t('maskEmpty');
}

function megabytes(bytes: number): string {
  return (bytes / (1024 * 1024)).toLocaleString(locale, { maximumFractionDigits: 1 });
}

/** A file size as people read it: KB under a megabyte, MB above. */
function fileSize(bytes: number): string {
  return bytes < 1024 * 1024 ? `${Math.max(1, Math.round(bytes / 1024)).toLocaleString(locale)} KB` : `${megabytes(bytes)} MB`;
}

function renderReferences(spec: ModelSpec, issues: RequestIssue[]): HTMLElement {
  const limits = spec.references;
  const block = h('div', { class: 'field wide references', role: 'group', 'aria-labelledby': 'references-label' }, h('vscode-label', { id: 'references-label' }, t('references')));
  const strip = h('div', { class: 'reference-strip', role: 'list' });
  for (const reference of references) {
    const remove = h('vscode-button', { secondary: '', icon: 'close', title: t('removeReference'), 'aria-label': `${t('removeReference')}: ${reference.name}` });
    remove.addEventListener('click', () => vscode.postMessage({ type: 'removeReference', uri: reference.uri }));
    strip.append(
      h(
        'figure',
        { class: 'reference', role: 'listitem', title: reference.name },
        h('img', { src: reference.src, alt: reference.name }),
        h('figcaption', {}, h('span', { class: 'reference-name' }, reference.name), h('span', { class: 'reference-meta' }, `${reference.width}×${reference.height} · ${fileSize(reference.bytes)}`)),
        remove,
      ),
    );
  }
  const add = h('vscode-button', { id: 'add-reference', secondary: '', icon: 'add' }, t('addReference'));
  add.addEventListener('click', () => vscode.postMessage({ type: 'pickReferences' }));
  strip.append(add);
  block.append(strip);
  const formats = limits.formats.map((format) => format.toUpperCase()).join(', ');
  block.append(h('div', { class: 'hint', id: 'reference-limits' }, t('referenceLimits', limits.max, formats, megabytes(limits.maxBytes))));
  if (issues.length > 0) {
    const list = h('ul', { class: 'hint error issues', id: 'reference-problems', role: 'alert' });
    for (const issue of issues) list.append(h('li', {}, issueText(issue)));
    block.append(list);
  }
  const first = references[0];
  if (first?.inWorkspace) {
    block.append(
      select('destination', t('destination'), [
        { value: 'output', label: t('destinationOutput') },
        { value: 'beside', label: t('destinationBeside', first.name) },
      ], destination, (value) => {
        destination = value === 'beside' ? 'beside' : 'output';
        render();
      }),
    );
  }
  if (maskApplies(spec) && first) block.append(renderMask(first));
  else if (spec.mask && references.length > 1) block.append(h('div', { class: 'hint' }, t('maskNeedsOne')));
  return block;
}

function renderMask(reference: StudioReference): HTMLElement {
  const box = h('div', { class: 'mask' });
  const toggle = h('vscode-button', { id: 'mask-toggle', secondary: '', icon: maskOpen ? 'chevron-up' : 'edit', 'aria-expanded': String(maskOpen) }, maskOpen ? t('maskDone') : t('maskPaint'));
  toggle.addEventListener('click', () => {
    maskOpen = !maskOpen;
    render();
    if (maskOpen) document.querySelector('.mask-stage')?.scrollIntoView({ block: 'nearest', behavior: 'smooth' });
  });
  const paint = painterOf(reference);
  box.append(h('div', { class: 'mask-head' }, toggle, h('span', { id: 'mask-state', class: 'hint', 'aria-live': 'polite' }, paint.isPainted ? t('maskPainted') : t('maskEmpty'))));
  if (!maskOpen) return box;
  const tools = h('div', { class: 'mask-tools', role: 'toolbar', 'aria-label': t('maskTools') });
  const toolButton = (tool: 'brush' | 'eraser', icon: string, label: string): HTMLElement => {
    const button = h('vscode-button', { id: `mask-${tool}`, icon, title: label, 'aria-label': label, 'aria-pressed': String(paint.tool === tool) });
    if (paint.tool !== tool) button.setAttribute('secondary', '');
    button.addEventListener('click', () => {
      paint.tool = tool;
      render();
    });
    return button;
  };
  tools.append(toolButton('brush', 'edit', t('maskBrush')), toolButton('eraser', 'circle-slash', t('maskEraser')));
  const size = h('input', { id: 'mask-size', type: 'range', min: '4', max: '160', value: String(paint.brushSize), 'aria-label': t('maskSize') });
  size.addEventListener('input', () => {
    paint.brushSize = Number(size.value);
  });
  tools.append(h('label', { class: 'mask-size', for: 'mask-size' }, t('maskSize')), size);
  const action = (id: string, icon: string, label: string, run: () => void): HTMLElement => {
    const button = h('vscode-button', { id, secondary: '', icon, title: label, 'aria-label': label });
    button.addEventListener('click', run);
    return button;
  };
  tools.append(action('mask-clear', 'clear-all', t('maskClear'), () => paint.clear()), action('mask-invert', 'arrow-swap', t('maskInvert'), () => paint.invert()));
  box.append(tools);
  paint.canvas.setAttribute('aria-label', t('maskCanvas'));
  paint.canvas.setAttribute('role', 'img');
  box.append(h('div', { class: 'mask-stage' }, h('img', { src: reference.src, alt: reference.name }), paint.canvas));
  box.append(h('p', { class: 'hint' }, t('maskHint', reference.width, reference.height)));
  return box;
}

/** The cost of the draft beside the balance; in red when the balance does not cover it. */
function showCost(line: HTMLElement): void {
  const cost = model().creditsPerImage * draft.n;
  line.textContent = spendable === undefined ? t('cost', credits(cost)) : `${t('cost', credits(cost))} · ${t('balance', credits(spendable))}`;
  line.classList.toggle('error', spendable !== undefined && spendable < cost);
}

async function submit(): Promise<void> {
  const spec = model();
  const request: Record<string, unknown> = { model: spec.id, prompt: draft.prompt, size: sizeValue(), n: draft.n };
  if (spec.quality) request.quality = draft.quality;
  if (spec.promptPriority && draft.promptPriority) request.promptPriority = draft.promptPriority;
  const message: Record<string, unknown> = { type: 'submit', request, references: references.map((reference) => reference.uri), destination };
  const first = references[0];
  if (first && maskApplies(spec) && painter?.isPainted && painterFor === first.uri) {
    // The painter works at the reference's pixel size: a mask of another size cannot be made.
    const mask = await painter.export();
    if (mask.length > maxMaskBytes) {
      showProblem(issueText({ param: 'mask_url', code: 'maskBytes', values: { size: `${megabytes(mask.length)} MB`, max: `${megabytes(maxMaskBytes)} MB` } }));
      return;
    }
    message.mask = toBase64(mask);
  }
  submitting = true;
  render();
  vscode.postMessage(message);
}

/** Reads image files (pasted, or dropped from outside VS Code) and hands them to the host. */
async function addFiles(files: readonly File[]): Promise<void> {
  for (const file of files) {
    if (file.size > maxPastedBytes) {
      showProblem(t('pastedTooLarge', file.name || 'image', megabytes(file.size), megabytes(maxPastedBytes)));
      continue;
    }
    const bytes = new Uint8Array(await file.arrayBuffer());
    vscode.postMessage({ type: 'pasteReference', name: file.name || 'pasted image', data: toBase64(bytes) });
  }
}

document.addEventListener('paste', (event) => {
  const files = [...(event.clipboardData?.files ?? [])].filter((file) => file.type.startsWith('image/'));
  if (files.length === 0) return;
  event.preventDefault();
  void addFiles(files);
});

document.addEventListener('dragover', (event) => {
  event.preventDefault();
  if (event.dataTransfer) event.dataTransfer.dropEffect = 'copy';
  document.body.classList.add('dropping');
});
document.addEventListener('dragleave', (event) => {
  if (event.relatedTarget === null) document.body.classList.remove('dropping');
});
document.addEventListener('drop', (event) => {
  event.preventDefault();
  document.body.classList.remove('dropping');
  const transfer = event.dataTransfer;
  if (!transfer) return;
  // From the explorer or an editor tab: URIs. From the desktop: files.
  const list = transfer.getData('application/vnd.code.uri-list') || transfer.getData('text/uri-list');
  const uris = list.split(/\r?\n/).map((line) => line.trim()).filter((line) => line && !line.startsWith('#'));
  if (uris.length > 0) vscode.postMessage({ type: 'addReferences', uris: uris.slice(0, 16) });
  else void addFiles([...transfer.files].filter((file) => file.type.startsWith('image/')));
});

function taskButton(label: string, icon: string, message: Record<string, unknown>): HTMLElement {
  const button = h('vscode-button', { secondary: '', icon, title: label, 'aria-label': label });
  button.addEventListener('click', () => vscode.postMessage(message));
  return button;
}

function renderTasks(): HTMLElement {
  const section = h('section', { class: 'tasks', 'aria-labelledby': 'tasks-title' }, h('h2', { id: 'tasks-title' }, t('tasks')));
  if (tasks.length === 0) {
    section.append(h('p', { class: 'hint' }, t('noTasks')));
    return section;
  }
  const list = h('ul', { class: 'task-list' });
  for (const task of tasks.slice(0, 12)) {
    const details = [task.model, task.size, `n=${task.n}`];
    if (task.creditsUsed !== undefined) details.push(t('creditsUsed', credits(task.creditsUsed)));
    else if (task.creditsReserved !== undefined) details.push(t('cost', credits(task.creditsReserved)));
    const status = [task.status];
    if (task.error) status.push(task.error);
    const item = h(
      'li',
      { class: `task state-${task.state}`, 'aria-label': `${task.prompt}: ${status.join(', ')}` },
      h('div', { class: 'task-prompt', title: task.prompt }, task.prompt),
      h('div', { class: 'task-meta' }, details.join(' · ')),
      h('div', { class: 'task-status' }, status.join(' · ')),
    );
    if (task.active) {
      const bar = h('vscode-progress-bar', { 'aria-label': task.status });
      if (task.progress !== undefined && task.progress > 0) bar.setAttribute('value', String(task.progress));
      else bar.setAttribute('indeterminate', '');
      item.append(bar);
    }
    const buttons = h('div', { class: 'task-actions' });
    for (const offered of task.actions) buttons.append(taskButton(offered.title, offered.icon, { type: 'taskAction', localId: task.localId, action: offered.action }));
    buttons.append(taskButton(t('copyPrompt'), 'copy', { type: 'copyPrompt', localId: task.localId }));
    item.append(buttons);
    list.append(item);
  }
  section.append(list);
  return section;
}

function renderResults(): HTMLElement {
  const section = h('section', { class: 'results', 'aria-labelledby': 'results-title' }, h('h2', { id: 'results-title' }, t('results')));
  const saved = tasks.filter((task) => task.images.length > 0);
  if (saved.length === 0) {
    section.append(h('p', { class: 'hint' }, t('noResults')));
    return section;
  }
  const grid = h('div', { class: 'gallery', role: 'list' });
  for (const task of saved) {
    for (const image of task.images) {
      const open = (): void => vscode.postMessage({ type: 'openImage', uri: image.uri });
      const picture = h('img', { src: image.src, alt: task.prompt, loading: 'lazy', tabindex: '0', role: 'button', 'aria-label': `${t('open')}: ${image.name}` });
      picture.addEventListener('click', open);
      picture.addEventListener('keydown', (event) => {
        if (event.key === 'Enter' || event.key === ' ') {
          event.preventDefault();
          open();
        }
      });
      grid.append(
        h(
          'figure',
          { class: 'tile', role: 'listitem' },
          picture,
          h('figcaption', { title: task.prompt }, image.name),
          h(
            'div',
            { class: 'tile-actions' },
            taskButton(t('open'), 'go-to-file', { type: 'openImage', uri: image.uri }),
            taskButton(t('reveal'), 'folder-opened', { type: 'revealImage', uri: image.uri }),
            taskButton(t('insert'), 'insert', { type: 'insertReference', uri: image.uri }),
            taskButton(t('useAsReference'), 'references', { type: 'useAsReference', uri: image.uri }),
            taskButton(t('copyPrompt'), 'copy', { type: 'copyPrompt', localId: task.localId }),
            taskButton(t('delete'), 'trash', { type: 'deleteImage', uri: image.uri }),
          ),
        ),
      );
    }
  }
  section.append(grid);
  return section;
}

/** Fills the compose form with a past request's settings. */
function reuse(item: StudioHistoryItem): void {
  const spec = models.find((candidate) => candidate.id === item.model);
  if (!spec) return;
  draft.model = spec.id;
  draft.prompt = item.prompt;
  if (item.size && spec.size.options.some((option) => option.value === item.size)) {
    draft.size = item.size;
  } else if (item.size && spec.size.kind === 'pixels') {
    draft.size = customSize;
    [draft.width, draft.height] = item.size.split('x') as [string, string];
  }
  if (item.n !== undefined) draft.n = item.n;
  if (item.quality) draft.quality = item.quality;
  if (item.promptPriority) draft.promptPriority = item.promptPriority;
  saveDraft();
  render();
  document.getElementById('prompt')?.focus();
  window.scrollTo({ top: 0 });
}

function renderHistory(): HTMLElement {
  const section = h('section', { class: 'history', 'aria-labelledby': 'history-title' }, h('h2', { id: 'history-title' }, t('history')));
  if (history.length === 0) {
    section.append(h('p', { class: 'hint' }, t('historyEmpty')));
    return section;
  }
  const search = h('vscode-textfield', { id: 'history-search', type: 'search', placeholder: t('historySearch'), 'aria-label': t('historySearch') }) as Field;
  search.value = historyQuery;
  search.addEventListener('input', () => {
    historyQuery = search.value;
    renderSection('history', renderHistory);
  });
  section.append(search);
  const words = historyQuery.toLowerCase().split(/\s+/).filter(Boolean);
  const matches = history.filter((item) => words.every((word) => `${item.prompt} ${item.model}`.toLowerCase().includes(word)));
  if (matches.length === 0) {
    section.append(h('p', { class: 'hint' }, t('historyNoMatch')));
    return section;
  }
  const list = h('ul', { class: 'history-list' });
  for (const item of matches.slice(0, 100)) {
    const again = h('vscode-button', { secondary: '', icon: 'history', title: t('reuse'), 'aria-label': `${t('reuse')}: ${item.prompt}` });
    again.addEventListener('click', () => reuse(item));
    const when = new Date(item.createdAt).toLocaleString(locale, { dateStyle: 'medium', timeStyle: 'short' });
    list.append(
      h(
        'li',
        { class: 'history-item' },
        h('img', { src: item.src, alt: item.prompt, loading: 'lazy' }),
        h('div', { class: 'history-text' }, h('div', { class: 'task-prompt', title: item.prompt }, item.prompt), h('div', { class: 'task-meta' }, [item.model, item.size, when].filter(Boolean).join(' · '))),
        h('div', { class: 'task-actions' }, again, taskButton(t('open'), 'go-to-file', { type: 'openImage', uri: item.uri }), taskButton(t('insert'), 'insert', { type: 'insertReference', uri: item.uri }), taskButton(t('useAsReference'), 'references', { type: 'useAsReference', uri: item.uri })),
      ),
    );
  }
  section.append(list);
  return section;
}

function render(): void {
  const app = document.getElementById('app');
  if (!app || models.length === 0) return;
  const focused = document.activeElement?.id;
  app.replaceChildren(h('h1', {}, t('title')), renderCompose(), renderTasks(), renderResults(), renderHistory());
  app.setAttribute('aria-busy', 'false');
  if (focused) document.getElementById(focused)?.focus();
}

/**
 * Renders one section again and leaves the rest alone: progress arrives several times a second,
 * and rebuilding the compose form each time would move the caret and break an IME composition
 * while the user types.
 */
function renderSection(name: 'tasks' | 'results' | 'history', build: () => HTMLElement): void {
  const current = document.querySelector(`#app > section.${name}`);
  if (!current) {
    render();
    return;
  }
  const focused = current.contains(document.activeElement) ? document.activeElement?.id : undefined;
  current.replaceWith(build());
  if (focused) document.getElementById(focused)?.focus();
}

function showProblem(message: string): void {
  const problem = document.getElementById('problem');
  if (problem) problem.textContent = message;
}

window.addEventListener('message', (event: MessageEvent<HostMessage>) => {
  const message = event.data;
  switch (message.type) {
    case 'init': {
      strings = message.strings;
      models = message.models;
      locale = message.locale;
      hasApiKey = message.hasApiKey;
      const saved = (vscode.getState() as { draft?: Draft } | undefined)?.draft;
      draft = saved ?? { ...draft, model: message.defaultModel };
      document.title = t('title');
      render();
      requestAnimationFrame(() => requestAnimationFrame(() => vscode.postMessage({ type: 'painted' })));
      return;
    }
    case 'tasks':
      tasks = message.tasks;
      renderSection('tasks', renderTasks);
      renderSection('results', renderResults);
      return;
    case 'history':
      history = message.items;
      renderSection('history', renderHistory);
      return;
    case 'apiKey':
      hasApiKey = message.hasApiKey;
      render();
      return;
    case 'submitted':
      submitting = false;
      render();
      return;
    case 'problem':
      submitting = false;
      render();
      showProblem(message.message);
      return;
    case 'balance': {
      spendable = message.spendable;
      const line = document.getElementById('cost');
      if (line) showCost(line);
      else render();
      return;
    }
    case 'references':
      references = message.items;
      if (!references[0]?.inWorkspace) destination = 'output';
      render();
      return;
    case 'edit':
      if (message.model && models.some((candidate) => candidate.id === message.model)) draft.model = message.model;
      destination = 'beside';
      maskOpen = message.paintMask;
      saveDraft();
      render();
      document.getElementById('prompt')?.focus();
      return;
  }
});

vscode.postMessage({ type: 'ready' });
