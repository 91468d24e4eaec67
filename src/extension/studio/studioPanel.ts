import { randomBytes } from 'node:crypto';
import * as vscode from 'vscode';
import type { LedgerEntry } from '../../common/ledgerEntry';
import { models } from '../../common/models';
import { actionsFor } from '../../common/taskState';
import { parseWebviewMessage, type HostMessage, type StudioHistoryItem, type WebviewMessage } from '../../common/protocol';
import { DisposableBase } from '../base/disposable';
import type { SubmitPlan } from '../submit/submit';
import type { Followers } from '../tasks/followers';
import { runTaskAction } from '../tasks/taskActions';
import type { TaskService } from '../tasks/taskService';
import type { BrowserPreviews } from '../ui/browserPreviews';
import type { Notifier } from '../ui/notifier';
import { deleteImage } from '../views/historyViewActions';
import { receiveThumbnail, type ThumbnailCache } from '../ui/thumbnails';
import { studioHistoryItems, type ImageHistory } from './history';
import { renderStudioHtml } from './html';
import { droppedReferenceFiles, pickReferenceFiles, ReferenceSet } from './references';
import { ShownImages } from './shownImages';
import { studioStrings } from './strings';
import { StudioSubmitter } from './studioSubmit';
import { StudioTaskList } from './studioTaskList';
import { studioViewType } from './viewType';

/** What the Studio needs from the window. */
export interface StudioDeps {
  extensionUri: vscode.Uri;
  tasks: TaskService;
  log: vscode.LogOutputChannel;
  hasApiKey: () => Promise<boolean>;
  /** What the key can spend now; `undefined` when it cannot be told (no key, offline). */
  spendable: () => Promise<number | undefined>;
  /** Today's spend on this machine and the daily limit (0: none). */
  spend: () => Promise<{ today: number; limit: number }>;
  /** Fires when today's spend or the limit may have changed. */
  onDidChangeSpend: vscode.Event<void>;
  onDidChangeApiKey: vscode.Event<boolean>;
  settings: () => { outputFolder: string; defaultModel: string };
  /** Submits a request through the one submit path (checked, uploaded, recorded). */
  submit: (plan: SubmitPlan) => Promise<LedgerEntry>;
  followers: Followers;
  notifier: Notifier;
  /** Opens a result the user asked to see (the window's one way of opening results). */
  openImage: (uri: vscode.Uri) => Promise<void>;
  /** Submits a task again with its original parameters and inputs. */
  retry: (localId: string) => Promise<LedgerEntry | undefined>;
  /** Where pasted images, images from outside the workspace and painted masks are kept. */
  referencesDir: vscode.Uri;
  /** Workspace state: the references survive a reload. */
  state: vscode.Memento;
  /** PNGs of references the webview cannot draw (TIFF). */
  previews: BrowserPreviews;
  /** The window's index of generated and edited images. */
  history: ImageHistory;
  /** Thumbnails of the history's images (shared with the History gallery). */
  thumbnails: ThumbnailCache;
}

/** What the explorer's entry points and the gallery open the Studio with. */
export interface StudioPreload {
  /** The new references; absent keeps the ones there are. */
  references?: vscode.Uri[];
  /** An edit: results go beside the image. */
  edit?: { model: string | undefined; paintMask: boolean };
  /** Fill the form with the settings of this past image (the History gallery's Reuse). */
  reuse?: StudioHistoryItem;
  /** A prompt begun in the palette, carried on here; the references are then left as they are when none are given. */
  draft?: { prompt: string; model: string };
}

/** The command each of the webview's requests on a shown image runs. */
const imageCommands = { revealImage: 'revealInExplorer', insertReference: 'evolink.insertImageReference' } as const;

/**
 * The Image Studio panel: one per window. It keeps the panel's lifetime and routes messages;
 * the references, the history, the task list and submitting are modules of their own. It posts
 * nothing before the webview says `ready`, parses everything the webview sends, and never sends
 * the key. All work goes through the window's one task service.
 */
export class StudioPanel extends DisposableBase {
  private static current: StudioPanel | undefined;
  private ready = false;
  private readonly openedAt = Date.now();
  private readonly images = new ShownImages();
  private readonly references: ReferenceSet;
  private readonly taskList: StudioTaskList;
  private readonly submitter: StudioSubmitter;
  /** An edit prepared by the explorer, sent once the webview listens. */
  private pendingEdit: StudioPreload['edit'];
  /** Settings to reuse, sent once the webview listens. */
  private pendingReuse: StudioHistoryItem | undefined;
  /** A prompt from the palette, sent once the webview listens. */
  private pendingDraft: StudioPreload['draft'];
  /** What a preload refused (references past the limit, unreadable), said once the webview listens. */
  private pendingProblem: string | undefined;

  /** The window's Studio, when it is open (the tests post to it). */
  static get open(): StudioPanel | undefined {
    return StudioPanel.current;
  }

  /** Shows the panel, creating it when there is none; with images to start from, they become its references. */
  static async show(deps: StudioDeps, preload?: StudioPreload): Promise<StudioPanel> {
    let studio = StudioPanel.current;
    if (studio) {
      studio.panel.reveal();
    } else {
      // Kept alive behind another tab: a painted mask, where results go, an upload under way
      // and the answer to it live in the page, and a hidden page would lose them.
      const panel = vscode.window.createWebviewPanel(studioViewType, vscode.l10n.t('Image Studio'), vscode.ViewColumn.Active, {
        enableScripts: true,
        retainContextWhenHidden: true,
        localResourceRoots: StudioPanel.resourceRoots(deps),
      });
      studio = new StudioPanel(panel, deps);
    }
    if (preload) await studio.preload(preload);
    return studio;
  }

  /**
   * Restores the panel after a reload (called by the serializer when its tab is first shown).
   * A Studio opened meanwhile is the one the user works in: the restored tab closes instead.
   */
  static restore(panel: vscode.WebviewPanel, deps: StudioDeps): StudioPanel {
    const live = StudioPanel.current;
    if (live) {
      panel.dispose();
      live.panel.reveal();
      return live;
    }
    panel.webview.options = { enableScripts: true, localResourceRoots: StudioPanel.resourceRoots(deps) };
    return new StudioPanel(panel, deps);
  }

  /**
   * The bundle, the workspace folders (results and references are shown from there), the
   * folder of pasted references and the caches of previews and thumbnails: nothing more.
   */
  private static resourceRoots(deps: StudioDeps): vscode.Uri[] {
    const folders = (vscode.workspace.workspaceFolders ?? []).map((folder) => folder.uri);
    return [vscode.Uri.joinPath(deps.extensionUri, 'dist'), vscode.Uri.joinPath(deps.extensionUri, 'media'), deps.referencesDir, deps.previews.folder, deps.thumbnails.folder, ...folders];
  }

  private constructor(
    readonly panel: vscode.WebviewPanel,
    private readonly deps: StudioDeps,
  ) {
    super();
    StudioPanel.current = this;
    const post = (message: HostMessage): void => this.post(message);
    this.references = this._register(new ReferenceSet(deps.referencesDir, deps.state, deps.previews));
    const roots = StudioPanel.resourceRoots(deps);
    this.taskList = this._register(new StudioTaskList(deps.tasks, this.images, panel.webview, post, deps.followers, (file) => deps.previews.of(file, undefined, roots)));
    this.submitter = this._register(new StudioSubmitter(deps, this.references, post, () => panel.visible));
    panel.iconPath = vscode.Uri.joinPath(deps.extensionUri, 'media', 'icon.png');
    this._register(panel.onDidDispose(() => this.dispose()));
    this._register(panel.webview.onDidReceiveMessage((raw: unknown) => void this.receive(raw)));
    this._register(this.references.onDidChange(() => this.postReferences()));
    // A reference's picture came (a TIFF's PNG): shown without clearing what the Studio says.
    this._register(this.references.onDidChangePreview(() => this.postReferences(true)));
    // The history follows files deleted, moved or replaced on disk: so do the results.
    this._register(deps.history.onDidChange(() => (this.postHistory(), this.taskList.filesChanged())));
    this._register(deps.history.onDidSave((files) => files.forEach((uri) => this.images.written(uri))));
    // A thumbnail made by this page or the History view: shown in the history when it lists that version.
    this._register(
      deps.thumbnails.onDidStore(({ image, key, file }) => {
        const record = this.images.wasShown(image) ? deps.history.get(image) : undefined;
        if (record && deps.thumbnails.of(record).key === key) this.post({ type: 'thumbnail', uri: image, key, thumb: panel.webview.asWebviewUri(file).toString() });
      }),
    );
    this._register(
      deps.tasks.onDidChange((entry) => {
        this.taskList.schedule();
        if (entry.state === 'saved') void this.postBalance();
      }),
    );
    this._register(deps.onDidChangeSpend(() => void this.postSpend()));
    this._register(
      deps.onDidChangeApiKey((present) => {
        this.post({ type: 'apiKey', hasApiKey: present });
        void this.postBalance();
      }),
    );
    panel.webview.html = this.html();
  }

  private async preload(preload: StudioPreload): Promise<void> {
    if (preload.draft) {
      this.pendingDraft = preload.draft;
      this.postEdit();
    }
    if (preload.references) this.postProblem(await this.references.replace(preload.references));
    if (preload.edit) {
      this.pendingEdit = preload.edit;
      this.postEdit();
    }
    if (preload.reuse) {
      this.pendingReuse = preload.reuse;
      this.postEdit();
    }
  }

  /** Sends what the explorer or the gallery prepared (an edit, settings to reuse) once the webview listens. */
  private postEdit(): void {
    if (!this.ready) return;
    if (this.pendingDraft) this.post({ type: 'draft', ...this.pendingDraft });
    if (this.pendingEdit) this.post({ type: 'edit', model: this.pendingEdit.model, paintMask: this.pendingEdit.paintMask });
    if (this.pendingReuse) this.post({ type: 'reuse', item: this.pendingReuse });
    if (this.pendingProblem) this.post({ type: 'problem', message: this.pendingProblem });
    this.pendingDraft = undefined;
    this.pendingEdit = undefined;
    this.pendingReuse = undefined;
    this.pendingProblem = undefined;
  }

  override dispose(): void {
    if (StudioPanel.current === this) StudioPanel.current = undefined;
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

  /** A message of the webview: parsed, then handled (the tests call it as the webview would). */
  async receive(raw: unknown): Promise<void> {
    const message = parseWebviewMessage(raw);
    if (!message) {
      this.deps.log.warn(`Studio: dropped a malformed message (${typeof raw === 'object' && raw !== null && 'type' in raw ? String(raw.type) : typeof raw})`);
      return;
    }
    try {
      await this.handle(message);
    } catch (error) {
      this.deps.log.error(`Studio: ${message.type} failed: ${error instanceof Error ? error.message : String(error)}`);
    }
  }

  /** Routes a message to the module that handles it. */
  private async handle(message: WebviewMessage): Promise<void> {
    switch (message.type) {
      case 'ready':
        await this.init();
        return;
      case 'painted':
        this.deps.log.info(`Studio: first paint with init ${Date.now() - this.openedAt} ms after opening`);
        return;
      case 'submit':
        await this.submitter.submit(message);
        return;
      case 'taskAction':
        // A card drawn before its task moved on (a Retry of a task saved since) does nothing.
        if (!actionsFor((await this.deps.tasks.get(message.localId)) ?? ({ state: 'saved' } as LedgerEntry)).includes(message.action)) return;
        if (message.action === 'retry') await this.submitter.retry(message.localId);
        else await runTaskAction(this.deps, message.action, message.localId);
        return;
      case 'copyPrompt': {
        const entry = await this.deps.tasks.get(message.localId);
        if (entry) await vscode.env.clipboard.writeText(entry.request.prompt);
        return;
      }
      case 'setApiKey':
        await vscode.commands.executeCommand('evolink.setApiKey');
        return;
      case 'generateAsset':
        // Not awaited: the command asks its questions and follows its task on its own.
        void vscode.commands.executeCommand('evolink.generateAsset', { prompt: message.prompt });
        return;
      case 'pickReferences': {
        const picked = await pickReferenceFiles();
        if (picked) this.postProblem(await this.references.add(picked, true));
        return;
      }
      case 'addReferences': {
        const dropped = await droppedReferenceFiles(message.uris);
        const problems = [dropped.refused, await this.references.add(dropped.files, false)].filter(Boolean);
        this.postProblem(problems.join(' '));
        return;
      }
      case 'pasteReference':
        this.postProblem(await this.references.addPasted(message.name, Buffer.from(message.data, 'base64')));
        return;
      case 'removeReference':
        await this.references.remove(message.uri);
        return;
      case 'useAsReference':
        // A result saved outside the workspace is copied, as Add… does, so that the Studio can show it.
        if (this.wasShown(message)) this.postProblem(await this.references.add([vscode.Uri.parse(message.uri)], true));
        return;
      case 'deleteImage':
        if (this.wasShown(message)) await this.deleteImage(vscode.Uri.parse(message.uri));
        return;
      case 'openImage':
        if (this.wasShown(message)) await this.deps.openImage(vscode.Uri.parse(message.uri));
        return;
      case 'revealImage':
      case 'insertReference':
        if (this.wasShown(message)) await vscode.commands.executeCommand(imageCommands[message.type], vscode.Uri.parse(message.uri));
        return;
      case 'thumbnail':
      case 'thumbnailFailed':
        if (this.wasShown(message)) await receiveThumbnail(this.deps, message, 'Studio');
        return;
    }
  }

  /** Only files the webview was shown may be named by it; anything else is refused and logged. */
  private wasShown(message: { type: string; uri: string }): boolean {
    if (this.images.wasShown(message.uri)) return true;
    this.deps.log.warn(`Studio: refused ${message.type} for a file it did not show`);
    return false;
  }

  /** Shows a sentence about what went wrong, if there is one (once the page listens: kept until then). */
  private postProblem(problem: string | undefined): void {
    if (!problem) return;
    if (this.ready) this.post({ type: 'problem', message: problem });
    else this.pendingProblem = problem;
  }

  /**
   * The handshake's answer: `init`, then everything the webview shows. Nothing reaches the page
   * before `init` (a draft or a reuse handled before the models are known would be lost): the
   * key is looked up first, then the page is ready and told in one step.
   */
  private async init(): Promise<void> {
    this.deps.log.info(`Studio: webview ready ${Date.now() - this.openedAt} ms after opening`);
    const hasApiKey = await this.deps.hasApiKey();
    this.ready = true;
    this.post({
      type: 'init',
      models,
      strings: studioStrings(),
      defaultModel: this.deps.settings().defaultModel,
      hasApiKey,
      locale: vscode.env.language,
    });
    this.postReferences();
    this.postEdit();
    await this.taskList.send();
    // The balance does not wait for the history (a slow folder), nor the history for the network.
    await Promise.all([
      Promise.all([this.deps.history.ready(), this.deps.thumbnails.load()]).then(() => this.postHistory()),
      this.postBalance().then(() => this.postSpend()),
    ]);
  }

  /**
   * Deletes a result and its provenance, after asking; to the trash where there is one. It
   * leaves the references, the tasks and the history only once the file is really gone (the
   * user may decline to delete it for good where there is no trash).
   */
  private async deleteImage(image: vscode.Uri): Promise<void> {
    // The question's dialog takes the focus: it comes back to the page (not only to its tab) as
    // soon as the question is answered, not once the file is in the trash.
    const gone = await deleteImage(this.deps, image, false, () => {
      if (this.panel.visible) this.panel.reveal(this.panel.viewColumn, false);
    });
    if (!gone) return;
    const uri = image.toString();
    this.images.markDeleted(uri);
    await this.references.remove(uri);
    await this.taskList.send();
    this.deps.history.remove(uri);
  }

  private postReferences(picturesOnly = false): void {
    this.post({ type: 'references', items: this.references.views(this.panel.webview), ...(picturesOnly ? { picturesOnly } : {}) });
  }

  private postHistory(): void {
    if (this.ready) this.post({ type: 'history', items: studioHistoryItems(this.deps.history, this.deps.thumbnails, this.panel.webview, this.images) });
  }

  private async postBalance(): Promise<void> {
    this.post({ type: 'balance', spendable: await this.deps.spendable().catch(() => undefined) });
  }

  private async postSpend(): Promise<void> {
    const spend = await this.deps.spend().catch((error: unknown) => this.deps.log.warn(`Studio: today's spend could not be told (${String(error)})`));
    if (spend) this.post({ type: 'spend', ...spend });
  }
}
