import { createHash } from 'node:crypto';
import { mkdir, readdir, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { replaceFile } from '../base/nodeDisk';
import { ledgerConcerns, leftBehind, parseLedgerRecord, type LedgerRecord } from '../../common/ledgerHome';

/*
 * The machine's ledgers, in global storage: one small file per ledger, written only by the
 * windows on that ledger (`common/ledgerHome.ts` says why). A file is replaced whole (a temporary
 * file renamed over it), so a reader sees the old record or the new one.
 */

/** A record nobody has written for this long is forgotten. */
const forgottenAfterMs = 30 * 24 * 3600_000;

const withTargets = (targets: readonly string[]): Pick<LedgerRecord, 'targets'> => (targets.length > 0 ? { targets: [...new Set(targets)] } : {});

/** The ledgers of the machine, and this window's own. */
export class LedgerIndex {
  constructor(
    /** The index directory (in global storage). */
    private readonly dir: string,
    /** This window's ledger directory. */
    readonly ledger: string,
  ) {}

  private fileOf(ledger: string): string {
    return join(this.dir, `${createHash('sha256').update(ledger).digest('hex').slice(0, 32)}.json`);
  }

  private async put(record: LedgerRecord): Promise<void> {
    await mkdir(this.dir, { recursive: true });
    await replaceFile(this.fileOf(record.ledger), JSON.stringify(record));
  }

  /** Says that this window is open on its ledger, with these workspace folders; `targets`: where the ledger's unfinished tasks save. */
  seen(folders: readonly string[], now: number, targets: readonly string[] = []): Promise<void> {
    return this.put({ ledger: this.ledger, folders: [...folders], seenAt: now, ...withTargets(targets) });
  }

  /** Says that this window closed; `targets`: where the ledger's unfinished tasks save. */
  closed(folders: readonly string[], now: number, targets: readonly string[] = []): Promise<void> {
    return this.put({ ledger: this.ledger, folders: [...folders], seenAt: now, closedAt: now, ...withTargets(targets) });
  }

  /** Every record, unreadable ones skipped (a half-written one is only ever a temporary file). */
  async records(): Promise<LedgerRecord[]> {
    let names: string[];
    try {
      names = await readdir(this.dir);
    } catch {
      return [];
    }
    const read = await Promise.all(
      names
        .filter((name) => name.endsWith('.json'))
        .map(async (name) => {
          const text = await readFile(join(this.dir, name), 'utf8').catch(() => '');
          return parseLedgerRecord(text);
        }),
    );
    return read.filter((record): record is LedgerRecord => record !== undefined);
  }

  /** The other ledgers nobody works on whose folders, or whose unfinished tasks' targets, concern these (`ledgerConcerns`). Records nobody has written for a month are forgotten: what their tasks had to save has long expired. */
  async leftBehind(folders: readonly string[], now: number): Promise<LedgerRecord[]> {
    const records = await this.records();
    for (const record of records.filter((candidate) => now - candidate.seenAt > forgottenAfterMs)) await this.forget(record.ledger).catch(() => undefined);
    if (folders.length === 0) return [];
    return records.filter((record) => record.ledger !== this.ledger && now - record.seenAt <= forgottenAfterMs && ledgerConcerns(record, folders) && leftBehind(record, now));
  }

  /** Forgets a ledger that holds nothing left to take over. */
  async forget(ledger: string): Promise<void> {
    await rm(this.fileOf(ledger), { force: true });
  }
}
