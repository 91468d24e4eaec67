import * as vscode from 'vscode';

/*
 * How files and folders are named in messages: relative to the workspace, or by their own name
 * when they lie outside it. Never a path of the machine: messages are read over shoulders, in
 * screenshots and in bug reports.
 */

function inWorkspace(uri: vscode.Uri): string | undefined {
  const root = vscode.workspace.getWorkspaceFolder(uri);
  if (!root) return undefined;
  if (root.uri.toString() === uri.toString()) return root.name;
  const relative = uri.path.slice(root.uri.path.replace(/\/$/, '').length + 1);
  return (vscode.workspace.workspaceFolders?.length ?? 0) > 1 ? `${root.name}/${relative}` : relative;
}

/** A file or folder as the user knows it: workspace-relative, or its own name outside the workspace. */
export function displayPath(uri: vscode.Uri): string {
  return inWorkspace(uri) ?? uri.path.split('/').filter(Boolean).pop() ?? uri.scheme;
}

export { withoutPaths } from '../../common/format';
