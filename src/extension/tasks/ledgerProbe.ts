import * as vscode from 'vscode';
import { ledgerConcerns, parseLedgerRecord } from '../../common/ledgerHome';

/**
 * Whether another ledger of the machine was recorded for these folders (the same folders under
 * another workspace identity, or a window without a folder whose tasks save into one of them,
 * `common/ledgerHome.ts`): it may hold tasks for this window to take
 * over. Read at activation with VS Code's own file system API, so that the services load only
 * when there may be something to do.
 */
export async function otherLedgerFor(indexDir: vscode.Uri, ownLedger: string, folders: readonly string[]): Promise<boolean> {
  if (folders.length === 0) return false;
  let names: [string, vscode.FileType][];
  try {
    names = await vscode.workspace.fs.readDirectory(indexDir);
  } catch {
    return false;
  }
  for (const [name] of names.filter(([file]) => file.endsWith('.json'))) {
    const bytes = await Promise.resolve(vscode.workspace.fs.readFile(vscode.Uri.joinPath(indexDir, name))).catch(() => undefined);
    const record = bytes && parseLedgerRecord(new TextDecoder().decode(bytes));
    if (record && record.ledger !== ownLedger && ledgerConcerns(record, folders)) return true;
  }
  return false;
}
