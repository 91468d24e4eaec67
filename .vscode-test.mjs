// Integration tests inside a real VS Code, run by the stock @vscode/test-cli:
//   npx vscode-test --label vscode-1.100     (the oldest supported version)
//   npx vscode-test --label vscode-1.139     (the newest)
//   npx vscode-test --label multiroot-1.139  (test/integration/multiroot in a two-folder workspace)
// Each "installation" is the stand-in `code` executable in tools/bin, which starts the VS Code
// server installed by scripts/install-test-hosts.sh and drives it with headless Chromium.
import { defineConfig } from '@vscode/test-cli';
import { fileURLToPath } from 'node:url';

const reporter = fileURLToPath(new URL('./test/support/summary-reporter.cjs', import.meta.url));

const run = (version, multiroot = false) => ({
  label: multiroot ? `multiroot-${version}` : `vscode-${version}`,
  files: multiroot ? 'out/test/integration/multiroot/*.test.js' : 'out/test/integration/*.test.js',
  workspaceFolder: multiroot ? './test/fixtures/multiroot/site.code-workspace' : './test/fixtures/workspace',
  useInstallation: { fromPath: fileURLToPath(new URL(`./tools/bin/code-${version}`, import.meta.url)) },
  skipExtensionDependencies: true,
  mocha: { ui: 'bdd', timeout: 60_000, reporter, color: false },
  // The simulator's tasks take a few seconds in tests; the poll schedule is scaled to match.
  env: { EVOLINK_VSCODE_VERSION: version, EVOLINK_TIME_SCALE: '0.05' },
});

export default defineConfig([run('1.100'), run('1.139'), run('1.100', true), run('1.139', true)]);
