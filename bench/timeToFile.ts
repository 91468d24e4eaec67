/*
 * Time to file outside VS Code: from the moment a task completes at the service to its image
 * written in a folder and read back, for 1 and 5 concurrent tasks, on the real clock, with batch
 * polling beside per-task polling (the baseline) in the same run. It drives the real task
 * service outside VS Code (bench/taskWindow.ts) against the simulator on loopback, with the
 * extension's real poll schedule (no scaling), so that the two ways of polling meet the same
 * workload with nothing else in the way. The time to the image shown in a real VS Code is
 * bench/timeToFileVsCode.ts. The parts:
 *   notice    completion at the service (the simulator's completedAt) -> the answer that saw it
 *             recorded in the ledger (`completedAt` set: the task is saving);
 *   download  -> the result downloaded, checked as a whole image and kept (`resultKept`);
 *   write     -> the file renamed into the output folder and recorded (`resultSaved`);
 *   read      -> the saved file read back whole from disk and its image header decoded. Outside
 *             VS Code there is no editor to show it: this is the part of opening that is the
 *             disk's, not the time VS Code's image preview takes to paint.
 * The writer here copies with node:fs; inside VS Code it goes through `vscode.workspace.fs`.
 */
import { readFile } from 'node:fs/promises';
import { readImageSize, sniffImageFormat } from '../src/common/imageType';
import type { LedgerEntry } from '../src/common/ledgerEntry';
import { ended, openWindow, random } from './taskWindow';

const workloads: { tasks: number; rounds: number }[] = [
  { tasks: 1, rounds: 3 },
  { tasks: 5, rounds: 2 },
];
/** Real seconds a task runs; short against its 100 s estimate, so the rounds stay short. */
const durationRange: [number, number] = [10_000, 18_000];

interface Parts {
  notice: number;
  download: number;
  write: number;
  read: number;
  total: number;
}

async function round(tasks: number, batch: boolean, seed: number, range = durationRange): Promise<Parts[]> {
  const next = random(seed);
  const window = await openWindow({ speed: 1, batch });
  const { simulator, service } = window;
  const marks = new Map<string, { taskId?: string; seen?: number; kept?: number; saved?: number; file?: string; opened?: number }>();
  const opening: Promise<void>[] = [];
  service.onDidChange((entry: LedgerEntry) => {
    const now = Date.now();
    const mark = marks.get(entry.localId) ?? {};
    marks.set(entry.localId, mark);
    if (entry.taskId) mark.taskId = entry.taskId;
    if (entry.completedAt !== undefined) mark.seen ??= now;
    const slot = entry.results?.[0];
    if (slot?.kept) mark.kept ??= now;
    if (slot?.saved && mark.saved === undefined) {
      mark.saved = now;
      const path = slot.saved.replace(/^file:\/\//, '');
      opening.push(
        readFile(path).then((bytes) => {
          if (!sniffImageFormat(bytes) || !readImageSize(bytes)) throw new Error(`${path} is not an image`);
          mark.opened = Date.now();
        }),
      );
    }
  });
  const states = ended(service, tasks);
  for (let index = 0; index < tasks; index++) simulator.addTaskOutcome({ kind: 'complete', durationMs: range[0] + next() * (range[1] - range[0]) });
  await Promise.all(Array.from({ length: tasks }, (_, index) => window.submit(`time to file ${index}`)));
  const finals = await states;
  await Promise.all(opening);
  if (!finals.every((state) => state === 'saved')) throw new Error(`not all saved: ${finals.join(', ')}`);
  const parts = [...marks.values()].map((mark) => {
    const completed = simulator.completedAt(mark.taskId ?? '') ?? Number.NaN;
    return {
      notice: mark.seen! - completed,
      download: mark.kept! - mark.seen!,
      write: mark.saved! - mark.kept!,
      read: mark.opened! - mark.saved!,
      total: mark.opened! - completed,
    };
  });
  await window.close();
  return parts;
}

const mean = (values: number[]): number => values.reduce((sum, value) => sum + value, 0) / values.length;
const max = (values: number[]): number => Math.max(...values);

async function main(): Promise<void> {
  console.log(`Time to file (real clock; tasks of ${durationRange[0] / 1000}-${durationRange[1] / 1000} s against a 100 s estimate; mean over tasks and rounds, ms):`);
  // A short round first, not counted: loading undici, sharp (the simulator renders) and the file system.
  await round(1, false, 1, [2000, 2000]);
  console.log('tasks  polling    notice  download  write  read   total (max)');
  for (const { tasks, rounds } of workloads) {
    const totals: Record<string, number> = {};
    for (const batch of [false, true]) {
      const all: Parts[] = [];
      for (let index = 0; index < rounds; index++) all.push(...(await round(tasks, batch, 7 + index * 31 + tasks)));
      const column = (key: keyof Parts) => String(Math.round(mean(all.map((part) => part[key])))).padStart(key === 'notice' ? 6 : key === 'download' ? 8 : 5);
      totals[String(batch)] = mean(all.map((part) => part.total));
      console.log(
        `${String(tasks).padStart(5)}  ${(batch ? 'batch' : 'per-task').padEnd(9)} ${column('notice')}  ${column('download')}  ${column('write')}  ${column('read')}  ${column('total')} (${Math.round(max(all.map((part) => part.total)))})`,
      );
    }
    console.log(`       batch / per-task total: ${(totals.true! / totals.false!).toFixed(2)}x`);
  }
}

void main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
