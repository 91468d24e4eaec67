import type { EntryState, LedgerEntry } from '../../common/ledgerEntry';
import { isActive, isOutcomeUnknown, savedFiles } from '../../common/taskState';

/*
 * What the agent tool remembers between calls, in memory and for a few minutes only: which inputs
 * the user was asked to confirm, and which paid requests were just made. No `vscode` here: unit
 * tests run it in Node with their own clock.
 */

/** A small map whose entries expire: the oldest entry goes when it is full. */
export class ExpiringMap<V> {
  private readonly entries = new Map<string, { value: V; until: number }>();

  constructor(
    private readonly lifetimeMs: number,
    private readonly capacity: number,
    private readonly now: () => number = Date.now,
  ) {}

  /** The value of a key that has not expired. */
  get(key: string): V | undefined {
    const entry = this.entries.get(key);
    if (!entry) return undefined;
    if (entry.until > this.now()) return entry.value;
    this.entries.delete(key);
    return undefined;
  }

  /** Sets a key, which lives for the map's lifetime from now. */
  set(key: string, value: V): void {
    this.entries.delete(key);
    for (const [old, entry] of this.entries) {
      if (entry.until <= this.now()) this.entries.delete(old);
    }
    while (this.entries.size >= this.capacity) {
      const oldest = this.entries.keys().next().value;
      if (oldest === undefined) break;
      this.entries.delete(oldest);
    }
    this.entries.set(key, { value, until: this.now() + this.lifetimeMs });
  }

  /** Removes a key and answers its value, if it had not expired: a value that is used once. */
  take(key: string): V | undefined {
    const value = this.get(key);
    this.entries.delete(key);
    return value;
  }

  delete(key: string): void {
    this.entries.delete(key);
  }
}

/** How long an identical request is refused after the last one was sent or succeeded. */
export const repeatWindowMs = 2 * 60_000;

/**
 * A paid request the agent made: whether it has been sent yet, when it was last sent (or begun,
 * or succeeded), and its task once the ledger has one.
 */
export interface RecentRequest {
  at: number;
  sent: boolean;
  localId?: string;
}

/** Why an identical request is refused now, or `undefined` when it may be made again. */
export type RepeatVerdict = 'sending' | 'running' | 'done' | undefined;

/**
 * Whether an identical request is refused. Within the window it always is; after it, while the
 * first one still runs (it is paid when it completes). A request that failed or was cancelled
 * made nothing, and may be tried again: its record is dropped when it ends (`state` here).
 */
export function repeatVerdict(previous: RecentRequest | undefined, state: EntryState | undefined, now: number): RepeatVerdict {
  if (!previous) return undefined;
  if (!previous.sent) return 'sending';
  if (state !== undefined && (isActive(state) || isOutcomeUnknown(state) || state === 'stopped')) return 'running';
  return now - previous.at < repeatWindowMs ? 'done' : undefined;
}

/** How long a confirmation holds for its `invoke` (the user may answer it much later; at most 16 are kept). */
const confirmationLifetimeMs = 60 * 60_000;
/** How long a request is remembered: it is refused after the window too while it still runs. */
const recentLifetimeMs = 30 * 60_000;

/** An identical request that is refused, and its task when the ledger has it. */
export interface Repeat {
  verdict: Exclude<RepeatVerdict, undefined>;
  entry: LedgerEntry | undefined;
}

/** A request the agent tool is making: what it tells the gate as the request goes on. */
export interface RequestClaim {
  /** It was sent, and the ledger holds it as this entry (or it may have been sent, without one). */
  sent(entry?: LedgerEntry): void;
  /** It ended: saved images renew the window; a failure that made nothing lets it be made again. */
  ended(entry: LedgerEntry): void;
  /** Nothing was sent: it may be made again at once. */
  release(): void;
}

/**
 * The agent tool's two gates before anything is paid, for one window. First, `invoke` carries
 * out only an input that `prepareInvocation` showed the user in a confirmation: without one (its
 * plan failed, say) VS Code does not ask, and planning again in `invoke` could succeed and pay
 * unasked. Second, an identical paid request is refused for a while: after "Always allow" VS
 * Code no longer asks, and an agent in a loop (or led by text it read) could pay for the same
 * images again and again.
 */
export class ToolGate {
  /** Inputs (stable JSON) the user was asked to confirm; each is used by one `invoke`. */
  private readonly confirmed: ExpiringMap<true>;
  /** Requests (see `requestKey`) that were made, or are being made. */
  private readonly recent: ExpiringMap<RecentRequest>;

  constructor(
    private readonly readTask: (localId: string) => Promise<LedgerEntry | undefined>,
    private readonly now: () => number = Date.now,
  ) {
    this.confirmed = new ExpiringMap(confirmationLifetimeMs, 16, now);
    this.recent = new ExpiringMap(recentLifetimeMs, 32, now);
  }

  /** Notes that the user is asked to confirm this input, or forgets an earlier confirmation of it. */
  noteConfirmation(inputKey: string, asked: boolean): void {
    if (asked) this.confirmed.set(inputKey, true);
    else this.confirmed.delete(inputKey);
  }

  /** Whether the user was asked to confirm this input; a confirmation is used only once. */
  takeConfirmation(inputKey: string): boolean {
    return this.confirmed.take(inputKey) === true;
  }

  /** Why an identical request is refused now, or `undefined`. */
  async repeat(requestKey: string): Promise<Repeat | undefined> {
    const previous = this.recent.get(requestKey);
    if (!previous) return undefined;
    const entry = previous.localId !== undefined ? await this.readTask(previous.localId) : undefined;
    const verdict = repeatVerdict(previous, entry?.state, this.now());
    return verdict ? { verdict, entry } : undefined;
  }

  /**
   * Claims a request for this call, or answers why an identical one is refused. The claim is
   * taken with no wait after the last look, so two identical calls at once cannot both pass.
   */
  async claim(requestKey: string): Promise<{ refused: Repeat } | { claim: RequestClaim }> {
    for (let tries = 0; tries < 3; tries++) {
      const before = this.recent.get(requestKey);
      const refused = await this.repeat(requestKey);
      if (refused) return { refused };
      // Another call may have claimed it while the ledger was read: then look again.
      if (this.recent.get(requestKey) === before) return { claim: this.newClaim(requestKey) };
    }
    return { refused: { verdict: 'sending', entry: undefined } };
  }

  private newClaim(requestKey: string): RequestClaim {
    let record: RecentRequest = { at: this.now(), sent: false };
    this.recent.set(requestKey, record);
    const update = (next: RecentRequest | undefined): void => {
      // Only this call's own record: a later identical request may have replaced it.
      if (this.recent.get(requestKey) !== record) return;
      if (next) this.recent.set(requestKey, (record = next));
      else this.recent.delete(requestKey);
    };
    return {
      sent: (entry) => update({ at: this.now(), sent: true, ...(entry ? { localId: entry.localId } : {}) }),
      ended: (entry) => {
        if (entry.state === 'saved') update({ ...record, at: this.now() });
        else if ((entry.state === 'failed' || entry.state === 'cancelled') && savedFiles(entry).length === 0) update(undefined);
      },
      release: () => update(undefined),
    };
  }
}
