import type { LedgerEntry } from '../../common/ledgerEntry';
import type { LifecycleEvent } from '../../common/lifecycle';
import type { TaskSnapshot } from '../../common/wire';

/*
 * Answers to submits that came while the ledger could not be written (the disk of the extension's
 * storage full, or read-only). The answer names the task EvoLink made, maybe paid for: it is kept
 * here, in this window's memory, and written again (`answerKnown`) with growing waits until the
 * ledger takes it, for as long as the window lives. Meanwhile the request is never sent again: a
 * send that falls due for it writes the answer instead (`TaskWork.send`).
 */

type Dispatch = (event: LifecycleEvent) => Promise<LedgerEntry | undefined>;

/** The longest wait between two writes of a kept answer. */
const longestWaitMs = 60_000;

interface Kept {
  idempotencyKey: string;
  task: TaskSnapshot;
  dispatch: Dispatch;
  /** Writes tried so far. */
  tries: number;
  timer?: ReturnType<typeof setTimeout>;
}

/** What keeping answers needs from the window. */
export interface KeptAnswersDeps {
  log: { info(message: string): void; warn(message: string): void };
  /** The first wait before writing a kept answer again (doubling with each failure, up to a minute). */
  firstWaitMs: number;
  /** Tells of a task EvoLink made for the entry's request that the entry does not have (the user decides whether to save it). */
  siblingFound?: (entry: LedgerEntry, taskId: string) => void;
}

/** This window's unrecorded submit answers, by the task's local id. */
export class KeptAnswers {
  private readonly kept = new Map<string, Kept>();
  private disposed = false;

  constructor(private readonly deps: KeptAnswersDeps) {}

  /** Keeps the answer to a send of `idempotencyKey` that could not be recorded, and writes it again until it is. */
  keep(localId: string, idempotencyKey: string, task: TaskSnapshot, dispatch: Dispatch): void {
    if (this.disposed) return;
    const before = this.kept.get(localId);
    if (before?.timer) clearTimeout(before.timer);
    const kept: Kept = { idempotencyKey, task, dispatch, tries: 0 };
    this.kept.set(localId, kept);
    this.deps.log.warn(`${localId}: EvoLink answered ${task.id}, but the ledger cannot be written; kept in memory and written again until it can`);
    this.later(localId, kept);
  }

  /** Whether an answer is kept for the task (its record waits for the disk). */
  holds(localId: string): boolean {
    return this.kept.has(localId);
  }

  /**
   * Whether an answer to this key of the task is kept: then it is written now, in place of a
   * send (which must not go out: the task is known).
   */
  writeNow(localId: string, idempotencyKey: string): boolean {
    const kept = this.kept.get(localId);
    if (kept?.idempotencyKey !== idempotencyKey) return false;
    if (kept.timer) clearTimeout(kept.timer);
    kept.timer = undefined;
    void this.attempt(localId, kept);
    return true;
  }

  private later(localId: string, kept: Kept): void {
    const waitMs = Math.min(longestWaitMs, this.deps.firstWaitMs * 2 ** Math.min(kept.tries, 16));
    kept.timer = setTimeout(() => {
      kept.timer = undefined;
      void this.attempt(localId, kept);
    }, waitMs);
  }

  private async attempt(localId: string, kept: Kept): Promise<void> {
    if (this.disposed || this.kept.get(localId) !== kept) return;
    kept.tries += 1;
    let entry: LedgerEntry | undefined;
    try {
      entry = await kept.dispatch({ type: 'answerKnown', idempotencyKey: kept.idempotencyKey, task: kept.task });
    } catch {
      if (this.kept.get(localId) === kept && !kept.timer) this.later(localId, kept);
      return;
    }
    if (this.kept.get(localId) !== kept) return;
    // Another window works on the request (with the same key): this one waits until it is done.
    if (entry && entry.taskId === undefined && entry.idempotencyKey === kept.idempotencyKey) {
      if (!kept.timer) this.later(localId, kept);
      return;
    }
    if (kept.timer) clearTimeout(kept.timer);
    this.kept.delete(localId);
    this.settled(localId, kept, entry);
  }

  /** Says what became of a kept answer that no longer waits. */
  private settled(localId: string, kept: Kept, entry: LedgerEntry | undefined): void {
    const id = kept.task.id;
    if (entry?.taskId === id) {
      this.deps.log.info(`${localId}: the answer kept in memory (${id}) is recorded`);
    } else if (!entry) {
      this.deps.log.warn(`${localId}: the request left the ledger before its answer could be recorded; EvoLink made ${id} for it`);
    } else {
      // Submit Again sent a new key meanwhile, or another answer was recorded: this task is another one made for the request.
      this.deps.log.warn(`${localId}: EvoLink made ${id} for an earlier send of this request, which the ledger could not record`);
      this.deps.siblingFound?.(entry, id);
    }
  }

  /** Stops writing: the window closes (what is kept is lost with it; the ledger still says the request was sent). */
  dispose(): void {
    this.disposed = true;
    for (const kept of this.kept.values()) if (kept.timer) clearTimeout(kept.timer);
    this.kept.clear();
  }
}
