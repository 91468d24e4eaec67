// One fresh process: times loading an extension bundle plus its activate(), and prints the
// milliseconds. Run by bench/activation.mjs many times; never on its own.
'use strict';
const Module = require('node:module');
const { performance } = require('node:perf_hooks');
const fake = require('./fake-vscode.cjs');
const originalLoad = Module._load;
Module._load = function (request, ...rest) {
  return request === 'vscode' ? fake : originalLoad.call(this, request, ...rest);
};
const [bundle, mode] = process.argv.slice(2);
const context = {
  subscriptions: [],
  secrets: { get: async () => undefined, store: async () => {}, delete: async () => {}, onDidChange: () => ({ dispose() {} }) },
  extension: { id: 'evolink.evolink-image-studio', packageJSON: { version: '0.0.0' } },
  // A folder without a task ledger, as on a first start.
  storageUri: { fsPath: require('node:path').join(require('node:os').tmpdir(), 'evolink-bench-no-storage') },
  globalStorageUri: { fsPath: require('node:path').join(require('node:os').tmpdir(), 'evolink-bench-no-storage') },
  logUri: { fsPath: require('node:os').tmpdir() },
  globalState: { get: () => undefined, update: async () => {}, setKeysForSync: () => {}, keys: () => [] },
  workspaceState: { get: () => undefined, update: async () => {}, keys: () => [] },
};
const started = performance.now();
const extension = require(bundle);
extension.activate(context);
if (mode === 'eager') {
  // What activation would cost if the client, undici and zod were loaded up front.
  const services = require(require('node:path').join(require('node:path').dirname(bundle), 'services.js'));
  const apiKeys = { onDidChange: () => ({ dispose() {} }), get: async () => undefined };
  const created = services.createServices({ context, log: fake.window.createOutputChannel(), apiKeys, ledgerDir: context.storageUri.fsPath });
  void created.ctx.settings.current;
  created.ctx.clients.get();
}
const elapsed = performance.now() - started;
process.stdout.write(`${elapsed}\n`);
process.exit(0);
