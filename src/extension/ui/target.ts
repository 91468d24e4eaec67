import * as vscode from 'vscode';
import { outputFolderOf } from '../tasks/writer';

/**
 * Where results of a new request go: `evolink.outputFolder` in the workspace folder (asked
 * when there are several), or a folder the user picks when no folder is open. `undefined` when
 * the user declines.
 */
export async function chooseTargetFolder(outputFolder: string): Promise<vscode.Uri | undefined> {
  const folders = vscode.workspace.workspaceFolders ?? [];
  if (folders.length === 0) {
    const picked = await vscode.window.showOpenDialog({
      canSelectFolders: true,
      canSelectFiles: false,
      canSelectMany: false,
      title: vscode.l10n.t('Choose a folder for the generated images'),
      openLabel: vscode.l10n.t('Save Images Here'),
    });
    return picked?.[0];
  }
  if (folders.length === 1) {
    return outputFolderOf(folders[0]!.uri, outputFolder);
  }
  // Cancelling the question cancels the request.
  const folder = await vscode.window.showWorkspaceFolderPick({
    placeHolder: vscode.l10n.t('Which workspace folder should the images go to ({0})?', outputFolder),
    ignoreFocusOut: true,
  });
  return folder ? outputFolderOf(folder.uri, outputFolder) : undefined;
}
