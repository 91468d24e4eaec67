// The poll schedule on the real clock, inside VS Code 1.139's extension host (bench/vscode/pollingHost.ts),
// beside a fixed 3 s poller on the same tasks. bench/polling.ts measures the schedule in virtual
// time over thousands of tasks; this checks that the extension, as it runs, reads as that bench
// says: fresh sessions (nothing learned yet), several tasks started at once, per-task reads.
//   npm run bench -- pollingVsCode [--curve=stepwise] [--steps=fixed|planned|arbitrary] [--queue=<s>] [--sessions=12] [--tasks=6] [--parallel=3] [--batch] [--warm=1] [--model=<id>] [--save=<file.json>]
// Sessions alternate between a model of 45 s and one of 100 s estimate; each is a launch of the
// VS Code server of the integration tests (scripts/install-test-hosts.sh) with a new user data
// folder and a copy of the test workspace. A session of 100 s tasks takes up to about 3.5 minutes;
// the defaults take about 15. `--save` keeps every task's reads (ms after its submit was sent), which
// `bench/polling.ts --replay=<file>` runs again in virtual time. `--warm=N` runs N rounds of the
// same tasks before the measured one in each session, so that the model is no longer new to the
// extension (a user's later rounds; `polling.ts`'s "later rounds" table).
import { spawn, execFileSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import * as esbuild from 'esbuild';

const { values } = parseArgs({
  strict: false,
  options: {
    curve: { type: 'string', default: 'stepwise' },
    steps: { type: 'string', default: 'fixed' },
    queue: { type: 'string', default: '0' },
    sessions: { type: 'string', default: '12' },
    tasks: { type: 'string', default: '6' },
    parallel: { type: 'string', default: '3' },
    batch: { type: 'boolean', default: false },
    warm: { type: 'string', default: '0' },
    model: { type: 'string' },
    save: { type: 'string' },
  },
});
const models = values.model ? [values.model] : ['doubao-seedream-4.5', 'gpt-4o-image'];

const root = resolve(import.meta.dirname ?? new URL('.', import.meta.url).pathname, '..');
execFileSync(process.execPath, ['esbuild.mjs'], { cwd: root, stdio: 'inherit' });
const testsPath = join(root, 'out/bench/vscode/pollingHost.js');
await esbuild.build({ entryPoints: [join(root, 'bench/vscode/pollingHost.ts')], outfile: testsPath, bundle: true, platform: 'node', target: 'node20', format: 'cjs', external: ['vscode', 'sharp'], logLevel: 'warning' });

/** One fresh session: a launch of VS Code with its own workspace; resolves with its report. */
async function session(index) {
  const options = { curve: values.curve, steps: values.steps, queueSeconds: Number(values.queue), model: models[index % models.length], tasks: Number(values.tasks), batch: values.batch, warm: Number(values.warm) };
  const work = mkdtempSync(join(tmpdir(), 'evolink-bench-polling-'));
  const folder = join(work, 'workspace');
  cpSync(join(root, 'test/fixtures/workspace'), folder, { recursive: true });
  const reportPath = join(work, 'report.json');
  try {
    await new Promise((done) => {
      const child = spawn(join(root, 'tools/bin/code-1.139'), [`--extensionDevelopmentPath=${root}`, `--extensionTestsPath=${testsPath}`, folder], {
        stdio: ['ignore', 'ignore', 'inherit'],
        env: { ...process.env, EVOLINK_BENCH_REPORT: reportPath, EVOLINK_BENCH_SESSION: JSON.stringify(options) },
      });
      child.on('exit', done);
    });
    return JSON.parse(readFileSync(reportPath, 'utf8'));
  } catch (error) {
    return { options, tasks: [], sharedReads: 0, error: String(error) };
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

const total = Number(values.sessions);
const reports = [];
let next = 0;
await Promise.all(
  Array.from({ length: Math.min(total, Number(values.parallel)) }, async () => {
    while (next < total) {
      const report = await session(next++);
      reports.push(report);
      if (report.error) console.error(`a session failed: ${report.error}`);
      else console.log(`session (${report.options.model}, ${report.tasks.length} tasks): ${summary(report.tasks, report.sharedReads)}`);
    }
  }),
);

function summary(tasks, shared) {
  const mean = (pick) => tasks.reduce((sum, task) => sum + pick(task), 0) / tasks.length;
  const p95 = (pick) => {
    const sorted = tasks.map(pick).sort((a, b) => a - b);
    return sorted[Math.min(sorted.length - 1, Math.floor(0.95 * sorted.length))];
  };
  const reads = mean((task) => task.reads) + shared / tasks.length;
  const fixed = mean((task) => task.fixedReads);
  const delay = mean((task) => task.delayMs) / 1000;
  const fixedDelay = mean((task) => task.fixedDelayMs) / 1000;
  const ratio = (a, b) => `${(a / b).toFixed(2)}x`;
  return (
    `reads/task ${reads.toFixed(1)} against ${fixed.toFixed(1)} (${ratio(reads, fixed)}), ` +
    `mean delay ${delay.toFixed(2)} s against ${fixedDelay.toFixed(2)} s (${ratio(delay, fixedDelay)}), ` +
    `p95 ${(p95((task) => task.delayMs) / 1000).toFixed(2)} s against ${(p95((task) => task.fixedDelayMs) / 1000).toFixed(2)} s`
  );
}

const good = reports.filter((report) => !report.error);
const tasks = good.flatMap((report) => report.tasks);
const shared = good.reduce((sum, report) => sum + report.sharedReads, 0);
console.log(`\nPolling in VS Code 1.139's extension host, real clock, curve ${values.curve}, ${good.length} ${Number(values.warm) ? 'sessions' : 'fresh sessions'} of ${values.tasks} tasks started at once${Number(values.warm) ? `, each measured after ${values.warm} round(s) of ${values.tasks} more run to their end` : ''}${values.batch ? ', batch reads' : ', per-task reads'}:`);
if (tasks.length) console.log(`all ${tasks.length} tasks: ${summary(tasks, shared)}`);
if (values.save) writeFileSync(values.save, JSON.stringify(reports));
console.log(`${good.length} passed, ${reports.length - good.length} failed`);
if (good.length < reports.length) process.exitCode = 1;
