import * as vscode from 'vscode';
import { EvoLinkClient } from './api/client';
import { ApiKeyCommands } from './auth/apiKeyCommands';
import type { ApiKeyStore } from './auth/apiKeyStore';
import { DisposableBase } from './base/disposable';
import { showError } from './commands/errorPresenter';
import { endpointsFrom, readProxySettings, readSettings, type Settings } from './config/settings';
import { createUndiciTransport, type Transport } from './net/transport';
import { GenerateCommand } from './generate/generateCommand';
import { insertImageReference } from './generate/insertReference';
import { showTasks, TaskStatusBar } from './generate/taskList';
import { TaskLedger } from './tasks/ledger';
import { TaskService } from './tasks/taskService';
import { join } from 'node:path';
import { StudioPanel, type StudioDeps, type StudioPreload } from './studio/studioPanel';
import { Uploads } from './references/uploads';
import { retryTask, submitWithLocalInputs, type LocalInputs } from './references/submit';
import type { GenerationRequest } from '../common/request';
import type { LedgerEntry } from './tasks/ledger';
import { findModel } from '../common/models';
import { EditCommand, imagesFrom, pickImages } from './edit/editCommand';
import { ComparePanel, decideEdit, type CompareDeps, type EditDecision } from './edit/compare';
import { Originals } from './edit/originals';
import { invokeImageTool, prepareImageTool, type ImageToolDeps, type ImageToolInput } from './agent/imageTool';

/*
 * Everything a command needs beyond the first moments of activation. This module is a bundle
 * of its own (dist/services.js) that `main.ts` loads on first use, so that undici, zod and the
 * client cost nothing until a command runs.
 */

/** What `main.ts` hands over when the services are first needed. */
export interface HostContext {
  context: vscode.ExtensionContext;
  log: vscode.LogOutputChannel;
  apiKeys: ApiKeyStore;
  /** Where the task ledger lives (workspace storage, or global storage without a folder). */
  ledgerDir: string;
}

/** The largest result file the extension downloads. */
const maxDownloadBytes = 200 * 1024 * 1024;

/** The services of one window. */
export class Services extends DisposableBase {
  readonly apiKey: ApiKeyCommands;
  readonly tasks: TaskService;
  readonly generate: GenerateCommand;
  readonly uploads: Uploads;
  readonly edit: EditCommand;
  readonly originals: Originals;
  /** Edits whose compare view was opened in this window. */
  private readonly compared = new Set<string>();
  private transport: Transport | undefined;
  private evolinkClient: EvoLinkClient | undefined;
  private settingsSnapshot: Settings | undefined;

  constructor(private readonly host: HostContext) {
    super();
    this.apiKey = new ApiKeyCommands(host.apiKeys, () => this.client());
    const extension = host.context.extension;
    const version = (extension.packageJSON as { version?: string }).version ?? '0.0.0';
    // Tests against a sped-up simulator shorten every wait by this factor; users never set it.
    const timeScale = Number(process.env.EVOLINK_TIME_SCALE ?? '1');
    const ledger = new TaskLedger(host.ledgerDir);
    this.uploads = new Uploads({ ledger, client: () => this.client(), apiKey: () => host.apiKeys.get(), log: host.log });
    this.tasks = this._register(
      new TaskService({
        ledger,
        client: () => this.client(),
        apiKey: () => host.apiKeys.get(),
        downloadsDir: join(host.context.globalStorageUri.fsPath, 'downloads'),
        log: host.log,
        generator: `${extension.id}/${version}`,
        timeScale: Number.isFinite(timeScale) && timeScale > 0 ? timeScale : 1,
        maxDownloadBytes,
      }),
    );
    this._register(new TaskStatusBar(this.tasks));
    // Tasks that waited for a key (cleared, or not yet restored) go on as soon as one is set.
    this._register(host.apiKeys.onDidChange((present) => (present ? void this.tasks.resume() : undefined)));
    this.generate = new GenerateCommand(this.tasks, this.apiKey, () => ({ outputFolder: this.settings.outputFolder, defaultModel: this.settings.defaultModel }));
    const storage = host.context.storageUri ?? host.context.globalStorageUri;
    this.originals = new Originals(vscode.Uri.joinPath(storage, 'originals'));
    this.edit = new EditCommand({
      apiKey: this.apiKey,
      generate: this.generate,
      submit: (request, inputs, target) => this.submit(request, inputs, target),
      openStudio: (preload) => this.openStudio(preload),
      defaultModel: () => this.settings.defaultModel,
    });
    // An edit, however it was started, is compared with its original once it is saved.
    this._register(
      this.tasks.onDidChange((entry) => {
        if (entry.state !== 'saved' || !entry.editOf || this.compared.has(entry.localId)) return;
        this.compared.add(entry.localId);
        ComparePanel.show(this.compareDeps(), entry);
      }),
    );
    const endings = new Set(['saved', 'failed', 'saveFailed', 'expired']);
    this._register(
      this.tasks.onDidChange((entry) => (endings.has(entry.state) && !StudioPanel.follows(entry.localId) ? this.generate.announce(entry) : undefined)),
    );
    this._register(
      vscode.workspace.onDidChangeConfiguration((event) => {
        if (event.affectsConfiguration('evolink')) {
          this.settingsSnapshot = undefined;
          this.warnAboutEndpoints();
        }
        if (event.affectsConfiguration('http')) {
          this.resetTransport();
        }
      }),
    );
    this._register({ dispose: () => this.resetTransport() });
  }

  /** The current settings snapshot, read once per change. */
  get settings(): Settings {
    this.settingsSnapshot ??= readSettings((message) => this.host.log.warn(message));
    return this.settingsSnapshot;
  }

  private studioDeps(): StudioDeps {
    return {
      extensionUri: this.host.context.extensionUri,
      tasks: this.tasks,
      log: this.host.log,
      hasApiKey: () => this.host.apiKeys.has(),
      spendable: async () => {
        const apiKey = await this.host.apiKeys.get();
        return apiKey ? (await this.client().getBalance({ apiKey })).spendable : undefined;
      },
      onDidChangeApiKey: this.host.apiKeys.onDidChange,
      settings: () => ({ outputFolder: this.settings.outputFolder, defaultModel: this.settings.defaultModel }),
      submit: (request, inputs, target) => this.submit(request, inputs, target),
      retry: (localId) => this.retry(localId),
      referencesDir: vscode.Uri.joinPath(this.host.context.storageUri ?? this.host.context.globalStorageUri, 'references'),
      state: this.host.context.workspaceState,
    };
  }

  /** Submits a request with its local inputs: checked, uploaded once, recorded, then followed by the task service. */
  submit(request: GenerationRequest, inputs: LocalInputs, target: vscode.Uri): Promise<LedgerEntry> {
    return submitWithLocalInputs({ tasks: this.tasks, uploads: this.uploads }, request, inputs, target);
  }

  /** Submits a task again with its original parameters and inputs. */
  async retry(localId: string): Promise<LedgerEntry | undefined> {
    const entry = await this.tasks.get(localId);
    return entry ? retryTask({ tasks: this.tasks, uploads: this.uploads }, entry) : undefined;
  }

  private compareDeps(): CompareDeps {
    return { extensionUri: this.host.context.extensionUri, originals: this.originals, log: this.host.log };
  }

  /** A decision on an edit, as the compare view takes it (for automation and tests: `confirmed` skips the question). */
  async decideEdit(localId: string, decision: EditDecision, variant = 0, confirmed = false): Promise<string | undefined> {
    const entry = await this.tasks.get(localId);
    return entry ? decideEdit(this.compareDeps(), entry, decision, variant, confirmed) : undefined;
  }

  /** `EvoLink: Restore Replaced Original...`. */
  async restoreOriginal(): Promise<vscode.Uri | undefined> {
    const kept = await this.originals.list();
    if (kept.length === 0) {
      void vscode.window.showInformationMessage(vscode.l10n.t('No replaced original is kept for this workspace.'));
      return undefined;
    }
    const picked = await vscode.window.showQuickPick(
      kept.map((item) => ({
        label: vscode.workspace.asRelativePath(vscode.Uri.parse(item.original)),
        description: new Date(item.replacedAt).toLocaleString(vscode.env.language),
        item,
      })),
      { title: vscode.l10n.t('Restore Replaced Original'), placeHolder: vscode.l10n.t('The image now there is kept as its next .edit-N file.') },
    );
    if (!picked) return undefined;
    const moved = await this.originals.restore(picked.item);
    const original = vscode.Uri.parse(picked.item.original);
    void vscode.window.showInformationMessage(
      moved
        ? vscode.l10n.t('Restored {0}; the image that was there is now {1}.', vscode.workspace.asRelativePath(original), moved.path.split('/').pop() ?? '')
        : vscode.l10n.t('Restored {0}.', vscode.workspace.asRelativePath(original)),
    );
    return original;
  }

  /** Retries a task with its original settings and inputs, and follows it. */
  async retryAndFollow(localId: string): Promise<LedgerEntry | undefined> {
    const entry = await this.retry(localId);
    const model = entry ? findModel(entry.body.model) : undefined;
    if (!entry || !model) return undefined;
    this.generate.following.add(entry.localId);
    try {
      return await this.generate.follow(entry, model, entry.editOf !== undefined);
    } finally {
      this.generate.following.delete(entry.localId);
    }
  }

  private imageToolDeps(): ImageToolDeps {
    return {
      tasks: this.tasks,
      submit: (request, inputs, target) => this.submit(request, inputs, target),
      settings: () => ({ outputFolder: this.settings.outputFolder, defaultModel: this.settings.defaultModel }),
      hasApiKey: () => this.host.apiKeys.has(),
    };
  }

  /** The agent tool's confirmation. */
  prepareImageTool(input: ImageToolInput): Promise<vscode.PreparedToolInvocation> {
    return prepareImageTool(this.imageToolDeps(), input);
  }

  /** The agent tool's run: the saved paths, or why nothing was done. */
  invokeImageTool(input: ImageToolInput, token: vscode.CancellationToken): Promise<vscode.LanguageModelToolResult> {
    return invokeImageTool(this.imageToolDeps(), input, token);
  }

  /** `EvoLink: Get Started`: the walkthrough. */
  async openWalkthrough(): Promise<void> {
    await vscode.commands.executeCommand('workbench.action.openWalkthrough', `${this.host.context.extension.id}#gettingStarted`, false);
  }

  /** `EvoLink: Open in Image Studio` on images: they become the Studio's references. */
  async openInStudio(clicked?: unknown, selected?: unknown): Promise<void> {
    let images = imagesFrom(clicked, selected);
    if (images.length === 0) images = await pickImages(vscode.l10n.t('Open in Image Studio: choose the image(s)'));
    if (images.length > 0) await this.openStudio({ references: images });
  }

  /** `EvoLink: Open Image Studio`, optionally with images to start from. */
  async openStudio(preload?: StudioPreload): Promise<void> {
    await StudioPanel.show(this.studioDeps(), preload);
  }

  /** Restores the Studio after a reload. */
  restoreStudio(panel: vscode.WebviewPanel): void {
    StudioPanel.restore(panel, this.studioDeps());
  }

  /** `EvoLink: Show Tasks`. */
  showTasks(focusId?: string): Promise<void> {
    return showTasks(this.tasks, focusId);
  }

  /** `EvoLink: Insert Image Reference`. */
  insertReference(image?: vscode.Uri): Promise<string | undefined> {
    return insertImageReference(this.tasks, image);
  }

  /** The window's one EvoLink client, created on first use. */
  client(): EvoLinkClient {
    if (!this.evolinkClient) {
      const extension = this.host.context.extension;
      const version = (extension.packageJSON as { version?: string }).version ?? '0.0.0';
      this.transport = createUndiciTransport(readProxySettings());
      this.evolinkClient = new EvoLinkClient({
        transport: this.transport,
        endpoints: () => endpointsFrom(this.settings),
        userAgent: `${extension.id}/${version}`,
        timeoutMs: this.settings.requestTimeoutSeconds * 1000,
        log: (level, message) => this.host.log[level](message),
      });
    }
    return this.evolinkClient;
  }

  /**
   * Runs a command: logs its failure and shows one localized sentence with its actions.
   * Cancellation is silent. The result is returned for automation and tests.
   */
  async run<T>(commandId: string, body: () => Promise<T> | T): Promise<T | undefined> {
    try {
      return await body();
    } catch (error) {
      this.host.log.error(`${commandId} failed: ${error instanceof Error ? `${error.name}: ${error.message}` : String(error)}`);
      void showError(error, {
        setApiKey: () => vscode.commands.executeCommand('evolink.setApiKey'),
        showLog: () => this.host.log.show(),
      }, () => vscode.commands.executeCommand(commandId));
      return undefined;
    }
  }

  private warnAboutEndpoints(): void {
    try {
      endpointsFrom(this.settings);
    } catch (error) {
      void showError(error, { setApiKey: () => undefined, showLog: () => this.host.log.show() });
    }
  }

  private resetTransport(): void {
    const old = this.transport;
    this.transport = undefined;
    this.evolinkClient = undefined;
    void old?.dispose();
  }
}

/** Builds the services; called once per window, on the first command. */
export function createServices(host: HostContext): Services {
  return new Services(host);
}
