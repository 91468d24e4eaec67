import * as assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as vscode from 'vscode';
import { EvoLinkSimulator } from '../../simulator/server';
import { EvoLinkError } from '../../src/common/errors';
import type { SetApiKeyResult } from '../../src/extension/auth/apiKeyCommands';
import { ApiKeyStore } from '../../src/extension/auth/apiKeyStore';
import type { Balance } from '../../src/common/wire';
import type { EvoLinkExtensionApi } from '../../src/extension/main';
import { activateExtension, demoKey, resetSettings, startSimulator } from './support';

describe('The extension in a real VS Code', () => {
  let api: EvoLinkExtensionApi;
  let simulator: EvoLinkSimulator;

  before(async () => {
    api = await activateExtension();
    simulator = await startSimulator();
  });

  after(async () => {
    await vscode.commands.executeCommand('evolink.clearApiKey');
    await resetSettings();
    await simulator.stop();
  });

  beforeEach(() => simulator.reset());

  it('activates and exports its API', () => {
    assert.equal(api.apiVersion, 1);
  });

  it('registers every command it contributes', async () => {
    const extension = vscode.extensions.getExtension('evolink.evolink-image-studio')!;
    const manifest = JSON.parse(readFileSync(join(extension.extensionPath, 'package.json'), 'utf8')) as {
      contributes: { commands: { command: string }[] };
    };
    const registered = new Set(await vscode.commands.getCommands(true));
    const contributed = manifest.contributes.commands.map((entry) => entry.command);
    assert.ok(contributed.length >= 3);
    for (const id of contributed) {
      assert.ok(registered.has(id), `${id} is contributed but not registered`);
    }
  });

  it('stores a key that the service accepts, after checking it against the credits endpoint', async () => {
    const result = await vscode.commands.executeCommand<SetApiKeyResult>('evolink.setApiKey', { apiKey: demoKey });
    assert.equal(result.stored, true);
    assert.equal(result.balance?.account, 1000);
    assert.equal(await api.hasApiKey(), true);
    const checks = simulator.requests.filter((request) => request.path === '/v1/credits');
    assert.equal(checks.length, 1);
    assert.equal(checks[0]?.status, 200);
    assert.match(checks[0]?.userAgent ?? '', /^evolink\.evolink-image-studio\/\d+\.\d+\.\d+$/);
  });

  it('reads the stored key back from SecretStorage for later calls', async () => {
    await vscode.commands.executeCommand('evolink.setApiKey', { apiKey: demoKey });
    simulator.reset();
    simulator.setKey(demoKey, { balance: 42.5 });
    const balance = await vscode.commands.executeCommand<Balance>('evolink.showBalance');
    assert.equal(balance.account, 42.5);
    assert.equal(simulator.requests.filter((request) => request.path === '/v1/credits' && request.status === 200).length, 1);
  });

  it('does not store a key that the service rejects', async () => {
    await vscode.commands.executeCommand('evolink.clearApiKey');
    const result = await vscode.commands.executeCommand<SetApiKeyResult>('evolink.setApiKey', { apiKey: 'sk-not-a-real-key' });
    assert.equal(result.stored, false);
    assert.equal(await api.hasApiKey(), false);
    assert.equal(simulator.requests.filter((request) => request.path === '/v1/credits').at(-1)?.status, 401);
  });

  it('does not send or store a key pasted with an invisible character', async () => {
    await vscode.commands.executeCommand('evolink.clearApiKey');
    const checks = (): number => simulator.requests.filter((request) => request.path === '/v1/credits').length;
    const before = checks();
    const result = await vscode.commands.executeCommand<SetApiKeyResult>('evolink.setApiKey', { apiKey: `${demoKey}\u200b` });
    assert.equal(result.stored, false);
    assert.equal(await api.hasApiKey(), false);
    assert.equal(checks(), before, 'nothing was sent');
  });

  it('keeps the previous key when a new one is rejected', async () => {
    await vscode.commands.executeCommand('evolink.setApiKey', { apiKey: demoKey });
    await vscode.commands.executeCommand('evolink.setApiKey', { apiKey: 'sk-also-wrong' });
    simulator.reset();
    const balance = await vscode.commands.executeCommand<Balance>('evolink.showBalance');
    assert.equal(balance.account, 1000);
  });

  it('clears the key from SecretStorage', async () => {
    await vscode.commands.executeCommand('evolink.setApiKey', { apiKey: demoKey });
    assert.equal(await api.hasApiKey(), true);
    await vscode.commands.executeCommand('evolink.clearApiKey');
    assert.equal(await api.hasApiKey(), false);
  });

  it('gives up a secret storage that does not answer (a keyring waiting to be unlocked): nothing is sent, and no key is taken for set', async () => {
    const silent = new vscode.EventEmitter<vscode.SecretStorageChangeEvent>();
    const hung: vscode.SecretStorage = {
      get: () => new Promise<never>(() => undefined),
      store: () => Promise.resolve(),
      delete: () => Promise.resolve(),
      onDidChange: silent.event,
    };
    const store = new ApiKeyStore(hung, 100);
    try {
      await assert.rejects(store.get(), (error: unknown) => error instanceof EvoLinkError && error.reason === 'configuration' && error.details.code === 'keyringTimeout' && error.details.notSent === true);
      assert.equal(await store.has(), false);
    } finally {
      store.dispose();
      silent.dispose();
    }
  });

  it('refuses an apiBaseUrl that is neither https nor loopback, and sends nothing', async () => {
    const config = vscode.workspace.getConfiguration('evolink');
    const previous = config.get<string>('apiBaseUrl');
    await config.update('apiBaseUrl', 'http://api.example.com', vscode.ConfigurationTarget.Global);
    try {
      const result = await vscode.commands.executeCommand<SetApiKeyResult | undefined>('evolink.setApiKey', { apiKey: demoKey });
      assert.equal(result, undefined, 'the command fails with a configuration error');
      assert.equal(simulator.requests.length, 0);
    } finally {
      await config.update('apiBaseUrl', previous, vscode.ConfigurationTarget.Global);
    }
  });

  it('sends the key only to the addresses it was set for: an address set afterwards (by a dev container, say) gets nothing until the key is allowed there (Set API Key offers the stored key in a dialog that names the address)', async () => {
    const apiKeys = (await api.testing!.services()).ctx.apiKeys;
    const other = new EvoLinkSimulator();
    const config = vscode.workspace.getConfiguration('evolink');
    apiKeys.checksAddresses = true;
    try {
      assert.equal((await vscode.commands.executeCommand<SetApiKeyResult>('evolink.setApiKey', { apiKey: demoKey })).stored, true);
      assert.equal((await vscode.commands.executeCommand<Balance | undefined>('evolink.showBalance'))?.account, 1000);
      const urls = await other.start();
      await config.update('apiBaseUrl', urls.api, vscode.ConfigurationTarget.Global);
      await config.update('filesApiBaseUrl', urls.files, vscode.ConfigurationTarget.Global);
      await assert.rejects(apiKeys.get(), (error: EvoLinkError) => error.details.code === 'keyElsewhere' && error.details.param === 'evolink.apiBaseUrl' && error.details.notSent === true);
      assert.equal(await vscode.commands.executeCommand<Balance | undefined>('evolink.showBalance'), undefined, 'the command fails before anything is sent');
      assert.equal(other.requests.length, 0, 'the other address got nothing');
      assert.equal(await api.hasApiKey(), true, 'the key is still set');
      // Set API Key offers the stored key for the new address in a dialog that names it: declined, nothing is sent.
      const { notifier } = (await api.testing!.services()).ctx;
      // The notifier keeps the last 200 messages: the question is looked for from the newest, after this moment.
      const asked = Date.now();
      notifier.answerNextQuestion(undefined);
      assert.equal((await vscode.commands.executeCommand<SetApiKeyResult>('evolink.setApiKey')).stored, false);
      const question = [...notifier.notices()].reverse().find((notice) => notice.at >= asked && notice.actions.includes('Use Stored Key There'));
      assert.ok(question?.message.includes(new URL(urls.api).host), question?.message);
      assert.match(question?.detail ?? '', /evolink\.apiBaseUrl/);
      assert.equal(other.requests.length, 0, 'declined: the other address got nothing');
      // Allowed, the key is checked there and kept for it, without being pasted again.
      notifier.answerNextQuestion('Use Stored Key There');
      assert.equal((await vscode.commands.executeCommand<SetApiKeyResult>('evolink.setApiKey')).stored, true);
      assert.deepEqual(other.requests.map((request) => request.path), ['/v1/credits']);
      assert.equal((await vscode.commands.executeCommand<Balance | undefined>('evolink.showBalance'))?.account, 1000);
      assert.ok(other.requests.length >= 2);
      // The first address is still one the key was set for (a window elsewhere may rely on it).
      await config.update('apiBaseUrl', simulator.urls.api, vscode.ConfigurationTarget.Global);
      await config.update('filesApiBaseUrl', simulator.urls.files, vscode.ConfigurationTarget.Global);
      assert.equal((await vscode.commands.executeCommand<Balance | undefined>('evolink.showBalance'))?.account, 1000);
    } finally {
      apiKeys.checksAddresses = false;
      await config.update('apiBaseUrl', simulator.urls.api, vscode.ConfigurationTarget.Global);
      await config.update('filesApiBaseUrl', simulator.urls.files, vscode.ConfigurationTarget.Global);
      await other.stop();
    }
  });

  it('retries a credits check that meets a 503 and honours Retry-After', async () => {
    simulator.addFault('credits', { kind: 'status', status: 503, retryAfter: '1' });
    const result = await vscode.commands.executeCommand<SetApiKeyResult>('evolink.setApiKey', { apiKey: demoKey });
    assert.equal(result.stored, true);
    assert.deepEqual(simulator.requests.filter((request) => request.path === '/v1/credits').map((request) => request.status), [503, 200]);
  });
});
