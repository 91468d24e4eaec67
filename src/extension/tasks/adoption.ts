import { copyFile, mkdir } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { isWithin, ledgerRecordRefreshMs, ledgerRecordStaleMs, type LedgerRecord } from '../../common/ledgerHome';
import type { LedgerEntry } from '../../common/ledgerEntry';
import { isTerminal } from '../../common/taskState';
import type { TaskLedger } from './ledger';
import type { LedgerIndex } from './ledgerIndex';

/*
 * Taking over the tasks of a ledger left behind under another workspace identity (why:
 * `common/ledgerHome.ts`). A task moves in three steps, each safe to repeat after a crash:
 * 1. its kept downloads are copied beside this window's ledger (the originals stay, so that
 *    nothing is lost if the move goes no further);
 * 2. it is claimed in the old ledger: a new revision that says where it moves (`movedTo`),
 *    written with the ledger's compare-and-swap. From then on the old ledger no longer shows it,
 *    and no other window can claim it: its record stays there, for a day;
 * 3. it is created in this window's ledger, and its record in the old one says so (`done`).
 * A claim that never got to step 3 (its window crashed in between) is finished by that window
 * the next time it looks, or by any window on these folders once the claim is 3 minutes old,
 * unless the task reached the ledger it moved to. Finished tasks stay where they are, and so do
 * tasks whose results go to a folder this window does not have open, and tasks some window
 * still works on (a live lease).
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

/** How long the record of a task that moved stays in the ledger it left. */
const movedRecordMs = 24 * 3600_000;

/** Whether the task is this window's to take over: unfinished, nobody working on it, its results bound for one of these folders. */
function adoptable(entry: LedgerEntry, folders: readonly string[], now: number): boolean {
  if (isTerminal(entry.state) || !folders.some((folder) => isWithin(entry.targetFolder, folder))) return false;
  return entry.lease === undefined || now - entry.lease.at > ledgerRecordStaleMs;
}

/** Copies the task's kept downloads into this window's downloads folder: the entry as it reads with the copies, or none when one cannot be copied. */
async function withCopies(entry: LedgerEntry, downloadsDir: string): Promise<LedgerEntry | undefined> {
  if (!entry.results?.some((slot) => slot.kept)) return entry;
  try {
    await mkdir(downloadsDir, { recursive: true });
    const results = await Promise.all(
      entry.results.map(async (slot) => {
        if (!slot.kept) return slot;
        const copy = join(downloadsDir, basename(slot.kept));
        if (copy !== slot.kept) await copyFile(slot.kept, copy);
        return { ...slot, kept: copy };
      }),
    );
    return { ...entry, results };
  } catch {
    return undefined;
  }
}

/** Step 3: the claimed task into this window's ledger, and its record in the old one marked done. */
async function settle(claimed: LedgerEntry, theirs: TaskLedger, deps: AdoptionDeps): Promise<void> {
  const copied = await withCopies(claimed, deps.downloadsDir);
  if (!copied) throw new Error(`the downloads kept for ${claimed.localId} cannot be copied`);
  const moved: LedgerEntry = { ...copied, updatedAt: deps.now() };
  delete moved.movedTo;
  delete moved.lease;
  if (!(await deps.ledger.get(claimed.localId))) await deps.ledger.create(moved).catch(async (error: unknown) => {
    if (!(await deps.ledger.get(claimed.localId))) throw error;
  });
  await theirs.write({ ...claimed, movedTo: { ...claimed.movedTo!, done: true } }, claimed.revision);
}

/** Takes over what ledgers left behind hold for this window's folders; answers how many tasks moved. */
export async function adoptLeftBehind(deps: AdoptionDeps): Promise<number> {
  const folders = deps.folders();
  let moved = 0;
  for (const record of await deps.index.leftBehind(folders, deps.now())) {
    try {
      moved += await adoptFrom(record, folders, deps);
    } catch (error) {
      deps.log.warn(`Taking over the tasks of another workspace's ledger failed: ${error instanceof Error ? error.message : String(error)}`);
    }
  }
  return moved;
}

async function adoptFrom(record: LedgerRecord, folders: readonly string[], deps: AdoptionDeps): Promise<number> {
  const theirs = deps.open(record.ledger);
  const own = deps.index.ledger;
  let moved = 0;
  for (const entry of await theirs.list()) {
    if (!adoptable(entry, folders, deps.now())) continue;
    // Copied before the claim: a claim made is a task this window can finish moving.
    const copied = await withCopies(entry, deps.downloadsDir);
    if (!copied) continue;
    const claimed = await theirs.write({ ...entry, movedTo: { ledger: own, at: deps.now() } }, entry.revision);
    if (!claimed) continue;
    await settle({ ...claimed, ...(copied.results ? { results: copied.results } : {}) }, theirs, deps);
    deps.log.info(`${entry.localId}: taken over from the ledger of this folder under another workspace (${entry.state}${entry.taskId ? `, ${entry.taskId}` : ''})`);
    moved++;
  }
  // Moves that stopped after the claim: this window's own, or another's that has been silent for long.
  for (const tomb of await theirs.moved()) {
    const to = tomb.movedTo!;
    const age = deps.now() - to.at;
    if (to.done) {
      if (age > movedRecordMs) await theirs.remove(tomb.localId);
    } else if (to.ledger === own) {
      await settle(tomb, theirs, deps);
      moved++;
    } else if (age > ledgerRecordStaleMs && folders.some((folder) => isWithin(tomb.targetFolder, folder))) {
      // It may have reached the ledger it moved to, only not been marked done there.
      if (await deps.open(to.ledger).get(tomb.localId)) {
        await theirs.write({ ...tomb, movedTo: { ...to, done: true } }, tomb.revision);
        continue;
      }
      const claimed = await theirs.write({ ...tomb, movedTo: { ledger: own, at: deps.now() } }, tomb.revision);
      if (!claimed) continue;
      await settle(claimed, theirs, deps);
      moved++;
    }
  }
  // A ledger with nothing unfinished left to move is forgotten; its window records it again when it opens.
  const unfinished = (await theirs.list()).some((entry) => !isTerminal(entry.state)) || (await theirs.moved()).some((entry) => !entry.movedTo!.done);
  if (!unfinished) await deps.index.forget(record.ledger);
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
  private stopped = false;
  private lastRefresh: number;

  constructor(private readonly deps: AdoptionDeps & { resume: () => Promise<void> }) {
    this.lastRefresh = deps.now();
    this.timer = setInterval(() => void this.refresh(), ledgerRecordRefreshMs);
    // Recorded at once: a window that crashes before its first refresh leaves its tasks findable.
    void this.refresh();
  }

  /** Records this window's ledger, and takes over the tasks left behind for its folders (unless `recordOnly`); answers how many moved. */
  adopt(recordOnly = false): Promise<number> {
    if (this.stopped) return Promise.resolve(0);
    this.running ??= (async () => {
      try {
        await this.deps.index.seen(this.deps.folders(), this.deps.now());
        return recordOnly ? 0 : await adoptLeftBehind(this.deps);
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
    // After a sleep every window's record and leases look old at once: this round only says that
    // this window is back, so that the others have their round to say the same before any is taken.
    const now = this.deps.now();
    const woke = now - this.lastRefresh > 2 * ledgerRecordRefreshMs;
    this.lastRefresh = now;
    if ((await this.adopt(woke)) > 0 && !this.stopped) await this.deps.resume().catch((error: unknown) => this.deps.log.warn(`Resuming tasks taken over failed: ${String(error)}`));
  }

  /** Takes nothing over any more: the window is closing. */
  stop(): void {
    this.stopped = true;
    clearInterval(this.timer);
  }

  /** Says that this window closed: another window may take over what it leaves. */
  async close(): Promise<void> {
    this.stop();
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
    this.stop();
  }
}
