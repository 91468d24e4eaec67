import * as vscode from 'vscode';
import { withinTime } from './timeLimit';

/** How long a search of a workspace folder's files may take before it is given up. */
export const folderSearchMs = 10_000;

/**
 * `workspace.findFiles` in one folder, given up after `ms`: VS Code waits, without end and without
 * heeding the token, for a search provider of a file system that has none (a virtual folder of
 * another extension: an FTP or a zip provider, memfs). Answers the files found, or `undefined`
 * when the search did not answer in time or failed.
 */
export async function findFilesIn(folder: vscode.Uri, glob: string, max: number, ms = folderSearchMs): Promise<vscode.Uri[] | undefined> {
  const cancel = new vscode.CancellationTokenSource();
  try {
    return await withinTime(vscode.workspace.findFiles(new vscode.RelativePattern(folder, glob), undefined, max, cancel.token), ms, () => new Error('late')).catch(() => undefined);
  } finally {
    cancel.cancel();
    cancel.dispose();
  }
}
