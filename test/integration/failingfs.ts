import * as vscode from 'vscode';
import { MemoryFileSystem } from './memfs';

/**
 * A file system whose writes fail the way a full disk does (ENOSPC): folders can be made and
 * listed, but no file can be written. Registered under its own scheme; the workspace folder
 * that the results go to lives on it.
 */
export class FullDisk extends MemoryFileSystem {
  override writeFile(uri: vscode.Uri): void {
    throw vscode.FileSystemError.Unavailable(`ENOSPC: no space left on device, write '${uri.path}'`);
  }
}
