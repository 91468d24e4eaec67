import { randomBytes } from 'node:crypto';
import { mkdir, open, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { GenerationRequest, SubmitBody } from '../../common/request';

/*
 * The task ledger: every paid request, from before it is sent until its results are saved. One
 * JSON file per task in the workspace's extension storage, written atomically, so that two
 * windows on one workspace never overwrite each other's tasks. Before results are saved, a
 * window claims the task with an exclusively created claim file: the other window sees the
 * claim and leaves the task alone, so nothing is downloaded twice.
 */

/** Where a task is in its life. */
export type EntryState =
  /** Recorded; the submit is being sent. */
  | 'submitting'
  /** The submit's answer was lost: asking again with the same Idempotency-Key finds out. */
  | 'unknownOutcome'
  | 'running'
  /** Past its deadline; it may still complete: "Check again". */
  | 'stopped'
  /** Completed; results not saved yet. */
  | 'completed'
  | 'saved'
  /** Completed, but saving failed (disk full, read-only folder): the files wait in storage. */
  | 'saveFailed'
  | 'failed'
  /** Completed more than 24 h ago and not saved: the links are gone. */
  | 'expired';

/** One task of the ledger. */
export interface LedgerEntry {
  localId: string;
  idempotencyKey: string;
  createdAt: number;
  state: EntryState;
  request: GenerationRequest;
  body: SubmitBody;
  /** The folder the results go to (a URI string). */
  targetFolder: string;
  /** Local images the request was made from (URI strings), for lineage. */
  sources?: string[];
  /** The painted mask the request was made with (a file URI string in storage), for a retry. */
  maskSource?: string;
  /** An edit of this image (a URI string): results go beside it as `<name>.edit-N.<ext>`. */
  editOf?: string;
  taskId?: string;
  estimatedSeconds: number;
  progress: number;
  progressAt?: number;
  polls: number;
  creditsReserved?: number;
  creditsUsed?: number;
  resultUrls?: string[];
  completedAt?: number;
  /** Saved files (URI strings), by result index. */
  saved?: (string | null)[];
  /** Downloaded files waiting in storage when saving failed, by result index. */
  pending?: (string | null)[];
  error?: { reason: string; code?: string; message: string };
  updatedAt: number;
}

/** An uploaded local file, by the SHA-256 of its bytes: reused while its link is valid. */
export interface UploadRecord {
  fileUrl: string;
  /** When the files API lets the link expire (ms since the epoch). */
  expiresAt: number;
  uploadedAt: number;
  bytes: number;
}

const claimStaleMs = 2 * 60_000;

/** A new id for a task: unique, and safe as a file name and as an Idempotency-Key. */
export function newLocalId(): string {
  return `evl-${Date.now().toString(36)}-${randomBytes(12).toString('hex')}`;
}

/** The ledger on disk. */
export class TaskLedger {
  constructor(private readonly dir: string) {}

  private file(localId: string): string {
    return join(this.dir, `${localId}.json`);
  }

  private claimFile(localId: string): string {
    return join(this.dir, `${localId}.claim`);
  }

  /** Writes an entry atomically (temporary file, then rename). */
  async put(entry: LedgerEntry): Promise<void> {
    await mkdir(this.dir, { recursive: true });
    const temp = `${this.file(entry.localId)}.${randomBytes(4).toString('hex')}.tmp`;
    await writeFile(temp, JSON.stringify({ ...entry, updatedAt: Date.now() }, null, 1));
    await rename(temp, this.file(entry.localId));
  }

  async get(localId: string): Promise<LedgerEntry | undefined> {
    try {
      return JSON.parse(await readFile(this.file(localId), 'utf8')) as LedgerEntry;
    } catch {
      return undefined;
    }
  }

  /** Every entry, newest first. Unreadable files are skipped. */
  async list(): Promise<LedgerEntry[]> {
    let names: string[];
    try {
      names = await readdir(this.dir);
    } catch {
      return [];
    }
    const entries = await Promise.all(names.filter((name) => name.endsWith('.json')).map((name) => this.get(name.slice(0, -5))));
    return entries.filter((entry): entry is LedgerEntry => entry !== undefined).sort((a, b) => b.createdAt - a.createdAt);
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

  /** Records an upload (atomically, like tasks). */
  async putUpload(sha256: string, record: UploadRecord): Promise<void> {
    const file = this.uploadFile(sha256);
    await mkdir(join(this.dir, 'uploads'), { recursive: true });
    const temp = `${file}.${randomBytes(4).toString('hex')}.tmp`;
    await writeFile(temp, JSON.stringify(record));
    await rename(temp, file);
  }

  async remove(localId: string): Promise<void> {
    await rm(this.file(localId), { force: true });
    await rm(this.claimFile(localId), { force: true });
  }

  /**
   * Claims a task for saving. Answers false when another window holds a fresh claim. A claim
   * older than two minutes is taken over (its window was closed mid-download).
   */
  async claim(localId: string, owner: string): Promise<boolean> {
    await mkdir(this.dir, { recursive: true });
    const path = this.claimFile(localId);
    try {
      const handle = await open(path, 'wx');
      await handle.writeFile(owner);
      await handle.close();
      return true;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    try {
      const info = await stat(path);
      const holder = await readFile(path, 'utf8');
      if (holder === owner) return true;
      if (Date.now() - info.mtimeMs > claimStaleMs) {
        await rm(path, { force: true });
        return this.claim(localId, owner);
      }
    } catch {
      return this.claim(localId, owner);
    }
    return false;
  }

  /** Keeps a claim fresh during a long download. */
  async touchClaim(localId: string, owner: string): Promise<void> {
    await writeFile(this.claimFile(localId), owner).catch(() => undefined);
  }

  async release(localId: string, owner: string): Promise<void> {
    try {
      if ((await readFile(this.claimFile(localId), 'utf8')) === owner) {
        await rm(this.claimFile(localId), { force: true });
      }
    } catch {
      // No claim: nothing to release.
    }
  }
}
