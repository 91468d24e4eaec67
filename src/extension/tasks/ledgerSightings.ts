import type { LedgerEntry } from '../../common/ledgerEntry';

/**
 * The revision of each task as this window's last look at the whole ledger found it, for the tasks
 * this window does not tell of itself: another window works on them (windows without a folder
 * share one ledger). Views of the whole ledger follow them by what changed between two looks.
 */
export class LedgerSightings {
  private readonly listed = new Map<string, number>();

  /** Notes the ledger as listed: answers the entries not seen before, or seen at another revision. */
  note(entries: readonly LedgerEntry[]): LedgerEntry[] {
    const changed = entries.filter((entry) => this.listed.get(entry.localId) !== entry.revision);
    for (const entry of changed) this.listed.set(entry.localId, entry.revision);
    return changed;
  }

  /** The tasks seen so far. */
  ids(): string[] {
    return [...this.listed.keys()];
  }

  has(localId: string): boolean {
    return this.listed.has(localId);
  }

  /** Forgets a task (it left the ledger, or this window tells of it now); whether it had been seen. */
  forget(localId: string): boolean {
    return this.listed.delete(localId);
  }
}
