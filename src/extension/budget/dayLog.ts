import { randomBytes } from 'node:crypto';
import { mkdir, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { isStale, spendRecordSchema, type SpendRecord } from '../../common/budget';

/*
 * The machine-wide day log of the budget guard: what each task of the last days cost, whatever
 * window or workspace made it. Tasks live in per-workspace ledgers; the daily limit is per
 * machine, so every window writes the cost of the tasks it works on here, in the extension's
 * global storage. One small file per task: two windows never write the same file at once (only
 * the window that holds a task's lease works on it), so no write can undo another's.
 */
export class DayLog {
  constructor(
    private readonly dir: string,
    private readonly warn: (message: string) => void,
  ) {}

  /** Writes a task's record whole (a temp file renamed over the old one). */
  async write(record: SpendRecord): Promise<void> {
    await mkdir(this.dir, { recursive: true });
    const temp = join(this.dir, `.${randomBytes(6).toString('hex')}.tmp`);
    await writeFile(temp, JSON.stringify(record));
    await rename(temp, join(this.dir, `${record.localId}.json`));
  }

  /** Every record of the last days; records too old to matter are removed on the way. */
  async read(now: number): Promise<SpendRecord[]> {
    let names: string[];
    try {
      names = await readdir(this.dir);
    } catch {
      // No log yet (or none readable): nothing spent elsewhere that can be told.
      return [];
    }
    const records: SpendRecord[] = [];
    for (const name of names.filter((candidate) => candidate.endsWith('.json'))) {
      const file = join(this.dir, name);
      const parsed = spendRecordSchema.safeParse(await readFile(file, 'utf8').then((text) => JSON.parse(text) as unknown).catch(() => undefined));
      if (!parsed.success) {
        // A file another window is renaming into place reads whole or not at all; anything else is not ours.
        this.warn(`Budget: ignored an unreadable day log record (${name})`);
        continue;
      }
      if (isStale(parsed.data, now)) await rm(file, { force: true }).catch(() => undefined);
      else records.push(parsed.data);
    }
    return records;
  }
}
