import { EvoLinkError, isEvoLinkError } from '../../common/errors';
import type { LedgerEntry } from '../../common/ledgerEntry';
import type { LifecycleEvent } from '../../common/lifecycle';
import { firstSend, isOutcomeUnknown } from '../../common/taskState';
import type { TaskListItem, TaskSnapshot } from '../../common/wire';
import type { CallOptions } from '../api/client';
import type { TaskWorkDeps } from './taskWork';

/*
 * Looking for tasks among EvoLink's recent ones: the task of a request whose answer never came,
 * and a second task made for a request sent again.
 */

type Dispatch = (event: LifecycleEvent) => Promise<LedgerEntry | undefined>;

/** What the search needs from the window. */
export type TaskSearchDeps = Pick<TaskWorkDeps, 'client' | 'ledger' | 'log' | 'times' | 'now' | 'madeElsewhere' | 'siblingFound'>;

/** The searches of the task list. */
export class TaskSearch {
  constructor(private readonly deps: TaskSearchDeps) {}

  /**
   * Looks for a task whose submit was never answered among the account's recent tasks: the
   * newest of the same model created around the first send that no other entry knows. The
   * list is not in the public docs; a service that does not answer it makes this "unavailable".
   */
  async findInList(entry: LedgerEntry, dispatch: Dispatch, authorize: () => Promise<CallOptions>, signal: AbortSignal): Promise<void> {
    try {
      const call = await authorize();
      // Made by the first send (of the first key: Submit Again's sends come after it) or by a
      // replay within the last key's window, never before the first send.
      const candidates = await this.unclaimed(entry, await this.deps.ledger.list(), firstSend(entry), entry.sentAt + this.deps.times.replayWindowMs, call);
      const found = candidates[0];
      if (!found || candidates.length > 1) {
        // Several tasks that could be this one (other windows, other machines, the dashboard):
        // adopting the wrong one would say "found" for a request that may be lost. The user looks.
        await dispatch({ type: 'listAnswered', answer: found ? { ambiguous: true } : { notFound: true } });
        return;
      }
      this.deps.log.info(`${entry.localId}: found ${found.id} among the recent tasks`);
      await dispatch({ type: 'listAnswered', answer: { found: await this.deps.client().getTask(found.id, call) } });
    } catch (error) {
      if (signal.aborted) return;
      this.deps.log.warn(`${entry.localId}: the recent tasks could not be read (${isEvoLinkError(error) ? `${error.reason} ${error.details.status ?? ''}` : String(error)})`);
      await dispatch({ type: 'listAnswered', answer: { unavailable: true } });
    }
  }

  /**
   * Tasks of the entry's model in EvoLink's recent list that were made between `from` and `to`
   * (ms since the epoch, `marginMs` either way) and that no entry of this workspace (`entries`,
   * the ledger as read), and no other workspace of this machine, has made. Moments on this
   * machine's clock (`onServiceClock` false) are also taken on the service's, which its answer's
   * date tells: a date that is wrong must not hide the task.
   */
  private async unclaimed(entry: LedgerEntry, entries: readonly LedgerEntry[], from: number, to: number, call: CallOptions, marginMs = 60_000, onServiceClock = false): Promise<TaskListItem[]> {
    const { items: listed, complete, aheadMs = 0 } = await this.deps.client().listTasks({ model: entry.body.model, createdSince: (from - marginMs) / 1000 }, call);
    const ahead = onServiceClock ? 0 : aheadMs;
    const [earliest, latest] = [(from + Math.min(0, ahead) - marginMs) / 1000, (to + Math.max(0, ahead) + marginMs) / 1000];
    // A list that did not reach back to the request cannot say it is not there: "not found" would invite a second payment.
    if (!complete) throw new EvoLinkError('invalidResponse', 'The task list did not reach back to the request.', { code: 'listIncomplete' });
    const known = new Set([...entries.flatMap((other) => (other.taskId ? [other.taskId] : [])), ...((await this.deps.madeElsewhere?.()) ?? [])]);
    const unknown = listed.filter((item) => !known.has(item.id));
    // An item that does not say its model or when it was made may be the one looked for: the list cannot tell.
    if (unknown.some((item) => item.model === undefined || item.createdAt === undefined)) {
      throw new EvoLinkError('invalidResponse', 'The task list does not say of every task its model and when it was made.', { code: 'listIncomplete' });
    }
    return unknown.filter((item) => item.model === entry.body.model && item.createdAt! >= earliest && item.createdAt! <= latest);
  }

  /**
   * After a send again that EvoLink answered as new (no replay mark), looks for a task that an
   * earlier send of the same request, whose answer was lost, made: a gateway that does not honour
   * the Idempotency-Key makes, and charges, one task per send. A service that honours the key
   * answers like that too when the lost send made nothing, and then any task found is another
   * request's: so nothing is taken up here. Exactly one task of the model that no request of this
   * machine has, not failed, made while the lost sends were out (on the service's clock, told by
   * the task it answered), with no other request of the model waiting for its answer from around
   * then, is offered to the user (`siblingFound`); anything else is only logged.
   */
  async findSibling(entry: LedgerEntry, answered: TaskSnapshot, lostFrom: number, call: CallOptions): Promise<void> {
    const tell = this.deps.siblingFound;
    if (!tell) return;
    try {
      const now = this.deps.now();
      // The service's clock against this machine's: the task it answered was made a moment ago.
      const skew = answered.createdAt === undefined ? undefined : answered.createdAt - now;
      const entries = await this.deps.ledger.list();
      const window = skew === undefined ? await this.unclaimed(entry, entries, lostFrom, now, call) : await this.unclaimed(entry, entries, lostFrom + skew, now + skew, call, 5000, true);
      const candidates = window.filter((item) => item.id !== answered.id && !/^(failed|cancell?ed)$/i.test(item.status ?? ''));
      if (candidates.length === 0) return;
      // Another request of the model still without its answer could have made it, if sent around then.
      const createdAt = candidates[0]!.createdAt! * 1000 - (skew ?? 0);
      const couldHaveMade = (sentAt: number): boolean => createdAt >= sentAt - 60_000 && createdAt <= sentAt + this.deps.times.replayWindowMs + 60_000;
      const waiting = entries.filter((other) => other.localId !== entry.localId && other.body.model === entry.body.model && other.taskId === undefined && (other.state === 'submitting' || isOutcomeUnknown(other.state)));
      const claimed = waiting.some((other) => couldHaveMade(other.sentAt) || couldHaveMade(firstSend(other)) || (other.replaced !== undefined && couldHaveMade(other.replaced.sentAt)));
      if (candidates.length > 1 || claimed) {
        this.deps.log.warn(`${entry.localId}: EvoLink answered a send again as a new task; ${candidates.length} other recent task(s) of ${entry.body.model} could be an earlier send's or another request's (look in the EvoLink dashboard)`);
        return;
      }
      this.deps.log.warn(`${entry.localId}: EvoLink answered a send again as a new task; ${candidates[0]!.id}, made while the lost send was out, may be the same request made twice`);
      tell(entry, candidates[0]!.id);
    } catch (error) {
      this.deps.log.warn(`${entry.localId}: no look for an earlier send's task (${isEvoLinkError(error) ? error.reason : String(error)})`);
    }
  }
}
