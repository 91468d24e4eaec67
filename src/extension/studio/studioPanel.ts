import { randomBytes } from 'node:crypto';
import * as vscode from 'vscode';
import { describeError } from '../commands/errorPresenter';
import { EvoLinkError, isEvoLinkError } from '../../common/errors';
import { models } from '../../common/models';
import { parseProvenance } from '../../common/provenance';
import { parseWebviewMessage, type HostMessage, type StudioHistoryItem, type StudioTask, type WebviewMessage } from '../../common/protocol';
import { checkRequest, type GenerationRequest } from '../../common/request';
import { DisposableBase } from '../base/disposable';
import { localizeIssue } from '../generate/issues';
import { chooseTargetFolder } from '../generate/target';
import type { LedgerEntry } from '../tasks/ledger';
import type { TaskService } from '../tasks/taskService';
import { outputFolderOf } from '../tasks/writer';
import { renderStudioHtml } from './html';
import { studioStrings } from './strings';

import { studioViewType } from './viewType';

/** What the Studio needs from the window. */
export interface StudioDeps {
  extensionUri: vscode.Uri;
  tasks: TaskService;
  log: vscode.LogOutputChannel;
  hasApiKey: () => Promise<boolean>;
  /** What the key can spend now; `undefined` when it cannot be told (no key, offline). */
  spendable: () => Promise<number | undefined>;
  onDidChangeApiKey: vscode.Event<boolean>;
  settings: () => { outputFolder: string; defaultModel: string };
}

const shownTasks = 50;
const historyLimit = 500;

/**
 * The Image Studio panel: one per window. It posts nothing before the webview says `ready`,
 * parses everything the webview sends, and never sends the key. All work goes through the
 * window's one task service.
 */
export class StudioPanel extends DisposableBase {
  private static current: StudioPanel | undefined;
  private ready = false;
  private readonly openedAt = Date.now();
  private pendingTasks: ReturnType<typeof setTimeout> | undefined;
  /** The files this panel has shown; only these may be opened or revealed on its request. */
  private readonly knownImages = new Set<string>();

  /** Tasks submitted from the panel; while it is open, the panel itself shows how they end. */
  private readonly submittedHere = new Set<string>();

  /** True when an open Studio shows this task's outcome, so nothing else needs to announce it. */
  static follows(localId: string): boolean {
    return StudioPanel.current?.submittedHere.has(localId) ?? false;
  }

  /** Shows the panel, creating it when there is none. */
  static show(deps: StudioDeps): StudioPanel {
    if (StudioPanel.current) {
      StudioPanel.current.panel.reveal();
      return StudioPanel.current;
    }
    const panel = vscode.window.createWebviewPanel(studioViewType, vscode.l10n.t('Image Studio'), vscode.ViewColumn.Active, {
      enableScripts: true,
      localResourceRoots: StudioPanel.resourceRoots(deps),
    });
    return new StudioPanel(panel, deps);
  }

  /** Restores the panel after a reload (called by the serializer). */
  static restore(panel: vscode.WebviewPanel, deps: StudioDeps): StudioPanel {
    StudioPanel.current?.dispose();
    panel.webview.options = { enableScripts: true, localResourceRoots: StudioPanel.resourceRoots(deps) };
    return new StudioPanel(panel, deps);
  }

  /** The bundle folder and the output folders: nothing more. */
  private static resourceRoots(deps: StudioDeps): vscode.Uri[] {
    const outputs = (vscode.workspace.workspaceFolders ?? []).map((folder) => outputFolderOf(folder.uri, deps.settings().outputFolder));
    return [vscode.Uri.joinPath(deps.extensionUri, 'dist'), vscode.Uri.joinPath(deps.extensionUri, 'media'), ...outputs];
  }

  private constructor(
    readonly panel: vscode.WebviewPanel,
    private readonly deps: StudioDeps,
  ) {
    super();
    StudioPanel.current = this;
    panel.iconPath = vscode.Uri.joinPath(deps.extensionUri, 'media', 'icon.png');
    this._register(panel.onDidDispose(() => this.dispose()));
    this._register(panel.webview.onDidReceiveMessage((raw: unknown) => void this.receive(raw)));
    this._register(
      deps.tasks.onDidChange((entry) => {
        this.scheduleTasks();
        if (entry.state === 'saved') {
          void this.postHistory();
          void this.postBalance();
        }
      }),
    );
    this._register(
      deps.onDidChangeApiKey((present) => {
        this.post({ type: 'apiKey', hasApiKey: present });
        void this.postBalance();
      }),
    );
    panel.webview.html = this.html();
  }

  override dispose(): void {
    if (StudioPanel.current === this) StudioPanel.current = undefined;
    if (this.pendingTasks) clearTimeout(this.pendingTasks);
    super.dispose();
    this.panel.dispose();
  }

  private html(): string {
    const webview = this.panel.webview;
    const asset = (...path: string[]) => webview.asWebviewUri(vscode.Uri.joinPath(this.deps.extensionUri, ...path)).toString();
    return renderStudioHtml({
      cspSource: webview.cspSource,
      nonce: randomBytes(16).toString('base64'),
      scriptUri: asset('dist', 'webview.js'),
      styleUri: asset('media', 'studio.css'),
      codiconsUri: asset('dist', 'codicons', 'codicon.css'),
      title: vscode.l10n.t('Image Studio'),
      language: vscode.env.language,
    });
  }

  private post(message: HostMessage): void {
    if (this.ready) void this.panel.webview.postMessage(message);
  }

  private async receive(raw: unknown): Promise<void> {
    const message = parseWebviewMessage(raw);
    if (!message) {
      this.deps.log.warn(`Studio: dropped a malformed message (${typeof raw === 'object' && raw !== null && 'type' in raw ? String((raw).type) : typeof raw})`);
      return;
    }
    try {
      await this.handle(message);
    } catch (error) {
      this.deps.log.error(`Studio: ${message.type} failed: ${error instanceof Error ? error.message : String(error)}`);
    }
  }

  private async handle(message: WebviewMessage): Promise<void> {
    switch (message.type) {
      case 'ready':
        this.ready = true;
        this.deps.log.info(`Studio: webview ready ${Date.now() - this.openedAt} ms after opening`);
        this.post({
          type: 'init',
          models,
          strings: studioStrings(),
          defaultModel: this.deps.settings().defaultModel,
          hasApiKey: await this.deps.hasApiKey(),
          locale: vscode.env.language,
        });
        await this.postTasks();
        await this.postHistory();
        await this.postBalance();
        return;
      case 'painted':
        this.deps.log.info(`Studio: first paint with init ${Date.now() - this.openedAt} ms after opening`);
        return;
      case 'submit':
        await this.submit(message.request);
        return;
      case 'stopWatching':
        await this.deps.tasks.stopWatching(message.localId);
        return;
      case 'checkAgain':
        await this.deps.tasks.checkAgain(message.localId);
        return;
      case 'retry': {
        const entry = await this.deps.tasks.get(message.localId);
        if (entry) await this.submit(entry.request, vscode.Uri.parse(entry.targetFolder));
        return;
      }
      case 'copyPrompt': {
        const entry = await this.deps.tasks.get(message.localId);
        if (entry) await vscode.env.clipboard.writeText(entry.request.prompt);
        return;
      }
      case 'openImage':
      case 'revealImage':
      case 'insertReference': {
        if (!this.knownImages.has(message.uri)) {
          this.deps.log.warn(`Studio: refused ${message.type} for a file it did not show`);
          return;
        }
        const target = vscode.Uri.parse(message.uri);
        const command = message.type === 'openImage' ? 'vscode.open' : message.type === 'revealImage' ? 'revealInExplorer' : 'evolink.insertImageReference';
        await vscode.commands.executeCommand(command, target);
        return;
      }
      case 'setApiKey':
        await vscode.commands.executeCommand('evolink.setApiKey');
        return;
    }
  }

  private async submit(raw: GenerationRequest, folder?: vscode.Uri): Promise<void> {
    const request: GenerationRequest = { model: raw.model, prompt: raw.prompt };
    if (raw.size !== undefined) request.size = raw.size;
    if (raw.n !== undefined) request.n = raw.n;
    if (raw.quality !== undefined) request.quality = raw.quality;
    if (raw.promptPriority !== undefined) request.promptPriority = raw.promptPriority;
    const checked = checkRequest(request);
    if (!checked.ok) {
      this.post({ type: 'problem', message: checked.issues.map(localizeIssue).join(' ') });
      return;
    }
    const target = folder ?? (await chooseTargetFolder(this.deps.settings().outputFolder));
    if (!target) return;
    try {
      const entry = await this.deps.tasks.submit(checked.checked, request, target);
      this.submittedHere.add(entry.localId);
      this.post({ type: 'submitted', localId: entry.localId });
    } catch (error) {
      const problem = error instanceof EvoLinkError ? error : new EvoLinkError('invalidResponse', String(error));
      if (isEvoLinkError(problem, 'auth') && !(await this.deps.hasApiKey())) {
        this.post({ type: 'apiKey', hasApiKey: false });
      }
      this.post({ type: 'problem', message: describeError(problem, { setApiKey: () => undefined, showLog: () => undefined }).message });
    }
  }

  private async postBalance(): Promise<void> {
    this.post({ type: 'balance', spendable: await this.deps.spendable().catch(() => undefined) });
  }

  private scheduleTasks(): void {
    if (this.pendingTasks) return;
    // Progress comes in bursts (several tasks at once): one update per tick is enough.
    this.pendingTasks = setTimeout(() => {
      this.pendingTasks = undefined;
      void this.postTasks();
    }, 100);
  }

  /**
   * The history: provenance files under the output folders (the only image folders the panel may
   * load), newest first. It lives with the project, so it is the same in every window and after a
   * clone.
   */
  private async postHistory(): Promise<void> {
    const webview = this.panel.webview;
    const outputFolder = this.deps.settings().outputFolder;
    const items: StudioHistoryItem[] = [];
    for (const folder of vscode.workspace.workspaceFolders ?? []) {
      const output = outputFolderOf(folder.uri, outputFolder);
      const files = await vscode.workspace.findFiles(new vscode.RelativePattern(output, '**/*.evolink.json'), undefined, historyLimit);
      const read = await Promise.all(
        files.map(async (file) => {
          const image = file.with({ path: file.path.replace(/\.evolink\.json$/, '') });
          try {
            const [text] = await Promise.all([vscode.workspace.fs.readFile(file), vscode.workspace.fs.stat(image)]);
            const provenance = parseProvenance(new TextDecoder().decode(text));
            return provenance ? { image, provenance } : undefined;
          } catch {
            return undefined; // The image was moved or deleted: not part of the history.
          }
        }),
      );
      for (const found of read) {
        if (!found) continue;
        const { image, provenance } = found;
        const uri = image.toString();
        this.knownImages.add(uri);
        const parameter = (name: string): unknown => provenance.parameters[name];
        items.push({
          uri,
          src: webview.asWebviewUri(image).toString(),
          name: image.path.split('/').pop() ?? '',
          prompt: provenance.prompt,
          model: provenance.model,
          size: typeof parameter('size') === 'string' ? (parameter('size') as string) : undefined,
          n: typeof parameter('n') === 'number' ? (parameter('n') as number) : undefined,
          quality: typeof parameter('quality') === 'string' ? (parameter('quality') as string) : undefined,
          promptPriority: typeof parameter('prompt_priority') === 'string' ? (parameter('prompt_priority') as string) : undefined,
          createdAt: provenance.createdAt,
        });
      }
    }
    items.sort((a, b) => b.createdAt.localeCompare(a.createdAt));
    this.post({ type: 'history', items: items.slice(0, historyLimit) });
  }

  private async postTasks(): Promise<void> {
    const entries = (await this.deps.tasks.list()).slice(0, shownTasks);
    this.post({ type: 'tasks', tasks: entries.map((entry) => this.view(entry)) });
  }

  private view(entry: LedgerEntry): StudioTask {
    const webview = this.panel.webview;
    const images = (entry.saved ?? []).filter((uri): uri is string => Boolean(uri)).map((uri) => {
      this.knownImages.add(uri);
      const file = vscode.Uri.parse(uri);
      return { uri, src: webview.asWebviewUri(file).toString(), name: file.path.split('/').pop() ?? '' };
    });
    const elapsed = (Date.now() - entry.createdAt) / 1000;
    const running = entry.state === 'running';
    const eta = running ? (entry.progress > 5 ? (elapsed * (100 - entry.progress)) / entry.progress : Math.max(1, entry.estimatedSeconds - elapsed)) : undefined;
    return {
      localId: entry.localId,
      prompt: entry.request.prompt,
      model: entry.body.model,
      size: entry.body.size,
      n: entry.body.n,
      state: entry.state,
      progress: entry.progress,
      etaSeconds: eta === undefined ? undefined : Math.max(1, Math.round(eta)),
      creditsReserved: entry.creditsReserved,
      creditsUsed: entry.creditsUsed,
      error: entry.error ? [entry.error.code, entry.error.message].filter(Boolean).join(': ') : undefined,
      createdAt: entry.createdAt,
      images,
    };
  }
}
