import * as vscode from 'vscode';
import { nodeDisk, type Disk } from './nodeDisk';

/*
 * The file operations of saving results, exports and thumbnails: through Node on the extension
 * host's own disk (`file:` URIs: the workspace's files wherever the extension host runs, local or
 * remote), through `vscode.workspace.fs` on every other file system (virtual workspaces, other
 * extensions' providers). `vscode.workspace.fs` asks the window for each call, and carries out
 * renames and copies in the window: 10 to 100 ms a call while the window is busy (measured in
 * VS Code 1.139 while an image preview opened), where Node's take well under one. The Explorer
 * and editors learn of the files from VS Code's file watcher either way.
 */

/** Whether a URI is on the extension host's own disk, where Node's file calls reach it. */
export function onLocalDisk(uri: vscode.Uri): boolean {
  return uri.scheme === 'file';
}

const workspaceDisk: Disk<vscode.Uri> = {
  makeFolder: async (folder) => vscode.workspace.fs.createDirectory(folder),
  names: async (folder) => vscode.workspace.fs.readDirectory(folder).then((entries) => entries.map(([name]) => name), () => []),
  copyIn: async (path, target) => vscode.workspace.fs.copy(vscode.Uri.file(path), target, { overwrite: true }),
  write: async (target, bytes) => vscode.workspace.fs.writeFile(target, bytes),
  moveOver: async (source, target) => vscode.workspace.fs.rename(source, target, { overwrite: true }),
  moveToFree: async (source, target) => vscode.workspace.fs.rename(source, target, { overwrite: false }),
  remove: async (uri) => vscode.workspace.fs.delete(uri).then(undefined, () => undefined),
  exists: async (uri) => vscode.workspace.fs.stat(uri).then(
    () => true,
    () => false,
  ),
};

/** The operations for files under `uri`. */
export function diskOf(uri: vscode.Uri): Disk<vscode.Uri> {
  return onLocalDisk(uri) ? nodeDisk : workspaceDisk;
}

/** Whether a file or folder exists. */
export function exists(uri: vscode.Uri): Promise<boolean> {
  return diskOf(uri).exists(uri);
}

/** The last segment of a URI's path: the file's name. */
export function fileName(uri: vscode.Uri): string {
  return uri.path.split('/').pop() ?? '';
}

/**
 * Writes a whole file: under a temporary name in its folder first, then moved into place, so
 * that no reader (nor a window closed meanwhile) ever leaves or sees half a file under the real
 * name. On the extension host's disk the bytes are flushed before the move (`nodeDisk.ts`).
 * `overwrite` false moves only to a free name (the move fails where a file is). The temporary
 * file is removed when anything fails, and the failure is thrown.
 */
export async function writeWhole(target: vscode.Uri, bytes: Uint8Array, overwrite = true): Promise<void> {
  const folder = vscode.Uri.joinPath(target, '..');
  const partial = vscode.Uri.joinPath(folder, `.${fileName(target)}.${Date.now().toString(36)}${Math.random().toString(36).slice(2, 8)}.partial`);
  const disk = diskOf(target);
  try {
    await disk.makeFolder(folder);
    await disk.write(partial, bytes);
    await (overwrite ? disk.moveOver(partial, target) : disk.moveToFree(partial, target));
  } catch (error) {
    await disk.remove(partial);
    throw error;
  }
}
