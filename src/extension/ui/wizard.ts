import * as vscode from 'vscode';
import { advance, currentStep, positionOf, retreat, startNav, type StepPosition, type WizardNav } from '../../common/wizardPlan';

/*
 * A small multi-step quick input: one question per step, the step's number out of the steps
 * the answers so far lead to, Back on every step after the first, and buttons of a step's own.
 * What is asked, and in what order, is the caller's (see common/wizardPlan.ts).
 */

/** How a step ended: answered, Back, cancelled (Escape), or a button that leaves the wizard. */
export type StepAnswer = 'next' | 'back' | 'cancel' | { leave: string };

/** What every step is shown with. */
export interface StepFrame {
  title: string;
  position: StepPosition;
  /** Back is offered after the first step. */
  canGoBack: boolean;
  /** Keeps the wizard's one input on screen: the next step's input replaces the last one only once it is shown. */
  host: InputHost;
}

/** The input a wizard shows now; replaced step by step, disposed when the wizard ends. */
export class InputHost {
  private current: vscode.QuickInput | undefined;

  /** Shows an input in place of the last one. */
  show(input: vscode.QuickInput): void {
    const previous = this.current;
    this.current = input;
    input.show();
    previous?.dispose();
  }

  dispose(): void {
    this.current?.dispose();
    this.current = undefined;
  }
}

/** A button of a step; `id` is what the step answers when it is pressed. */
export interface StepButton {
  id: string;
  button: vscode.QuickInputButton;
}

/** What a wizard shows, for whoever watches (tests read the steps they drive). */
export interface ShownStep {
  id: string;
  step: number;
  totalSteps: number;
}

/** The steps of a wizard over a state `S`, by id. */
export interface Wizard<S, Id extends string> {
  title: (id: Id, state: S) => string;
  /** The steps the state leads to, in order; asked again after every answer. */
  plan: (state: S) => Id[];
  /** Shows a step; it writes its answer into the state. */
  show: (id: Id, state: S, frame: StepFrame) => Promise<StepAnswer>;
  /** Told of every step shown. */
  onShow?: (shown: ShownStep) => void;
}

/** What a wizard ended with: all answered, cancelled, or left by a button of a step. */
export type WizardResult = { kind: 'done' } | { kind: 'cancelled' } | { kind: 'left'; button: string };

/** Runs a wizard to its end. */
export async function runWizard<S, Id extends string>(wizard: Wizard<S, Id>, state: S): Promise<WizardResult> {
  const host = new InputHost();
  try {
    return await walk(wizard, state, host);
  } finally {
    host.dispose();
  }
}

async function walk<S, Id extends string>(wizard: Wizard<S, Id>, state: S, host: InputHost): Promise<WizardResult> {
  let nav: WizardNav<Id> = startNav();
  let step = advance(nav, wizard.plan(state));
  if (step.done) return { kind: 'done' };
  nav = step.nav;
  for (;;) {
    const id = currentStep(nav)!;
    const frame: StepFrame = { title: wizard.title(id, state), position: positionOf(wizard.plan(state), id), canGoBack: nav.visited.length > 1, host };
    wizard.onShow?.({ id, ...frame.position });
    const answer = await wizard.show(id, state, frame);
    if (answer === 'cancel') return { kind: 'cancelled' };
    if (typeof answer === 'object') return { kind: 'left', button: answer.leave };
    if (answer === 'back') {
      nav = retreat(nav) ?? nav;
      continue;
    }
    step = advance(nav, wizard.plan(state));
    if (step.done) return { kind: 'done' };
    nav = step.nav;
  }
}

/** An item of a pick step, carrying its value. */
export type PickItem<T> = vscode.QuickPickItem & { value: T };

/** How a pick step ended. */
export type PickAnswer<T> = { kind: 'picked'; value: T } | { kind: 'back' } | { kind: 'cancel' } | { kind: 'button'; id: string };

/** Options of a pick step. */
export interface PickStep<T> {
  frame: StepFrame;
  items: PickItem<T>[];
  /** The item highlighted at first (the last answer, or the default). */
  active?: (item: PickItem<T>) => boolean;
  placeholder?: string;
  buttons?: StepButton[];
  matchOnDescription?: boolean;
  /** Told when the highlighted item changes (the step count may depend on it). */
  onActive?: (value: T, pick: vscode.QuickPick<PickItem<T>>) => void;
}

function frameInput(input: vscode.QuickPick<vscode.QuickPickItem> | vscode.InputBox, frame: StepFrame, buttons: readonly StepButton[]): void {
  input.title = frame.title;
  input.step = frame.position.step;
  input.totalSteps = frame.position.totalSteps;
  input.ignoreFocusOut = true;
  input.buttons = [...(frame.canGoBack ? [vscode.QuickInputButtons.Back] : []), ...buttons.map((entry) => entry.button)];
}

/** The id of a pressed button, or `back`. */
function buttonId(pressed: vscode.QuickInputButton, buttons: readonly StepButton[]): string {
  return pressed === vscode.QuickInputButtons.Back ? 'back' : (buttons.find((entry) => entry.button === pressed)?.id ?? 'back');
}

/** Shows one pick step and waits for its answer. */
export function showPick<T>(options: PickStep<T>): Promise<PickAnswer<T>> {
  const pick = vscode.window.createQuickPick<PickItem<T>>();
  const buttons = options.buttons ?? [];
  frameInput(pick, options.frame, buttons);
  pick.items = options.items;
  pick.placeholder = options.placeholder;
  pick.matchOnDescription = options.matchOnDescription ?? false;
  const active = options.items.find((item) => options.active?.(item));
  if (active) pick.activeItems = [active];
  return new Promise<PickAnswer<T>>((resolve) => {
    let answered = false;
    const finish = (answer: PickAnswer<T>) => {
      if (answered) return;
      answered = true;
      resolve(answer);
    };
    pick.onDidAccept(() => {
      const chosen = pick.selectedItems[0] ?? pick.activeItems[0];
      if (chosen) finish({ kind: 'picked', value: chosen.value });
    });
    pick.onDidTriggerButton((pressed) => {
      const id = buttonId(pressed, buttons);
      finish(id === 'back' ? { kind: 'back' } : { kind: 'button', id });
    });
    pick.onDidChangeActive((items) => {
      if (items[0]) options.onActive?.(items[0].value, pick);
    });
    pick.onDidHide(() => finish({ kind: 'cancel' }));
    options.frame.host.show(pick);
  });
}

/** How an input step ended; a button carries the text typed so far. */
export type InputAnswer = { kind: 'accepted'; value: string } | { kind: 'back' } | { kind: 'cancel' } | { kind: 'button'; id: string; value: string };

/** Options of an input step. */
export interface InputStep {
  frame: StepFrame;
  value: string;
  prompt?: string;
  placeholder?: string;
  /** A message shown under the box as the user types; the step is not accepted while there is one. */
  validate: (value: string) => string | undefined;
  buttons?: StepButton[];
}

/** Shows one input step and waits for its answer. */
export function showInput(options: InputStep): Promise<InputAnswer> {
  const box = vscode.window.createInputBox();
  const buttons = options.buttons ?? [];
  frameInput(box, options.frame, buttons);
  box.value = options.value;
  box.prompt = options.prompt;
  box.placeholder = options.placeholder;
  // An empty box on arrival is not yet a mistake: the message waits for the first keystroke or Enter.
  if (options.value !== '') box.validationMessage = options.validate(options.value);
  return new Promise<InputAnswer>((resolve) => {
    let answered = false;
    const finish = (answer: InputAnswer) => {
      if (answered) return;
      answered = true;
      resolve(answer);
    };
    box.onDidChangeValue((value) => (box.validationMessage = options.validate(value)));
    box.onDidAccept(() => {
      const problem = options.validate(box.value);
      box.validationMessage = problem;
      if (!problem) finish({ kind: 'accepted', value: box.value });
    });
    box.onDidTriggerButton((pressed) => {
      const id = buttonId(pressed, buttons);
      finish(id === 'back' ? { kind: 'back' } : { kind: 'button', id, value: box.value });
    });
    box.onDidHide(() => finish({ kind: 'cancel' }));
    options.frame.host.show(box);
  });
}
