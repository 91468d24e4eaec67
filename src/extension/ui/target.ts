import * as vscode from 'vscode';
import { outputFolderIn } from '../config/settings';

/**
 * Where results of a new request go: `evolink.outputFolder` of the workspace folder (asked
 * when there are several; each folder may set its own), or a folder the user picks when no
 * folder is open. `undefined` when the user declines.
 */
export async function chooseTargetFolder(): Promise<vscode.Uri | undefined> {
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
    return outputFolderIn(folders[0]!);
  }
  // Cancelling the question cancels the request.
  const folder = await vscode.window.showWorkspaceFolderPick({
    placeHolder: vscode.l10n.t('Which workspace folder should the images go to?'),
    ignoreFocusOut: true,
  });
  return folder ? outputFolderIn(folder) : undefined;
}
