import * as vscode from 'vscode';
import { findModel, type ModelSpec } from '../../common/models';
import { requestSteps, type PlanOptions, type RequestStep } from '../../common/wizardPlan';
import type { ChoiceMemory } from '../ui/choiceMemory';
import { modelDetail } from '../ui/pickers';
import { chooseModel, countStep, countTitle, draftFor, promptStep, sizeStep, type RequestDraft } from '../ui/requestSteps';
import { runWizard, showPick, type PickItem, type ShownStep, type StepAnswer, type StepFrame, type WizardResult } from '../ui/wizard';

/** The button id the model step answers when a mask is to be painted first, in the Studio. */
export const paintMaskId = 'paintMask';

/** What the Edit Image wizard starts from. */
export interface EditWizardInput {
  memory: ChoiceMemory;
  defaultModel: string;
  /** The images' names, for the titles. */
  names: string;
  /** The models that take these images, and those that do not with why (for the placeholder). */
  accepting: readonly ModelSpec[];
  notOffered: string | undefined;
  /** Whether a mask can be painted (one image). */
  canMask: boolean;
  /** A model given in advance. */
  model?: ModelSpec;
  prompt: string;
  skip: ReadonlySet<RequestStep>;
  /** The most results the references leave room for with a model (references plus results have a limit). */
  maxCount: (model: ModelSpec) => number | undefined;
  onShow?: (shown: ShownStep) => void;
}

type ModelChoice = { spec: ModelSpec; mask: boolean };

function modelItems(input: EditWizardInput): PickItem<ModelChoice>[] {
  const items: PickItem<ModelChoice>[] = [];
  for (const spec of input.accepting) {
    items.push({ label: spec.label, description: spec.id, detail: modelDetail(spec), value: { spec, mask: false } });
    if (spec.mask && input.canMask) {
      items.push({ label: `$(edit) ${vscode.l10n.t('{0}: paint a mask first', spec.label)}`, description: vscode.l10n.t('in the Image Studio'), detail: vscode.l10n.t('Only the area you paint is changed.'), value: { spec, mask: true } });
    }
  }
  items.sort((a, b) => Number(b.value.spec.id === input.defaultModel) - Number(a.value.spec.id === input.defaultModel));
  return items;
}

/** The model step: only the models that take these images, each also with a mask where it can. */
async function modelStep(draft: RequestDraft, frame: StepFrame, input: EditWizardInput, plan: (model: ModelSpec) => PlanOptions): Promise<StepAnswer> {
  const picked = await showPick({
    frame,
    items: modelItems(input),
    placeholder: input.notOffered,
    active: (item) => item.value.spec.id === draft.model.id && !item.value.mask,
    onActive: (choice, pick) => (pick.totalSteps = choice.mask ? 1 : requestSteps(choice.spec, plan(choice.spec)).length),
  });
  if (picked.kind !== 'picked') return picked.kind === 'button' ? { leave: picked.id } : picked.kind;
  chooseModel(draft, picked.value.spec, input.memory, input.maxCount(picked.value.spec));
  return picked.value.mask ? { leave: paintMaskId } : 'next';
}

/** Asks how to edit images: model, what should change, size, how many variants; one quick input with Back. */
export async function runEditWizard(input: EditWizardInput): Promise<{ result: WizardResult; draft: RequestDraft }> {
  const last = findModel(input.memory.lastModel() ?? '');
  const start = input.model ?? [last, findModel(input.defaultModel)].find((spec) => spec && input.accepting.includes(spec)) ?? input.accepting[0]!;
  const draft = draftFor(start, input.prompt, input.memory, input.maxCount(start));
  const skip = new Set(input.skip);
  if (input.model) skip.add('model');
  const plan = (model: ModelSpec): PlanOptions => {
    const maxCount = input.maxCount(model);
    return maxCount === undefined ? { skip } : { skip, maxCount };
  };
  const titles: Record<RequestStep, () => string> = {
    model: () => vscode.l10n.t('Edit {0}: Model', input.names),
    prompt: () => vscode.l10n.t('Edit {0}: What should change?', input.names),
    size: () => vscode.l10n.t('Edit {0}: Size of the result', input.names),
    count: () => vscode.l10n.t('Edit {0}: {1}', input.names, countTitle(draft.model)),
  };
  const result = await runWizard<RequestDraft, RequestStep>(
    {
      title: (id) => titles[id](),
      plan: (state) => requestSteps(state.model, plan(state.model)),
      onShow: input.onShow,
      show: (id, state, frame) => {
        switch (id) {
          case 'model':
            return modelStep(state, frame, input, plan);
          case 'prompt':
            return promptStep(state, frame, {
              prompt: vscode.l10n.t('Describe the change, e.g. "make the sky a sunset" or "remove the person on the left"'),
              empty: vscode.l10n.t('Describe the change you want.'),
            });
          case 'size':
            return sizeStep(state, frame);
          case 'count':
            return countStep(state, frame, input.maxCount(state.model));
        }
      },
    },
    draft,
  );
  return { result, draft };
}
