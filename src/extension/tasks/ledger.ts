import { randomBytes } from 'node:crypto';
import { link, mkdir, readdir, readFile, rename, rm, stat, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { parseLedgerEntry, type LedgerEntry } from '../../common/ledgerEntry';
import { flushing, writeFlushed } from '../base/nodeDisk';

/*
 * The task ledger: every paid request, from before it is sent until its results are saved, in
 * the extension's storage for the workspace (shared by every window on that workspace). Each
 * write of a task makes a new file `<id>.<revision>.json`, created with `link()`, which fails
 * when the file exists: of two windows that write revision 8 of a task, exactly one succeeds,
 * and the other reads the task again. A revision made free because it was dropped as old is
 * taken back when a newer one is found beside it. So no window ever overwrites a newer state with
 * an older one, without any lock that a crashed window could leave behind. The newest two revisions are
 * kept; a file that cannot be read is set aside as `*.corrupt` and reported, never dropped.
 */

/** A file of the ledger that could not be read, set aside under `movedTo` (file names only). */
export interface LedgerProblem {
  file: string;
  movedTo: string;
  problem: string;
}

/** An uploaded local file, by the SHA-256 of its bytes: reused while its link is valid. */
export interface UploadRecord {
  fileUrl: string;
  /** When the files API lets the link expire (ms since the epoch). */
  expiresAt: number;
  uploadedAt: number;
  bytes: number;
  /** Where it was uploaded, and with which key (a hash of it): a link is reused only there (absent in records of 0.4.0 and before). */
  account?: string;
}

/** A file younger than this that does not parse may still be being written (see `createExclusive`). */
const youngFileMs = 10_000;

const revisionName = /^(.+)\.(\d+)\.json$/;
const legacyName = /^(.+)\.json$/;

/** The files of newer releases' tasks already told of in the log (every ledger opened in this extension host): told once. */
const toldNewer = new Set<string>();

/** A new id for a task: unique, and safe as a file name and as an Idempotency-Key. */
export function newLocalId(): string {
  return `evl-${Date.now().toString(36)}-${randomBytes(12).toString('hex')}`;
}

interface FileOfTask {
  name: string;
  localId: string;
  revision: number;
}

function fileOf(name: string): FileOfTask | undefined {
  const revised = revisionName.exec(name);
  if (revised) return { name, localId: revised[1]!, revision: Number(revised[2]) };
  const legacy = legacyName.exec(name);
  // Version 1 wrote one `<id>.json` per task; it reads as revision 0.
  return legacy && !name.startsWith('.') ? { name, localId: legacy[1]!, revision: 0 } : undefined;
}

function errorCode(error: unknown): string | undefined {
  return (error as NodeJS.ErrnoException | undefined)?.code;
}

/** The ledger on disk. */
export class TaskLedger {
  /** Files set aside since this ledger was opened; read once by Show Tasks. */
  private readonly problems: LedgerProblem[] = [];
  /** The tasks whose newest revision a newer release wrote, as the last reads found them. */
  private readonly newerTasks = new Set<string>();

  constructor(
    private readonly dir: string,
    private readonly warn: (message: string) => void = () => undefined,
  ) {}

  /** Records a new task (its revision 1). */
  async create(entry: LedgerEntry): Promise<LedgerEntry> {
    const written = await this.write(entry, entry.revision);
    if (!written) throw new Error(`The task ${entry.localId} exists already.`);
    return written;
  }

  /**
   * Writes the next revision of a task, if the ledger still holds revision `expected`. Answers
   * the entry as written, or `undefined` when another window wrote first (read it again).
   */
  async write(entry: LedgerEntry, expected: number): Promise<LedgerEntry | undefined> {
    await mkdir(this.dir, { recursive: true });
    // Each write is named, and names the write it was based on (none for an entry made anew).
    const written: LedgerEntry = { ...entry, revision: expected + 1, writeId: randomBytes(6).toString('hex') };
    if (entry.writeId === undefined) delete written.parentWriteId;
    else written.parentWriteId = entry.writeId;
    const target = join(this.dir, `${entry.localId}.${written.revision}.json`);
    if (!(await this.createExclusive(target, JSON.stringify(written, null, 1)))) return undefined;
    let files: FileOfTask[];
    try {
      files = await this.filesOf(entry.localId);
    } catch {
      return written; // The write itself succeeded; old revisions go at the next write.
    }
    // Revision `expected + 1` may be free only because it was dropped as old: other windows wrote
    // past it. The write is then as late as one that found the file, and is taken back, unless the
    // revisions after it stand on it (`builtOn`): another window read it and went on.
    if (files.some((file) => file.revision > written.revision) && !(await this.builtOn(files, written))) {
      await rm(target, { force: true });
      return undefined;
    }
    await this.dropOldRevisions(files, written.revision);
    return written;
  }

  /**
   * Creates `target` with `text` unless it exists: `link()` makes it whole and exclusive at once.
   * The bytes are flushed before the link and the folder after it: else, after a power loss, the
   * new revision could come back empty (ext4, APFS), be set aside as corrupt with the one before,
   * and a running paid task would vanish.
   */
  private async createExclusive(target: string, text: string): Promise<boolean> {
    const temp = join(this.dir, `.${randomBytes(8).toString('hex')}.tmp`);
    try {
      // A full disk fails here, with the temporary file part written: it goes too.
      await writeFlushed(temp, text);
      await link(temp, target);
    } catch (error) {
      if (errorCode(error) === 'EEXIST') return false;
      if (!['EPERM', 'ENOTSUP', 'EOPNOTSUPP', 'ENOSYS', 'EXDEV'].includes(errorCode(error) ?? '')) throw error;
      // A file system without hard links: an exclusive create, written in place. A reader that
      // meets the file half written takes it for one still being written (see `read`).
      const created = await writeFlushed(target, text, 'wx').then(
        () => true,
        (failure: unknown) => {
          if (errorCode(failure) === 'EEXIST') return false;
          throw failure;
        },
      );
      if (!created) return false;
    } finally {
      await unlink(temp).catch(() => undefined);
    }
    // The revision is written whatever this answers (a folder that cannot be flushed says so in vain).
    await flushing.folder(this.dir).catch(() => undefined);
    return true;
  }

  /**
   * Whether every revision after `written` stands on it: each, up to the newest, names the one
   * before it as its parent (a file that cannot be read, or a gap, says no: the write is taken back).
   */
  private async builtOn(files: readonly FileOfTask[], written: LedgerEntry): Promise<boolean> {
    const above = files.filter((file) => file.revision > written.revision).sort((a, b) => a.revision - b.revision);
    let parent = written.writeId;
    for (const [index, file] of above.entries()) {
      if (file.revision !== written.revision + 1 + index) return false;
      const text = await readFile(join(this.dir, file.name), 'utf8').catch(() => undefined);
      const parsed = text === undefined ? undefined : parseLedgerEntry(text);
      if (parsed?.ok !== true || parent === undefined || parsed.entry.parentWriteId !== parent) return false;
      parent = parsed.entry.writeId;
    }
    return above.length > 0;
  }

  /** Drops revisions older than the one before `newest`; a file that cannot go now goes next time. */
  private async dropOldRevisions(files: readonly FileOfTask[], newest: number): Promise<void> {
    for (const file of files) {
      if (file.revision < newest - 1) await rm(join(this.dir, file.name), { force: true }).catch(() => undefined);
    }
  }

  /** The ledger's files: none when it has none yet; any other failure is told, never taken for "no tasks". */
  private async names(): Promise<string[]> {
    try {
      return await readdir(this.dir);
    } catch (error) {
      if (errorCode(error) === 'ENOENT') return [];
      throw error;
    }
  }

  private async filesOf(localId: string, names?: string[]): Promise<FileOfTask[]> {
    return (names ?? (await this.names()))
      .map(fileOf)
      .filter((file): file is FileOfTask => file?.localId === localId)
      .sort((a, b) => b.revision - a.revision);
  }

  /** The newest readable revision of a task; none for a task that moved to another ledger. */
  async get(localId: string): Promise<LedgerEntry | undefined> {
    const entry = await this.newest(localId);
    return entry?.movedTo ? undefined : entry;
  }

  private async newest(localId: string): Promise<LedgerEntry | undefined> {
    // Revisions listed may be dropped by newer writes before they are read: list again then.
    for (let attempt = 0; attempt < 5; attempt++) {
      const files = await this.filesOf(localId);
      const { entry, vanished } = await this.read(files);
      if (entry || !vanished) return entry;
    }
    return undefined;
  }

  /** Reads the newest of a task's files that parses; sets aside the ones that never will. */
  private async read(files: FileOfTask[]): Promise<{ entry?: LedgerEntry; vanished: boolean }> {
    let vanished = false;
    for (const file of files) {
      const path = join(this.dir, file.name);
      let text: string;
      try {
        text = await readFile(path, 'utf8');
      } catch (error) {
        if (errorCode(error) === 'ENOENT') {
          vanished = true; // Dropped as an old revision while it was listed.
          continue;
        }
        throw error;
      }
      const parsed = parseLedgerEntry(text);
      if (parsed.ok) {
        this.newerTasks.delete(file.localId);
        return { entry: { ...parsed.entry, revision: file.revision }, vanished };
      }
      if (parsed.newer !== undefined) {
        // A newer release's task: neither set aside nor read from an older revision (that would
        // roll it back), nor written (no entry to write from): this window leaves it to that release.
        this.skipNewer(file, parsed.problem);
        return { vanished };
      }
      const age = await stat(path).then((info) => Date.now() - info.mtimeMs, () => Infinity);
      if (age < youngFileMs) continue;
      await this.setAside(file.name, parsed.problem);
    }
    return { vanished };
  }

  /** Notes a task a newer release wrote, and says so once per file in this extension host. */
  private skipNewer(file: FileOfTask, problem: string): void {
    this.newerTasks.add(file.localId);
    const path = join(this.dir, file.name);
    if (toldNewer.has(path)) return;
    toldNewer.add(path);
    this.warn(`Task ledger: ${file.name} is left as it is and not shown: ${problem}`);
  }

  /** Whether the last reads met tasks that a newer release wrote (skipped: this window cannot tell whether they are finished). */
  holdsNewer(): boolean {
    return this.newerTasks.size > 0;
  }

  private async setAside(name: string, problem: string): Promise<void> {
    const movedTo = `${name}.corrupt`;
    try {
      await rename(join(this.dir, name), join(this.dir, movedTo));
    } catch {
      return; // Another window set it aside first, and reports it.
    }
    this.warn(`Task ledger: ${name} cannot be read (${problem}); set aside as ${movedTo}`);
    this.problems.push({ file: name, movedTo, problem });
  }

  /** Every task, newest first (none that moved to another ledger). */
  async list(): Promise<LedgerEntry[]> {
    return (await this.all()).filter((entry) => !entry.movedTo);
  }

  /** The tasks that moved to another ledger, as their records here were left. */
  async moved(): Promise<LedgerEntry[]> {
    return (await this.all()).filter((entry) => entry.movedTo);
  }

  private async all(): Promise<LedgerEntry[]> {
    const names = await this.names();
    this.newerTasks.clear();
    const ids = new Set(names.map(fileOf).filter((file) => file !== undefined).map((file) => file.localId));
    const entries = await Promise.all([...ids].map(async (id) => (await this.read(await this.filesOf(id, names))).entry ?? (await this.newest(id))));
    return entries.filter((entry): entry is LedgerEntry => entry !== undefined).sort((a, b) => b.createdAt - a.createdAt);
  }

  /** The files set aside since the last call. */
  takeProblems(): LedgerProblem[] {
    return this.problems.splice(0);
  }

  /** Removes a task (its saved files stay). */
  async remove(localId: string): Promise<void> {
    for (const file of await this.filesOf(localId)) await rm(join(this.dir, file.name), { force: true });
    // Version 1 kept a claim file beside the task.
    await rm(join(this.dir, `${localId}.claim`), { force: true });
  }

  /** Removes temporary files that a closed window left behind, and claim files of version 1. */
  async sweep(olderThanMs: number): Promise<void> {
    for (const name of await this.names()) {
      if (!name.endsWith('.tmp') && !name.endsWith('.claim')) continue;
      const path = join(this.dir, name);
      const age = await stat(path).then((info) => Date.now() - info.mtimeMs, () => 0);
      if (age > olderThanMs) await rm(path, { force: true });
    }
  }

  private uploadFile(sha256: string): string {
    return join(this.dir, 'uploads', `${sha256}.json`);
  }

  /** The upload of these bytes, if one was recorded. */
  async getUpload(sha256: string): Promise<UploadRecord | undefined> {
    try {
      return JSON.parse(await readFile(this.uploadFile(sha256), 'utf8')) as UploadRecord;
    } catch {
      return undefined;
    }
  }

  /** Forgets the uploads of these links (the service could not fetch them): the next request uploads the bytes again. */
  async forgetUploads(fileUrls: ReadonlySet<string>): Promise<number> {
    const dir = join(this.dir, 'uploads');
    const names = await readdir(dir).catch(() => [] as string[]);
    let forgotten = 0;
    for (const name of names.filter((each) => each.endsWith('.json'))) {
      const record = await readFile(join(dir, name), 'utf8').then((text) => JSON.parse(text) as UploadRecord, () => undefined);
      if (record && fileUrls.has(record.fileUrl)) {
        await rm(join(dir, name), { force: true });
        forgotten++;
      }
    }
    return forgotten;
  }

  /** Records an upload (atomically, like tasks; the last writer wins, both records are valid). */
  async putUpload(sha256: string, record: UploadRecord): Promise<void> {
    const file = this.uploadFile(sha256);
    await mkdir(join(this.dir, 'uploads'), { recursive: true });
    const temp = `${file}.${randomBytes(4).toString('hex')}.tmp`;
    await writeFlushed(temp, JSON.stringify(record));
    await rename(temp, file);
  }
}
