import * as vscode from 'vscode';
import type { ModelSpec } from '../../common/models';
import type { RequestOptions } from '../../common/requestOptions';
import { countChoices, type CountChoice } from '../../common/wizardPlan';
import type { ChoiceMemory } from './choiceMemory';
import { countItems, countPlaceholder, customSizeHint, promptProblem, sizeItems, sizeProblem } from './pickers';
import { showInput, showPick, type StepAnswer, type StepButton, type StepFrame } from './wizard';

/*
 * The steps that Generate Image and Edit Image share: the prompt, the size and the count. Each
 * writes its answer into the draft, and shows the last answer (or the one remembered for the
 * model) highlighted when it is shown again after Back.
 */

/** The answers of a request wizard so far. */
export interface RequestDraft {
  model: ModelSpec;
  prompt: string;
  size?: string;
  count?: CountChoice;
}

/** The button of the prompt step that carries the prompt typed so far into the Studio. */
export const studioButtonId = 'studio';

function studioButton(): StepButton {
  return { id: studioButtonId, button: { iconPath: new vscode.ThemeIcon('file-media'), tooltip: vscode.l10n.t('Open in the Image Studio (for long prompts)') } };
}

/** A draft for a model, with the size and count last chosen with it, where it still offers them. */
export function draftFor(model: ModelSpec, prompt: string, memory: ChoiceMemory, maxCount?: number): RequestDraft {
  const last = memory.choicesFor(model.id);
  const draft: RequestDraft = { model, prompt };
  if (last.size !== undefined) draft.size = last.size;
  const count = countChoices(model, maxCount).find((choice) => choice.n === last.n && choice.quality === last.quality);
  if (count) draft.count = count;
  return draft;
}

/** A model was chosen: another model starts from what was last chosen with it; the same one keeps the answers. */
export function chooseModel(draft: RequestDraft, model: ModelSpec, memory: ChoiceMemory, maxCount?: number): void {
  if (draft.model.id === model.id) return;
  const fresh = draftFor(model, draft.prompt, memory, maxCount);
  draft.model = fresh.model;
  draft.size = fresh.size;
  draft.count = fresh.count;
}

/** The options a draft asks for. */
export function draftOptions(draft: RequestDraft): RequestOptions {
  const options: RequestOptions = { model: draft.model.id, prompt: draft.prompt };
  if (draft.size !== undefined) options.size = draft.size;
  if (draft.count) {
    options.n = draft.count.n;
    if (draft.count.quality !== undefined) options.quality = draft.count.quality;
  }
  return options;
}

const fromPick = (answer: { kind: string; id?: string }, keep: () => void): StepAnswer => {
  switch (answer.kind) {
    case 'back':
      return 'back';
    case 'cancel':
      return 'cancel';
    case 'button':
      return { leave: answer.id ?? '' };
    default:
      keep();
      return 'next';
  }
};

/** What the prompt step says. */
export interface PromptTexts {
  prompt: string;
  empty: string;
  placeholder?: string;
}

/** The prompt, checked against the chosen model's limit as it is typed; with a button to the Studio. */
export async function promptStep(draft: RequestDraft, frame: StepFrame, texts: PromptTexts): Promise<StepAnswer> {
  const answer = await showInput({
    frame,
    value: draft.prompt,
    prompt: texts.prompt,
    placeholder: texts.placeholder,
    validate: (value) => promptProblem(value, draft.model.promptMaxLength, texts.empty),
    buttons: [studioButton()],
  });
  if (answer.kind === 'accepted' || answer.kind === 'button') draft.prompt = answer.kind === 'accepted' ? answer.value.trim() : answer.value;
  return fromPick(answer, () => undefined);
}

/** The size, from the model's choices, or typed where the model takes any size in a range. */
export async function sizeStep(draft: RequestDraft, frame: StepFrame): Promise<StepAnswer> {
  const model = draft.model;
  const items = sizeItems(model);
  const current = draft.size;
  const known = items.some((item) => item.value === current);
  for (;;) {
    const picked = await showPick({
      frame,
      items,
      // A typed size shows Custom highlighted; no answer yet shows the model's default (first).
      active: (item) => (current === undefined ? false : known ? item.value === current : item.value === undefined),
    });
    if (picked.kind !== 'picked' || picked.value !== undefined) return fromPick(picked, () => (draft.size = picked.kind === 'picked' ? picked.value : undefined));
    const typed = await showInput({
      frame: { ...frame, canGoBack: true },
      value: current !== undefined && !known ? current : model.size.kind === 'pixels' ? `${model.size.minPixels.width}x${model.size.minPixels.height}` : '',
      prompt: customSizeHint(model),
      validate: (value) => sizeProblem(model, value),
    });
    // Back from the typed size returns to the sizes.
    if (typed.kind === 'back') continue;
    if (typed.kind === 'cancel') return 'cancel';
    draft.size = typed.value.trim();
    return 'next';
  }
}

/** How many images (and the quality where the model has levels), with what each reserves. */
export async function countStep(draft: RequestDraft, frame: StepFrame, maxCount?: number): Promise<StepAnswer> {
  const model = draft.model;
  const last = draft.count;
  const picked = await showPick({
    frame,
    items: countItems(model, maxCount),
    placeholder: countPlaceholder(model),
    active: (item) => last !== undefined && item.value.n === last.n && item.value.quality === last.quality,
  });
  return fromPick(picked, () => (draft.count = picked.kind === 'picked' ? picked.value : undefined));
}

/** The title of the count step: Quality for a model that makes one image at several levels. */
export function countTitle(model: ModelSpec): string {
  return model.quality && countChoices(model).every((choice) => choice.n === 1) ? vscode.l10n.t('Quality') : vscode.l10n.t('How many');
}
