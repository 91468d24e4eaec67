import * as vscode from 'vscode';
import { ApiKeyStore } from './auth/apiKeyStore';
import { commandTable, type CommandId } from './commands/table';
import { compareViewType } from './edit/viewType';
import { studioViewType } from './studio/viewType';
import { imageToolName } from './agent/toolName';
import { registerImageDrop } from './ui/dropTarget';
import type { ImageToolInput } from './agent/imageTool';
import type { createServices, HostContext, Services } from './services';
import { TasksViewHost } from './views/tasksViewHost';
import { otherLedgerFor } from './tasks/ledgerProbe';

/*
 * Activation only composes: a log channel, the key store and the command table. The services
 * (client, network, schemas) live in a second bundle that is loaded on the first command.
 */

/** What the extension exports to other extensions and to its tests. It never exposes the key. */
export interface EvoLinkExtensionApi {
  readonly apiVersion: 1;
  /** Whether an API key is stored. */
  hasApiKey(): Promise<boolean>;
  /** The folder of the extension's log, for support (the log never holds the key). */
  readonly logUri: vscode.Uri;
  /** Only when the extension runs under tests: its services, to read what it showed and did. */
  readonly testing?: { services(): Promise<Services>; ledgerIndexDir: string };
}

interface ServicesModule {
  createServices: typeof createServices;
}

/** Loads `dist/services.js`; the bundler keeps this require as a separate file. */
function loadServicesModule(): Promise<ServicesModule> {
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- a separate bundle, loaded on first use.
  return Promise.resolve().then(() => require('./services') as ServicesModule);
}

export function activate(context: vscode.ExtensionContext): EvoLinkExtensionApi {
  try {
    const log = vscode.window.createOutputChannel('EvoLink Image Studio', { log: true });
    context.subscriptions.push(log);
    // The key goes only to the addresses it was set for, except from source and under the tests, whose simulators move.
    const apiKeys = new ApiKeyStore(context.secrets, undefined, context.extensionMode === vscode.ExtensionMode.Production);
    context.subscriptions.push(apiKeys);

    const ledger = vscode.Uri.joinPath(context.storageUri ?? context.globalStorageUri, 'tasks');
    const ledgerDir = ledger.fsPath;
    // The machine's ledgers, so that a window takes over what the same folders left under another workspace identity.
    const ledgerIndex = vscode.Uri.joinPath(context.globalStorageUri, 'ledgers');
    let services: Promise<Services> | undefined;
    let loaded: Services | undefined;
    const getServices = (): Promise<Services> => {
      services ??= loadServicesModule().then((module) => {
        const host: HostContext = { context, log, apiKeys, ledgerDir, ledgerIndexDir: ledgerIndex.fsPath };
        const created = module.createServices(host);
        context.subscriptions.push(created);
        tasksView.attach(created.features.tasksView);
        loaded = created;
        return created;
      });
      return services;
    };
    // The Tasks view is drawn by the services; they load when it is first shown.
    const tasksView = new TasksViewHost(async () => (await getServices()).features.tasksView);
    context.subscriptions.push(tasksView);

    for (const id of Object.keys(commandTable) as CommandId[]) {
      context.subscriptions.push(vscode.commands.registerCommand(id, async (...args: unknown[]) => (await getServices()).run(id, args)));
    }

    // The agent tool: agent mode generates or edits images through the same services. VS Code
    // versions without the language model API simply have no agents to offer it to.
    if (typeof vscode.lm?.registerTool === 'function') {
      context.subscriptions.push(
        vscode.lm.registerTool<ImageToolInput>(imageToolName, {
          prepareInvocation: async (options) => (await getServices()).prepareImageTool(options.input),
          invoke: async (options, token) => (await getServices()).invokeImageTool(options.input, token),
        }),
      );
    }

    // Images dropped into editors become references; the services load on the first such drop.
    context.subscriptions.push(registerImageDrop(async () => (await getServices()).features.drop));

    // The Studio is restored after a reload; the services load only when it was open.
    context.subscriptions.push(
      vscode.window.registerWebviewPanelSerializer(studioViewType, {
        deserializeWebviewPanel: async (panel) => (await getServices()).features.studio.restore(panel),
      }),
      // So is an open compare view, from the task id its page kept.
      vscode.window.registerWebviewPanelSerializer(compareViewType, {
        deserializeWebviewPanel: async (panel, state: unknown) => (await getServices()).features.edits.restore(panel, state),
      }),
    );

    // The History gallery in the EvoLink sidebar; the services load when it is first shown.
    context.subscriptions.push(
      vscode.window.registerWebviewViewProvider('evolink.history', {
        resolveWebviewView: async (view) => (await getServices()).features.history.resolveWebviewView(view),
      }),
    );

    // A recipe preset opened in an editor gets its problems shown on its fields; the services load then.
    const presetOpened = (document: vscode.TextDocument): void => {
      if (/\/\.evolink\/presets\/[^/]+\.json$/.test(document.uri.path)) void getServices().then((loaded) => loaded.features.exportAs.catalog.entries()).catch(() => undefined);
    };
    vscode.workspace.textDocuments.forEach(presetOpened);
    context.subscriptions.push(vscode.workspace.onDidOpenTextDocument(presetOpened));

    void apiKeys.refresh();
    // Tasks paid for in an earlier session resume; the services load only when there are any.
    // VS Code's own file system API, already loaded: Node's fs would cost more than all else here.
    // So do tasks left in the ledger of these folders under another workspace identity.
    const folders = (vscode.workspace.workspaceFolders ?? []).map((folder) => folder.uri.toString());
    void Promise.all([
      Promise.resolve(vscode.workspace.fs.readDirectory(ledger)).then((entries) => entries.some(([name]) => name.endsWith('.json')), () => false),
      otherLedgerFor(ledgerIndex, ledgerDir, folders),
    ]).then(([tasks, elsewhere]) => {
      if (tasks || elsewhere) {
        void getServices()
          .then((loaded) => loaded.ctx.tasks.resume())
          .catch((error: unknown) => log.error(`Resuming tasks failed: ${error instanceof Error ? error.message : String(error)}`));
      }
    });
    // A reload or a closing window lets go of its tasks, so that the next window takes them up at
    // once. It starts at once: VS Code disposes the subscriptions (and with them the tasks' work)
    // right after calling deactivate, without waiting for its promise.
    release = () => loaded?.ctx.tasks.release();
    const api: EvoLinkExtensionApi = { apiVersion: 1, hasApiKey: () => apiKeys.has(), logUri: context.logUri };
    return context.extensionMode === vscode.ExtensionMode.Test ? { ...api, testing: { services: getServices, ledgerIndexDir: ledgerIndex.fsPath } } : api;
  } catch (error) {
    void vscode.window.showErrorMessage(
      vscode.l10n.t('EvoLink Image Studio could not start: {0}', error instanceof Error ? error.message : String(error)),
    );
    throw error;
  }
}

let release: (() => Promise<void> | undefined) | undefined;

/** Lets go of the tasks this window works on; everything else is disposed through context.subscriptions. */
export function deactivate(): Promise<void> | undefined {
  return release?.();
}
