// The download bench inside VS Code 1.139's extension host (bench/vscode/downloadHost.ts), beside
// curl and Node's floor in the same run; what it measures is in bench/downloadMeasure.ts.
//   npm run bench -- downloadVsCode [--rounds=9] [--mbit=1000 --rtt=5]
// The host is the VS Code server of the integration tests (scripts/install-test-hosts.sh), with
// this repository as the development extension, its bundle built first.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import * as esbuild from 'esbuild';

const root = resolve(import.meta.dirname ?? new URL('.', import.meta.url).pathname, '..');
execFileSync(process.execPath, ['esbuild.mjs'], { cwd: root, stdio: 'inherit' });
const testsPath = join(root, 'out/bench/vscode/downloadHost.js');
await esbuild.build({ entryPoints: [join(root, 'bench/vscode/downloadHost.ts')], outfile: testsPath, bundle: true, platform: 'node', target: 'node20', format: 'cjs', external: ['vscode'], logLevel: 'warning' });

const work = mkdtempSync(join(tmpdir(), 'evolink-bench-host-'));
const report = join(work, 'report.txt');
try {
  execFileSync(join(root, 'tools/bin/code-1.139'), [`--extensionDevelopmentPath=${root}`, `--extensionTestsPath=${testsPath}`, join(root, 'test/fixtures/workspace')], {
    stdio: 'inherit',
    env: { ...process.env, EVOLINK_BENCH_REPORT: report, EVOLINK_BENCH_DIR: join(root, 'bench'), EVOLINK_BENCH_ARGS: JSON.stringify(process.argv.slice(2)) },
  });
  console.log(`\n${readFileSync(report, 'utf8')}`);
} catch (error) {
  let written = '';
  try {
    written = readFileSync(report, 'utf8');
  } catch {
    // No report: the host did not get as far as the bench.
  }
  console.error(written || String(error));
  process.exitCode = 1;
} finally {
  rmSync(work, { recursive: true, force: true });
}
