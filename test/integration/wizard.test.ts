import * as assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as vscode from 'vscode';
import type { EvoLinkSimulator } from '../../simulator/server';
import type { LedgerEntry } from '../../src/common/ledgerEntry';
import type { Services } from '../../src/extension/services';
import type { ShownStep } from '../../src/extension/ui/wizard';
import { activateExtension, demoKey, resetSettings, startSimulator } from './support';

const workspace = () => vscode.workspace.workspaceFolders![0]!.uri;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Waits until the wizard showed its `count`-th step, then a moment for the quick input to draw it. */
async function step(shown: ShownStep[], count: number): Promise<ShownStep> {
  const deadline = Date.now() + 15_000;
  while (shown.length < count) {
    if (Date.now() > deadline) throw new Error(`The wizard showed ${shown.length} steps, not ${count}: ${JSON.stringify(shown)}`);
    await sleep(50);
  }
  await sleep(400);
  return shown[count - 1]!;
}

const accept = () => vscode.commands.executeCommand('workbench.action.acceptSelectedQuickOpenItem');
const back = () => vscode.commands.executeCommand('workbench.action.quickInputBack');
const down = () => vscode.commands.executeCommand('workbench.action.quickOpenSelectNext');

/** An editor whose selected text becomes the prompt. */
async function selectPrompt(text: string): Promise<void> {
  const doc = await vscode.workspace.openTextDocument({ content: text });
  const editor = await vscode.window.showTextDocument(doc);
  editor.selection = new vscode.Selection(0, 0, 0, text.length);
}

/** The tabs of every group that show a file of the output folder. */
function resultTabs(): { tab: vscode.Tab; uri: string }[] {
  return vscode.window.tabGroups.all.flatMap((group) =>
    group.tabs.flatMap((tab) => (tab.input instanceof vscode.TabInputCustom && tab.input.uri.path.includes('/images/generated/') ? [{ tab, uri: tab.input.uri.toString() }] : [])),
  );
}

describe('The palette wizard and where results open', function () {
  this.timeout(90_000);
  let simulator: EvoLinkSimulator;
  let services: Services;

  before(async () => {
    const api = await activateExtension();
    simulator = await startSimulator({ taskDurationMs: 1500 });
    await vscode.commands.executeCommand('evolink.setApiKey', { apiKey: demoKey });
    services = await api.testing!.services();
  });

  after(async () => {
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    await vscode.workspace.fs.delete(vscode.Uri.joinPath(workspace(), 'images'), { recursive: true }).then(undefined, () => undefined);
    await vscode.workspace.getConfiguration('evolink').update('openResults', undefined, vscode.ConfigurationTarget.Global);
    // The folder setting of the output folder test leaves a settings file in the fixture.
    await vscode.workspace.fs.delete(vscode.Uri.joinPath(workspace(), '.vscode'), { recursive: true }).then(undefined, () => undefined);
    await vscode.commands.executeCommand('evolink.clearApiKey');
    await resetSettings();
    await simulator.stop();
  });

  beforeEach(async () => {
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    await services.ctx.globalState.update('evolink.wizard.generate', undefined);
    await services.ctx.globalState.update('evolink.wizard.edit', undefined);
    services.features.generate.shown.length = 0;
    services.features.edit.shown.length = 0;
    simulator.reset();
  });

  it('goes Back from the size to the model, takes a model with other steps, and sends what was chosen last', async () => {
    await selectPrompt('a lighthouse at dawn');
    const shown = services.features.generate.shown;
    const running = vscode.commands.executeCommand<LedgerEntry | undefined>('evolink.generateImage', { quiet: true });
    assert.deepEqual(await step(shown, 1), { id: 'model', step: 1, totalSteps: 4 });
    await accept(); // GPT-4o Image, the default model, offered first.
    assert.deepEqual(await step(shown, 2), { id: 'prompt', step: 2, totalSteps: 4 });
    await accept(); // The selected text is the prompt.
    assert.deepEqual(await step(shown, 3), { id: 'size', step: 3, totalSteps: 4 });
    await back();
    assert.deepEqual(await step(shown, 4), { id: 'prompt', step: 2, totalSteps: 4 });
    await back();
    assert.deepEqual(await step(shown, 5), { id: 'model', step: 1, totalSteps: 4 });
    await down();
    await down(); // Seedream 4.5, third in the list.
    await accept();
    assert.deepEqual(await step(shown, 6), { id: 'prompt', step: 2, totalSteps: 4 });
    await accept();
    assert.deepEqual(await step(shown, 7), { id: 'size', step: 3, totalSteps: 4 });
    await down(); // 2K, after the model's default 2048x2048.
    await accept();
    assert.deepEqual(await step(shown, 8), { id: 'count', step: 4, totalSteps: 4 });
    await accept();
    const entry = await running;
    assert.equal(entry?.state, 'saved', JSON.stringify(entry?.error));
    assert.deepEqual(entry.request, { model: 'doubao-seedream-4.5', prompt: 'a lighthouse at dawn', size: '2K', n: 1 });
    assert.equal(simulator.requests.filter((request) => request.path === '/v1/images/generations').length, 1);

    // The next time, Seedream and its 2K are offered first: Enter on every step sends the same.
    shown.length = 0;
    const again = vscode.commands.executeCommand<LedgerEntry | undefined>('evolink.generateImage', { quiet: true });
    for (let i = 1; i <= 4; i++) {
      await step(shown, i);
      await accept();
    }
    const second = await again;
    assert.deepEqual(second?.request, { model: 'doubao-seedream-4.5', prompt: 'a lighthouse at dawn', size: '2K', n: 1 });
  });

  it('keeps the prompt step open while the prompt is empty, and sends nothing when closed', async () => {
    const shown = services.features.generate.shown;
    const running = vscode.commands.executeCommand<LedgerEntry | undefined>('evolink.generateImage', { quiet: true, model: 'gpt-image-1.5-lite' });
    // The model was given: the wizard starts at the prompt, and the lite model asks its quality.
    assert.deepEqual(await step(shown, 1), { id: 'prompt', step: 1, totalSteps: 3 });
    await accept();
    await sleep(600);
    assert.equal(shown.length, 1, 'an empty prompt is not accepted');
    await vscode.commands.executeCommand('workbench.action.closeQuickOpen');
    assert.equal(await running, undefined);
    assert.equal(simulator.requests.filter((request) => request.path === '/v1/images/generations').length, 0);
  });

  it('edits with the same wizard: Back from the prompt to the model, then a mask in the Studio', async () => {
    const folder = vscode.Uri.joinPath(workspace(), 'images', 'edit');
    const original = vscode.Uri.joinPath(folder, 'hill.png');
    await vscode.workspace.fs.copy(vscode.Uri.joinPath(workspace(), 'photos', 'hillside.png'), original, { overwrite: true });
    const shown = services.features.edit.shown;
    const running = vscode.commands.executeCommand('evolink.editImage', original, [original]);
    assert.deepEqual(await step(shown, 1), { id: 'model', step: 1, totalSteps: 4 });
    await accept();
    assert.deepEqual(await step(shown, 2), { id: 'prompt', step: 2, totalSteps: 4 });
    await back();
    assert.deepEqual(await step(shown, 3), { id: 'model', step: 1, totalSteps: 4 });
    await down(); // GPT-4o Image: paint a mask first.
    await accept();
    assert.equal(await running, undefined);
    const tab = vscode.window.tabGroups.activeTabGroup.activeTab;
    assert.ok(tab?.input instanceof vscode.TabInputWebview, 'the Studio opened');
    assert.match(tab.input.viewType, /evolink\.studio$/);
    assert.equal(simulator.requests.filter((request) => request.path === '/v1/images/generations').length, 0);
  });

  it('shows results in one preview editor beside the work: the second replaces the first', async () => {
    const notes = vscode.Uri.joinPath(workspace(), 'notes.md');
    await vscode.workspace.fs.writeFile(notes, new TextEncoder().encode('# Notes\n'));
    try {
      await vscode.window.showTextDocument(notes);
      const generate = (prompt: string) => vscode.commands.executeCommand<LedgerEntry | undefined>('evolink.generateImage', { model: 'gpt-4o-image', prompt, size: '1:1' });
      const first = await generate('first preview');
      const second = await generate('second preview');
      const secondUri = vscode.Uri.parse(second!.results![0]!.saved!).toString();
      const deadline = Date.now() + 10_000;
      while (!resultTabs().some((entry) => entry.uri === secondUri) && Date.now() < deadline) await sleep(100);
      const tabs = resultTabs();
      assert.deepEqual(tabs.map((entry) => entry.uri), [secondUri], `first was ${first?.results?.[0]?.saved}`);
      assert.equal(tabs[0]!.tab.isPreview, true);
      assert.equal(vscode.window.tabGroups.all.length, 2, 'one column for the work, one for the results');
    } finally {
      await vscode.commands.executeCommand('workbench.action.closeAllEditors');
      await vscode.workspace.fs.delete(notes);
    }
  });

  it('opens each result in its own editor with "beside", and none with "none"', async () => {
    const config = vscode.workspace.getConfiguration('evolink');
    const generate = (prompt: string) => vscode.commands.executeCommand<LedgerEntry | undefined>('evolink.generateImage', { model: 'gpt-4o-image', prompt, size: '1:1' });
    await config.update('openResults', 'beside', vscode.ConfigurationTarget.Global);
    await generate('beside one');
    await generate('beside two');
    const deadline = Date.now() + 10_000;
    while (resultTabs().length < 2 && Date.now() < deadline) await sleep(100);
    assert.equal(resultTabs().length, 2, resultTabs().map((entry) => entry.uri).join(', '));
    assert.ok(resultTabs().every((entry) => !entry.tab.isPreview));
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    await config.update('openResults', 'none', vscode.ConfigurationTarget.Global);
    await generate('not opened');
    await sleep(500);
    assert.equal(resultTabs().length, 0);
    await config.update('openResults', undefined, vscode.ConfigurationTarget.Global);
  });

  it('refuses an output folder outside the workspace folder before anything is sent', async () => {
    const config = vscode.workspace.getConfiguration('evolink', workspace());
    const since = Date.now();
    try {
      await config.update('outputFolder', '../outside', vscode.ConfigurationTarget.WorkspaceFolder);
      assert.equal(await vscode.commands.executeCommand('evolink.generateImage', { quiet: true, model: 'gpt-4o-image', prompt: 'nowhere' }), undefined);
      await config.update('outputFolder', '/tmp/elsewhere', vscode.ConfigurationTarget.WorkspaceFolder);
      assert.equal(await vscode.commands.executeCommand('evolink.generateImage', { quiet: true, model: 'gpt-4o-image', prompt: 'nowhere' }), undefined);
    } finally {
      await config.update('outputFolder', undefined, vscode.ConfigurationTarget.WorkspaceFolder);
    }
    const shown = services.ctx.notifier.notices().filter((notice) => notice.at >= since && notice.message.includes('outputFolder')).map((notice) => notice.message);
    assert.equal(shown.length, 2, shown.join('\n'));
    assert.match(shown[0]!, /The setting evolink\.outputFolder of the workspace folder workspace leaves the folder/);
    assert.match(shown[1]!, /The setting evolink\.outputFolder of the workspace folder workspace is an absolute path/);
    assert.ok(!shown.join(' ').includes('/tmp/elsewhere'), 'the machine path is not repeated');
    assert.equal(simulator.requests.filter((request) => request.path === '/v1/images/generations').length, 0);
  });

  it('refuses an output folder that leads out of the workspace folder through a symbolic link, before anything is sent', async () => {
    const outside = mkdtempSync(join(tmpdir(), 'evolink-outside-'));
    const link = vscode.Uri.joinPath(workspace(), 'linked-out');
    symlinkSync(outside, link.fsPath);
    const config = vscode.workspace.getConfiguration('evolink', workspace());
    const since = Date.now();
    try {
      await config.update('outputFolder', 'linked-out/generated', vscode.ConfigurationTarget.WorkspaceFolder);
      assert.equal(await vscode.commands.executeCommand('evolink.generateImage', { quiet: true, model: 'gpt-4o-image', prompt: 'through a link' }), undefined);
    } finally {
      await config.update('outputFolder', undefined, vscode.ConfigurationTarget.WorkspaceFolder);
      rmSync(link.fsPath, { force: true });
    }
    const shown = services.ctx.notifier.notices().filter((notice) => notice.at >= since && notice.message.includes('outputFolder')).map((notice) => notice.message);
    assert.deepEqual(shown, ['The output folder linked-out/generated leads outside the workspace folder through a symbolic link. Set evolink.outputFolder to a folder inside it, or put a folder in place of the link.']);
    assert.deepEqual(readdirSync(outside), [], 'nothing was written through the link');
    rmSync(outside, { recursive: true, force: true });
    assert.equal(simulator.requests.filter((request) => request.path === '/v1/images/generations' && request.at >= since).length, 0);
  });

  it('tells the palette whether a key is set: Clear API Key and Show Balance need one', async () => {
    assert.equal(services.ctx.apiKeys.contextValue, true);
    await vscode.commands.executeCommand('evolink.clearApiKey');
    assert.equal(services.ctx.apiKeys.contextValue, false);
    await vscode.commands.executeCommand('evolink.setApiKey', { apiKey: demoKey });
    assert.equal(services.ctx.apiKeys.contextValue, true);
    const manifest = vscode.extensions.getExtension('evolink.evolink-image-studio')!.packageJSON as { contributes: { menus: { commandPalette: { command: string; when: string }[] } } };
    const when = (command: string) => manifest.contributes.menus.commandPalette.find((entry) => entry.command === command)?.when;
    assert.equal(when('evolink.clearApiKey'), 'evolink.hasApiKey');
    assert.equal(when('evolink.showBalance'), 'evolink.hasApiKey');
  });
});
