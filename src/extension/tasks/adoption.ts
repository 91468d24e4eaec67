import { copyFile, mkdir, utimes } from 'node:fs/promises';
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
 * the next time it looks, or by any window on these folders once the claim is 3 minutes old:
 * claimed again first, so that only one of them does, and only marked done when the task reached
 * the ledger it moved to. (A task that reached it, was saved there and forgotten within the
 * moment between steps 3's two writes and a crash, would be taken up once more: a second copy of
 * its images, never a second charge.) Finished tasks stay where they are, and so do
 * tasks whose results go to a folder this window does not have open, and tasks some window
 * still works on (a live lease). A ledger is looked into when its window had these folders open,
 * or when one of its unfinished tasks saves into one of them (a window without a folder, whose
 * ledger is in global storage, made it for a folder the user picked): only such tasks move.
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
        if (copy !== slot.kept) {
          await copyFile(slot.kept, copy);
          // A copy is new: the clean-up of downloads nobody needs goes by age.
          const at = new Date(Date.now());
          await utimes(copy, at, at);
        }
        return { ...slot, kept: copy };
      }),
    );
    return { ...entry, results };
  } catch {
    return undefined;
  }
}

/**
 * Step 3 for a claim this window has just written: the task into this window's ledger, then its
 * record in the old one marked done. Answers whether the task is this window's now; when another
 * window claimed it again meanwhile (this one was too slow), the copy made here goes again.
 */
async function settle(claimed: LedgerEntry, theirs: TaskLedger, deps: AdoptionDeps): Promise<boolean> {
  const copied = await withCopies(claimed, deps.downloadsDir);
  if (!copied) throw new Error(`the downloads kept for ${claimed.localId} cannot be copied`);
  const moved: LedgerEntry = { ...copied, updatedAt: deps.now() };
  delete moved.movedTo;
  delete moved.lease;
  const had = await deps.ledger.get(claimed.localId);
  if (!had) {
    await deps.ledger.create(moved).catch(async (error: unknown) => {
      if (!(await deps.ledger.get(claimed.localId))) throw error;
    });
  }
  if (await theirs.write({ ...claimed, movedTo: { ...claimed.movedTo!, done: true } }, claimed.revision)) return true;
  const now = (await theirs.moved()).find((entry) => entry.localId === claimed.localId)?.movedTo;
  if (now?.ledger === deps.index.ledger) return true;
  if (!had) await deps.ledger.remove(claimed.localId);
  return false;
}

/**
 * Takes over what ledgers left behind hold for this window's folders; answers how many tasks
 * moved. A ledger whose window did not say it closed is taken over only once this window has
 * found it silent in two rounds in a row (`noted`: the records found silent in the last round),
 * so that after a sleep, when every record looks old at once, the windows have a round to say
 * they are back.
 */
export async function adoptLeftBehind(deps: AdoptionDeps, noted?: Map<string, number>): Promise<number> {
  const folders = deps.folders();
  const silent = new Map<string, number>();
  let moved = 0;
  for (const record of await deps.index.leftBehind(folders, deps.now())) {
    if (noted && record.closedAt === undefined) {
      silent.set(record.ledger, record.seenAt);
      if (noted.get(record.ledger) !== record.seenAt) continue;
    }
    moved += await adoptFrom(record, folders, deps);
  }
  if (noted) {
    noted.clear();
    for (const [ledger, seenAt] of silent) noted.set(ledger, seenAt);
  }
  return moved;
}

/** Runs one step of a take-over; a step that fails is told and tried again in the next round, without holding up the others. */
async function step(deps: AdoptionDeps, localId: string, work: () => Promise<boolean>): Promise<number> {
  try {
    return (await work()) ? 1 : 0;
  } catch (error) {
    deps.log.warn(`${localId}: taking it over from another workspace's ledger failed: ${error instanceof Error ? error.message : String(error)}`);
    return 0;
  }
}

async function adoptFrom(record: LedgerRecord, folders: readonly string[], deps: AdoptionDeps): Promise<number> {
  const theirs = deps.open(record.ledger);
  const own = deps.index.ledger;
  const ours = (entry: LedgerEntry): boolean => folders.some((folder) => isWithin(entry.targetFolder, folder));
  let moved = 0;
  for (const entry of await theirs.list().catch(() => [])) {
    if (!adoptable(entry, folders, deps.now())) continue;
    moved += await step(deps, entry.localId, async () => {
      // Copied before the claim: a claim made is a task this window can finish moving.
      const copied = await withCopies(entry, deps.downloadsDir);
      if (!copied) return false;
      const claimed = await theirs.write({ ...entry, movedTo: { ledger: own, at: deps.now() } }, entry.revision);
      if (!claimed || !(await settle({ ...claimed, ...(copied.results ? { results: copied.results } : {}) }, theirs, deps))) return false;
      deps.log.info(`${entry.localId}: taken over from the ledger of this folder under another workspace (${entry.state}${entry.taskId ? `, ${entry.taskId}` : ''})`);
      return true;
    });
  }
  // Moves that stopped after the claim (a window crashed in between): this window's own at once,
  // another's once it has been silent for long. Each is claimed again before it is created, so
  // that of two windows finishing it, one does; one that reached its ledger is only marked done.
  for (const tomb of await theirs.moved().catch(() => [])) {
    const to = tomb.movedTo!;
    const age = deps.now() - to.at;
    if (age > movedRecordMs) {
      await theirs.remove(tomb.localId).catch(() => undefined);
      continue;
    }
    if (to.done || !ours(tomb) || (to.ledger !== own && age <= ledgerRecordStaleMs)) continue;
    moved += await step(deps, tomb.localId, async () => {
      if (await (to.ledger === own ? deps.ledger : deps.open(to.ledger)).get(tomb.localId)) {
        await theirs.write({ ...tomb, movedTo: { ...to, done: true } }, tomb.revision);
        return false;
      }
      const claimed = await theirs.write({ ...tomb, movedTo: { ledger: own, at: deps.now() } }, tomb.revision);
      return claimed !== undefined && (await settle(claimed, theirs, deps));
    });
  }
  // A ledger with nothing unfinished left to move is forgotten; its window records it again when it opens.
  if (!(await unfinishedIn(theirs)).holds) await deps.index.forget(record.ledger);
  return moved;
}

/**
 * Whether the ledger holds a task not finished, or one whose move to another ledger is not done,
 * or one a newer release wrote (which this window cannot read: it may be unfinished, and its
 * ledger is not forgotten for it); and the folders the tasks it can read save into.
 */
async function unfinishedIn(ledger: TaskLedger): Promise<{ holds: boolean; targets: string[] }> {
  const open = (await ledger.list()).filter((entry) => !isTerminal(entry.state));
  const moving = (await ledger.moved()).filter((entry) => !entry.movedTo!.done);
  const targets = [...new Set([...open, ...moving].map((entry) => entry.targetFolder))];
  return { holds: targets.length > 0 || ledger.holdsNewer(), targets };
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
  /** Ledgers found silent in the last round, with the time their records last said their window was there. */
  private readonly noted = new Map<string, number>();
  /** Where this ledger's unfinished tasks save, as this window last recorded it. */
  private targets: string[] = [];
  /** The writes of this window's record, one after another (the last one written says the most). */
  private writing: Promise<void> = Promise.resolve();

  constructor(private readonly deps: AdoptionDeps & { resume: () => Promise<void> }) {
    this.timer = setInterval(() => void this.refresh(), ledgerRecordRefreshMs);
    // Recorded at once: a window that crashes before its first refresh leaves its tasks findable.
    void this.refresh();
  }

  /** Records this window's ledger, and takes over the tasks left behind for its folders; answers how many moved. */
  adopt(): Promise<number> {
    if (this.stopped) return Promise.resolve(0);
    this.running ??= (async () => {
      try {
        await this.queued(async () => {
          // A listing that fails keeps the targets known: the record still says the window is there.
          this.targets = (await unfinishedIn(this.deps.ledger).catch(() => undefined))?.targets ?? this.targets;
          await this.deps.index.seen(this.deps.folders(), this.deps.now(), this.targets);
        });
        return await adoptLeftBehind(this.deps, this.noted);
      } catch (error) {
        this.deps.log.warn(`Ledger index: ${error instanceof Error ? error.message : String(error)}`);
        return 0;
      } finally {
        this.running = undefined;
      }
    })();
    return this.running;
  }

  /**
   * Records at once the folder an unfinished task of this ledger saves into, when the record does
   * not name it yet (a task made now): should the window crash before its next refresh, a window
   * on that folder finds the task all the same.
   */
  note(entry: LedgerEntry): void {
    if (this.stopped || isTerminal(entry.state) || this.targets.includes(entry.targetFolder)) return;
    void this.queued(async () => {
      if (this.stopped || this.targets.includes(entry.targetFolder)) return;
      this.targets = [...this.targets, entry.targetFolder];
      await this.deps.index.seen(this.deps.folders(), this.deps.now(), this.targets);
    }).catch((error: unknown) => this.deps.log.warn(`Ledger index: ${error instanceof Error ? error.message : String(error)}`));
  }

  /** Runs a write of this window's record after those before it. */
  private queued(write: () => Promise<void>): Promise<void> {
    const run = this.writing.then(write);
    this.writing = run.catch(() => undefined);
    return run;
  }

  private async refresh(): Promise<void> {
    if ((await this.adopt()) > 0 && !this.stopped) await this.deps.resume().catch((error: unknown) => this.deps.log.warn(`Resuming tasks taken over failed: ${String(error)}`));
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
    await this.writing;
    try {
      // A ledger with nothing unfinished needs no record: nothing is left for another window.
      const { holds, targets } = await unfinishedIn(this.deps.ledger);
      await (holds ? this.deps.index.closed(this.deps.folders(), this.deps.now(), targets) : this.deps.index.forget(this.deps.index.ledger));
    } catch {
      // The record stays as it was; once it is old, the ledger counts as left behind all the same.
    }
  }

  dispose(): void {
    this.stop();
  }
}
