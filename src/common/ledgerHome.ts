/*
 * Where a workspace's task ledger lives, as every window of the machine sees it. VS Code gives
 * each workspace identity its own storage: the same folder opened alone, inside a `.code-workspace`,
 * or in the untitled workspace VS Code makes when a second folder is added, has three ledgers. So
 * that a task paid for under one identity is not stranded when the window reopens under another,
 * each ledger is recorded in global storage with the folders its window had open, and a window
 * takes over the unfinished tasks of a ledger whose window is gone and whose results go into one of
 * its own folders (`tasks/adoption.ts`). The record also names the folders the ledger's unfinished
 * tasks save into (`targets`): a window with no folder keeps its tasks in global storage, with no
 * folders of its own, and a task it made for a folder the user picked is that folder's to take over.
 */

/** A ledger of the machine: its directory, its window's workspace folders (URI strings), and when that window last said it was there. */
export interface LedgerRecord {
  ledger: string;
  folders: string[];
  /** When a window on this ledger last said it was open (ms since the epoch). */
  seenAt: number;
  /** When that window closed (absent: open, or it crashed). */
  closedAt?: number;
  /** The folders the ledger's unfinished tasks save into (URI strings; absent in records of 0.4.x: none known). */
  targets?: string[];
}

/** The record in a file of the index, if it is one. */
export function parseLedgerRecord(text: string): LedgerRecord | undefined {
  try {
    const value = JSON.parse(text) as Partial<LedgerRecord> | null;
    const strings = (list: unknown): list is string[] => Array.isArray(list) && list.every((item) => typeof item === 'string');
    if (typeof value?.ledger !== 'string' || !strings(value.folders) || typeof value.seenAt !== 'number') return undefined;
    if (value.closedAt !== undefined && typeof value.closedAt !== 'number') return undefined;
    // A record whose targets do not read still names its window's folders.
    const targets = strings(value.targets) ? { targets: value.targets } : {};
    return { ledger: value.ledger, folders: value.folders, seenAt: value.seenAt, ...(value.closedAt === undefined ? {} : { closedAt: value.closedAt }), ...targets };
  } catch {
    return undefined;
  }
}

/** A window refreshes its record this often (and looks for ledgers left behind). */
export const ledgerRecordRefreshMs = 60_000;

/** A ledger whose window has not said it was there for this long is left behind (the window crashed). */
export const ledgerRecordStaleMs = 3 * ledgerRecordRefreshMs;

/** Nobody works on the ledger: its window closed, or has not been heard of for long. */
export function leftBehind(record: LedgerRecord, now: number): boolean {
  return (record.closedAt !== undefined && record.closedAt >= record.seenAt) || now - record.seenAt > ledgerRecordStaleMs;
}

const trimmed = (uri: string): string => uri.replace(/\/+$/, '');

/** `uri` is `folder` or inside it (both URI strings as VS Code writes them). */
export function isWithin(uri: string, folder: string): boolean {
  const [inner, outer] = [trimmed(uri), trimmed(folder)];
  return inner === outer || inner.startsWith(`${outer}/`);
}

/** Two sets of folders share a folder, or one holds a folder of the other. */
export function foldersOverlap(a: readonly string[], b: readonly string[]): boolean {
  return a.some((x) => b.some((y) => isWithin(x, y) || isWithin(y, x)));
}

/**
 * Whether the ledger may hold tasks for a window on `folders` to take over: its window had one of
 * them open (or a folder inside or around one), or one of its unfinished tasks saves into one of
 * them. Which tasks move is decided task by task (`tasks/adoption.ts`): only those whose results
 * go into one of `folders`.
 */
export function ledgerConcerns(record: LedgerRecord, folders: readonly string[]): boolean {
  return foldersOverlap(record.folders, folders) || (record.targets ?? []).some((target) => folders.some((folder) => isWithin(target, folder)));
}
