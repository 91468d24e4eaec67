import * as vscode from 'vscode';
import { findModel, models, type ModelSpec } from '../../common/models';
import { requestSteps, type PlanOptions, type RequestStep } from '../../common/wizardPlan';
import type { ChoiceMemory } from '../ui/choiceMemory';
import { modelDetail } from '../ui/pickers';
import { chooseModel, countStep, countTitle, draftFor, promptStep, sizeStep, type RequestDraft } from '../ui/requestSteps';
import { runWizard, showPick, type ShownStep, type StepAnswer, type StepFrame, type WizardResult } from '../ui/wizard';

/** What the Generate Image wizard starts from. */
export interface GenerateWizardInput {
  memory: ChoiceMemory;
  /** `evolink.defaultModel`: listed first. */
  defaultModel: string;
  /** The selected text of the editor, as the prompt to start from. */
  prompt: string;
  /** A model given in advance: the model step is not asked. */
  model?: ModelSpec;
  /** Steps answered in advance. */
  skip: ReadonlySet<RequestStep>;
  onShow?: (shown: ShownStep) => void;
}

/** The model to start from: the one given, else the last used, else the default setting, else the first. */
function startModel(input: GenerateWizardInput): ModelSpec {
  return input.model ?? findModel(input.memory.lastModel() ?? '') ?? findModel(input.defaultModel) ?? models[0]!;
}

/** The model step: every model with its price and abilities, the default setting first. */
async function modelStep(draft: RequestDraft, frame: StepFrame, input: GenerateWizardInput, plan: PlanOptions): Promise<StepAnswer> {
  const items = models.map((spec) => ({ label: spec.label, description: spec.id, detail: modelDetail(spec), value: spec }));
  items.sort((a, b) => Number(b.value.id === input.defaultModel) - Number(a.value.id === input.defaultModel));
  const picked = await showPick({
    frame,
    items,
    matchOnDescription: true,
    active: (item) => item.value.id === draft.model.id,
    // A model with fewer options has fewer steps: the count follows the highlighted model.
    onActive: (spec, pick) => (pick.totalSteps = requestSteps(spec, plan).length),
  });
  if (picked.kind === 'picked') chooseModel(draft, picked.value, input.memory);
  return picked.kind === 'picked' ? 'next' : picked.kind === 'button' ? { leave: picked.id } : picked.kind;
}

/**
 * Asks for a new image: model, prompt, size and how many, as one quick input with Back. Each
 * model asks only what it offers a choice of, and starts from the choices last made with it.
 */
export async function runGenerateWizard(input: GenerateWizardInput): Promise<{ result: WizardResult; draft: RequestDraft }> {
  const draft = draftFor(startModel(input), input.prompt, input.memory);
  const skip = new Set(input.skip);
  if (input.model) skip.add('model');
  const plan: PlanOptions = { skip };
  const titles: Record<RequestStep, () => string> = {
    model: () => vscode.l10n.t('Generate Image: Model'),
    prompt: () => vscode.l10n.t('Generate Image: Prompt for {0}', draft.model.label),
    size: () => vscode.l10n.t('Generate Image: Size'),
    count: () => vscode.l10n.t('Generate Image: {0}', countTitle(draft.model)),
  };
  const result = await runWizard<RequestDraft, RequestStep>(
    {
      title: (id) => titles[id](),
      plan: (state) => requestSteps(state.model, plan),
      onShow: input.onShow,
      show: (id, state, frame) => {
        switch (id) {
          case 'model':
            return modelStep(state, frame, input, plan);
          case 'prompt':
            return promptStep(state, frame, {
              prompt: vscode.l10n.t('Describe the image. Enter continues; the button on the right opens the Image Studio for a long prompt.'),
              empty: vscode.l10n.t('Describe the image you want.'),
              placeholder: vscode.l10n.t('e.g. a lighthouse at dawn, watercolor'),
            });
          case 'size':
            return sizeStep(state, frame);
          case 'count':
            return countStep(state, frame);
        }
      },
    },
    draft,
  );
  return { result, draft };
}
