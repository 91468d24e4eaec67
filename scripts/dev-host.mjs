#!/usr/bin/env node
// The preLaunch task of `.vscode/launch.json` ("Run Extension"): starts the EvoLink simulator on
// fixed loopback ports and prepares a profile for the Extension Development Host that points the
// extension at it, plus a scratch workspace. It keeps running (a background task) until stopped.
import { spawn } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { repoRoot } from './lib/vscode-server.mjs';

const { values } = parseArgs({ options: { port: { type: 'string', default: '47100' } } });
const port = Number(values.port);
const base = join(repoRoot, '.vscode-test', 'f5');

const workspace = join(base, 'workspace');
if (!existsSync(workspace)) cpSync(join(repoRoot, 'test/fixtures/workspace'), workspace, { recursive: true });

// The API settings are machine-scoped, so they go into the development profile, not the workspace.
const userDir = join(base, 'user-data', 'User');
mkdirSync(userDir, { recursive: true });
writeFileSync(
  join(userDir, 'settings.json'),
  `${JSON.stringify({ 'evolink.apiBaseUrl': `http://127.0.0.1:${port}`, 'evolink.filesApiBaseUrl': `http://127.0.0.1:${port + 1}` }, null, 2)}\n`,
);

const simulator = spawn(process.execPath, [join(repoRoot, 'node_modules/tsx/dist/cli.mjs'), join(repoRoot, 'simulator/main.ts'), '--port', String(port)], {
  cwd: repoRoot,
  stdio: 'inherit',
});
simulator.on('exit', (code) => process.exit(code ?? 0));
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => simulator.kill(signal));
