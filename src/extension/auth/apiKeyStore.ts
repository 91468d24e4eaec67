import * as vscode from 'vscode';
import { EvoLinkError } from '../../common/evolinkError';
import { DisposableBase } from '../base/disposable';
import { withinTime } from '../base/timeLimit';

/** The secrets this extension keeps, by their SecretStorage key. */
const secretKeys = {
  apiKey: 'evolink.apiKey',
} as const;

/** How long the secret storage may take to give the key (a system keyring waiting to be unlocked) before a request fails. */
export const keyringMs = 60_000;

/** The context key that `when` clauses use to know whether a key is set. */
export const hasApiKeyContext = 'evolink.hasApiKey';

/**
 * The API key in VS Code's SecretStorage, and nowhere else. SecretStorage is shared by all
 * windows, so a key set or cleared in another window is noticed through `onDidChange`.
 */
export class ApiKeyStore extends DisposableBase {
  private readonly changed = this._register(new vscode.EventEmitter<boolean>());
  private shown: boolean | undefined;
  /** Fires with whether a key is now set, whichever window changed it. */
  readonly onDidChange = this.changed.event;

  constructor(
    private readonly secrets: vscode.SecretStorage,
    private readonly answerMs = keyringMs,
  ) {
    super();
    this._register(
      secrets.onDidChange((event) => {
        if (event.key === secretKeys.apiKey) {
          void this.refresh();
        }
      }),
    );
  }

  /**
   * The stored key, or `undefined`. Fails (nothing sent) when the secret storage has not answered
   * in `answerMs` ({@link keyringMs}), so that no request or read waits on it without end.
   */
  async get(): Promise<string | undefined> {
    const value = await withinTime(this.secrets.get(secretKeys.apiKey), this.answerMs, () => new EvoLinkError('configuration', 'The secret storage did not answer.', { code: 'keyringTimeout', notSent: true }));
    return value ? value : undefined;
  }

  /** Whether a key is stored; a secret storage that does not answer is taken for none. */
  async has(): Promise<boolean> {
    return (await this.get().catch(() => undefined)) !== undefined;
  }

  async store(apiKey: string): Promise<void> {
    await this.secrets.store(secretKeys.apiKey, apiKey);
    await this.refresh();
  }

  async clear(): Promise<void> {
    await this.secrets.delete(secretKeys.apiKey);
    await this.refresh();
  }

  /** The value this window last gave the context key (`undefined` before start-up set it). */
  get contextValue(): boolean | undefined {
    return this.shown;
  }

  /**
   * Updates the context key (menus show Clear API Key and Show Balance only with a key) and
   * tells listeners; called at start-up and on every change, in any window.
   */
  async refresh(): Promise<void> {
    let present: boolean;
    try {
      present = (await this.get()) !== undefined;
    } catch {
      // The secret storage did not answer (a keyring waiting to be unlocked): what is shown stays,
      // and is looked at again once it answers.
      void Promise.resolve(this.secrets.get(secretKeys.apiKey)).then(() => this.refresh(), () => undefined);
      return;
    }
    await vscode.commands.executeCommand('setContext', hasApiKeyContext, present);
    this.shown = present;
    this.changed.fire(present);
  }
}
