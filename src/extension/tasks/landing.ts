import type * as vscode from 'vscode';
import type { LedgerEntry } from '../../common/ledgerEntry';

/*
 * A result found at its name after a save that was cut short (a window closed or crashed between
 * the move into place and its record): what tells that it is the result, and what it still needs.
 */

/**
 * Writes a verified download into the workspace: answers the saved file, or `undefined` when
 * `claim` (asked with the chosen name just before the rename) says this window may not.
 */
export interface ResultWriter {
  (kept: string, entry: LedgerEntry, index: number, owner: string, claim: (target: vscode.Uri) => Promise<boolean>): Promise<vscode.Uri | undefined>;
  /**
   * Whether the file at `target` (a URI string) has exactly the bytes of the kept download `kept`
   * (a path of this machine). A writer without it never takes a file at the name for the result.
   */
  sameBytes?(target: string, kept: string): Promise<boolean>;
  /**
   * Records the provenance of a result found at `target` (a URI string) as the writer does when
   * it saves one, unless the image has provenance already: a save cut short after the move never
   * recorded it, and the image would be missing from History. Safe to repeat.
   */
  recordLanded?(target: string, kept: string, entry: LedgerEntry, index: number): Promise<void>;
}

/** What the check needs from the window. */
export interface LandingDeps {
  /** The size of a file of the workspace (a URI string), or `undefined` when there is none. */
  fileSize: (uri: string) => Promise<number | undefined>;
  writer: Pick<ResultWriter, 'sameBytes'>;
}

/**
 * Whether a result recorded as about to land at `target` did: the file there is its kept
 * download (`kept`, of `keptSize` bytes), byte for byte. Another file of the same size there (a
 * task of the same prompt took the name since) is not: taking it for the result would delete the
 * kept, paid image. Without its download to compare with, a file at the name may be any other:
 * the result is saved anew, under a free name.
 */
export async function landed(deps: LandingDeps, target: string, kept: string | undefined, keptSize: number | undefined): Promise<boolean> {
  if (kept === undefined || keptSize === undefined) return false;
  // The size first: it is cheap, and tells most other files apart.
  if ((await deps.fileSize(target)) !== keptSize) return false;
  // A writer that cannot compare saves the result anew: a second copy at worst, never a lost one.
  return (await deps.writer.sameBytes?.(target, kept)) ?? false;
}
