import type { ModelSpec } from './models';

/*
 * The questions of the palette's request wizard, as plain data: which steps a model asks (a
 * model with one size or one count asks neither), how they are numbered, and where Back and
 * Next lead. The extension shows the steps; the order and the numbers are decided here.
 */

/** A question of the wizard. */
export type RequestStep = 'model' | 'prompt' | 'size' | 'count';

/** One answer of the count step: how many images, and the quality where the model has levels. */
export interface CountChoice {
  n: number;
  quality?: string;
}

/** The counts a model offers, at most `maxCount` (an edit's references leave fewer), each with every quality level. */
export function countChoices(model: ModelSpec, maxCount = Number.POSITIVE_INFINITY): CountChoice[] {
  const count = model.count;
  const counts = count.kind === 'choices' ? [...count.values] : Array.from({ length: count.max - count.min + 1 }, (_, i) => count.min + i);
  const qualities: (string | undefined)[] = model.quality ? [...model.quality.values] : [undefined];
  return counts.filter((n) => n <= maxCount).flatMap((n) => qualities.map((quality) => (quality === undefined ? { n } : { n, quality })));
}

/** How many sizes the size step offers (a model that takes any size in a range offers one more: Custom). */
export function sizeChoiceCount(model: ModelSpec): number {
  return model.size.options.length + (model.size.kind === 'pixels' ? 1 : 0);
}

/** What shapes the plan besides the model: answers given in advance skip their step. */
export interface PlanOptions {
  /** Steps answered already (automation, the agent, the explorer's choice). */
  skip?: ReadonlySet<RequestStep>;
  /** The most images the count step may offer. */
  maxCount?: number;
}

/** The steps of the wizard for a model, in order: a step with one choice or less is not asked. */
export function requestSteps(model: ModelSpec, options: PlanOptions = {}): RequestStep[] {
  const steps: RequestStep[] = ['model', 'prompt'];
  if (sizeChoiceCount(model) > 1) steps.push('size');
  if (countChoices(model, options.maxCount).length > 1) steps.push('count');
  return steps.filter((step) => !options.skip?.has(step));
}

/** Where a step stands in its plan, as the quick input shows it ("2/4"). */
export interface StepPosition {
  step: number;
  totalSteps: number;
}

/** The position of a step in a plan; a step not in the plan stands after the last. */
export function positionOf<Id>(plan: readonly Id[], id: Id): StepPosition {
  const index = plan.indexOf(id);
  return { step: (index < 0 ? plan.length : index) + 1, totalSteps: plan.length };
}

/**
 * The steps shown so far, the last being the one on screen. Back returns to the one before with
 * its answer kept; Next asks the plan (which may have changed with the answer) for the step
 * after the current one.
 */
export interface WizardNav<Id> {
  readonly visited: readonly Id[];
}

/** The wizard before its first step. */
export function startNav<Id>(): WizardNav<Id> {
  return { visited: [] };
}

/** The step on screen, if any. */
export function currentStep<Id>(nav: WizardNav<Id>): Id | undefined {
  return nav.visited[nav.visited.length - 1];
}

/** After the current step was answered: the next step of the plan, or `done` when none is left. */
export function advance<Id>(nav: WizardNav<Id>, plan: readonly Id[]): { nav: WizardNav<Id>; done: boolean } {
  const current = currentStep(nav);
  const index = current === undefined ? -1 : plan.indexOf(current);
  // A step the new plan no longer has (its answer removed it) is left for the first it has not shown.
  const next = index >= 0 ? plan[index + 1] : plan.find((step) => !nav.visited.includes(step));
  return next === undefined ? { nav, done: true } : { nav: { visited: [...nav.visited, next] }, done: false };
}

/** Back: the step before the current one; `undefined` on the first step (Back is not offered there). */
export function retreat<Id>(nav: WizardNav<Id>): WizardNav<Id> | undefined {
  return nav.visited.length > 1 ? { visited: nav.visited.slice(0, -1) } : undefined;
}
