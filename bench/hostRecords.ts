/*
 * What a VS Code window's extension host recorded about its tasks, read from its files after the
 * fact: the task ledger (one JSON file per revision of each entry) and the extension's log (its
 * LogOutputChannel, one line per event, stamped to the millisecond on the machine's local clock).
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { parseLedgerEntry, type LedgerEntry } from '../src/common/ledgerEntry';

const extensionId = 'evolink.evolink-image-studio';

/** Every file under `dir` whose path matches. */
function filesUnder(dir: string, match: (path: string) => boolean): string[] {
  const found: string[] = [];
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    // The host replaces files as it writes: one listed a moment ago may be gone.
    const kind = statSync(path, { throwIfNoEntry: false });
    if (kind?.isDirectory()) found.push(...filesUnder(path, match));
    else if (kind && match(path)) found.push(path);
  }
  return found;
}

/** The latest revision of every task in the window's ledger. */
export function readLedger(dataDir: string): LedgerEntry[] {
  const latest = new Map<string, LedgerEntry>();
  const ledgerFile = new RegExp(`${extensionId.replace(/\./g, '\\.')}[\\\\/]tasks[\\\\/][^\\\\/]+\\.json$`);
  for (const path of filesUnder(dataDir, (file) => ledgerFile.test(file))) {
    let text: string;
    try {
      text = readFileSync(path, 'utf8');
    } catch {
      continue; // A revision the ledger has just replaced.
    }
    const read = parseLedgerEntry(text);
    if (!read.ok) continue;
    const known = latest.get(read.entry.localId);
    if (!known || known.revision < read.entry.revision) latest.set(read.entry.localId, read.entry);
  }
  return [...latest.values()];
}

/** One line of the extension's log: when (epoch ms), and what. */
export interface LogLine {
  at: number;
  text: string;
}

/** The lines of the extension's own log. */
export function readLog(dataDir: string): LogLine[] {
  const lines: LogLine[] = [];
  const logFile = (path: string) => path.includes(extensionId) && path.endsWith('.log');
  for (const path of filesUnder(dataDir, logFile)) {
    for (const line of readFileSync(path, 'utf8').split('\n')) {
      // `2026-01-31 12:34:56.789 [info] text`, in local time.
      const parts = /^(\d{4}-\d\d-\d\d) (\d\d:\d\d:\d\d\.\d{3}) \[\w+\] (.*)$/.exec(line);
      if (parts) lines.push({ at: new Date(`${parts[1]}T${parts[2]}`).getTime(), text: parts[3]! });
    }
  }
  return lines.sort((a, b) => a.at - b.at);
}

/** When the first log line that starts with `prefix` and contains `words` was written. */
export function loggedAt(lines: readonly LogLine[], prefix: string, words: string): number | undefined {
  return lines.find((line) => line.text.startsWith(prefix) && line.text.includes(words))?.at;
}
