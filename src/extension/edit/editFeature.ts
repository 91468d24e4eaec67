import * as vscode from 'vscode';
import type { LedgerEntry } from '../../common/ledgerEntry';
import { savedFiles } from '../../common/taskState';
import type { AppContext } from '../context';
import { displayPath } from '../ui/paths';
import { ComparePanel, decideEdit, type CompareDeps, type EditDecision } from './compare';
import { Originals } from './originals';
import { fileName } from '../base/disk';

/** What happens after an edit is saved: the compare view, the decision, and undoing a replacement. */
export class EditDecisions {
  private readonly originals: Originals;

  constructor(private readonly ctx: AppContext) {
    this.originals = new Originals(vscode.Uri.joinPath(ctx.storage, 'originals'), ctx.provenance, ctx.images);
  }

  private deps(): CompareDeps {
    return { extensionUri: this.ctx.extension.uri, originals: this.originals, log: this.ctx.log, provenance: this.ctx.provenance, notifier: this.ctx.notifier, previews: this.ctx.previews };
  }

  /** Opens the before/after view of a saved edit. */
  compare(entry: LedgerEntry): void {
    ComparePanel.show(this.deps(), entry, false);
  }

  /**
   * Opens the compare view again, from a task's actions (Show Tasks, the Studio, the Tasks view),
   * from what the ledger holds: the original and the saved edits. When one of them is gone
   * (replaced, discarded, moved), says so instead; true when the view is shown.
   */
  async reopen(localId: string): Promise<boolean> {
    const entry = await this.ctx.tasks.get(localId);
    if (!entry?.editOf || savedFiles(entry).length === 0) return false;
    const files = [entry.editOf, ...savedFiles(entry)].map((uri) => vscode.Uri.parse(uri));
    const present = await Promise.all(files.map((file) => vscode.workspace.fs.stat(file).then(() => true, () => false)));
    const missing = files.filter((_, index) => !present[index]);
    if (missing.length > 0) {
      this.ctx.notifier.show('info', vscode.l10n.t('This edit cannot be compared any more: {0} is no longer there (replaced, discarded or moved).', missing.map(fileName).join(', ')));
      return false;
    }
    return ComparePanel.show(this.deps(), entry, true) !== undefined;
  }

  /** Takes over a compare view restored after a reload; its page kept the task id. */
  async restore(panel: vscode.WebviewPanel, state: unknown): Promise<void> {
    const localId = typeof state === 'object' && state !== null && 'localId' in state && typeof state.localId === 'string' ? state.localId : undefined;
    ComparePanel.restore(this.deps(), panel, localId ? await this.ctx.tasks.get(localId) : undefined);
  }

  /** A decision on an edit, as the compare view takes it (automation and tests: `confirmed` skips the question). */
  async decide(localId: string, decision: EditDecision, variant = 0, confirmed = false): Promise<string | undefined> {
    const entry = await this.ctx.tasks.get(localId);
    return entry ? (await decideEdit(this.deps(), entry, decision, variant, confirmed))?.said : undefined;
  }

  /** `EvoLink: Restore Replaced Original...`. */
  async restoreOriginal(): Promise<vscode.Uri | undefined> {
    const kept = await this.originals.list();
    if (kept.length === 0) {
      this.ctx.notifier.show('info', vscode.l10n.t('No replaced original is kept for this workspace.'));
      return undefined;
    }
    const picked = await vscode.window.showQuickPick(
      kept.map((item) => ({ label: displayPath(vscode.Uri.parse(item.original)), description: new Date(item.replacedAt).toLocaleString(vscode.env.language), item })),
      { title: vscode.l10n.t('Restore Replaced Original'), placeHolder: vscode.l10n.t('The image now there is kept as its next .edit-N file.') },
    );
    if (!picked) return undefined;
    const { aside, edit } = await this.originals.restore(picked.item);
    const original = vscode.Uri.parse(picked.item.original);
    const where = displayPath(original);
    // The image that was there, and the edit as EvoLink made it where it was converted: both beside the original.
    const said =
      aside && edit
        ? vscode.l10n.t('Restored {0}; the image that was there is now {1}, and the edit as EvoLink made it is {2}.', where, fileName(aside), fileName(edit))
        : aside
          ? vscode.l10n.t('Restored {0}; the image that was there is now {1}.', where, fileName(aside))
          : edit
            ? vscode.l10n.t('Restored {0}; the edit as EvoLink made it is {1}.', where, fileName(edit))
            : vscode.l10n.t('Restored {0}.', where);
    this.ctx.notifier.show('info', said);
    return original;
  }
}
