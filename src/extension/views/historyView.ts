import { randomBytes } from 'node:crypto';
import * as vscode from 'vscode';
import type { GalleryItem } from '../../common/gallery';
import { parseGalleryMessage, type GalleryHostMessage, type GalleryMessage } from '../../common/galleryProtocol';
import { findModel } from '../../common/models';
import { DisposableBase } from '../base/disposable';
import type { HistoryRecord, ImageHistory } from '../studio/history';
import { renderStudioHtml } from '../studio/html';
import type { StudioPreload } from '../studio/studioPanel';
import type { Notifier } from '../ui/notifier';
import { displayPath } from '../ui/paths';
import { copyPathInstead, runImageAction } from './historyViewActions';
import { historyViewStrings } from './historyViewStrings';
import { receiveThumbnail, type ThumbnailCache } from '../ui/thumbnails';
import { fileName } from '../base/disk';

/** The id of the view, as `package.json` contributes it. */
export const historyViewId = 'evolink.history';

/** What the gallery needs from the window. */
export interface HistoryViewDeps {
  extensionUri: vscode.Uri;
  log: vscode.LogOutputChannel;
  history: ImageHistory;
  thumbnails: ThumbnailCache;
  notifier: Notifier;
  openStudio: (preload: StudioPreload) => Promise<void>;
}

/**
 * The History gallery: a webview view in the EvoLink sidebar with every image generated or edited
 * in the workspace, as small thumbnails made once and cached. It posts nothing before the webview
 * says `ready`, parses everything the webview sends, and acts only on images it listed.
 */
export class HistoryView extends DisposableBase implements vscode.WebviewViewProvider {
  private view: vscode.WebviewView | undefined;
  private viewDisposables: vscode.Disposable[] = [];
  private ready = false;
  /** What the webview was last sent, by image URI: it may name only these. */
  private listed = new Map<string, { record: HistoryRecord; item: GalleryItem }>();
  /** The history changed while the view was hidden: the list is sent when it shows again. */
  private stale = false;
  /** How many times a webview of the view said `ready` (the tests read it). */
  inits = 0;

  constructor(private readonly deps: HistoryViewDeps) {
    super();
    this._register(deps.history.onDidChange(() => this.refresh()));
    // A thumbnail made by this view or the Studio: shown on the tile of the version it was made of.
    this._register(
      deps.thumbnails.onDidStore(({ image, key, file }) => {
        const shown = this.listed.get(image);
        if (!shown || shown.item.key !== key || !this.view) return;
        shown.item.thumb = this.view.webview.asWebviewUri(file).toString();
        this.post({ type: 'thumbnail', uri: image, key, thumb: shown.item.thumb });
      }),
    );
    this._register({ dispose: () => this.dropView() });
  }

  /** The thumbnail cache (the tests read it). */
  get thumbnails(): ThumbnailCache {
    return this.deps.thumbnails;
  }

  /** The items last sent to the webview (the tests read them). */
  get items(): GalleryItem[] {
    return [...this.listed.values()].map(({ item }) => item);
  }

  /** Called by VS Code each time the view becomes visible after its webview was discarded. */
  resolveWebviewView(view: vscode.WebviewView): void {
    this.dropView();
    this.view = view;
    this.ready = false;
    const webview = view.webview;
    const folders = (vscode.workspace.workspaceFolders ?? []).map((folder) => folder.uri);
    webview.options = {
      enableScripts: true,
      // The bundle, the workspace folders (the originals, drawn once for their thumbnails) and the cache.
      localResourceRoots: [vscode.Uri.joinPath(this.deps.extensionUri, 'dist'), vscode.Uri.joinPath(this.deps.extensionUri, 'media'), this.deps.thumbnails.folder, ...folders],
    };
    this.viewDisposables.push(
      webview.onDidReceiveMessage((raw: unknown) => void this.receive(raw)),
      view.onDidDispose(() => {
        if (this.view === view) this.dropView();
      }),
      view.onDidChangeVisibility(() => {
        if (view.visible && this.stale) this.refresh();
      }),
    );
    webview.html = this.html(webview);
  }

  private dropView(): void {
    for (const disposable of this.viewDisposables) disposable.dispose();
    this.viewDisposables = [];
    this.view = undefined;
    this.ready = false;
  }

  private html(webview: vscode.Webview): string {
    const asset = (...path: string[]) => webview.asWebviewUri(vscode.Uri.joinPath(this.deps.extensionUri, ...path)).toString();
    return renderStudioHtml({
      cspSource: webview.cspSource,
      nonce: randomBytes(16).toString('base64'),
      scriptUri: asset('dist', 'history.js'),
      styleUri: asset('media', 'history.css'),
      codiconsUri: asset('dist', 'codicons', 'codicon.css'),
      title: vscode.l10n.t('History'),
      language: vscode.env.language,
    });
  }

  private post(message: GalleryHostMessage): void {
    if (this.ready && this.view) void this.view.webview.postMessage(message);
  }

  /**
   * Parses and handles a message of the webview. `confirmed` answers the delete question in
   * advance (automation and tests; the webview cannot set it).
   */
  async receive(raw: unknown, confirmed = false): Promise<void> {
    const message = parseGalleryMessage(raw);
    if (!message) {
      this.deps.log.warn(`History: dropped a malformed message (${typeof raw === 'object' && raw !== null && 'type' in raw ? String(raw.type) : typeof raw})`);
      return;
    }
    try {
      await this.handle(message, confirmed);
    } catch (error) {
      this.deps.log.error(`History: ${message.type} failed: ${error instanceof Error ? error.message : String(error)}`);
    }
  }

  private async handle(message: GalleryMessage, confirmed: boolean): Promise<void> {
    if (message.type === 'ready') return this.init();
    if (message.type === 'generate') {
      await vscode.commands.executeCommand('evolink.generateImage');
      return;
    }
    const shown = this.listed.get(message.uri);
    if (!shown) {
      this.deps.log.warn(`History: refused ${message.type} for a file it did not list`);
      return;
    }
    const image = shown.record.image;
    switch (message.type) {
      case 'thumbnail':
      case 'thumbnailFailed':
        await receiveThumbnail(this.deps, message, 'History');
        return;
      case 'copied':
        vscode.window.setStatusBarMessage(vscode.l10n.t('Copied {0} to the clipboard.', fileName(image)), 4000);
        return;
      case 'copyFailed':
        this.deps.log.info(`History: the webview could not copy an image (${message.reason}); copying its path instead`);
        await copyPathInstead(this.deps.notifier, image);
        return;
      case 'action': {
        // Delete asks in a dialog, which takes the focus: it comes back to the gallery as soon as
        // the question is answered, where the keyboard was (once the image is gone, the page puts
        // it on the image now in its place).
        const answered = (): void => {
          if (this.view?.visible) this.view.show(false);
        };
        const gone = await runImageAction(this.deps, message.action, shown.record, confirmed, answered);
        if (gone) {
          this.deps.history.remove(message.uri);
          this.refresh();
        }
      }
    }
  }

  /** The handshake's answer: `init`, then the images (a loading list first while the workspace is searched). */
  private async init(): Promise<void> {
    this.ready = true;
    this.inits++;
    this.post({ type: 'init', strings: historyViewStrings(), locale: vscode.env.language });
    if (!this.deps.history.isReady) this.post({ type: 'items', items: [], loading: true });
    await Promise.all([this.deps.history.ready(), this.deps.thumbnails.load()]);
    this.refresh();
  }

  /** Sends the whole list again (a few hundred small records); a hidden view gets it when it shows. */
  private refresh(): void {
    if (!this.ready || !this.view || !this.deps.history.isReady) return;
    if (!this.view.visible) {
      this.stale = true;
      return;
    }
    this.stale = false;
    const webview = this.view.webview;
    this.listed = new Map(this.deps.history.list().map((record) => [record.image.toString(), { record, item: this.itemOf(record, webview) }]));
    this.post({ type: 'items', items: this.items, loading: false });
  }

  private itemOf(record: HistoryRecord, webview: vscode.Webview): GalleryItem {
    const { image, provenance } = record;
    const uri = image.toString();
    const { key, cached } = this.deps.thumbnails.of(record);
    const size = provenance.parameters.size;
    return {
      uri,
      src: webview.asWebviewUri(image).toString(),
      thumb: cached ? webview.asWebviewUri(cached).toString() : undefined,
      key,
      name: fileName(image),
      path: displayPath(image),
      prompt: provenance.prompt,
      model: provenance.model,
      modelLabel: findModel(provenance.model)?.label ?? provenance.model,
      size: typeof size === 'string' ? size : undefined,
      width: provenance.width,
      height: provenance.height,
      createdAt: provenance.createdAt,
      edit: (provenance.sources?.length ?? 0) > 0,
    };
  }
}
