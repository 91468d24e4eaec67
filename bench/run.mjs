// `npm run bench`: every benchmark of the project, one after the other. Each reports its figures
// as ratios against a baseline measured in the same run.
//   npm run bench                          all of them
//   npm run bench -- download --undici     the ones whose names contain the first argument, with the rest passed on
import { execFileSync } from 'node:child_process';
import { basename } from 'node:path';
import * as esbuild from 'esbuild';

const tsx = ['node_modules/tsx/dist/cli.mjs'];
/**
 * A bench whose figures depend on the process it runs in is bundled first and run by plain Node,
 * as the extension's own bundle runs in VS Code (a TypeScript loader in the process slows Node's
 * `http` module; see bench/downloadMeasure.ts).
 */
const bundled = (entry) => ({ bundle: entry });
const benches = [
  ['bench/activation.mjs'],
  [...tsx, 'bench/polling.ts'],
  ['bench/pollingVsCode.mjs'],
  bundled('bench/download.ts'),
  ['bench/downloadVsCode.mjs'],
  [...tsx, 'bench/studio.ts'],
  ['--expose-gc', ...tsx, 'bench/assets.ts'],
  [...tsx, 'bench/batch.ts'],
  [...tsx, 'bench/timeToFile.ts'],
  [...tsx, 'bench/timeToFileVsCode.ts'],
];

const [filter, ...passed] = process.argv.slice(2);
const nameOf = (bench) => basename(bench.bundle ?? bench.at(-1));
for (const bench of benches.filter((candidate) => !filter || nameOf(candidate).includes(filter))) {
  let args = bench;
  if (bench.bundle) {
    const outfile = `out/bench/${nameOf(bench).replace(/\.ts$/, '.cjs')}`;
    await esbuild.build({ entryPoints: [bench.bundle], outfile, bundle: true, platform: 'node', target: 'node20', format: 'cjs', logLevel: 'warning' });
    args = [outfile];
  }
  execFileSync(process.execPath, [...args, ...passed], { stdio: 'inherit' });
}
