import * as vscode from 'vscode';
import { isEvoLinkError, type EvoLinkError } from '../../common/errors';
import { dashboardUrls, describeMessage, withRequestId } from '../commands/errorPresenter';
import type { Balance } from '../../common/wire';
import { credits } from '../ui/pickers';
import type { EvoLinkClient } from '../api/client';
import { otherEndpoints, type ApiKeyStore } from './apiKeyStore';
import type { Notifier } from '../ui/notifier';

/** What `evolink.setApiKey` answers, for automation and tests. The key itself is never returned. */
export interface SetApiKeyResult {
  stored: boolean;
  balance?: Balance;
}

/** Arguments other extensions and tests may pass to `evolink.setApiKey`. */
export interface SetApiKeyArgs {
  apiKey?: string;
}

/** A one-line, localized description of a balance. */
export function describeBalance(balance: Balance): string {
  return balance.key === undefined
    ? vscode.l10n.t('Balance: {0} credits.', credits(balance.account))
    : vscode.l10n.t('Balance: {0} credits (this key may spend {1}).', credits(balance.account), credits(balance.key));
}

/** Checks an entered key for what can be seen without asking the service. */
function checkKeyShape(value: string): string | undefined {
  const trimmed = value.trim();
  if (trimmed.length === 0) {
    return vscode.l10n.t('Paste the API key from your EvoLink dashboard.');
  }
  if (/\s/.test(trimmed)) {
    return vscode.l10n.t('An API key has no spaces or line breaks.');
  }
  if (trimmed.toLowerCase().startsWith('bearer ')) {
    return vscode.l10n.t('Paste only the key, without "Bearer".');
  }
  // Letters, digits and punctuation only: an invisible character pasted with it cannot be sent.
  if (!/^[\x21-\x7e]+$/.test(trimmed)) {
    return vscode.l10n.t('The key holds a character that no API key has (an invisible one, pasted with it?). Paste it again from your EvoLink dashboard.');
  }
  return undefined;
}

/** The input box's words: where the key goes, said plainly when the settings name an address that is not EvoLink's. */
function keyPrompt(): string {
  const other = otherEndpoints();
  if (other.length === 0) {
    return vscode.l10n.t("Paste your EvoLink API key (make one on EvoLink's key page, {0}). It is checked with EvoLink, then kept in VS Code's secret storage.", dashboardUrls.keys);
  }
  return vscode.l10n.t(
    'Your key will be sent to {0} (the setting {1}), which is not EvoLink\'s own address. Paste it only if you chose that address; otherwise press Escape and remove the setting.',
    other.map((endpoint) => endpoint.origin).join(', '),
    other[0]!.setting,
  );
}

/**
 * The key commands: set (asked in a password box and checked against `GET /v1/credits` before it
 * is stored), clear, show balance, and `getOrPromptApiKey` for every command that needs a key.
 */
export class ApiKeyCommands {
  constructor(
    private readonly store: ApiKeyStore,
    private readonly client: () => EvoLinkClient,
    private readonly notifier: Pick<Notifier, 'ask' | 'show'>,
  ) {}

  /** `EvoLink: Set API Key`. */
  async set(args?: SetApiKeyArgs): Promise<SetApiKeyResult> {
    const given = typeof args?.apiKey === 'string' ? args.apiKey : undefined;
    if (given === undefined) {
      const offered = await this.offerStoredKey();
      if (offered) return offered;
    }
    const entered =
      given ??
      (await vscode.window.showInputBox({
        title: vscode.l10n.t('EvoLink API Key'),
        prompt: keyPrompt(),
        password: true,
        ignoreFocusOut: true,
        placeHolder: 'sk-…',
        validateInput: checkKeyShape,
      }));
    if (entered === undefined) {
      await this.tellNoKey();
      return { stored: false };
    }
    const apiKey = entered.trim();
    const problem = checkKeyShape(apiKey);
    if (problem) {
      void vscode.window.showErrorMessage(problem);
      return { stored: false };
    }
    return this.checkAndStore(apiKey);
  }

  /**
   * The box was dismissed and no key is stored at all (a first run): the command that asked for
   * the key ends, so the user is told where a key comes from rather than left with nothing.
   * The message is not awaited: the command returns at once. Nothing is said when a key is stored.
   */
  private async tellNoKey(): Promise<void> {
    if (await this.store.has()) return;
    this.notifier.show('info', vscode.l10n.t("No EvoLink API key is set, so nothing was sent. Make a key on EvoLink's key page (Get a Key), then paste it with Set API Key."), [
      { title: vscode.l10n.t('Get a Key'), run: () => vscode.env.openExternal(vscode.Uri.parse(dashboardUrls.keys)) },
      { title: vscode.l10n.t('Set API Key'), run: () => vscode.commands.executeCommand('evolink.setApiKey') },
    ]);
  }

  /**
   * A key is stored, but not for an address the settings name now (a gateway chosen after the
   * key was set, or a key kept from before keys were bound to addresses): offers to use it there
   * too, in a dialog that names the address, rather than asking to paste it again. Answers
   * `undefined` to ask for a key as usual.
   */
  private async offerStoredKey(): Promise<SetApiKeyResult | undefined> {
    const stored = await this.store.storedFor().catch(() => undefined);
    const [first] = stored?.notSetFor ?? [];
    if (!stored || !first) return undefined;
    const use = vscode.l10n.t('Use Stored Key There');
    const another = vscode.l10n.t('Enter Another Key');
    const picked = await this.notifier.ask(
      'warning',
      vscode.l10n.t('Send your stored EvoLink API key to {0}?', stored.notSetFor.map((endpoint) => endpoint.origin).join(', ')),
      vscode.l10n.t(
        "The setting {0} sends requests there, and it is not EvoLink's own address: whoever runs it can spend your credits with your key. Allow it only if you chose this address (your own gateway). If you did not, cancel and remove the setting: a workspace or a dev container may have set it.",
        first.setting,
      ),
      [use, another],
    );
    if (picked === use) return this.checkAndStore(stored.apiKey);
    return picked === another ? undefined : { stored: false };
  }

  /** Checks the key against `GET /v1/credits` where the settings send requests now, then stores it for those addresses. */
  private async checkAndStore(apiKey: string): Promise<SetApiKeyResult> {
    let balance: Balance;
    try {
      balance = await vscode.window.withProgress(
        { location: vscode.ProgressLocation.Notification, title: vscode.l10n.t('Checking the API key with EvoLink…'), cancellable: true },
        (_progress, token) => {
          const controller = new AbortController();
          token.onCancellationRequested(() => controller.abort());
          return this.client().getBalance({ apiKey, signal: controller.signal });
        },
      );
    } catch (error) {
      return this.onCheckFailed(error, apiKey);
    }
    await this.store.store(apiKey);
    void vscode.window.showInformationMessage(vscode.l10n.t('EvoLink API key saved. {0}', describeBalance(balance)));
    return { stored: true, balance };
  }

  /**
   * Tells why a key was not stored. The message is not awaited: the command returns at once,
   * and a click on its action starts the next step.
   */
  private onCheckFailed(error: unknown, apiKey: string): SetApiKeyResult {
    if (isEvoLinkError(error, 'cancelled')) {
      return { stored: false };
    }
    if (isEvoLinkError(error, 'configuration')) {
      throw error;
    }
    // A web page refusing the check (a proxy's or a firewall's 401 or 403) is not EvoLink's word on the key.
    if (isEvoLinkError(error, 'auth', 'permission') && error.details.code !== 'webPage') {
      const rejected: EvoLinkError = error;
      const again = vscode.l10n.t('Try Another Key');
      void vscode.window
        .showErrorMessage(withRequestId(vscode.l10n.t('EvoLink rejected this API key: {0}. It was not saved.', rejected.message), rejected), again)
        .then((picked) => (picked === again ? this.set() : undefined));
      return { stored: false };
    }
    // The service could not be asked (network, outage): the key may be fine, so the user decides.
    // What went wrong is told as everywhere else (a sign-in page, a proxy, an outage), with what to do.
    const saveAnyway = vscode.l10n.t('Save Without Checking');
    const again = vscode.l10n.t('Retry');
    const why = isEvoLinkError(error) ? describeMessage(error) : String(error);
    void vscode.window
      .showWarningMessage(vscode.l10n.t('The API key was not saved: it could not be checked with EvoLink. {0}', why), again, saveAnyway)
      .then((picked) => {
        // Again through the command, whose runner tells any failure (a setting it cannot use, say).
        if (picked === again) return vscode.commands.executeCommand('evolink.setApiKey', { apiKey });
        if (picked === saveAnyway) return this.store.store(apiKey);
        return undefined;
      })
      .then(undefined, (failure: unknown) => void vscode.window.showErrorMessage(vscode.l10n.t('The API key was not saved: {0}', failure instanceof Error ? failure.message : String(failure))));
    return { stored: false };
  }

  /** `EvoLink: Clear API Key`. */
  async clear(): Promise<void> {
    const had = await this.store.has();
    await this.store.clear();
    void vscode.window.showInformationMessage(
      had ? vscode.l10n.t('EvoLink API key removed from this machine.') : vscode.l10n.t('No EvoLink API key was set.'),
    );
  }

  /** `EvoLink: Show Balance`. Returns the balance, or `undefined` when no key was given. */
  async showBalance(): Promise<Balance | undefined> {
    const apiKey = await this.getOrPrompt();
    if (!apiKey) {
      return undefined;
    }
    const balance = await this.client().getBalance({ apiKey });
    void vscode.window.showInformationMessage(describeBalance(balance));
    return balance;
  }

  /** The stored key, or asks for one (and checks it); `undefined` when the user declines. */
  async getOrPrompt(): Promise<string | undefined> {
    const stored = await this.store.get();
    if (stored) {
      return stored;
    }
    const result = await this.set();
    return result.stored ? this.store.get() : undefined;
  }
}
