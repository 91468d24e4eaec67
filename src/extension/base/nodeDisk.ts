import { randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { copyFile, link, mkdir, open, readdir, rename, rm, stat, unlink, type FileHandle } from 'node:fs/promises';
import { dirname } from 'node:path';
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
  /**
   * Makes a file's bytes durable (fsync) before it is moved into place: after a power loss, a new
   * file whose bytes never reached the disk can come back empty (ext4, APFS). Absent where the
   * file system has no such call (`vscode.workspace.fs`).
   */
  flush?(file: Where): Promise<void>;
}

/** What a file's fsync answers on a file system that cannot flush: nothing to flush there. */
const fileFlushRefused = new Set(['EINVAL', 'ENOTSUP', 'EOPNOTSUPP', 'ENOSYS']);

/** What a folder's fsync answers where the system refuses one (Windows cannot open a folder; some file systems say EINVAL): nothing to flush there. */
const folderFlushRefused = new Set(['EINVAL', 'EPERM', 'EISDIR', 'EACCES', 'EBADF', 'ENOTSUP', 'EOPNOTSUPP', 'ENOSYS']);

/**
 * The two calls that make writes durable, in one object so that tests can see them made. A file
 * is flushed before its name is linked or renamed to it (else the name can survive a power loss
 * while the bytes do not), and its folder after, so that the new name itself is on the disk.
 */
export const flushing = {
  // A file system that cannot flush (a VirtualBox share, some FUSE or SMB mounts) keeps the bytes as it can: the write counts.
  file: (file: FileHandle): Promise<void> => file.sync().catch((error: unknown) => (fileFlushRefused.has((error as NodeJS.ErrnoException).code ?? '') ? undefined : Promise.reject(error instanceof Error ? error : new Error(String(error))))),
  async folder(path: string): Promise<void> {
    let handle: FileHandle | undefined;
    try {
      handle = await open(path, 'r');
      await handle.sync();
    } catch (error) {
      if (!folderFlushRefused.has((error as NodeJS.ErrnoException).code ?? '')) throw error;
    } finally {
      await handle?.close().catch(() => undefined);
    }
  },
};

/**
 * Flushes the folder of a file just moved into place, so that its new name is durable. The move
 * happened whatever the flush answers: a failure (a disk failing) is no failed move.
 */
function flushedMove(path: string): Promise<void> {
  return flushing.folder(dirname(path)).catch(() => undefined);
}

/** Flushes a file that is written already (see {@link flushing}). */
export async function flushFile(path: string): Promise<void> {
  // Opened for writing: Windows flushes only a handle that may write.
  const file = await open(path, 'r+');
  try {
    await flushing.file(file);
  } finally {
    await file.close();
  }
}

/** Writes a file and flushes it before it is closed (see {@link flushing}); `flag` as `open` takes it (`wx`: only a new file). */
export async function writeFlushed(path: string, data: string | Uint8Array, flag = 'w'): Promise<void> {
  const file = await open(path, flag);
  try {
    await file.writeFile(data);
    await flushing.file(file);
  } finally {
    await file.close();
  }
}

/** Errors that say a file system has no hard links (exFAT, FAT, some SMB and NFS shares): the move then copies. */
const noLinks = new Set(['EPERM', 'ENOTSUP', 'EOPNOTSUPP', 'ENOSYS', 'EXDEV', 'EMLINK', 'EINVAL']);

export const nodeDisk: Disk = {
  makeFolder: (folder) => mkdir(folder.fsPath, { recursive: true }).then(() => undefined),
  names: (folder) => readdir(folder.fsPath).catch(() => []),
  copyIn: (path, target) => copyFile(path, target.fsPath),
  write: (target, bytes) => writeFlushed(target.fsPath, bytes),
  async moveOver(source, target) {
    await rename(source.fsPath, target.fsPath);
    await flushedMove(target.fsPath);
  },
  async moveToFree(source, target) {
    // A hard link is created only where the name is free, in one step: no other writer (another
    // window, the user) can take the name between a check and the move.
    try {
      await link(source.fsPath, target.fsPath);
    } catch (error) {
      if (!noLinks.has((error as NodeJS.ErrnoException).code ?? '')) throw error;
      await copyToFree(source.fsPath, target.fsPath);
    }
    // The new name on the disk too (the bytes were flushed before, under the temporary name, or by the copy).
    await flushedMove(target.fsPath);
    // The file is in place under its name: a temporary name that cannot be removed (held open on
    // Windows) is left for the next cleanup rather than failing a move that happened.
    await unlink(source.fsPath).catch(() => undefined);
  },
  remove: (uri) => rm(uri.fsPath, { force: true }).catch(() => undefined),
  exists: (uri) => stat(uri.fsPath).then(
    () => true,
    () => false,
  ),
  flush: (file) => flushFile(file.fsPath),
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
    // Flushed before it counts as moved, as the linked file was before its link.
    await flushFile(target);
  } catch (error) {
    await file.close().catch(() => undefined);
    await rm(target, { force: true }).catch(() => undefined);
    throw error;
  }
}

/** Replaces a file whole: a temporary file beside it, renamed over it, so that a reader sees the old text or the new one. */
export async function replaceFile(path: string, text: string): Promise<void> {
  const temp = `${path}.${randomBytes(6).toString('hex')}.tmp`;
  await writeFlushed(temp, text);
  await rename(temp, path).catch(async (error: unknown) => {
    await rm(temp, { force: true });
    throw error;
  });
  await flushedMove(path);
}

/**
 * Whether two files of this machine have the same bytes: read side by side in pieces (memory
 * stays flat whatever their size); answers false at the first piece that differs, and when either
 * cannot be read.
 */
export async function sameContent(a: string, b: string): Promise<boolean> {
  let first: FileHandle | undefined;
  let second: FileHandle | undefined;
  try {
    first = await open(a, 'r');
    second = await open(b, 'r');
    const size = (await first.stat()).size;
    if ((await second.stat()).size !== size) return false;
    const [left, right] = [Buffer.alloc(256 * 1024), Buffer.alloc(256 * 1024)];
    for (let position = 0; position < size; ) {
      const [{ bytesRead }, other] = await Promise.all([first.read(left, 0, left.length, position), second.read(right, 0, right.length, position)]);
      if (bytesRead === 0 || bytesRead !== other.bytesRead || !left.subarray(0, bytesRead).equals(right.subarray(0, bytesRead))) return false;
      position += bytesRead;
    }
    return true;
  } catch {
    return false;
  } finally {
    await first?.close().catch(() => undefined);
    await second?.close().catch(() => undefined);
  }
}
