// `npm run bench`: every benchmark of the project, one after the other.
import { execFileSync } from 'node:child_process';
for (const bench of ['bench/activation.mjs']) {
  execFileSync(process.execPath, [bench], { stdio: 'inherit' });
}
