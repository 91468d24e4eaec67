import { createHash, randomBytes } from 'node:crypto';
import * as vscode from 'vscode';
import { describeError } from '../commands/errorPresenter';
import { EvoLinkError, isEvoLinkError } from '../../common/errors';
import { models } from '../../common/models';
import { parseProvenance } from '../../common/provenance';
import { imageFormats, sniffImageFormat } from '../../common/imageType';
import { maxReferences, parseWebviewMessage, type HostMessage, type StudioHistoryItem, type StudioReference, type StudioTask, type WebviewMessage } from '../../common/protocol';
import type { LedgerEntry } from '../../common/ledgerEntry';
import type { RequestOptions } from '../../common/requestOptions';
import { savedFiles } from '../../common/taskState';
import { DisposableBase } from '../base/disposable';
import { inspectLocalImage, maxReferenceBytes, referenceExtensions, type LocalImage } from '../submit/localImages';
import { planIssues, type SubmitPlan } from '../submit/submit';
import type { Followers } from '../tasks/followers';
import { runTaskAction } from '../tasks/taskActions';
import type { TaskService } from '../tasks/taskService';
import { fileName, moveToTrash } from '../tasks/writer';
import { localizeIssue } from '../ui/issues';
import type { Notifier } from '../ui/notifier';
import { chooseTargetFolder } from '../ui/target';
import { droppedWorkspaceFile } from '../ui/workspaceFiles';
import { renderStudioHtml } from './html';
import { studioStrings } from './strings';
import { taskView } from './taskView';

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
  /** Submits a request through the one submit path (checked, uploaded, recorded). */
  submit: (plan: SubmitPlan) => Promise<LedgerEntry>;
  followers: Followers;
  notifier: Notifier;
  /** Submits a task again with its original parameters and inputs. */
  retry: (localId: string) => Promise<LedgerEntry | undefined>;
  /** Where pasted images, images from outside the workspace and painted masks are kept. */
  referencesDir: vscode.Uri;
  /** Workspace state: the references survive a reload. */
  state: vscode.Memento;
}

/** What the explorer's entry points open the Studio with. */
export interface StudioPreload {
  references: vscode.Uri[];
  /** An edit: results go beside the image. */
  edit?: { model: string | undefined; paintMask: boolean };
}

const referencesKey = 'evolink.studio.references';

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

  /** Tasks submitted from the panel: while it is open, the panel itself shows how they end. */
  private readonly follows: vscode.Disposable[] = [];
  /** The reference images, in order. */
  private references: LocalImage[] = [];
  /** Results deleted from the panel, no longer shown. */
  private readonly deleted = new Set<string>();
  /** An edit prepared by the explorer, sent once the webview listens. */
  private pendingEdit: StudioPreload['edit'];

  private follow(localId: string): void {
    this.follows.push(this.deps.followers.follow(localId, { by: 'studio' }));
  }

  /** Shows the panel, creating it when there is none; with images to start from, they become its references. */
  static async show(deps: StudioDeps, preload?: StudioPreload): Promise<StudioPanel> {
    let studio = StudioPanel.current;
    if (studio) {
      studio.panel.reveal();
    } else {
      const panel = vscode.window.createWebviewPanel(studioViewType, vscode.l10n.t('Image Studio'), vscode.ViewColumn.Active, {
        enableScripts: true,
        localResourceRoots: StudioPanel.resourceRoots(deps),
      });
      studio = new StudioPanel(panel, deps);
    }
    if (preload) await studio.preload(preload);
    return studio;
  }

  /** Restores the panel after a reload (called by the serializer). */
  static restore(panel: vscode.WebviewPanel, deps: StudioDeps): StudioPanel {
    StudioPanel.current?.dispose();
    panel.webview.options = { enableScripts: true, localResourceRoots: StudioPanel.resourceRoots(deps) };
    return new StudioPanel(panel, deps);
  }

  /**
   * The bundle, the workspace folders (results and references are shown from there) and the
   * folder of pasted references: nothing more.
   */
  private static resourceRoots(deps: StudioDeps): vscode.Uri[] {
    const folders = (vscode.workspace.workspaceFolders ?? []).map((folder) => folder.uri);
    return [vscode.Uri.joinPath(deps.extensionUri, 'dist'), vscode.Uri.joinPath(deps.extensionUri, 'media'), deps.referencesDir, ...folders];
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
    this.restored = this.restoreReferences();
  }

  /** The references of the last session, read back; everything that changes them waits for it. */
  private readonly restored: Promise<void>;

  private async restoreReferences(): Promise<void> {
    const saved = this.deps.state.get<string[]>(referencesKey, []);
    const found = await Promise.all(saved.map((uri) => inspectLocalImage(vscode.Uri.parse(uri)).catch(() => undefined)));
    this.references = found.filter((image): image is LocalImage => image?.format !== undefined);
    this.postReferences();
  }

  private async preload(preload: StudioPreload): Promise<void> {
    await this.restored;
    this.references = [];
    await this.addReferences(preload.references, true);
    if (preload.edit) {
      this.pendingEdit = preload.edit;
      this.postEdit();
    }
  }

  private postEdit(): void {
    if (!this.ready || !this.pendingEdit) return;
    this.post({ type: 'edit', model: this.pendingEdit.model, paintMask: this.pendingEdit.paintMask });
    this.pendingEdit = undefined;
  }

  override dispose(): void {
    if (StudioPanel.current === this) StudioPanel.current = undefined;
    for (const follow of this.follows.splice(0)) follow.dispose();
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
        this.postReferences();
        this.postEdit();
        await this.postTasks();
        await this.postHistory();
        await this.postBalance();
        return;
      case 'painted':
        this.deps.log.info(`Studio: first paint with init ${Date.now() - this.openedAt} ms after opening`);
        return;
      case 'submit':
        await this.submit(message);
        return;
      case 'pickReferences': {
        const picked = await vscode.window.showOpenDialog({
          canSelectMany: true,
          canSelectFiles: true,
          defaultUri: vscode.workspace.workspaceFolders?.[0]?.uri,
          filters: { [vscode.l10n.t('Images')]: referenceExtensions },
          title: vscode.l10n.t('Add Reference Images'),
          openLabel: vscode.l10n.t('Add'),
        });
        if (picked) await this.addReferences(picked, true);
        return;
      }
      case 'addReferences': {
        // Dropped from the explorer or an editor: only workspace files are taken this way.
        const found = await Promise.all(message.uris.map((value) => droppedWorkspaceFile(vscode.Uri.parse(value))));
        const uris = found.filter((uri): uri is vscode.Uri => {
          if (!uri) this.deps.log.warn('Studio: ignored a dropped file outside the workspace');
          return uri !== undefined;
        });
        await this.addReferences(uris, false);
        return;
      }
      case 'pasteReference':
        await this.addPasted(message.name, Buffer.from(message.data, 'base64'));
        return;
      case 'removeReference':
        this.references = this.references.filter((image) => image.uri.toString() !== message.uri);
        await this.saveReferences();
        return;
      case 'useAsReference':
        if (this.knownImages.has(message.uri)) await this.addReferences([vscode.Uri.parse(message.uri)], false);
        return;
      case 'deleteImage':
        if (this.knownImages.has(message.uri)) await this.deleteImage(vscode.Uri.parse(message.uri));
        return;
      case 'taskAction':
        if (message.action === 'retry') {
          try {
            const entry = await this.deps.retry(message.localId);
            if (entry) {
              this.follow(entry.localId);
              this.post({ type: 'submitted', localId: entry.localId });
            }
          } catch (error) {
            this.postProblem(error);
          }
        } else {
          await runTaskAction(this.deps, message.action, message.localId);
        }
        return;
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

  private async submit(message: Extract<WebviewMessage, { type: 'submit' }>): Promise<void> {
    const options: RequestOptions = message.request;
    const references: LocalImage[] = [];
    for (const uri of message.references ?? []) {
      const image = this.references.find((candidate) => candidate.uri.toString() === uri);
      if (!image) {
        this.deps.log.warn('Studio: dropped a submit that names a reference it does not hold');
        this.post({ type: 'problem', message: vscode.l10n.t('A reference image is no longer available; add it again.') });
        return;
      }
      references.push(image);
    }
    const mask = message.mask !== undefined ? await inspectLocalImage(await this.storeMask(Buffer.from(message.mask, 'base64'))) : undefined;
    const issues = planIssues({ options, references, ...(mask ? { mask } : {}) });
    if (issues.length > 0) {
      this.post({ type: 'problem', message: issues.map(localizeIssue).join(' ') });
      return;
    }
    let target: vscode.Uri | undefined;
    let editOf: vscode.Uri | undefined;
    const original = references[0];
    if (message.destination === 'beside' && original && vscode.workspace.getWorkspaceFolder(original.uri)) {
      target = vscode.Uri.joinPath(original.uri, '..');
      editOf = original.uri;
    } else {
      target = await chooseTargetFolder(this.deps.settings().outputFolder);
    }
    if (!target) {
      this.post({ type: 'problem', message: '' });
      return;
    }
    try {
      const entry = await this.deps.submit({ options, references, target, ...(mask ? { mask } : {}), ...(editOf ? { editOf } : {}) });
      this.follow(entry.localId);
      this.post({ type: 'submitted', localId: entry.localId });
    } catch (error) {
      if (isEvoLinkError(error, 'auth') && !(await this.deps.hasApiKey())) this.post({ type: 'apiKey', hasApiKey: false });
      this.postProblem(error);
    }
  }

  private postProblem(error: unknown): void {
    const problem = error instanceof EvoLinkError ? error : new EvoLinkError('invalidResponse', String(error));
    this.post({ type: 'problem', message: describeError(problem, { setApiKey: () => undefined, showLog: () => undefined }).message });
  }

  /**
   * Keeps a file's bytes under the references folder, in a folder named by their hash (the same
   * bytes are kept once) under the name they came with; answers its URI.
   */
  private async store(folder: string, bytes: Uint8Array, name: string): Promise<vscode.Uri> {
    const safe = name.replace(/[^\p{L}\p{N}._ -]+/gu, '_').replace(/^[.\s]+/, '').slice(0, 120) || 'image';
    const uri = vscode.Uri.joinPath(this.deps.referencesDir, folder, createHash('sha256').update(bytes).digest('hex').slice(0, 24), safe);
    await vscode.workspace.fs.writeFile(uri, bytes);
    return uri;
  }

  private storeMask(bytes: Uint8Array): Promise<vscode.Uri> {
    return this.store('masks', bytes, 'mask.png');
  }

  private async addPasted(name: string, bytes: Uint8Array): Promise<void> {
    const format = sniffImageFormat(bytes.subarray(0, 64));
    if (!format) {
      this.post({ type: 'problem', message: vscode.l10n.t('{0} is not an image file (PNG, JPEG, WebP, GIF, BMP or TIFF).', name) });
      return;
    }
    const extension = imageFormats[format].extension;
    const stem = name.replace(/\.[^.]*$/, '') || 'pasted';
    await this.addReferences([await this.store('pasted', bytes, `${stem}.${extension}`)], false);
  }

  /**
   * Adds references. Files that are not images are refused at once; images that break the
   * current model's limits are kept and shown with the limit, since another model may take them.
   * With `copyOutside`, a file outside the workspace is copied under the references folder so
   * that the panel may show it.
   */
  private async addReferences(uris: readonly vscode.Uri[], copyOutside: boolean): Promise<void> {
    await this.restored;
    const refused: string[] = [];
    for (const picked of uris) {
      if (this.references.length >= maxReferences) break;
      let uri = picked;
      if (copyOutside && !vscode.workspace.getWorkspaceFolder(uri) && !uri.toString().startsWith(this.deps.referencesDir.toString())) {
        try {
          // Its size first: a file larger than any model takes is refused without being read.
          if ((await vscode.workspace.fs.stat(uri)).size > maxReferenceBytes) {
            refused.push(`${fileName(picked)} (${vscode.l10n.t('larger than any model takes')})`);
            continue;
          }
          const bytes = await vscode.workspace.fs.readFile(uri);
          const format = sniffImageFormat(bytes.subarray(0, 64));
          if (format) uri = await this.store('outside', bytes, fileName(picked) || `image.${imageFormats[format].extension}`);
        } catch {
          // inspected below, which names the problem
        }
      }
      if (this.references.some((image) => image.uri.toString() === uri.toString())) continue;
      try {
        const image = await inspectLocalImage(uri);
        if (!image.format) refused.push(image.name);
        else this.references.push(image);
      } catch (error) {
        refused.push(`${fileName(picked)} (${error instanceof Error ? error.message : String(error)})`);
      }
    }
    await this.saveReferences();
    if (refused.length > 0) {
      this.post({ type: 'problem', message: vscode.l10n.t('Not an image file: {0}. References must be PNG, JPEG, WebP, GIF, BMP or TIFF.', refused.join(', ')) });
    }
  }

  private async saveReferences(): Promise<void> {
    await this.deps.state.update(referencesKey, this.references.map((image) => image.uri.toString()));
    this.postReferences();
  }

  private postReferences(): void {
    const webview = this.panel.webview;
    const items: StudioReference[] = this.references.map((image) => ({
      uri: image.uri.toString(),
      src: webview.asWebviewUri(image.uri).toString(),
      name: image.name,
      format: image.format,
      bytes: image.bytes,
      width: image.width,
      height: image.height,
      inWorkspace: vscode.workspace.getWorkspaceFolder(image.uri) !== undefined,
    }));
    this.post({ type: 'references', items });
  }

  /** Deletes a result and its provenance file, after asking; to the trash where there is one. */
  private async deleteImage(image: vscode.Uri): Promise<void> {
    const name = fileName(image);
    const remove = vscode.l10n.t('Move to Trash');
    const answer = await vscode.window.showWarningMessage(vscode.l10n.t('Delete {0}?', name), { modal: true, detail: vscode.l10n.t('The image and its .evolink.json file are moved to the trash.') }, remove);
    if (answer !== remove) return;
    await moveToTrash([image]);
    this.deleted.add(image.toString());
    this.references = this.references.filter((reference) => reference.uri.toString() !== image.toString());
    await this.saveReferences();
    await this.postTasks();
    await this.postHistory();
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
   * The history: the provenance files of the workspace folders (generations and edits), newest
   * first. It lives with the project, so it is the same in every window and after a
   * clone.
   */
  private async postHistory(): Promise<void> {
    const webview = this.panel.webview;
    const items: StudioHistoryItem[] = [];
    for (const folder of vscode.workspace.workspaceFolders ?? []) {
      // Generations are in the output folder, edits beside their originals: the whole folder.
      const files = await vscode.workspace.findFiles(new vscode.RelativePattern(folder.uri, '**/*.evolink.json'), undefined, historyLimit);
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
        if (!found || this.deleted.has(found.image.toString())) continue;
        const { image, provenance } = found;
        const uri = image.toString();
        this.knownImages.add(uri);
        const parameter = (name: string): unknown => provenance.parameters[name];
        items.push({
          uri,
          src: webview.asWebviewUri(image).toString(),
          name: fileName(image),
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
    const images = savedFiles(entry)
      .filter((uri) => !this.deleted.has(uri))
      .map((uri) => {
        this.knownImages.add(uri);
        const file = vscode.Uri.parse(uri);
        return { uri, src: webview.asWebviewUri(file).toString(), name: fileName(file) };
      });
    return taskView(entry, images, Date.now());
  }
}
