#!/usr/bin/env node
// A stand-in for the `code` executable, so that the stock @vscode/test-cli and
// @vscode/test-electron run extension tests in a VS Code server driven by headless Chromium.
// It understands the arguments they pass (--extensionDevelopmentPath, --extensionTestsPath,
// --user-data-dir, --extensions-dir, --install-extension, a folder) and exits with the test
// suite's exit code. The version comes from EVOLINK_VSCODE_VERSION or --vscode-version.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { format, parseArgs } from 'node:util';
import { installVsix, launchBrowser, startServer, workbenchUrl } from './lib/vscode-server.mjs';

// The arguments the test runners pass; any other flag is accepted and ignored.
const { values: named, positionals: positional } = parseArgs({
  strict: false,
  allowPositionals: true,
  options: Object.fromEntries(
    ['install-extension', 'vscode-version', 'user-data-dir', 'extensions-dir', 'extensionDevelopmentPath', 'extensionTestsPath', 'version'].map((name) => [name, { type: name === 'version' ? 'boolean' : 'string' }]),
  ),
});

const version = named['vscode-version'] ?? process.env.EVOLINK_VSCODE_VERSION ?? '1.100';
const dataDir = mkdtempSync(join(tmpdir(), `evolink-vscode-${version}-`));
const verbose = process.env.EVOLINK_TEST_VERBOSE === '1';

async function main() {
  if (named['version'] !== undefined) {
    console.log(`${version}.0\nstand-in\nx64`);
    return 0;
  }
  if (named['install-extension'] !== undefined) {
    await installVsix({ version, dataDir: named['extensions-dir'] ? join(named['extensions-dir'], '..') : dataDir, vsix: named['install-extension'] });
    return 0;
  }
  const developmentPath = named['extensionDevelopmentPath'];
  const testsPath = named['extensionTestsPath'];
  if (!developmentPath || !testsPath) {
    console.error('code (stand-in): only test runs are supported: pass --extensionDevelopmentPath and --extensionTestsPath');
    return 2;
  }
  const folder = positional[0] ?? dataDir;
  const server = await startServer({
    version,
    dataDir,
    // test-electron's --user-data-dir and --extensions-dir are shared between runs; every run
    // here gets fresh ones instead, so that no state leaks from one run into the next.
    log: verbose ? (line) => process.stderr.write(`[server] ${line}`) : undefined,
  });
  const browser = await launchBrowser();
  try {
    const page = await browser.newPage();
    let finish;
    const exited = new Promise((resolve) => (finish = resolve));
    // The workbench logs its own start-up through the same channel as the tests' output. Lines
    // are held until the reporter's first line ("Running N tests"), and printed anyway if the
    // run ends before it, so that a crash during activation still shows everything.
    const held = [];
    let started = verbose;
    await page.exposeFunction('codeAutomationLog', (type, logArgs) => {
      const line = Array.isArray(logArgs) ? format(...logArgs) : String(logArgs);
      const entry = [type === 'error' ? process.stderr : process.stdout, `${line}\n`];
      if (!started && /^Running \d+ tests$/.test(line)) started = true;
      if (started) entry[0].write(entry[1]);
      else held.push(entry);
    });
    await page.exposeFunction('codeAutomationExit', (code) => {
      if (!started || Number(code) !== 0) for (const [stream, text] of held) stream.write(text);
      finish(Number(code));
    });
    if (verbose) page.on('console', (message) => process.stderr.write(`[page] ${message.text()}\n`));
    await page.goto(workbenchUrl(server.url, folder, [
      ['extensionDevelopmentPath', developmentPath],
      ['extensionTestsPath', testsPath],
    ]));
    const timeoutMs = Number(process.env.EVOLINK_TEST_TIMEOUT_MS ?? 15 * 60 * 1000);
    const timer = setTimeout(() => {
      console.error(`code (stand-in): the tests did not finish within ${timeoutMs / 1000} s`);
      finish(1);
    }, timeoutMs);
    const code = await exited;
    clearTimeout(timer);
    return code;
  } finally {
    await browser.close().catch(() => {});
    server.stop();
  }
}

main()
  .then((code) => {
    rmSync(dataDir, { recursive: true, force: true });
    process.exit(code);
  })
  .catch((error) => {
    console.error(error);
    rmSync(dataDir, { recursive: true, force: true });
    process.exit(1);
  });
