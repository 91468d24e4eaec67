import { realpath } from 'node:fs/promises';
import * as vscode from 'vscode';

function isInside(path: string, folder: string): boolean {
  const root = folder.replace(/[\\/]+$/, '');
  return path === root || path.startsWith(`${root}/`) || path.startsWith(`${root}\\`);
}

/**
 * The same file, if it lies in a workspace folder, or `undefined`. `..` cannot lead out (URIs
 * are normalized), and neither can a symbolic link: on disk, the real path must lie within the
 * real path of the workspace folder. A file that does not exist yet is judged by the nearest
 * folder on its way that does (what is made below it is made there).
 */
export async function insideWorkspace(uri: vscode.Uri): Promise<vscode.Uri | undefined> {
  const folder = vscode.workspace.getWorkspaceFolder(uri);
  if (!folder || !isInside(uri.path, folder.uri.path)) return undefined;
  if (uri.scheme !== 'file') return uri;
  const root = await realpath(folder.uri.fsPath).catch(() => folder.uri.fsPath);
  for (let at = uri; isInside(at.path, folder.uri.path); at = vscode.Uri.joinPath(at, '..')) {
    const real = await realpath(at.fsPath).catch(() => undefined);
    if (real !== undefined) return isInside(real, root) ? uri : undefined;
    if (at.path === folder.uri.path) break;
  }
  return undefined;
}

/**
 * A path an agent gave, inside the workspace or not at all: relative to the (first, or named)
 * workspace folder, or absolute within one.
 */
export async function workspacePath(path: string): Promise<vscode.Uri | undefined> {
  const folders = vscode.workspace.workspaceFolders ?? [];
  if (folders.length === 0) return undefined;
  if (/^([a-zA-Z]:[\\/]|\/)/.test(path)) {
    return insideWorkspace(folders[0]!.uri.with({ path: path.replace(/\\/g, '/').replace(/^([a-zA-Z]:)/, '/$1') }));
  }
  const parts = path.split(/[\\/]+/).filter((part) => part && part !== '.');
  const named = folders.length > 1 ? folders.find((folder) => folder.name === parts[0]) : undefined;
  return insideWorkspace(vscode.Uri.joinPath((named ?? folders[0]!).uri, ...(named ? parts.slice(1) : parts)));
}

/**
 * The workspace file a dropped URI names. In a remote window the explorer gives the window's
 * view of the file (`vscode-remote://host/path`), while the extension host sees the same path
 * under the workspace folder's own scheme: the path is tried under each folder's scheme.
 */
export async function droppedWorkspaceFile(uri: vscode.Uri): Promise<vscode.Uri | undefined> {
  if (vscode.workspace.getWorkspaceFolder(uri)) return insideWorkspace(uri);
  for (const folder of vscode.workspace.workspaceFolders ?? []) {
    const candidate = uri.with({ scheme: folder.uri.scheme, authority: folder.uri.authority });
    if (vscode.workspace.getWorkspaceFolder(candidate)) return insideWorkspace(candidate);
  }
  return undefined;
}
