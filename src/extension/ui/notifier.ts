import * as vscode from 'vscode';

/** How serious a message is. */
export type NoticeKind = 'info' | 'warning' | 'error';

/** A button on a message and what it does. */
export interface NoticeAction {
  title: string;
  run(): unknown;
}

/** A message as it was shown, for the log and for tests. */
export interface Notice {
  kind: NoticeKind;
  message: string;
  /** A question's detail (the sentence under it in the dialog). */
  detail?: string;
  actions: string[];
  at: number;
}

const kept = 200;

/**
 * Every message the extension shows goes through here: one place that shows it, runs the action
 * picked, writes it to the log, and keeps the last ones so that tests can read exactly what a
 * person read (a test that expects a refusal checks its sentence, not only that nothing ran).
 */
export class Notifier {
  private readonly recent: { notice: Notice; actions: readonly NoticeAction[] }[] = [];
  /** Answers given in advance to the next questions, in order. */
  private readonly answers: { title: string | undefined }[] = [];

  constructor(private readonly log: Pick<vscode.LogOutputChannel, 'trace'>) {}

  /**
   * Shows a message with at most two actions and returns at once; the action picked runs when
   * it is picked. `shown` resolves once the message is dismissed or its action has started.
   */
  show(kind: NoticeKind, message: string, actions: readonly NoticeAction[] = []): { shown: Promise<void> } {
    this.record(kind, message, actions);
    const show = kind === 'info' ? vscode.window.showInformationMessage : kind === 'warning' ? vscode.window.showWarningMessage : vscode.window.showErrorMessage;
    const shown = Promise.resolve(show(message, ...actions.map((action) => action.title))).then(async (picked) => {
      await actions.find((action) => action.title === picked)?.run();
    });
    return { shown };
  }

  /** Asks a question in a modal dialog; answers the action picked, or `undefined`. */
  async ask(kind: NoticeKind, message: string, detail: string | undefined, actions: readonly string[]): Promise<string | undefined> {
    this.record(kind, message, actions.map((title) => ({ title, run: () => undefined })), detail);
    const answer = this.answers.shift();
    if (answer) return answer.title;
    const show = kind === 'info' ? vscode.window.showInformationMessage : kind === 'warning' ? vscode.window.showWarningMessage : vscode.window.showErrorMessage;
    return show(message, { modal: true, ...(detail ? { detail } : {}) }, ...actions);
  }

  private record(kind: NoticeKind, message: string, actions: readonly NoticeAction[], detail?: string): void {
    this.recent.push({ notice: { kind, message, ...(detail ? { detail } : {}), actions: actions.map((action) => action.title), at: Date.now() }, actions });
    if (this.recent.length > kept) this.recent.splice(0, this.recent.length - kept);
    // Messages may quote the prompt, which the log keeps at trace level only.
    this.log.trace(`Shown (${kind}): ${message}${actions.length ? ` [${actions.map((action) => action.title).join(' | ')}]` : ''}`);
  }

  /**
   * Answers the next question instead of a person (automation and tests: a modal dialog cannot
   * be clicked from an extension). `undefined` is Cancel. The question is still recorded.
   */
  answerNextQuestion(title: string | undefined): void {
    this.answers.push({ title });
  }

  /** The messages shown so far, oldest first. */
  notices(): readonly Notice[] {
    return this.recent.map((shown) => shown.notice);
  }

  /** Runs an action of a message shown before, as a click on it would (automation and tests). */
  async pick(notice: Notice, title: string): Promise<void> {
    await this.recent.find((shown) => shown.notice === notice)?.actions.find((action) => action.title === title)?.run();
  }
}
