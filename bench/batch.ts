/*
 * Batch polling: API read requests per minute while 1, 4 and 10 tasks run in one window, with
 * the running tasks read together (`POST /v1/tasks/batch`) beside each task read on its own
 * (`GET /v1/tasks/{id}`, the baseline), on the same workload in the same run. It drives the real
 * task service outside VS Code (bench/taskWindow.ts) against the simulator on loopback; the
 * simulator's clock runs `speed` times faster and every wait of the extension is scaled to match,
 * so minutes are simulated minutes. Also reports the task objects read per task (aligning reads
 * must not add many) and the time from a task's completion at the service to the extension
 * seeing it (noisy at this speed: 100 ms of a busy machine are 1.5 simulated seconds).
 */
import type { LedgerEntry } from '../src/common/ledgerEntry';
import { ended, openWindow, random } from './taskWindow';

const speed = 15;
const counts = [1, 4, 10];
/** Durations as the simulator scatters them by default: 0.45 to 1.15 times the 100 s estimate. */
const shares: [number, number] = [0.45, 1.15];
/** Tasks are started within this many simulated seconds of each other (a user clicking on). */
const spreadSeconds = 20;

interface Result {
  requestsPerMinute: number;
  requests: number;
  readsPerTask: number;
  noticeMs: number;
  minutes: number;
  /** How the tasks ended, when not all were saved. */
  ends: string;
}

async function run(count: number, batch: boolean): Promise<Result> {
  const next = random(20261202 + count);
  const window = await openWindow({ speed, batch });
  const { simulator, service } = window;
  const seen = new Map<string, number>();
  service.onDidChange((entry: LedgerEntry) => {
    // The answer that saw the end is the one that recorded `completedAt`.
    if (entry.completedAt !== undefined && entry.taskId && !seen.has(entry.taskId)) seen.set(entry.taskId, Date.now());
  });
  const states = ended(service, count);
  const offsets = Array.from({ length: count }, (_, index) => (index === 0 ? 0 : next() * spreadSeconds * 1000)).sort((a, b) => a - b);
  for (let index = 0; index < count; index++) simulator.addTaskOutcome({ kind: 'complete', durationMs: 100_000 * (shares[0] + next() * (shares[1] - shares[0])) });
  const started = Date.now();
  const ids: string[] = [];
  await Promise.all(
    offsets.map(async (offset, index) => {
      await new Promise((resolve) => setTimeout(resolve, offset / speed));
      ids.push((await window.submit(`bench task ${index}`)).taskId ?? '');
    }),
  );
  const finals = await states;
  const minutes = ((Date.now() - started) * speed) / 60_000;
  const reads = simulator.requests.filter((request) => request.origin === 'api' && (request.path === '/v1/tasks/batch' || (request.method === 'GET' && request.path.startsWith('/v1/tasks/'))));
  const notices = ids.map((id) => ((seen.get(id) ?? Number.NaN) - (simulator.completedAt(id) ?? Number.NaN)) * speed);
  const objects = window.objectsRead();
  await window.close();
  return {
    requestsPerMinute: reads.length / minutes,
    requests: reads.length,
    readsPerTask: objects / count,
    noticeMs: notices.reduce((sum, value) => sum + value, 0) / notices.length,
    minutes,
    ends: finals.every((state) => state === 'saved') ? '' : ` (ended: ${finals.join(', ')})`,
  };
}

async function main(): Promise<void> {
  const rows: string[] = [];
  for (const count of counts) {
    // Each mode on a fresh simulator (another API base), per-task first as the baseline.
    const single = await run(count, false);
    const batched = await run(count, true);
    const cell = (r: Result) => `${r.requestsPerMinute.toFixed(1).padStart(6)} req/min (${String(r.requests).padStart(3)} in ${r.minutes.toFixed(1)} min), ${r.readsPerTask.toFixed(1).padStart(4)} reads/task, notice ${(r.noticeMs / 1000).toFixed(1)} s${r.ends}`;
    rows.push(`${String(count).padStart(2)} tasks  per-task: ${cell(single)}`);
    rows.push(`          batch:    ${cell(batched)}   -> ${(batched.requestsPerMinute / single.requestsPerMinute).toFixed(2)}x the requests per minute`);
  }
  console.log(`Batch polling (simulated minutes, clock x${speed}; tasks of 45-115 s started within ${spreadSeconds} s):`);
  for (const row of rows) console.log(row);
}

void main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
