import * as vscode from 'vscode';
import type { LedgerEntry } from '../../common/ledgerEntry';
import { DisposableBase } from '../base/disposable';
import { LedgerSightings } from './ledgerSightings';

/**
 * What a window tells of its tasks: every change it writes, and every task that leaves the
 * ledger. Another window may write a task this window told of (it took the task over while this
 * one stood still): its newer revision is told too when this window reads it, so that a
 * notification, the Studio or the status bar that follow the task see it end. Tasks this window
 * never told of are not its news (no notification): they are told apart, to the views of the whole
 * ledger, when a look at the ledger finds them changed.
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
  private readonly elsewhere = this._register(new vscode.EventEmitter<LedgerEntry>());
  /**
   * Fires with a task this window never told of, when a look at the ledger finds it new or
   * changed: another window works on it. For views of the whole ledger (the status bar, the tasks
   * view), not for news: the announcer does not listen.
   */
  readonly onDidChangeElsewhere = this.elsewhere.event;
  /** The revision of each task last told of. */
  private readonly told = new Map<string, number>();
  /** The tasks not told of, as the last look at the ledger found them. */
  private readonly sightings = new LedgerSightings();
  private readonly unrecordedTold = new Set<string>();

  tell(entry: LedgerEntry): void {
    this.told.set(entry.localId, entry.revision);
    this.sightings.forget(entry.localId);
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
    this.sightings.forget(localId);
    this.removed.fire(localId);
  }

  /** Tells `entry` when it is a task told of before, written since by another window. */
  catchUp(entry: LedgerEntry): void {
    const revision = this.told.get(entry.localId);
    if (revision !== undefined && entry.revision > revision) this.tell(entry);
  }

  /** The tasks told of or seen so far: taken before the ledger is listed, so that one made meanwhile is no news. */
  toldIds(): string[] {
    return [...this.told.keys(), ...this.sightings.ids()];
  }

  /**
   * Of the whole ledger (`entries`, listed after `toldBefore` was taken): tells the tasks written
   * elsewhere since (those never told of, apart), and those that left it. A task missing from the list may be one whose file was
   * being written as the list was read: only one the ledger no longer has (`get`) has left it.
   */
  async catchUpAll(entries: readonly LedgerEntry[], toldBefore: readonly string[], get: (localId: string) => Promise<LedgerEntry | undefined>): Promise<void> {
    for (const entry of entries) this.catchUp(entry);
    for (const entry of this.sightings.note(entries.filter((each) => !this.told.has(each.localId)))) this.elsewhere.fire({ ...entry });
    const present = new Set(entries.map((entry) => entry.localId));
    for (const localId of toldBefore) {
      if (present.has(localId) || (await get(localId)) !== undefined) continue;
      // Told gone meanwhile by this window's own removal: once is enough.
      if (this.told.has(localId) || this.sightings.has(localId)) this.gone(localId);
    }
  }
}
