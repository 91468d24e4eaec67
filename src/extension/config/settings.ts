import * as vscode from 'vscode';
import * as z from 'zod/mini';
import { checkBaseUrl, type BaseUrlProblem } from '../../common/endpoints';
import { EvoLinkError } from '../../common/errors';
import { outputFolderParts, outputFolderProblem } from '../../common/outputFolder';
import { settingDefaults } from './defaults';
import type { Endpoints } from '../api/client';
import type { ProxySettings } from '../net/transport';

export { settingDefaults } from './defaults';

const settingsSchema = {
  apiBaseUrl: z.string(),
  filesApiBaseUrl: z.string(),
  requestTimeoutSeconds: z.int().check(z.gte(5), z.lte(300)),
  outputFolder: z.string().check(z.minLength(1)),
  defaultModel: z.string(),
  openResults: z.enum(['none', 'preview', 'beside']),
  dailyCreditLimit: z.number().check(z.gte(0)),
  provenance: z.enum(['index', 'sidecar', 'off']),
} satisfies { [K in keyof typeof settingDefaults]: z.ZodMiniType };

/** A typed snapshot of the `evolink.*` settings. */
export type Settings = { [K in keyof typeof settingDefaults]: z.infer<(typeof settingsSchema)[K]> };

/**
 * Reads the `evolink.*` settings into one typed snapshot. A value of the wrong type falls back
 * to its default with a warning in the log.
 */
export function readSettings(warn: (message: string) => void): Settings {
  const config = vscode.workspace.getConfiguration('evolink');
  const snapshot: Record<string, unknown> = {};
  for (const key of Object.keys(settingDefaults) as (keyof Settings)[]) {
    const raw = config.get<unknown>(key);
    const parsed = settingsSchema[key].safeParse(raw);
    if (parsed.success) {
      snapshot[key] = parsed.data;
    } else {
      warn(`Setting evolink.${key} has an invalid value; using ${JSON.stringify(settingDefaults[key])}.`);
      snapshot[key] = settingDefaults[key];
    }
  }
  return snapshot as Settings;
}

/**
 * The `evolink.*` settings of the window, read once per change: `current` is always the latest
 * snapshot, and `onDidChange` tells those who must act on a change (the client's endpoints).
 */
export class SettingsService implements vscode.Disposable {
  private snapshot: Settings | undefined;
  private readonly changed = new vscode.EventEmitter<Settings>();
  /** Fires after an `evolink.*` setting changed. */
  readonly onDidChange = this.changed.event;
  private readonly listener: vscode.Disposable;

  constructor(private readonly warn: (message: string) => void) {
    this.listener = vscode.workspace.onDidChangeConfiguration((event) => {
      if (!event.affectsConfiguration('evolink')) return;
      this.snapshot = undefined;
      this.changed.fire(this.current);
    });
  }

  /** The settings now. */
  get current(): Settings {
    this.snapshot ??= readSettings(this.warn);
    return this.snapshot;
  }

  dispose(): void {
    this.listener.dispose();
    this.changed.dispose();
  }
}

/**
 * The output folder of a workspace folder: `evolink.outputFolder` as that folder sets it (a
 * folder's own setting wins over the workspace's and the user's), relative to it. Throws a
 * `configuration` error that says what to change for an absolute path or one that leaves it.
 */
export function outputFolderIn(workspaceFolder: vscode.WorkspaceFolder): vscode.Uri {
  const raw = vscode.workspace.getConfiguration('evolink', workspaceFolder.uri).get<unknown>('outputFolder');
  const value = typeof raw === 'string' && raw.trim() !== '' ? raw : settingDefaults.outputFolder;
  const problem = outputFolderProblem(value);
  if (problem) {
    // The value is not quoted: it may be a path of the machine.
    const message =
      problem === 'absolute'
        ? vscode.l10n.t('The setting evolink.outputFolder of the workspace folder {0} is an absolute path. Set a folder inside the workspace folder, such as images/generated.', workspaceFolder.name)
        : vscode.l10n.t('The setting evolink.outputFolder of the workspace folder {0} leaves the folder (..). Set a folder inside the workspace folder, such as images/generated.', workspaceFolder.name);
    throw new EvoLinkError('configuration', message, { param: 'evolink.outputFolder' });
  }
  return vscode.Uri.joinPath(workspaceFolder.uri, ...outputFolderParts(value));
}

/** A localized sentence for a refused base URL. */
function describeProblem(setting: string, problem: BaseUrlProblem): string {
  switch (problem) {
    case 'insecure':
      return vscode.l10n.t(
        'The setting {0} must use https. Plain http is allowed only for this machine (localhost, 127.0.0.1, [::1]).',
        setting,
      );
    case 'hasCredentials':
      return vscode.l10n.t('The setting {0} must not contain a user name or password. Set the API key with "EvoLink: Set API Key".', setting);
    case 'hasQueryOrFragment':
      return vscode.l10n.t('The setting {0} must not contain a query (?) or fragment (#).', setting);
    case 'malformed':
      return vscode.l10n.t('The setting {0} is not a valid https URL.', setting);
  }
}

/** Checks both base URLs; throws a `configuration` error that names the setting. */
export function endpointsFrom(settings: Settings): Endpoints {
  const api = checkBaseUrl(settings.apiBaseUrl);
  if (!api.ok) {
    throw new EvoLinkError('configuration', describeProblem('evolink.apiBaseUrl', api.problem), {
      param: 'evolink.apiBaseUrl',
    });
  }
  const files = checkBaseUrl(settings.filesApiBaseUrl);
  if (!files.ok) {
    throw new EvoLinkError('configuration', describeProblem('evolink.filesApiBaseUrl', files.problem), {
      param: 'evolink.filesApiBaseUrl',
    });
  }
  return { api: api.url, files: files.url };
}

/** VS Code's own proxy settings, which undici does not see by itself. */
export function readProxySettings(): ProxySettings {
  const http = vscode.workspace.getConfiguration('http');
  return {
    proxy: http.get<string>('proxy') ?? '',
    strictSSL: http.get<boolean>('proxyStrictSSL') ?? true,
    noProxy: http.get<string[]>('noProxy') ?? [],
  };
}
