import { EvoLinkError } from '../../common/errors';
import { withinTime } from '../base/timeLimit';

/*
 * The file calls of saves into the workspace, each given a time limit. A call that outlives its
 * limit (a network drive that stopped answering) cannot be stopped: it goes on, and may still
 * land a file, or remove a temporary one, minutes later. So each is kept, by the result it works
 * on, until it settles, and a new save of that result (Check Again, a save again on its own) waits
 * for it first: two writes of one result side by side could land the image twice, or one could
 * take away the other's temporary file.
 */

const late = (): EvoLinkError => new EvoLinkError('fileSystem', 'The folder of the result did not answer in time.', { code: 'fileTimeout' });

/** The file calls under way, by result (`localId:index`). */
export class FileCalls {
  private readonly pending = new Map<string, Set<Promise<void>>>();

  constructor(private readonly limitMs: () => number) {}

  /** `work`'s outcome, or a `fileTimeout` failure once it has not settled in time; it is known as under way for `result` until it settles. */
  inTime<T>(result: string, work: Promise<T>): Promise<T> {
    let calls = this.pending.get(result);
    if (!calls) this.pending.set(result, (calls = new Set()));
    const settled = work.then(
      () => undefined,
      () => undefined,
    );
    calls.add(settled);
    const known = calls;
    void settled.then(() => {
      known.delete(settled);
      if (known.size === 0 && this.pending.get(result) === known) this.pending.delete(result);
    });
    return withinTime(work, this.limitMs(), late);
  }

  /** Whether a call of an earlier save of `result` is still under way. */
  busy(result: string): boolean {
    return (this.pending.get(result)?.size ?? 0) > 0;
  }

  /** Waits for the calls of earlier saves of `result` still under way; fails with `fileTimeout` when they do not settle in time either. */
  async settled(result: string): Promise<void> {
    const calls = this.pending.get(result);
    if (calls?.size) await withinTime(Promise.all([...calls]), this.limitMs(), late);
  }
}
