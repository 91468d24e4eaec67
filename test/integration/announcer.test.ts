import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import type { EvoLinkSimulator } from '../../simulator/server';
import type { LedgerEntry } from '../../src/common/ledgerEntry';
import type { Services } from '../../src/extension/services';
import type { Notice } from '../../src/extension/ui/notifier';
import { activateExtension, demoKey, resetSettings, startSimulator } from './support';

const workspace = () => vscode.workspace.workspaceFolders![0]!.uri;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** The tabs of every group that show a file of the output folder. */
function resultTabs(): vscode.Tab[] {
  return vscode.window.tabGroups.all.flatMap((group) => group.tabs.filter((tab) => tab.input instanceof vscode.TabInputCustom && tab.input.uri.path.includes('/images/generated/')));
}

async function until(condition: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 15_000;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what}`);
    await sleep(100);
  }
}

describe('The message at the end of a request, and the results it opens', function () {
  this.timeout(90_000);
  let simulator: EvoLinkSimulator;
  let services: Services;
  const config = () => vscode.workspace.getConfiguration('evolink');

  before(async () => {
    const api = await activateExtension();
    simulator = await startSimulator({ taskDurationMs: 1000 });
    await vscode.commands.executeCommand('evolink.setApiKey', { apiKey: demoKey });
    services = await api.testing!.services();
  });

  afterEach(async () => {
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    await config().update('openResults', undefined, vscode.ConfigurationTarget.Global);
  });

  after(async () => {
    await vscode.workspace.fs.delete(vscode.Uri.joinPath(workspace(), 'images'), { recursive: true }).then(undefined, () => undefined);
    await vscode.commands.executeCommand('evolink.clearApiKey');
    await resetSettings();
    await simulator.stop();
  });

  /** Generates with the options given (results opened as the setting says), and waits for the message that tells it was saved. */
  async function generated(options: Record<string, unknown>): Promise<{ entry: LedgerEntry; notice: Notice }> {
    const since = Date.now();
    const entry = await vscode.commands.executeCommand<LedgerEntry | undefined>('evolink.generateImage', options);
    assert.equal(entry?.state, 'saved', JSON.stringify(entry?.error));
    let notice: Notice | undefined;
    await until(() => (notice = services.ctx.notifier.notices().find((shown) => shown.at >= since && shown.actions.includes('Open'))) !== undefined, 'the saved message');
    return { entry, notice: notice! };
  }

  it('offers Open with "none", and opens what Open is picked for; with Insert Reference beside an editor, with Reveal in Explorer without one', async () => {
    await config().update('openResults', 'none', vscode.ConfigurationTarget.Global);
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    const bare = await generated({ model: 'gpt-4o-image', size: '1:1', prompt: 'none without editor' });
    assert.deepEqual(bare.notice.actions, ['Open', 'Reveal in Explorer']);
    await sleep(300);
    assert.equal(resultTabs().length, 0, 'nothing is opened unasked');
    await services.ctx.notifier.pick(bare.notice, 'Open');
    await until(() => resultTabs().length === 1, 'the result opened by Open');

    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    const doc = await vscode.workspace.openTextDocument({ content: '# Notes\n', language: 'markdown' });
    await vscode.window.showTextDocument(doc);
    const withEditor = await generated({ model: 'gpt-4o-image', size: '1:1', prompt: 'none with editor' });
    assert.deepEqual(withEditor.notice.actions, ['Open', 'Insert Reference']);
  });

  it('opens each result of a request in its own editor with "beside", at most four', async () => {
    await config().update('openResults', 'beside', vscode.ConfigurationTarget.Global);
    const four = await generated({ model: 'gpt-4o-image', size: '1:1', n: 4, prompt: 'four beside' });
    assert.equal(four.entry.results?.length, 4);
    await until(() => resultTabs().length === 4, 'four tabs');
    assert.ok(resultTabs().every((tab) => !tab.isPreview));

    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    const six = await generated({ model: 'doubao-seedream-4.5', size: '2K', n: 6, prompt: 'generate 6 different images of a lighthouse beside' });
    assert.equal(six.entry.results?.length, 6);
    await until(() => resultTabs().length >= 4, 'four tabs');
    await sleep(500);
    assert.equal(resultTabs().length, 4, 'no more than four are opened');
  });

  it('opens only the first result in the preview with "preview"', async () => {
    await config().update('openResults', 'preview', vscode.ConfigurationTarget.Global);
    const two = await generated({ model: 'gpt-4o-image', size: '1:1', n: 2, prompt: 'two in preview' });
    const first = vscode.Uri.parse(two.entry.results![0]!.saved!).toString();
    await until(() => resultTabs().length >= 1, 'the preview');
    await sleep(500);
    assert.deepEqual(
      resultTabs().map((tab) => (tab.input as vscode.TabInputCustom).uri.toString()),
      [first],
    );
  });
});
