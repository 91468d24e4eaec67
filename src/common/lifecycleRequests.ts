import type { EntryError } from './ledgerEntry';
import type { ListAnswer, Transition } from './lifecycle';
import { Step, unchanged } from './lifecycleSteps';
import { firstSend, isActive, keptFiles, linksEndAt, readRefusal, refusedDowngrade } from './taskState';
import type { TaskSnapshot } from './wire';

/*
 * The transitions of a task's requests (its send, replays, and the search for a lost one) and of
 * the user's actions on it. The reads, the saves and the leases are `Step`'s.
 */

/** One transition being built, with every kind of event's method. */
export class TaskStep extends Step {
  /** The submit (or a replay, or a task found in the list) was answered with the task. */
  accept(task: TaskSnapshot): Transition {
    this.entry.taskId = task.id;
    // A replay may be what made the task: the service's own moment tells, within the sends and now.
    if (task.createdAt !== undefined) this.entry.madeAt = Math.min(this.context.now, Math.max(this.entry.sentAt, task.createdAt));
    this.entry.estimatedSeconds = task.estimatedSeconds ?? this.entry.estimatedSeconds;
    if (task.creditsReserved !== undefined) this.entry.creditsReserved = task.creditsReserved;
    delete this.entry.error;
    delete this.entry.failedReads;
    delete this.entry.attention;
    delete this.entry.replaced;
    if (!this.entry.watch) return this.settle('stopped', { attention: 'userStopped' });
    this.entry.state = 'running';
    // Watched from now: a task answered late (a replay, or one found in the list) has its whole deadline.
    this.entry.watchedSince = this.context.now;
    if (task.state === 'pending' || task.state === 'processing' || task.state === 'unknown') {
      this.noteProgress(task.progress);
      this.entry.polledAt = this.context.now; // a read of the task, not counted in `polls` (the first look stays)
      return this.nextPoll();
    }
    // A replay answers the task as it is now: it may already have ended.
    return this.observe(task);
  }

  /**
   * The answer to a send of `key` (absent: the entry's own). A send of the key Submit Again
   * replaced, answered after it: the first request made the task, which is taken under that key.
   */
  answered(key: string | undefined, task: TaskSnapshot): Transition {
    if (key !== undefined && key !== this.entry.idempotencyKey) {
      if (this.entry.replaced?.idempotencyKey !== key) return unchanged(this.entry);
      this.backToReplaced();
    }
    return this.accept(task);
  }

  /** The request as it was before Submit Again: the key Submit Again replaced, and the moment and count of its sends. */
  private backToReplaced(): void {
    const { replaced } = this.entry;
    if (!replaced) return;
    this.entry.idempotencyKey = replaced.idempotencyKey;
    this.entry.sentAt = replaced.sentAt;
    this.entry.sends = replaced.sends;
  }

  /**
   * A lost or refused send of a key that is no longer the entry's (Submit Again made a new one
   * after it): it says nothing of the new key. `undefined` for a send of the entry's own key.
   */
  replacedSend(key: string | undefined): Transition | undefined {
    return key === undefined || key === this.entry.idempotencyKey ? undefined : unchanged(this.entry);
  }

  /**
   * An answer this window kept in memory because it could not be recorded, recorded now: the
   * task is taken as answered, also past the replay window (the request waits as `unconfirmed`
   * then). Only for the key it answered; and not while another window works on the request (it
   * sends the same key, and is answered the same task), so that one window works on it.
   */
  answerKnown(idempotencyKey: string, task: TaskSnapshot): Transition {
    const holder = this.entry.lease?.owner;
    const othersWork = holder !== undefined && holder !== this.context.owner && isActive(this.entry.state);
    if (this.entry.idempotencyKey !== idempotencyKey || othersWork) return unchanged(this.entry);
    return this.accept(task);
  }

  refused(error: EntryError, userWaiting: boolean): Transition {
    const entry = this.entry;
    const firstOfKey = entry.sends === 1 && entry.state === 'submitting';
    // A refusal of the first send means no task was made: nothing was paid, and the user who
    // waits for the answer is told by the command.
    if (userWaiting && firstOfKey) return { entry: undefined, effects: [{ kind: 'stop' }], changed: true };
    // Submit Again's new key made nothing (not sent, or refused): the request is as it was
    // before, with the key and the moment of its own first send, and may be checked for.
    if (firstOfKey) this.backToReplaced();
    delete entry.replaced;
    // A refusal of a replay says nothing sure of the first send (a gateway may check the balance
    // before the key, and the first send may be what used the balance up): EvoLink may have it.
    return this.settle('unconfirmed', { error, attention: 'replayRefused' });
  }

  lost(error: EntryError): Transition {
    this.entry.error = error;
    // The send may have made a task: the key Submit Again replaced is not gone back to.
    delete this.entry.replaced;
    if (!this.entry.watch) return this.settle('unconfirmed', { attention: 'userStopped' });
    if (!this.withinReplayWindow()) return this.settle('unconfirmed', { attention: 'windowPassed' });
    this.entry.state = 'unknownOutcome';
    const delay = Math.min(this.times.lookupDelayMs * Math.max(1, this.entry.sends), this.entry.sentAt + this.times.replayWindowMs - this.context.now);
    return this.done([{ kind: 'wake', event: 'lookupDue', delayMs: Math.max(0, delay) }]);
  }

  lookUp(): Transition {
    if (!this.withinReplayWindow()) return this.settle('unconfirmed', { attention: 'windowPassed' });
    this.entry.sends += 1;
    return this.done([{ kind: 'send' }]);
  }

  listAnswered(answer: ListAnswer): Transition {
    if ('found' in answer) {
      this.entry.watch = true;
      return this.accept(answer.found);
    }
    return this.settle('unconfirmed', { attention: 'unavailable' in answer ? 'listUnavailable' : 'ambiguous' in answer ? 'listAmbiguous' : 'notFound' });
  }

  stopWatching(): Transition {
    const entry = this.entry;
    switch (entry.state) {
      case 'submitting':
        // The submit is on its way: its answer decides (accepted: stopped; lost: unconfirmed).
        entry.watch = false;
        return { entry, effects: [], changed: true };
      case 'unknownOutcome':
        entry.watch = false;
        return this.settle('unconfirmed', { attention: 'userStopped' });
      case 'running':
        entry.watch = false;
        return this.settle('stopped', { attention: 'userStopped' });
      default:
        // Results being saved are saved whatever happens: they are paid for.
        return unchanged(entry);
    }
  }

  /**
   * The user (or a new API key) asks for a look now: a stopped task is watched closely again, one
   * whose saving failed is saved again, and a running task whose reads EvoLink refused for the key
   * or the balance is read now instead of at its slow pace (by the window that reads it).
   */
  checkAgain(): Transition {
    const entry = this.entry;
    switch (entry.state) {
      case 'running':
        if (readRefusal(entry) === undefined || entry.lease?.owner !== this.context.owner) return unchanged(entry);
        return unchanged(entry, [{ kind: 'wake', event: 'pollDue', delayMs: 0 }]);
      case 'failed':
        // Written as failed by an earlier version: completed without a result link, which may come still.
        if (entry.error?.code !== 'no_results') return unchanged(entry);
        return this.watchAgain();
      case 'stopped':
        return this.watchAgain();
      case 'saveFailed':
      case 'completed':
        return this.saveAgain();
      case 'unconfirmed':
        return this.checkForIt();
      default:
        return unchanged(entry);
    }
  }

  /** A task no longer read is read closely again, with a new deadline and a new count of failed and empty reads. */
  private watchAgain(): Transition {
    const entry = this.entry;
    entry.watch = true;
    entry.state = 'running';
    entry.watchedSince = this.context.now;
    delete entry.lateLooks;
    entry.polls = Math.max(entry.polls, 1);
    delete entry.error;
    delete entry.failedReads;
    delete entry.emptyReads;
    delete entry.attention;
    return this.done([{ kind: 'wake', event: 'pollDue', delayMs: 0 }]);
  }

  /**
   * A quiet look at a task that stopped at its deadline (taking longer than expected): read once
   * more, as Check Again would, but without starting the deadline over. A task that has ended is
   * saved as any; one still running stands as it was, without a second message. A task whose
   * saving failed in passing is saved again, as Check Again would; failing again, it says nothing
   * more. One that completed without a result link is read once more for it. Looked at while its result links would still last, so that nothing it made is lost for
   * want of a click. Only when due (`lateLookDue`).
   */
  lateLook(): Transition {
    const entry = this.entry;
    // Completed without a link, and links made then would be gone by now: no image can come any more.
    if (entry.state === 'stopped' && entry.error?.code === 'no_results' && this.context.now >= linksEndAt(entry, this.times)) return this.settle('failed', { error: entry.error });
    entry.lateLooks = (entry.lateLooks ?? 0) + 1;
    if (entry.state === 'saveFailed') {
      entry.state = 'saving';
      return this.done([{ kind: 'save' }]);
    }
    entry.state = 'running';
    entry.polls = Math.max(entry.polls, 1);
    delete entry.attention;
    return this.done([{ kind: 'wake', event: 'pollDue', delayMs: 0 }]);
  }

  checkForIt(): Transition {
    const entry = this.entry;
    if (entry.state === 'unknownOutcome') {
      return entry.lease?.owner === this.context.owner ? this.done([{ kind: 'wake', event: 'lookupDue', delayMs: 0 }]) : unchanged(entry);
    }
    entry.watch = true;
    if (this.withinReplayWindow()) {
      entry.state = 'unknownOutcome';
      delete entry.attention;
      return this.done([{ kind: 'wake', event: 'lookupDue', delayMs: 0 }]);
    }
    // Past the window a replay could make a second task: only the list of recent tasks is asked.
    entry.lease = { owner: this.context.owner, at: this.context.now };
    return { entry, effects: [{ kind: 'findInList' }], changed: true };
  }

  submitAgain(idempotencyKey: string): Transition {
    const entry = this.entry;
    // Kept until the new key's first send is answered: a send that made nothing goes back to it.
    entry.replaced = { idempotencyKey: entry.idempotencyKey, sentAt: entry.sentAt, sends: entry.sends };
    // Kept when `replaced` goes (a reload while the new key is out): the list search starts here.
    entry.firstSentAt = firstSend(entry);
    entry.idempotencyKey = idempotencyKey;
    entry.sentAt = this.context.now;
    delete entry.madeAt;
    entry.sends = 1;
    entry.watch = true;
    entry.state = 'submitting';
    delete entry.error;
    delete entry.failedReads;
    delete entry.attention;
    return this.done([{ kind: 'send' }]);
  }

  /** Saving again, where the user agreed to a redirect of the result links from https to plain http. */
  downloadOverHttp(): Transition {
    const entry = this.entry;
    if (!refusedDowngrade(entry)) return unchanged(entry);
    entry.plainHttp = true;
    return this.saveAgain();
  }

  /** Saves again at the user's word: its failure is over, and so are the quiet looks after it. */
  private saveAgain(): Transition {
    this.entry.state = 'saving';
    delete this.entry.lateLooks;
    delete this.entry.error;
    return this.done([{ kind: 'save' }]);
  }

  saveElsewhere(folder: string): Transition {
    const entry = this.entry;
    if (!entry.resultUrls?.length && !keptFiles(entry).length) return unchanged(entry);
    entry.targetFolder = folder;
    entry.state = 'saving';
    delete entry.error;
    delete entry.attention;
    return this.done([{ kind: 'save' }]);
  }
}
