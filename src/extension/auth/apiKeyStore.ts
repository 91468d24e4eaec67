import * as vscode from 'vscode';
import { EvoLinkError } from '../../common/evolinkError';
import { DisposableBase } from '../base/disposable';
import { withinTime } from '../base/timeLimit';
import { evolinkBaseUrls, originOf } from '../../common/endpoints';

/** The secrets this extension keeps, by their SecretStorage key. */
const secretKeys = {
  apiKey: 'evolink.apiKey',
  /** The addresses other than EvoLink's own that the key was set for (a JSON list of origins). */
  origins: 'evolink.apiKeyOrigins',
} as const;

/** EvoLink's own addresses, where the key may always go. */
const ownOrigins = new Set([evolinkBaseUrls.api, evolinkBaseUrls.files].map(originOf));

/** An address the settings send requests to that is not EvoLink's own, and the setting that names it. */
export interface OtherEndpoint {
  setting: 'evolink.apiBaseUrl' | 'evolink.filesApiBaseUrl';
  origin: string;
}

/**
 * The addresses of the settings that are not EvoLink's own. Both settings are machine-scoped, but
 * a dev container's or a Codespace's configuration can still set them: the key goes to such an
 * address only when it was set (or checked) for it.
 */
export function otherEndpoints(): OtherEndpoint[] {
  const config = vscode.workspace.getConfiguration('evolink');
  const read = (name: 'apiBaseUrl' | 'filesApiBaseUrl'): string => config.get<string>(name) || evolinkBaseUrls[name === 'apiBaseUrl' ? 'api' : 'files'];
  return (['apiBaseUrl', 'filesApiBaseUrl'] as const).flatMap((name) => {
    const origin = originOf(read(name));
    // A malformed address is refused by the client before anything is sent.
    return origin && !ownOrigins.has(origin) ? [{ setting: `evolink.${name}` as const, origin }] : [];
  });
}

const originList = (text: string | undefined): string[] => {
  try {
    const value: unknown = JSON.parse(text ?? '[]');
    return Array.isArray(value) ? value.filter((entry): entry is string => typeof entry === 'string') : [];
  } catch {
    return [];
  }
};

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
  /** The addresses the key was set for, as last read (`undefined`: read on the next request). */
  private origins: Promise<string[]> | undefined;
  /** Fires with whether a key is now set, whichever window changed it. */
  readonly onDidChange = this.changed.event;

  constructor(
    private readonly secrets: vscode.SecretStorage,
    private readonly answerMs = keyringMs,
    /** Whether the key goes only to the addresses it was set for (off while developing and under the tests, whose simulators move). */
    public checksAddresses = true,
  ) {
    super();
    this._register(
      secrets.onDidChange((event) => {
        if (event.key === secretKeys.apiKey) {
          void this.refresh();
        }
        // Set for another address in another window: read again on the next request.
        if (event.key === secretKeys.origins) this.origins = undefined;
      }),
    );
  }

  /**
   * The stored key, or `undefined`. Fails (nothing sent) when the secret storage has not answered
   * in `answerMs` ({@link keyringMs}), so that no request or read waits on it without end.
   */
  async get(): Promise<string | undefined> {
    const value = await this.read(secretKeys.apiKey);
    if (!value) return undefined;
    if (this.checksAddresses) {
      const [elsewhere] = await this.notSetFor();
      if (elsewhere) throw new EvoLinkError('configuration', elsewhere.origin, { code: 'keyElsewhere', param: elsewhere.setting, notSent: true });
    }
    return value;
  }

  /**
   * The stored key with the addresses the settings name that it was not set for (empty where the
   * address check is off); `undefined` without a key. For the offer to use the key there too.
   */
  async storedFor(): Promise<{ apiKey: string; notSetFor: OtherEndpoint[] } | undefined> {
    const apiKey = await this.read(secretKeys.apiKey);
    return apiKey ? { apiKey, notSetFor: this.checksAddresses ? await this.notSetFor() : [] } : undefined;
  }

  private async notSetFor(): Promise<OtherEndpoint[]> {
    const allowed = await this.allowedOrigins();
    return otherEndpoints().filter((endpoint) => !allowed.includes(endpoint.origin));
  }

  /** The addresses the key was set for, read once and kept until they change (every request asks). */
  private allowedOrigins(): Promise<string[]> {
    const read = (this.origins ??= this.read(secretKeys.origins).then(originList));
    // A storage that did not answer is asked again next time.
    read.catch(() => (this.origins === read ? (this.origins = undefined) : undefined));
    return read;
  }

  private async read(key: string): Promise<string | undefined> {
    const value = await withinTime(this.secrets.get(key), this.answerMs, () => new EvoLinkError('configuration', 'The secret storage did not answer.', { code: 'keyringTimeout', notSent: true }));
    return value ? value : undefined;
  }

  /** Whether a key is stored (whatever address it was set for); a secret storage that does not answer is taken for none. */
  async has(): Promise<boolean> {
    return (await this.read(secretKeys.apiKey).catch(() => undefined)) !== undefined;
  }

  /**
   * Stores the key for EvoLink's own addresses and for those the settings name now (the key was
   * checked there), besides those it was set for before: secret storage is shared by every window
   * of the machine, and another (a dev container on a gateway) may rely on them.
   */
  async store(apiKey: string): Promise<void> {
    const before = await this.allowedOrigins().catch(() => []);
    const origins = [...new Set([...before, ...otherEndpoints().map((endpoint) => endpoint.origin)])];
    await this.secrets.store(secretKeys.origins, JSON.stringify(origins));
    this.origins = undefined;
    await this.secrets.store(secretKeys.apiKey, apiKey);
    await this.refresh();
  }

  async clear(): Promise<void> {
    await this.secrets.delete(secretKeys.apiKey);
    await this.secrets.delete(secretKeys.origins);
    this.origins = undefined;
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
      present = (await this.read(secretKeys.apiKey)) !== undefined;
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
