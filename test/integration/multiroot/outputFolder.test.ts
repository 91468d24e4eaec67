import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import type { EvoLinkSimulator } from '../../../simulator/server';
import type { LedgerEntry } from '../../../src/common/ledgerEntry';
import type { Services } from '../../../src/extension/services';
import { activateExtension, demoKey, resetSettings, startSimulator } from '../support';

// Runs in test/fixtures/multiroot/site.code-workspace: the folders `web` (outputFolder
// public/img in its .vscode/settings.json) and `docs` (assets/generated).

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const folder = (name: string) => vscode.workspace.workspaceFolders!.find((candidate) => candidate.name === name)!;
const accept = () => vscode.commands.executeCommand('workbench.action.acceptSelectedQuickOpenItem');
const down = () => vscode.commands.executeCommand('workbench.action.quickOpenSelectNext');

async function filesIn(uri: vscode.Uri): Promise<string[]> {
  try {
    return (await vscode.workspace.fs.readDirectory(uri)).map(([name]) => name).sort();
  } catch {
    return [];
  }
}

async function clean(): Promise<void> {
  // The results, and each folder's provenance index: the fixture folders are in the repository.
  for (const [name, top] of [['web', 'public'], ['docs', 'assets'], ['web', '.evolink'], ['docs', '.evolink']] as const) {
    await vscode.workspace.fs.delete(vscode.Uri.joinPath(folder(name).uri, top), { recursive: true }).then(undefined, () => undefined);
  }
}

/** Generates without naming a folder, answering "which workspace folder?" with the `index`-th one. */
async function generateInto(index: number, prompt: string): Promise<LedgerEntry | undefined> {
  const running = vscode.commands.executeCommand<LedgerEntry | undefined>('evolink.generateImage', { quiet: true, model: 'gpt-4o-image', prompt, size: '1:1' });
  // The workspace folder pick is VS Code's own quick pick; give it a moment to show.
  await sleep(1500);
  for (let step = 0; step < index; step++) await down();
  await accept();
  return running;
}

describe('outputFolder in a multi-root workspace', function () {
  this.timeout(60_000);
  let simulator: EvoLinkSimulator;
  let services: Services;

  before(async () => {
    const api = await activateExtension();
    services = await api.testing!.services();
    simulator = await startSimulator({ taskDurationMs: 1000 });
    await vscode.commands.executeCommand('evolink.setApiKey', { apiKey: demoKey });
  });

  after(async () => {
    await clean();
    // The fixture's settings file as it is in the repository.
    const settings = vscode.Uri.joinPath(folder('docs').uri, '.vscode', 'settings.json');
    await vscode.workspace.fs.writeFile(settings, new TextEncoder().encode('{ "evolink.outputFolder": "assets/generated" }\n'));
    await vscode.commands.executeCommand('evolink.clearApiKey');
    await resetSettings();
    await simulator.stop();
  });

  beforeEach(async () => {
    simulator.reset();
    await clean();
  });

  it('has the two folders, each with its own setting', () => {
    assert.deepEqual(vscode.workspace.workspaceFolders?.map((candidate) => candidate.name), ['web', 'docs']);
    assert.equal(vscode.workspace.getConfiguration('evolink', folder('web').uri).get('outputFolder'), 'public/img');
    assert.equal(vscode.workspace.getConfiguration('evolink', folder('docs').uri).get('outputFolder'), 'assets/generated');
  });

  it('saves into the output folder of the workspace folder the person picks', async () => {
    const docs = await generateInto(1, 'a lighthouse for the docs');
    assert.equal(docs?.state, 'saved', JSON.stringify(docs?.error));
    const inDocs = await filesIn(vscode.Uri.joinPath(folder('docs').uri, 'assets', 'generated'));
    assert.ok(inDocs.includes('a-lighthouse-for-the-docs.png'), inDocs.join(', '));
    assert.deepEqual(await filesIn(vscode.Uri.joinPath(folder('web').uri, 'public', 'img')), []);

    const web = await generateInto(0, 'a lighthouse for the site');
    assert.equal(web?.state, 'saved', JSON.stringify(web?.error));
    const inWeb = await filesIn(vscode.Uri.joinPath(folder('web').uri, 'public', 'img'));
    assert.ok(inWeb.includes('a-lighthouse-for-the-site.png'), inWeb.join(', '));
  });

  it('refuses a folder setting that leaves its workspace folder, naming the folder, before anything is sent', async () => {
    await vscode.workspace.getConfiguration('evolink', folder('docs').uri).update('outputFolder', '../outside', vscode.ConfigurationTarget.WorkspaceFolder);
    const since = Date.now();
    const result = await generateInto(1, 'a lighthouse that goes nowhere');
    assert.equal(result, undefined);
    assert.equal(simulator.requests.filter((request) => request.path === '/v1/images/generations').length, 0);
    const shown = services.ctx.notifier.notices().filter((notice) => notice.at >= since).map((notice) => notice.message);
    assert.ok(
      shown.some((message) => message.includes('evolink.outputFolder') && message.includes('docs') && message.includes('(..)')),
      JSON.stringify(shown),
    );
  });
});
