import { html, nothing, type TemplateResult } from 'lit';
import { live } from 'lit/directives/live.js';
import { promptLength } from '../../common/request';
import { generateBlocked, sizeIssue } from './checks';
import { select, type Choice } from './controls';
import { credits, issueText } from './format';
import { referencesBlock } from './references';
import { counts, customSize, type StudioStore } from './state';
import { submit } from './submit';

/*
 * The compose section: model, prompt, references, options, and Generate with its cost.
 */

/** The section. */
export function composeSection(store: StudioStore): TemplateResult {
  const { t } = store;
  const spec = store.model;
  const models = store.state.models.map((model) => ({ value: model.id, label: model.label }));
  return html`<section class="compose" aria-labelledby="compose-title">
    <h2 id="compose-title">${t('compose')}</h2>
    ${select('model', t('model'), models, spec.id, (value) => store.updateDraft({ model: value }, { problem: '' }))}
    ${promptField(store)} ${referencesBlock(store)} ${options(store)}
    ${spec.count.kind === 'range' && spec.count.upperBound && store.state.draft.n > 1 ? html`<p class="hint">${t('countUpTo', store.state.draft.n)}</p>` : nothing}
    ${spec.size.options.some((option) => option.value === store.state.draft.size && option.width === undefined) ? html`<p id="size-note" class="hint" role="status">${t('sizeFromPromptNote')}</p>` : nothing}
    ${sizeProblem(store)}
    <div class="actions">
      <vscode-button id="generate" ?disabled=${generateBlocked(store)} @click=${() => void submit(store)}>${store.state.submitting ? t('generating') : t('generate')}</vscode-button>
      <vscode-button id="generate-asset" secondary @click=${() => store.post({ type: 'generateAsset', prompt: store.state.draft.prompt })}>${t('generateAsset')}</vscode-button>
      ${costLine(store)}
    </div>
    <div id="problem" class="problem" role="alert">${store.state.problem || nothing}</div>
    ${store.state.hasApiKey ? nothing : keyBanner(store)}
  </section>`;
}

function promptField(store: StudioStore): TemplateResult {
  const { t } = store;
  const { draft } = store.state;
  const max = store.model.promptMaxLength;
  const length = promptLength(draft.prompt);
  const over = length - max;
  const onInput = (event: Event): void => store.updateDraft({ prompt: (event.currentTarget as HTMLElement & { value: string }).value });
  // Ctrl+Enter (Cmd+Enter on macOS) generates, as in other VS Code input panels.
  const onKeydown = (event: KeyboardEvent): void => {
    if (event.key === 'Enter' && (event.ctrlKey || event.metaKey) && !generateBlocked(store)) {
      event.preventDefault();
      void submit(store);
    }
  };
  return html`<div class="field wide">
    <vscode-label for="prompt">${t('prompt')}</vscode-label>
    <vscode-textarea id="prompt" rows="5" resize="vertical" placeholder=${t('promptPlaceholder')} aria-describedby="prompt-length" .value=${live(draft.prompt)} @input=${onInput} @keydown=${onKeydown}></vscode-textarea>
    <div id="prompt-length" class=${over > 0 ? 'hint error' : 'hint'}>${over > 0 ? t('promptTooLong', over) : t('promptLength', length, max)}</div>
    <div class="visually-hidden" role="status">${over > 0 ? t('promptOverLimit') : ''}</div>
  </div>`;
}

/** Size (with the custom width and height), count, quality and prompt priority, as the model offers them. */
function options(store: StudioStore): TemplateResult {
  const { t } = store;
  const { draft } = store.state;
  const spec = store.model;
  // A size without pixels of its own (Seedream's 2K, 4K) keeps a short label; what it means is said below the list.
  const sizes: Choice[] = spec.size.options.map((option) =>
    option.width === undefined || option.height === undefined
      ? { value: option.value, label: option.value, description: t('sizeFromPromptNote') }
      : { value: option.value, label: option.value.includes(':') ? `${option.value} (${option.width}×${option.height})` : option.value },
  );
  if (spec.size.kind === 'pixels') sizes.push({ value: customSize, label: t('customSize') });
  const choices = (values: readonly (string | number)[]): Choice[] => values.map((value) => ({ value: String(value), label: String(value) }));
  // Option values keep the API's word in the request and show the person's language.
  const worded = (param: string, values: readonly string[]): Choice[] => values.map((value) => ({ value, label: t(`value.${param}.${value}`) }));
  const offered = counts(spec);
  return html`<div class="options">
    ${select('size', t('size'), sizes, draft.size, (value) => store.updateDraft({ size: value }, { problem: '' }))}
    ${draft.size === customSize ? [dimensionField(store, 'width'), dimensionField(store, 'height')] : nothing}
    ${offered.length > 1 ? select('count', t('count'), choices(offered), String(draft.n), (value) => store.updateDraft({ n: Number(value) }, { problem: '' })) : nothing}
    ${spec.quality ? select('quality', t('quality'), worded('quality', spec.quality.values), draft.quality, (value) => store.updateDraft({ quality: value })) : nothing}
    ${spec.promptPriority
      ? select('prompt-priority', t('promptPriority'), worded('promptPriority', spec.promptPriority.values), draft.promptPriority ?? spec.promptPriority.default, (value) => store.updateDraft({ promptPriority: value }))
      : nothing}
  </div>`;
}

function dimensionField(store: StudioStore, key: 'width' | 'height'): TemplateResult {
  const label = store.t(key);
  const onInput = (event: Event): void => {
    const value = (event.currentTarget as HTMLElement & { value: string }).value;
    store.updateDraft(key === 'width' ? { width: value } : { height: value });
  };
  return html`<div class="field narrow">
    <vscode-label for=${key}>${label}</vscode-label>
    <vscode-textfield id=${key} type="number" min="1" aria-label=${label} .value=${live(store.state.draft[key])} @input=${onInput}></vscode-textfield>
  </div>`;
}

/** A custom size is checked here with the limit named. */
function sizeProblem(store: StudioStore): TemplateResult {
  const issue = sizeIssue(store);
  return html`<div id="size-problem" class="hint error" role="status">${issue ? issueText(store, issue) : nothing}</div>`;
}

/** The cost of the draft beside the balance; in red when the balance does not cover it. */
function costLine(store: StudioStore): TemplateResult {
  const { t } = store;
  const { spendable, draft } = store.state;
  const cost = store.model.creditsPerImage * draft.n;
  const text = spendable === undefined ? t('cost', credits(store, cost)) : `${t('cost', credits(store, cost))} · ${t('balance', credits(store, spendable))}`;
  return html`<span class=${spendable !== undefined && spendable < cost ? 'cost error' : 'cost'} id="cost">${text}</span>${spendLine(store, cost)}`;
}

/** Today's spend on this machine, with the daily limit; in red when the draft would pass it. */
function spendLine(store: StudioStore, cost: number): TemplateResult | typeof nothing {
  const { spend } = store.state;
  if (!spend) return nothing;
  const { t } = store;
  const text = spend.limit > 0 ? t('todayOf', credits(store, spend.today), credits(store, spend.limit)) : t('today', credits(store, spend.today));
  return html`<span class=${spend.limit > 0 && spend.today + cost > spend.limit ? 'cost error' : 'cost'} id="spend">${text}</span>`;
}

function keyBanner(store: StudioStore): TemplateResult {
  return html`<div class="banner" role="status">
    <span>${store.t('noKey')}</span>
    <vscode-button secondary @click=${() => store.post({ type: 'setApiKey' })}>${store.t('setKey')}</vscode-button>
  </div>`;
}
