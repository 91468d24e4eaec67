import { randomBytes } from 'node:crypto';
import * as vscode from 'vscode';
import { parseCompareMessage, type CompareHostMessage, type CompareImage, type CompareMessage } from '../../common/protocol';
import { DisposableBase } from '../base/disposable';
import { renderStudioHtml } from '../studio/html';
import type { LedgerEntry } from '../../common/ledgerEntry';
import { savedFiles } from '../../common/taskState';
import { inspectLocalImage } from '../submit/localImages';
import type { ProvenanceStore } from '../provenance/store';
import { moveToTrash } from '../tasks/writer';
import type { BrowserPreviews } from '../ui/browserPreviews';
import type { Notifier } from '../ui/notifier';
import type { Originals } from './originals';
import { compareViewType } from './viewType';
import { fileName } from '../base/disk';

/** What to do with an edit. */
export type EditDecision = 'keepBoth' | 'replace' | 'discard';

export interface CompareDeps {
  extensionUri: vscode.Uri;
  originals: Originals;
  log: vscode.LogOutputChannel;
  provenance: ProvenanceStore;
  notifier: Notifier;
  /** A PNG of an original the webview cannot draw (TIFF). */
  previews: BrowserPreviews;
}

function compareStrings(): Record<string, string> {
  return {
    title: vscode.l10n.t('Compare Edit'),
    before: vscode.l10n.t('Before'),
    after: vscode.l10n.t('After'),
    view: vscode.l10n.t('View'),
    slider: vscode.l10n.t('Slider'),
    sideBySide: vscode.l10n.t('Side by side'),
    variants: vscode.l10n.t('Variants'),
    variant: vscode.l10n.t('Variant {0}'),
    keepBoth: vscode.l10n.t('Keep Both'),
    replace: vscode.l10n.t('Replace Original'),
    discard: vscode.l10n.t('Discard Edit'),
    decisionHint: vscode.l10n.t('Replace Original keeps a copy of the original: EvoLink: Restore Replaced Original puts it back. Discard moves the edits to the trash.'),
  };
}

/** The saved edits of a task, and the image they edit. */
function editsOf(entry: LedgerEntry): { original: vscode.Uri; edits: vscode.Uri[] } | undefined {
  if (!entry.editOf) return undefined;
  const edits = savedFiles(entry).map((uri) => vscode.Uri.parse(uri));
  return edits.length > 0 ? { original: vscode.Uri.parse(entry.editOf), edits } : undefined;
}

/**
 * Carries out a decision on an edit. Replacing asks first (unless `confirmed`), keeps the
 * original recoverable, and offers Undo; discarding moves the edits to the trash. Answers a
 * sentence saying what was done (`closed`: the edit is decided), or `undefined` when the user
 * declined.
 */
export async function decideEdit(deps: CompareDeps, entry: LedgerEntry, decision: EditDecision, variant = 0, confirmed = false): Promise<{ said: string; closed: boolean } | undefined> {
  const found = editsOf(entry);
  if (!found) return undefined;
  const { original, edits } = found;
  const edited = edits[Math.min(variant, edits.length - 1)]!;
  switch (decision) {
    case 'keepBoth':
      await vscode.commands.executeCommand('revealInExplorer', edited).then(undefined, () => undefined);
      return { said: vscode.l10n.t('Kept {0} and {1}.', fileName(original), edits.map(fileName).join(', ')), closed: true };
    case 'replace': {
      const plan = await deps.originals.plan(original, edited);
      if ('problem' in plan) {
        void vscode.window.showWarningMessage(plan.problem);
        return { said: plan.problem, closed: false };
      }
      if (!confirmed) {
        const replace = vscode.l10n.t('Replace');
        const kept = vscode.l10n.t('A copy of the original is kept; "EvoLink: Restore Replaced Original" puts it back.');
        const converted = plan.convertTo ? vscode.l10n.t('The edit is a {0} image: it is saved as {1} under the name {2}.', plan.from!, plan.to!, fileName(original)) : undefined;
        const answer = await vscode.window.showWarningMessage(vscode.l10n.t('Replace {0} with {1}?', fileName(original), fileName(edited)), { modal: true, detail: converted ? `${converted} ${kept}` : kept }, replace);
        if (answer !== replace) return undefined;
      }
      const kept = await deps.originals.replace(original, edited, plan.convertTo);
      deps.log.info(`Replaced ${original.toString(true)} with its edit; the original is kept`);
      const undo = vscode.l10n.t('Undo');
      void vscode.window.showInformationMessage(vscode.l10n.t('Replaced {0} with its edit. The original is kept.', fileName(original)), undo).then(async (picked) => {
        if (picked === undo) await deps.originals.restore(kept);
      }).then(undefined, (error: unknown) => deps.log.error(`Undoing the replace of ${original.toString(true)} failed: ${error instanceof Error ? error.message : String(error)}`));
      return { said: vscode.l10n.t('Replaced {0} with {1}. The original is kept.', fileName(original), fileName(edited)), closed: true };
    }
    case 'discard': {
      const gone = await moveToTrash(edits, deps, confirmed);
      // Declined to delete for good where there is no trash: the edits are where they were, and the view stays.
      if (gone.length === 0) return undefined;
      return { said: vscode.l10n.t('Discarded {0}.', gone.map(fileName).join(', ')), closed: gone.length === edits.length };
    }
  }
}

/** The before/after view of one edit, with Keep Both, Replace Original and Discard. */
export class ComparePanel extends DisposableBase {
  private static readonly open = new Map<string, ComparePanel>();
  private ready = false;
  /** A decision is being carried out (or asked about). */
  private deciding = false;

  /**
   * Shows the compare view of an edit (once per task). One opened because the edit was saved
   * (`focus` false) does not take the focus: the user may be typing, or answering a wizard.
   */
  static show(deps: CompareDeps, entry: LedgerEntry, focus: boolean): ComparePanel | undefined {
    const existing = ComparePanel.open.get(entry.localId);
    if (existing) {
      existing.panel.reveal(undefined, !focus);
      return existing;
    }
    const found = editsOf(entry);
    if (!found) return undefined;
    const panel = vscode.window.createWebviewPanel(compareViewType, '', { viewColumn: vscode.ViewColumn.Active, preserveFocus: !focus }, ComparePanel.options(deps, found.original));
    return new ComparePanel(panel, deps, entry, found.original, found.edits);
  }

  /**
   * Takes over a compare view that VS Code restored after a reload; an edit that is no longer
   * there (decided, or removed from the list) closes it.
   */
  static restore(deps: CompareDeps, panel: vscode.WebviewPanel, entry: LedgerEntry | undefined): ComparePanel | undefined {
    const found = entry && !ComparePanel.open.has(entry.localId) ? editsOf(entry) : undefined;
    if (!entry || !found) {
      panel.dispose();
      return undefined;
    }
    panel.webview.options = ComparePanel.options(deps, found.original);
    return new ComparePanel(panel, deps, entry, found.original, found.edits);
  }

  private static options(deps: CompareDeps, original: vscode.Uri): vscode.WebviewOptions {
    return {
      enableScripts: true,
      localResourceRoots: [vscode.Uri.joinPath(deps.extensionUri, 'dist'), vscode.Uri.joinPath(deps.extensionUri, 'media'), vscode.Uri.joinPath(original, '..'), deps.previews.folder],
    };
  }

  private constructor(
    readonly panel: vscode.WebviewPanel,
    private readonly deps: CompareDeps,
    private readonly entry: LedgerEntry,
    private readonly original: vscode.Uri,
    private readonly edits: vscode.Uri[],
  ) {
    super();
    ComparePanel.open.set(entry.localId, this);
    panel.title = vscode.l10n.t('Compare: {0}', fileName(original));
    panel.iconPath = vscode.Uri.joinPath(deps.extensionUri, 'media', 'icon.png');
    this._register(panel.onDidDispose(() => this.dispose()));
    this._register(panel.webview.onDidReceiveMessage((raw: unknown) => void this.receive(raw)));
    const webview = panel.webview;
    const asset = (...path: string[]) => webview.asWebviewUri(vscode.Uri.joinPath(deps.extensionUri, ...path)).toString();
    webview.html = renderStudioHtml({
      cspSource: webview.cspSource,
      nonce: randomBytes(16).toString('base64'),
      scriptUri: asset('dist', 'compare.js'),
      styleUri: asset('media', 'compare.css'),
      codiconsUri: asset('dist', 'codicons', 'codicon.css'),
      title: vscode.l10n.t('Compare Edit'),
      language: vscode.env.language,
    });
  }

  override dispose(): void {
    if (ComparePanel.open.get(this.entry.localId) === this) ComparePanel.open.delete(this.entry.localId);
    super.dispose();
    this.panel.dispose();
  }

  private post(message: CompareHostMessage): void {
    if (this.ready) void this.panel.webview.postMessage(message);
  }

  private async image(uri: vscode.Uri, shownAs = uri): Promise<CompareImage> {
    // Without provenance, no size is shown.
    const provenance = await this.deps.provenance.get(uri).catch(() => undefined);
    const size = { width: provenance?.width, height: provenance?.height };
    return { uri: uri.toString(), src: this.panel.webview.asWebviewUri(shownAs).toString(), name: fileName(uri), width: size.width, height: size.height };
  }

  private async receive(raw: unknown): Promise<void> {
    const message: CompareMessage | undefined = parseCompareMessage(raw);
    if (!message) {
      this.deps.log.warn('Compare: dropped a malformed message');
      return;
    }
    if (message.type === 'ready') {
      this.ready = true;
      await this.init().catch((error: unknown) => this.deps.log.error(`Compare: the view could not be shown: ${error instanceof Error ? error.message : String(error)}`));
      return;
    }
    // One decision at a time: a second click while the first asks or moves files would replace
    // an original twice, or trash what is already in the trash.
    if (this.deciding) return;
    this.deciding = true;
    try {
      const variant = message.type === 'replace' ? message.variant : 0;
      const done = await decideEdit(this.deps, this.entry, message.type, variant);
      if (done?.closed) this.dispose();
      else this.post({ type: 'idle' });
    } catch (error) {
      this.post({ type: 'idle' });
      this.deps.log.error(`Compare: ${message.type} failed: ${error instanceof Error ? error.message : String(error)}`);
      // The file system's own words name paths of the machine: its code is said, the rest logged.
      const reason = error instanceof vscode.FileSystemError ? error.code : error instanceof Error ? error.name : 'Error';
      void vscode.window.showErrorMessage(vscode.l10n.t('Could not carry out the decision ({0}). The details are in the output; the original and the edit are where they were, or kept for "EvoLink: Restore Replaced Original".', reason));
    } finally {
      this.deciding = false;
    }
  }

  private async init(): Promise<void> {
    // The original as it is now (a TIFF is shown from a PNG made of it), its size from the file when no provenance has it.
    const original = await inspectLocalImage(this.original).catch(() => undefined);
    const before = await this.image(this.original, await this.deps.previews.of(this.original, original?.format));
    if (!before.width && original) Object.assign(before, { width: original.width, height: original.height });
    this.post({ type: 'init', localId: this.entry.localId, strings: compareStrings(), prompt: this.entry.request.prompt, before, after: await Promise.all(this.edits.map((edit) => this.image(edit))) });
  }
}
