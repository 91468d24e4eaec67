// The set-up that `npm start` and `npm test` do for themselves, so that on a fresh machine the
// clone and those two commands are enough. Each step is skipped when it is done already:
//   1. Debian packages: chromium (the test window), ripgrep (in place of a download), libkrb5-dev
//      (a native module of the VS Code server); installed with apt-get when running as root,
//      otherwise named with the command to run.
//   2. `npm ci` when node_modules is missing.
//   3. The VS Code test hosts (scripts/install-test-hosts.sh), the ones asked for.
// Only Node built-ins are used here: it runs before node_modules exists.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from './vscode-server.mjs';

function has(command) {
  return spawnSync('sh', ['-c', `command -v ${command}`], { stdio: 'ignore' }).status === 0;
}

function run(command, args, env = process.env) {
  execFileSync(command, args, { cwd: repoRoot, stdio: 'inherit', env });
}

/**
 * The environment without what `npm run` adds (npm_node_execpath and the other npm_* and NODE
 * variables): with them, the installer's nested npm would pick the Node that runs this script
 * instead of the Node 24 that VS Code 1.139 needs.
 */
function shellEnvironment() {
  return Object.fromEntries(Object.entries(process.env).filter(([key]) => !/^npm_/i.test(key) && key !== 'NODE' && key !== 'INIT_CWD'));
}

/** Makes sure everything needed is installed. */
export function ensureSetup({ hosts = ['1.100', '1.139'], browser = true } = {}) {
  const packages = [];
  if (browser && !process.env.CHROMIUM_PATH && !existsSync('/usr/bin/chromium')) packages.push('chromium');
  if (!has('rg')) packages.push('ripgrep');
  if (!existsSync('/usr/include/krb5.h')) packages.push('libkrb5-dev');
  // Japanese and Chinese text in the browser the UI tests drive (and in their screenshots).
  if (browser && !existsSync('/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc')) packages.push('fonts-wqy-zenhei');
  if (packages.length > 0) {
    if (process.getuid?.() === 0 && has('apt-get')) {
      console.log(`setup: installing ${packages.join(', ')} with apt-get`);
      run('apt-get', ['update', '-qq']);
      run('apt-get', ['install', '-y', '-qq', '--no-install-recommends', ...packages]);
    } else {
      console.error(`setup: missing system packages. Install them first:\n  sudo apt-get install ${packages.join(' ')}`);
      process.exit(1);
    }
  }
  if (!existsSync(join(repoRoot, 'node_modules', '.package-lock.json'))) {
    console.log('setup: npm ci');
    run('npm', ['ci', '--no-audit', '--no-fund']);
  }
  if (hosts.length > 0) {
    run('bash', [join(repoRoot, 'scripts/install-test-hosts.sh'), ...hosts], shellEnvironment());
  }
}
