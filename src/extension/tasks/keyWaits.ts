import type { LedgerEntry } from '../../common/ledgerEntry';
import { waitsForUser } from '../../common/retry';

/**
 * Whether a task stopped because EvoLink refused its reads for the key or the balance (past its
 * deadline, as `unread`, or once its links could no longer last): a key set anew reads it again at
 * once (`checkAgain`), not at its next quiet look minutes later. A running task that waits so is
 * read again at once by its own window's resume (`resumeOne`).
 */
export function stoppedForKey(entry: LedgerEntry): boolean {
  return entry.state === 'stopped' && entry.attention === 'unread' && (entry.error !== undefined && waitsForUser(entry.error));
}
