// `npm run bench`: every benchmark of the project, one after the other. Each reports its figures
// as ratios against a baseline measured in the same run.
import { execFileSync } from 'node:child_process';

const tsx = ['node_modules/tsx/dist/cli.mjs'];
const benches = [
  ['bench/activation.mjs'],
  [...tsx, 'bench/polling.ts'],
  [...tsx, 'bench/download.ts'],
  [...tsx, 'bench/studio.ts'],
  ['--expose-gc', ...tsx, 'bench/assets.ts'],
  [...tsx, 'bench/batch.ts'],
  [...tsx, 'bench/timeToFile.ts'],
  [...tsx, 'bench/timeToFileVsCode.ts'],
];
for (const args of benches) {
  execFileSync(process.execPath, args, { stdio: 'inherit' });
}
