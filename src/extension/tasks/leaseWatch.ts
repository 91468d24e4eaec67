import type { LedgerEntry } from '../../common/ledgerEntry';

/**
 * How long each lease another window holds has been seen unchanged: a lease whose revision stood
 * still for the stale time is stale, and its task may be taken over. Measured on a monotonic
 * clock: the wall clock jumps ahead when a laptop wakes, and the first look after it would take a
 * live window's task before that window had a moment to renew its lease (and it moves when the
 * clock is set).
 */
export class LeaseWatch {
  private readonly seen = new Map<string, { revision: number; since: number }>();

  constructor(private readonly elapsed: () => number = () => performance.now()) {}

  /**
   * Whether `owner` (this window) may take up `entry` now: `free` when nobody else holds it,
   * `stale` when another window's lease has stood at this revision for `staleMs`, else `live`.
   */
  judge(entry: LedgerEntry, owner: string, staleMs: number): 'free' | 'live' | 'stale' {
    const holder = entry.lease?.owner;
    if (holder === undefined || holder === owner) return 'free';
    const now = this.elapsed();
    const seen = this.seen.get(entry.localId);
    if (!seen || seen.revision !== entry.revision) {
      this.seen.set(entry.localId, { revision: entry.revision, since: now });
      return 'live';
    }
    return now - seen.since >= staleMs ? 'stale' : 'live';
  }

  /** Forgets a task's lease (the task is taken up). */
  forget(localId: string): void {
    this.seen.delete(localId);
  }
}
