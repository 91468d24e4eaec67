import * as vscode from 'vscode';
import type { LedgerEntry } from '../../common/ledgerEntry';
import { DisposableBase } from '../base/disposable';

/**
 * What a window tells of its tasks: every change it writes, and every task that leaves the
 * ledger. Another window may write a task this window told of (it took the task over while this
 * one stood still): its newer revision is told too when this window reads it, so that a
 * notification, the Studio or the status bar that follow the task see it end. Tasks this window
 * never told of are not its news.
 */
export class TaskEvents extends DisposableBase {
  private readonly changed = this._register(new vscode.EventEmitter<LedgerEntry>());
  /** Fires whenever a task changes (a copy of the entry as written). */
  readonly onDidChange = this.changed.event;
  private readonly removed = this._register(new vscode.EventEmitter<string>());
  /** Fires with a task's id when it leaves the ledger. */
  readonly onDidRemove = this.removed.event;
  private readonly unrecorded = this._register(new vscode.EventEmitter<{ localId: string; code: 'diskFull' | 'readOnly' }>());
  /**
   * Fires, once until the task is written again, when a change of a task cannot be written to the
   * ledger (the disk of the extension's storage is full, or cannot be written): the task cannot
   * move on, and nothing else would tell the user why.
   */
  readonly onDidFailToRecord = this.unrecorded.event;
  /** The revision of each task last told of. */
  private readonly told = new Map<string, number>();
  private readonly unrecordedTold = new Set<string>();

  tell(entry: LedgerEntry): void {
    this.told.set(entry.localId, entry.revision);
    this.unrecordedTold.delete(entry.localId);
    this.changed.fire({ ...entry });
  }

  /** Tells, once, that a change of a task could not be written for `code`. */
  cannotRecord(localId: string, code: 'diskFull' | 'readOnly'): void {
    if (this.unrecordedTold.has(localId)) return;
    this.unrecordedTold.add(localId);
    this.unrecorded.fire({ localId, code });
  }

  gone(localId: string): void {
    this.told.delete(localId);
    this.removed.fire(localId);
  }

  /** Tells `entry` when it is a task told of before, written since by another window. */
  catchUp(entry: LedgerEntry): void {
    const revision = this.told.get(entry.localId);
    if (revision !== undefined && entry.revision > revision) this.tell(entry);
  }

  /** The tasks told of so far: taken before the ledger is listed, so that one made meanwhile is no news. */
  toldIds(): string[] {
    return [...this.told.keys()];
  }

  /**
   * Of the whole ledger (`entries`, listed after `toldBefore` was taken): tells the tasks written
   * elsewhere since, and those that left it. A task missing from the list may be one whose file was
   * being written as the list was read: only one the ledger no longer has (`get`) has left it.
   */
  async catchUpAll(entries: readonly LedgerEntry[], toldBefore: readonly string[], get: (localId: string) => Promise<LedgerEntry | undefined>): Promise<void> {
    for (const entry of entries) this.catchUp(entry);
    const present = new Set(entries.map((entry) => entry.localId));
    for (const localId of toldBefore) {
      if (present.has(localId) || (await get(localId)) !== undefined) continue;
      // Told gone meanwhile by this window's own removal: once is enough.
      if (this.told.has(localId)) this.gone(localId);
    }
  }
}
