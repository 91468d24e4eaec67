import * as vscode from 'vscode';
import { EvoLinkError } from '../../common/errors';
import { outputFolderIn } from '../config/settings';
import { displayPath } from './paths';
import { insideWorkspace } from './workspaceFiles';

/**
 * The output folder of a workspace folder ({@link outputFolderIn}), once it is known to stay in
 * it: a folder on the way that is a symbolic link out (a cloned repository's `images -> ../..`)
 * would write the paid results elsewhere. Throws a `configuration` error before anything is sent.
 */
export async function outputFolderInside(workspaceFolder: vscode.WorkspaceFolder): Promise<vscode.Uri> {
  const folder = outputFolderIn(workspaceFolder);
  if (await insideWorkspace(folder)) return folder;
  throw new EvoLinkError(
    'configuration',
    vscode.l10n.t('The output folder {0} leads outside the workspace folder through a symbolic link. Set evolink.outputFolder to a folder inside it, or put a folder in place of the link.', displayPath(folder)),
    { param: 'evolink.outputFolder' },
  );
}

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
    return outputFolderInside(folders[0]!);
  }
  // Cancelling the question cancels the request.
  const folder = await vscode.window.showWorkspaceFolderPick({
    placeHolder: vscode.l10n.t('Which workspace folder should the images go to?'),
    ignoreFocusOut: true,
  });
  return folder ? outputFolderInside(folder) : undefined;
}
