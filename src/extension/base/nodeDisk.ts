import { randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { copyFile, link, mkdir, open, readdir, rename, rm, stat, unlink, writeFile } from 'node:fs/promises';
import { pipeline } from 'node:stream/promises';

/*
 * The file operations of saving results, exports and thumbnails through Node, on the extension
 * host's own disk (`disk.ts` chooses between these and `vscode.workspace.fs`).
 */

/** A file or folder: a URI of the `file` scheme, or anything with its path on this machine. */
export interface Place {
  fsPath: string;
}

/** The operations, on places of one kind (`disk.ts` has the other kind: VS Code's URIs). */
export interface Disk<Where = Place> {
  /** Creates a folder and the folders above it. */
  makeFolder(folder: Where): Promise<void>;
  /** The names in a folder; none when it cannot be read. */
  names(folder: Where): Promise<string[]>;
  /** Copies a file of this machine (a path) to `target`, replacing what is there. */
  copyIn(path: string, target: Where): Promise<void>;
  /** Writes a whole file, replacing what is there. */
  write(target: Where, bytes: Uint8Array): Promise<void>;
  /** Moves a file to `target`, replacing what is there. */
  moveOver(source: Where, target: Where): Promise<void>;
  /** Moves a file to a name that must be free: it fails when `target` exists, and never replaces it. */
  moveToFree(source: Where, target: Where): Promise<void>;
  /** Removes a (temporary) file as far as it can: a file that is not there or stays is no failure. */
  remove(uri: Where): Promise<void>;
  exists(uri: Where): Promise<boolean>;
}

/** Errors that say a file system has no hard links (exFAT, FAT, some SMB and NFS shares): the move then copies. */
const noLinks = new Set(['EPERM', 'ENOTSUP', 'EOPNOTSUPP', 'ENOSYS', 'EXDEV', 'EMLINK', 'EINVAL']);

export const nodeDisk: Disk = {
  makeFolder: (folder) => mkdir(folder.fsPath, { recursive: true }).then(() => undefined),
  names: (folder) => readdir(folder.fsPath).catch(() => []),
  copyIn: (path, target) => copyFile(path, target.fsPath),
  write: (target, bytes) => writeFile(target.fsPath, bytes),
  moveOver: (source, target) => rename(source.fsPath, target.fsPath),
  async moveToFree(source, target) {
    // A hard link is created only where the name is free, in one step: no other writer (another
    // window, the user) can take the name between a check and the move.
    try {
      await link(source.fsPath, target.fsPath);
    } catch (error) {
      if (!noLinks.has((error as NodeJS.ErrnoException).code ?? '')) throw error;
      await copyToFree(source.fsPath, target.fsPath);
    }
    // The file is in place under its name: a temporary name that cannot be removed (held open on
    // Windows) is left for the next cleanup rather than failing a move that happened.
    await unlink(source.fsPath).catch(() => undefined);
  },
  remove: (uri) => rm(uri.fsPath, { force: true }).catch(() => undefined),
  exists: (uri) => stat(uri.fsPath).then(
    () => true,
    () => false,
  ),
};

/**
 * Copies a file to a name that must be free, for file systems without hard links: the name is
 * created exclusively, in one step as a link would be, so a name that exists fails with EEXIST
 * like the link and is never replaced (a check followed by a rename would replace a file made in
 * between, and of two results moved to one name at once only one would stay). A copy that fails
 * part way is removed: the file is this call's own, since it created the name.
 */
async function copyToFree(source: string, target: string): Promise<void> {
  const file = await open(target, 'wx');
  try {
    await pipeline(createReadStream(source), file.createWriteStream());
  } catch (error) {
    await file.close().catch(() => undefined);
    await rm(target, { force: true }).catch(() => undefined);
    throw error;
  }
}

/** Replaces a file whole: a temporary file beside it, renamed over it, so that a reader sees the old text or the new one. */
export async function replaceFile(path: string, text: string): Promise<void> {
  const temp = `${path}.${randomBytes(6).toString('hex')}.tmp`;
  await writeFile(temp, text, 'utf8');
  await rename(temp, path).catch(async (error: unknown) => {
    await rm(temp, { force: true });
    throw error;
  });
}
