#!/usr/bin/env node
// `npm test`: every check and every suite, in order, each streamed as it runs. Each runner ends
// its own output with "N passed, N failed"; this script ends with the sum of them, and a table
// of how long each stage took. It stops at nothing: every stage runs, and the exit code is 1 if
// any failed.
//   EVOLINK_TEST_ONLY=unit,integration-1.100   runs only the named stages.
import { spawn } from 'node:child_process';
import { ensureSetup } from './lib/setup.mjs';

const stages = [
  { name: 'typecheck', command: 'npm run -s typecheck' },
  { name: 'lint', command: 'npm run -s lint' },
  { name: 'build', command: 'node esbuild.mjs --tests' },
  { name: 'unit', command: 'npx mocha', counts: true },
  { name: 'integration-1.100', command: 'npx vscode-test --label vscode-1.100', counts: true },
  { name: 'integration-1.139', command: 'npx vscode-test --label vscode-1.139', counts: true },
  { name: 'multiroot-1.100', command: 'npx vscode-test --label multiroot-1.100', counts: true },
  { name: 'multiroot-1.139', command: 'npx vscode-test --label multiroot-1.139', counts: true },
  { name: 'ui', command: 'npx mocha --config test/ui/.mocharc.json', counts: true },
];

// On a fresh clone this installs what is missing (packages, node_modules, the VS Code hosts).
ensureSetup();

const only = process.env.EVOLINK_TEST_ONLY?.split(',').map((s) => s.trim()).filter(Boolean);
const selected = only ? stages.filter((stage) => only.includes(stage.name) || stage.name === 'build') : stages;

function run(stage) {
  return new Promise((resolve) => {
    const started = Date.now();
    let tail = '';
    const child = spawn(stage.command, { shell: true, stdio: ['ignore', 'pipe', 'pipe'] });
    const forward = (stream, target) =>
      stream.on('data', (chunk) => {
        const text = chunk.toString();
        // npm prints this for a machine-wide setting it no longer knows; it says nothing about the project.
        target.write(text.replace(/^npm warn Unknown user config "nodedir".*\n/gm, ''));
        tail = (tail + text).slice(-64_000);
      });
    forward(child.stdout, process.stdout);
    forward(child.stderr, process.stderr);
    child.on('close', (code) => {
      const counts = [...tail.matchAll(/^(\d+) passed, (\d+) failed/gm)].at(-1);
      resolve({
        name: stage.name,
        ok: code === 0,
        seconds: (Date.now() - started) / 1000,
        passed: counts ? Number(counts[1]) : 0,
        failed: counts ? Number(counts[2]) : 0,
        counts: stage.counts,
      });
    });
  });
}

const results = [];
for (const stage of selected) {
  console.log(`\n=== ${stage.name}: ${stage.command}`);
  results.push(await run(stage));
}

let passed = 0;
let failed = 0;
console.log('\nstage                 result   seconds   passed  failed');
for (const result of results) {
  if (result.counts) {
    passed += result.passed;
    failed += result.failed;
    // A runner that failed without counting a failure (a crash) still counts as one.
    if (!result.ok && result.failed === 0) failed += 1;
  } else if (!result.ok) {
    failed += 1;
  }
  console.log(
    `${result.name.padEnd(21)} ${(result.ok ? 'ok' : 'FAILED').padEnd(8)} ${result.seconds.toFixed(1).padStart(7)}   ${String(result.counts ? result.passed : '-').padStart(6)}  ${String(result.counts ? result.failed : '-').padStart(6)}`,
  );
}
const ok = results.every((result) => result.ok);
if (results.some((result) => result.counts && result.ok && result.passed === 0)) {
  console.log('A test runner passed without running a test.');
}
console.log(`${passed} passed, ${failed} failed`);
process.exit(ok && failed === 0 ? 0 : 1);
