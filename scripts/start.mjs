#!/usr/bin/env node
// `npm start`: builds the extension, starts the EvoLink simulator (unless EVOLINK_API_KEY is set,
// in which case the extension talks to the real service), starts a VS Code server with the
// extension loaded on a sample workspace, and prints the address to open in a browser.
//   EVOLINK_VSCODE_VERSION=1.100   use the oldest supported VS Code instead of the newest
//   EVOLINK_START_PORT=8123        the port of the VS Code server (default: a free one)
import { spawn, execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { ensureSetup } from './lib/setup.mjs';
import { repoRoot, startServer, workbenchUrl } from './lib/vscode-server.mjs';

const version = process.env.EVOLINK_VSCODE_VERSION ?? '1.139';
const realService = Boolean(process.env.EVOLINK_API_KEY);

// On a fresh clone this installs what is missing (packages, node_modules, the VS Code host).
ensureSetup({ hosts: [version], browser: false });
execFileSync(process.execPath, ['esbuild.mjs'], { cwd: repoRoot, stdio: 'inherit' });

const stateDir = join(repoRoot, '.vscode-test', 'start');
const workspace = join(stateDir, 'workspace');
if (!existsSync(workspace)) {
  mkdirSync(stateDir, { recursive: true });
  cpSync(join(repoRoot, 'test/fixtures/workspace'), workspace, { recursive: true });
}

const children = [];
let settings = {};
let simulatorInfo = '';
if (!realService) {
  const simulator = spawn(process.execPath, [join(repoRoot, 'node_modules/tsx/dist/cli.mjs'), join(repoRoot, 'simulator/main.ts')], {
    cwd: repoRoot,
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  children.push(() => simulator.kill());
  simulatorInfo = await new Promise((resolve, reject) => {
    let text = '';
    simulator.stdout.setEncoding('utf8').on('data', (chunk) => {
      text += chunk;
      if (/Set evolink\.apiBaseUrl/.test(text)) resolve(text);
    });
    simulator.on('exit', (code) => reject(new Error(`The simulator exited with ${code}`)));
  });
  settings = {
    'evolink.apiBaseUrl': /API:\s+(\S+)/.exec(simulatorInfo)[1],
    'evolink.filesApiBaseUrl': /Files API:\s+(\S+)/.exec(simulatorInfo)[1],
  };
}

const server = await startServer({ version, dataDir: join(stateDir, `vscode-${version}`), settings });
children.push(() => server.stop());
const url = workbenchUrl(server.url, workspace, [['extensionDevelopmentPath', repoRoot]]);

console.log(`
EvoLink Image Studio is running in VS Code ${version}.

  Open in a browser:  ${url}
`);
if (realService) {
  console.log('  Talking to the real EvoLink service. Run "EvoLink: Set API Key" and paste your key (EVOLINK_API_KEY).');
} else {
  console.log(simulatorInfo.replace(/^/gm, '  '));
  console.log('  Run "EvoLink: Set API Key" in the window and paste the demo key above.');
}
console.log('\nPress Ctrl+C to stop.');

const stop = () => {
  for (const kill of children) kill();
  process.exit(0);
};
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
