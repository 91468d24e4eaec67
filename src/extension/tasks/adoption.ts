import { randomBytes } from 'node:crypto';
import { copyFile, mkdir, rename, rm } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { isWithin, ledgerRecordRefreshMs, ledgerRecordStaleMs, type LedgerRecord } from '../../common/ledgerHome';
import type { LedgerEntry } from '../../common/ledgerEntry';
import { isTerminal } from '../../common/taskState';
import type { TaskLedger } from './ledger';
import type { LedgerIndex } from './ledgerIndex';

/*
 * Taking over the tasks of a ledger left behind under another workspace identity (why:
 * `common/ledgerHome.ts`). A task moves in three steps, each safe to repeat after a crash:
 * 1. it is claimed in the old ledger: a new revision with this window's lease, written with the
 *    ledger's compare-and-swap, so that of two windows taking it over only one goes on, and a
 *    task some window still works on (a live lease) is left alone;
 * 2. it is created in this window's ledger, its kept downloads moved beside it; a task that is
 *    there already was moved by an earlier attempt that stopped before step 3;
 * 3. it leaves the old ledger.
 * Finished tasks stay where they are, and so do tasks whose results go to a folder this window
 * does not have open.
 */

export interface AdoptionDeps {
  index: LedgerIndex;
  /** This window's ledger. */
  ledger: TaskLedger;
  /** Opens another ledger of the machine. */
  open: (dir: string) => TaskLedger;
  /** This window's workspace folders (URI strings). */
  folders: () => readonly string[];
  /** Where this window keeps downloads until they are saved. */
  downloadsDir: string;
  now: () => number;
  log: { info(message: string): void; warn(message: string): void };
}

/** Whether the task is this window's to take over: unfinished, nobody working on it, its results bound for one of these folders. */
function adoptable(entry: LedgerEntry, folders: readonly string[], now: number): boolean {
  if (isTerminal(entry.state) || !folders.some((folder) => isWithin(entry.targetFolder, folder))) return false;
  return entry.lease === undefined || now - entry.lease.at > ledgerRecordStaleMs;
}

/** Moves a kept download into this window's downloads folder; where it cannot move, it stays (its path stays valid). */
async function moveKept(path: string, downloadsDir: string): Promise<string> {
  const target = join(downloadsDir, basename(path));
  if (target === path) return path;
  try {
    await mkdir(downloadsDir, { recursive: true });
    await rename(path, target).catch(async (error: unknown) => {
      if ((error as NodeJS.ErrnoException).code !== 'EXDEV') throw error;
      await copyFile(path, target);
      await rm(path, { force: true });
    });
    return target;
  } catch {
    return path;
  }
}

/** Moves one claimed task into this window's ledger; answers whether it is there now. */
async function moveIn(claimed: LedgerEntry, deps: AdoptionDeps): Promise<boolean> {
  const results = claimed.results && (await Promise.all(claimed.results.map(async (slot) => (slot.kept ? { ...slot, kept: await moveKept(slot.kept, deps.downloadsDir) } : slot))));
  const moved: LedgerEntry = { ...claimed, ...(results ? { results } : {}), updatedAt: deps.now() };
  delete moved.lease;
  try {
    await deps.ledger.create(moved);
    return true;
  } catch (error) {
    if (await deps.ledger.get(claimed.localId)) return true;
    throw error;
  }
}

/** Takes over what ledgers left behind hold for this window's folders; answers how many tasks moved. */
export async function adoptLeftBehind(deps: AdoptionDeps): Promise<number> {
  const folders = deps.folders();
  // The claim's lease names this move; the task leaves the old ledger right after.
  const owner = `moving-${randomBytes(6).toString('hex')}`;
  let moved = 0;
  for (const record of await deps.index.leftBehind(folders, deps.now())) {
    try {
      moved += await adoptFrom(record, folders, { ...deps, owner });
    } catch (error) {
      deps.log.warn(`Taking over the tasks of another workspace's ledger failed: ${error instanceof Error ? error.message : String(error)}`);
    }
  }
  return moved;
}

async function adoptFrom(record: LedgerRecord, folders: readonly string[], deps: AdoptionDeps & { owner: string }): Promise<number> {
  const theirs = deps.open(record.ledger);
  let moved = 0;
  for (const entry of await theirs.list()) {
    if (!adoptable(entry, folders, deps.now())) continue;
    const claimed = await theirs.write({ ...entry, lease: { owner: deps.owner, at: deps.now() } }, entry.revision);
    if (!claimed || !(await moveIn(claimed, deps))) continue;
    await theirs.remove(entry.localId);
    deps.log.info(`${entry.localId}: taken over from the ledger of this folder under another workspace (${entry.state}${entry.taskId ? `, ${entry.taskId}` : ''})`);
    moved++;
  }
  // A ledger with nothing unfinished left is forgotten; its window records it again when it opens.
  if ((await theirs.list()).every((entry) => isTerminal(entry.state))) await deps.index.forget(record.ledger);
  return moved;
}

/**
 * This window's part in the machine's index of ledgers: it records its own ledger while it is open
 * (and says when it closes), and takes over what ledgers left behind hold for its folders, when
 * asked (on resume) and once a minute, for a window on another identity that closed or crashed
 * meanwhile.
 */
export class LeftBehindTasks {
  private readonly timer: ReturnType<typeof setInterval>;
  private running: Promise<number> | undefined;

  constructor(private readonly deps: AdoptionDeps & { resume: () => Promise<void> }) {
    this.timer = setInterval(() => void this.refresh(), ledgerRecordRefreshMs);
    // Recorded at once: a window that crashes before its first refresh leaves its tasks findable.
    void this.refresh();
  }

  /** Records this window's ledger, and takes over the tasks left behind for its folders; answers how many moved. */
  adopt(): Promise<number> {
    this.running ??= (async () => {
      try {
        await this.deps.index.seen(this.deps.folders(), this.deps.now());
        return await adoptLeftBehind(this.deps);
      } catch (error) {
        this.deps.log.warn(`Ledger index: ${error instanceof Error ? error.message : String(error)}`);
        return 0;
      } finally {
        this.running = undefined;
      }
    })();
    return this.running;
  }

  private async refresh(): Promise<void> {
    if ((await this.adopt()) > 0) await this.deps.resume().catch((error: unknown) => this.deps.log.warn(`Resuming tasks taken over failed: ${String(error)}`));
  }

  /** Says that this window closed: another window may take over what it leaves. */
  async close(): Promise<void> {
    clearInterval(this.timer);
    // After a look under way, so that its record of an open window does not come after this one.
    await this.running;
    try {
      // A ledger with nothing unfinished needs no record: nothing is left for another window.
      const unfinished = (await this.deps.ledger.list()).some((entry) => !isTerminal(entry.state));
      await (unfinished ? this.deps.index.closed(this.deps.folders(), this.deps.now()) : this.deps.index.forget(this.deps.index.ledger));
    } catch {
      // The record stays as it was; once it is old, the ledger counts as left behind all the same.
    }
  }

  dispose(): void {
    clearInterval(this.timer);
  }
}
