import { randomBytes } from 'node:crypto';
import { appendFile, lstat, mkdir, open, readFile, rename, rm, stat } from 'node:fs/promises';
import * as vscode from 'vscode';
import { onLocalDisk } from '../base/disk';
import { replaceFile } from '../base/nodeDisk';
import { compactIndex, emptyIndex, indexLinesText, needsCompaction, parseIndex, type IndexLine, type IndexState } from '../../common/provenanceIndex';

/*
 * One provenance index file on disk, shared by every window that has its folder open.
 *
 * Writers take a lock file beside the index (`history.jsonl.lock`, created exclusively), so that
 * an append never lands in a file that a compaction is about to replace, and so that an append
 * after a line cut short starts on a new line. The lock is held for one append (and, now and
 * then, one compaction): milliseconds. A lock older than `staleLockMs` was left by a window that
 * crashed while holding it, and is broken: renamed to a name of the breaking window's own first,
 * so that of two windows that break it at once one does (the other's rename finds nothing), and
 * a lock taken anew meanwhile is put back, not removed. The lock holds its window's owner line (a
 * token of its own), and a window removes the lock only while it still holds that line: never
 * the lock of a window that broke its own as stale. Each append is one write call of whole lines (with
 * O_APPEND on a local disk); a compaction writes a temporary file and renames it over the index,
 * so a reader sees the old index or the new one, never half of one. Readers take no lock.
 *
 * On a local disk (`file:`) the exclusive create is the operating system's; on other file systems
 * (remote file systems of other extensions, virtual workspaces) `vscode.workspace.fs` offers no
 * exclusive create, so the lock there is a check then a write: good against a second window of
 * the same machine most of the time, not always.
 */

/** A lock older than this belongs to a window that crashed while holding it. */
const staleLockMs = 30_000;
/** How long a writer waits for the lock before it gives up (and reports the failure). */
const lockWaitMs = 10_000;

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

function errorCode(error: unknown): string | undefined {
  return (error as NodeJS.ErrnoException | undefined)?.code;
}

/** The few file operations the index needs: Node's on a local disk (fast, with exclusive create), VS Code's elsewhere. */
interface IndexDisk {
  stat(uri: vscode.Uri): Promise<{ size: number; mtime: number } | undefined>;
  read(uri: vscode.Uri): Promise<string | undefined>;
  /** Writes a whole file: a temporary file of its own, renamed over it. */
  replace(uri: vscode.Uri, text: string): Promise<void>;
  append(uri: vscode.Uri, text: string): Promise<void>;
  /** Creates `uri` unless it exists; false when it did. */
  createExclusive(uri: vscode.Uri, text: string): Promise<boolean>;
  remove(uri: vscode.Uri): Promise<void>;
  /** Moves `from` to `to` (a new name of its own); false when `from` is not there (or cannot be moved). */
  rename(from: vscode.Uri, to: vscode.Uri): Promise<boolean>;
  makeFolder(uri: vscode.Uri): Promise<void>;
  /** Whether `uri` is a symbolic link (false when it is not there). */
  isLink(uri: vscode.Uri): Promise<boolean>;
  /** Temporary files a rewrite of `uri` left behind, the newest first. */
  leftovers(uri: vscode.Uri): Promise<vscode.Uri[]>;
}

const tempOf = (uri: vscode.Uri): vscode.Uri => uri.with({ path: `${uri.path}.${randomBytes(6).toString('hex')}.tmp` });
const baseName = (uri: vscode.Uri): string => uri.path.slice(uri.path.lastIndexOf('/') + 1);
const isTempOf = (uri: vscode.Uri, name: string): boolean => name.startsWith(`${baseName(uri)}.`) && /^\.[0-9a-f]{12}\.tmp$/.test(name.slice(baseName(uri).length));

const localDisk: IndexDisk = {
  stat: (uri) => stat(uri.fsPath).then((info) => ({ size: info.size, mtime: info.mtimeMs }), () => undefined),
  read: (uri) => readFile(uri.fsPath, 'utf8').then((text) => text, () => undefined),
  replace: (uri, text) => replaceFile(uri.fsPath, text),
  // One write call with O_APPEND: the line lands whole at the end, after every earlier append.
  append: (uri, text) => appendFile(uri.fsPath, text, 'utf8'),
  async createExclusive(uri, text) {
    try {
      const handle = await open(uri.fsPath, 'wx');
      await handle.writeFile(text).finally(() => handle.close());
      return true;
    } catch (error) {
      if (errorCode(error) === 'EEXIST') return false;
      throw error;
    }
  },
  remove: (uri) => rm(uri.fsPath, { force: true }),
  rename: (from, to) => rename(from.fsPath, to.fsPath).then(() => true, () => false),
  makeFolder: (uri) => mkdir(uri.fsPath, { recursive: true }).then(() => undefined),
  isLink: (uri) => lstat(uri.fsPath).then((info) => info.isSymbolicLink(), () => false),
  // A rename on the disk replaces its target in one step: the index is never gone while its new text waits.
  leftovers: () => Promise.resolve([]),
};

const encode = (text: string): Uint8Array => new TextEncoder().encode(text);

const workspaceDisk: IndexDisk = {
  stat: (uri) => Promise.resolve(vscode.workspace.fs.stat(uri)).then((info) => ({ size: info.size, mtime: info.mtime }), () => undefined),
  read: (uri) => Promise.resolve(vscode.workspace.fs.readFile(uri)).then((bytes) => new TextDecoder().decode(bytes), () => undefined),
  async replace(uri, text) {
    const temp = tempOf(uri);
    await vscode.workspace.fs.writeFile(temp, encode(text));
    const failure = await Promise.resolve(vscode.workspace.fs.rename(temp, uri, { overwrite: true })).then(() => undefined, (error: unknown) => error);
    if (failure === undefined) return;
    // VS Code deletes the target before it renames: where the index is gone, its new text is
    // written in its place. Where that fails too, the temporary file is all there is, and is
    // kept: the next read takes it back (`IndexFile.restoreLocked`).
    const kept = await this.stat(uri);
    if (!kept) await vscode.workspace.fs.writeFile(uri, encode(text));
    await Promise.resolve(vscode.workspace.fs.delete(temp)).catch(() => undefined);
    if (kept) throw failure instanceof Error ? failure : new Error('The index could not be renamed.');
  },
  // No append here: the whole index, read and written again (under the lock).
  async append(uri, text) {
    await this.replace(uri, `${(await this.read(uri)) ?? ''}${text}`);
  },
  // No exclusive create here: a check, then a write.
  async createExclusive(uri, text) {
    if (await this.stat(uri)) return false;
    await vscode.workspace.fs.writeFile(uri, encode(text));
    return true;
  },
  remove: (uri) => Promise.resolve(vscode.workspace.fs.delete(uri)).catch(() => undefined),
  rename: (from, to) => Promise.resolve(vscode.workspace.fs.rename(from, to, { overwrite: false })).then(() => true, () => false),
  makeFolder: (uri) => Promise.resolve(vscode.workspace.fs.createDirectory(uri)),
  isLink: (uri) => Promise.resolve(vscode.workspace.fs.stat(uri)).then((info) => (info.type & vscode.FileType.SymbolicLink) !== 0, () => false),
  async leftovers(uri) {
    const folder = vscode.Uri.joinPath(uri, '..');
    const names = await Promise.resolve(vscode.workspace.fs.readDirectory(folder)).then((entries) => entries.filter(([name, type]) => type === vscode.FileType.File && isTempOf(uri, name)).map(([name]) => name), () => []);
    const found = await Promise.all(names.map(async (name) => ({ uri: vscode.Uri.joinPath(folder, name), mtime: (await this.stat(vscode.Uri.joinPath(folder, name)))?.mtime ?? 0 })));
    return found.sort((a, b) => b.mtime - a.mtime).map((entry) => entry.uri);
  },
};

/** The index file of one workspace folder (or of the workspace's storage). */
export class IndexFile {
  private cache: { key: string; state: IndexState } | undefined;
  private readonly lock: vscode.Uri;
  private readonly disk: IndexDisk;
  /** Writes of this window, one after another (the lock keeps other windows out). */
  private queue: Promise<unknown> = Promise.resolve();
  /** Whether a read has looked for a rewrite's leftovers since the index was last rewritten here. */
  private leftoversLooked = false;
  /** The owner line this window wrote into the lock, while it holds it. */
  private owner: string | undefined;

  constructor(
    readonly uri: vscode.Uri,
    private readonly warn: (message: string) => void,
    /** How the index is named in the log: workspace-relative, never a path of the machine. */
    private readonly label: string,
  ) {
    this.lock = uri.with({ path: `${uri.path}.lock` });
    this.disk = onLocalDisk(uri) ? localDisk : workspaceDisk;
  }

  /** The index as it is now (read again only when the file changed). */
  async read(): Promise<IndexState> {
    if (!this.leftoversLooked && !(await this.disk.stat(this.uri))) {
      this.leftoversLooked = true;
      if ((await this.disk.leftovers(this.uri)).length > 0) await this.enqueue(() => this.restoreLocked()).catch((error: unknown) => this.warn(String(error)));
    }
    return this.readState();
  }

  private async readState(): Promise<IndexState> {
    const info = await this.disk.stat(this.uri);
    if (!info) {
      this.cache = undefined;
      return emptyIndex();
    }
    const key = `${info.size}:${info.mtime}`;
    if (this.cache?.key === key) return this.cache.state;
    const text = await this.disk.read(this.uri);
    // Replaced by a compaction while it was read: the last state holds until the next read.
    if (text === undefined) return this.cache?.state ?? emptyIndex();
    const state = parseIndex(text);
    if (state.bad > 0 && state.bad !== this.cache?.state.bad) this.warn(`Provenance index ${this.label}: ${state.bad} line(s) cannot be read and are skipped.`);
    this.cache = { key, state };
    return state;
  }

  /** Appends lines (one write), then compacts the index when it has grown. */
  append(lines: readonly IndexLine[]): Promise<void> {
    if (lines.length === 0) return Promise.resolve();
    return this.enqueue(() => this.appendLocked(lines));
  }

  private enqueue(work: () => Promise<void>): Promise<void> {
    const run = this.queue.then(() => this.locked(work));
    this.queue = run.catch(() => undefined);
    return run;
  }

  private async appendLocked(lines: readonly IndexLine[]): Promise<void> {
    if (!(await this.disk.stat(this.uri))) await this.restoreLocked();
    const before = await this.readState();
    await this.disk.append(this.uri, indexLinesText(lines, before.torn));
    const after = await this.readState();
    if (needsCompaction(after)) {
      // A rewrite that failed may have left the index only in its temporary file: looked for again.
      this.leftoversLooked = false;
      await this.disk.replace(this.uri, compactIndex(after));
      this.cache = undefined;
    }
  }

  /**
   * Where a rewrite failed after VS Code had deleted the index (a file system whose rename does
   * not replace its target), the index's text is in the temporary file the rewrite left: it is
   * put back. Runs under the lock, so no rewrite of another window is under way.
   */
  private async restoreLocked(): Promise<void> {
    const leftovers = await this.disk.leftovers(this.uri);
    if (leftovers.length === 0) return;
    if (!(await this.disk.stat(this.uri))) {
      const text = await this.disk.read(leftovers[0]!);
      if (text === undefined || !(await this.disk.createExclusive(this.uri, text))) return;
      this.warn(`Provenance index ${this.label}: put back from the temporary file a failed rewrite left.`);
    }
    for (const leftover of leftovers) await this.disk.remove(leftover);
  }

  /**
   * Runs `work` while this window holds the index's lock. An index (or its folder) that is a
   * symbolic link is never written: a repository could lead it to any file of the machine, which
   * would get the prompts appended.
   */
  private async locked<T>(work: () => Promise<T>): Promise<T> {
    for (const uri of [vscode.Uri.joinPath(this.uri, '..'), this.uri]) {
      if (await this.disk.isLink(uri)) throw new Error(`The provenance index ${this.label} is a symbolic link: it is not written.`);
    }
    const deadline = Date.now() + lockWaitMs;
    while (!(await this.tryLock())) {
      if (Date.now() > deadline) throw new Error(`The provenance index ${this.label} stayed locked by another window.`);
      await sleep(5 + Math.random() * 15);
    }
    try {
      return await work();
    } finally {
      await this.unlock();
    }
  }

  /** Removes the lock if it still holds this window's owner line: one broken as stale meanwhile (this window was that slow) is another window's now. */
  private async unlock(): Promise<void> {
    const owner = this.owner;
    this.owner = undefined;
    if (owner !== undefined && (await this.disk.read(this.lock)) === owner) await this.disk.remove(this.lock);
  }

  private async tryLock(): Promise<boolean> {
    // A token of its own: two windows of one process (or two stores of one window) never write the same line.
    const owner = `${process.pid} ${randomBytes(6).toString('hex')} ${new Date().toISOString()}\n`;
    let created: boolean;
    try {
      created = await this.disk.createExclusive(this.lock, owner);
    } catch {
      // The folder is not there yet (the first record of this folder).
      await this.disk.makeFolder(vscode.Uri.joinPath(this.uri, '..'));
      created = await this.disk.createExclusive(this.lock, owner);
    }
    if (created) {
      this.owner = owner;
      return true;
    }
    await this.breakIfStale();
    return false;
  }

  /**
   * Breaks the lock if it is stale. It is moved aside to a name of this window's own first: of
   * two windows breaking it at once, one rename finds it. What was moved is judged again (a rename
   * keeps the time of the file): a lock another window took between the look and the rename is
   * put back, unless a third took the lock meanwhile.
   */
  private async breakIfStale(): Promise<void> {
    const held = await this.disk.stat(this.lock);
    if (!held || Date.now() - held.mtime <= staleLockMs) return;
    const aside = this.lock.with({ path: `${this.lock.path}.${randomBytes(6).toString('hex')}.broken` });
    if (!(await this.disk.rename(this.lock, aside))) return;
    const moved = await this.disk.stat(aside);
    if (moved && Date.now() - moved.mtime <= staleLockMs) {
      const line = await this.disk.read(aside);
      if (line !== undefined) await this.disk.createExclusive(this.lock, line).catch(() => false);
    }
    await this.disk.remove(aside);
  }
}
