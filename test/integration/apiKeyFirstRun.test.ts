import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import type { EvoLinkSimulator } from '../../simulator/server';
import type { SetApiKeyResult } from '../../src/extension/auth/apiKeyCommands';
import type { EvoLinkExtensionApi } from '../../src/extension/main';
import type { Services } from '../../src/extension/services';
import { activateExtension, demoKey, resetSettings, startSimulator } from './support';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Runs a command that asks for the key, and presses Escape in the key's box once it is shown. */
async function dismissKeyBox<T>(command: string): Promise<T | undefined> {
  let settled = false;
  const running = Promise.resolve(vscode.commands.executeCommand<T | undefined>(command)).finally(() => (settled = true));
  // Escape until the command ends: the box may take a moment to show.
  const deadline = Date.now() + 15_000;
  while (!settled && Date.now() < deadline) {
    await sleep(500);
    await vscode.commands.executeCommand('workbench.action.closeQuickOpen');
  }
  return running;
}

describe('A first run without an API key', function () {
  this.timeout(60_000);
  let simulator: EvoLinkSimulator;
  let services: Services;
  let api: EvoLinkExtensionApi;

  before(async () => {
    api = await activateExtension();
    simulator = await startSimulator();
    services = await api.testing!.services();
  });

  after(async () => {
    await vscode.commands.executeCommand('evolink.clearApiKey');
    await resetSettings();
    await simulator.stop();
  });

  const offers = (since: number) => services.ctx.notifier.notices().filter((notice) => notice.at >= since && notice.actions.includes('Get a Key'));

  it('says where a key comes from when the key box is dismissed with no key stored, whichever command asked', async () => {
    await vscode.commands.executeCommand('evolink.clearApiKey');
    let since = Date.now();
    assert.equal((await dismissKeyBox<SetApiKeyResult>('evolink.setApiKey'))?.stored, false);
    const [told] = offers(since);
    assert.deepEqual(told?.actions, ['Get a Key', 'Set API Key']);
    assert.match(told.message, /API key/);
    assert.equal(offers(since).length, 1, 'one message');

    since = Date.now();
    assert.equal(await dismissKeyBox('evolink.generateImage'), undefined);
    assert.equal(offers(since).length, 1, 'Generate, cancelled at the key, says it too');
  });

  it('says nothing when the key box is dismissed while a key is stored', async () => {
    assert.equal((await vscode.commands.executeCommand<SetApiKeyResult>('evolink.setApiKey', { apiKey: demoKey })).stored, true);
    const since = Date.now();
    assert.equal((await dismissKeyBox<SetApiKeyResult>('evolink.setApiKey'))?.stored, false);
    assert.equal(offers(since).length, 0);
    assert.equal(await api.hasApiKey(), true, 'the key is still there');
  });
});
