import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import type { EvoLinkSimulator } from '../../simulator/server';
import type { LedgerEntry } from '../../src/common/ledgerEntry';
import type { Services } from '../../src/extension/services';
import { taskListTitle } from '../../src/extension/tasks/taskList';
import { activateExtension, demoKey, resetSettings, startSimulator } from './support';

const root = () => vscode.workspace.workspaceFolders![0]!.uri;
const folder = 'budget-out';

function generate(prompt: string): Thenable<LedgerEntry | undefined> {
  return vscode.commands.executeCommand<LedgerEntry | undefined>('evolink.generateImage', { quiet: true, model: 'gpt-4o-image', size: '1:1', n: 1, prompt, folder: vscode.Uri.joinPath(root(), folder).toString() });
}

async function setLimit(limit: number | undefined): Promise<void> {
  await vscode.workspace.getConfiguration('evolink').update('dailyCreditLimit', limit, vscode.ConfigurationTarget.Global);
}

async function invokeTool(input: Record<string, unknown>): Promise<string> {
  const result = await vscode.lm.invokeTool('evolink_generate_image', { input, toolInvocationToken: undefined }, new vscode.CancellationTokenSource().token);
  return result.content.map((part) => (part instanceof vscode.LanguageModelTextPart ? part.value : '')).join('');
}

describe('The budget guard', function () {
  this.timeout(60_000);
  let simulator: EvoLinkSimulator;
  let services: Services;
  const submits = () => simulator.requests.filter((request) => request.path === '/v1/images/generations').length;
  const questions = () => services.ctx.notifier.notices().filter((notice) => notice.actions.includes('Send Anyway'));
  /** Today's spend as the guard counts it (the day log is the machine's: earlier runs may have spent today). */
  const spent = async () => (await services.ctx.budget.summary()).spent;

  before(async () => {
    services = await (await activateExtension()).testing!.services();
    simulator = await startSimulator({ taskDurationMs: 1500 });
    await vscode.commands.executeCommand('evolink.setApiKey', { apiKey: demoKey });
  });

  beforeEach(() => simulator.reset());

  after(async () => {
    await setLimit(undefined);
    await vscode.workspace.fs.delete(vscode.Uri.joinPath(root(), folder), { recursive: true }).then(undefined, () => undefined);
    await vscode.commands.executeCommand('evolink.clearApiKey');
    await resetSettings();
    await simulator.stop();
  });

  it('asks before a request that would pass the daily limit, and Cancel sends nothing', async () => {
    const before = await spent();
    await setLimit(before + 1);
    const asked = questions().length;
    services.ctx.notifier.answerNextQuestion(undefined);
    const entry = await generate('A lighthouse the budget stops');
    assert.equal(entry, undefined, 'nothing was submitted');
    assert.equal(submits(), 0);
    assert.equal(simulator.tasks.size, 0);
    assert.equal(simulator.requests.filter((request) => request.origin === 'files').length, 0, 'nothing uploaded');
    const question = questions().at(-1);
    assert.equal(questions().length, asked + 1);
    const format = (value: number) => value.toLocaleString(vscode.env.language, { maximumFractionDigits: 2 });
    assert.equal(question?.message, `This request (about 2.5 credits) would bring today's spend to ${format(before + 2.5)} of your daily limit ${format(before + 1)}.`);
    assert.deepEqual(question?.actions, ['Send Anyway', 'Change Limit']);
    assert.equal(await spent(), before, 'Cancel spends nothing');
  });

  it('sends the request on Send Anyway, and counts what it used in today’s spend shown by Show Tasks', async () => {
    const before = await spent();
    await setLimit(before + 1);
    services.ctx.notifier.answerNextQuestion('Send Anyway');
    const entry = await generate('A lighthouse sent anyway');
    assert.equal(entry?.state, 'saved', JSON.stringify(entry?.error));
    assert.equal(submits(), 1);
    assert.equal(entry?.creditsUsed, 2.5);
    assert.equal(await spent(), before + 2.5);
    const title = await taskListTitle(services.ctx);
    const format = (value: number) => value.toLocaleString(vscode.env.language, { maximumFractionDigits: 2 });
    assert.equal(title, `EvoLink Tasks · Today: ${format(before + 2.5)} of ${format(before + 1)} credits`);
    // The Tasks view says the same beside its title.
    const view = services.features.tasksView;
    const deadline = Date.now() + 5000;
    while (view.description !== title.replace('EvoLink Tasks · ', '') && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 100));
    assert.equal(view.description, `Today: ${format(before + 2.5)} of ${format(before + 1)} credits`);
    // The real Show Tasks opens with that title (its quick pick is closed again here).
    const shown = vscode.commands.executeCommand('evolink.showTasks');
    await new Promise((resolve) => setTimeout(resolve, 500));
    await vscode.commands.executeCommand('workbench.action.closeQuickOpen');
    await shown;
  });

  it('asks nothing within the limit, and shows no limit once it is cleared', async () => {
    const before = await spent();
    await setLimit(before + 100);
    const asked = questions().length;
    const entry = await generate('A lighthouse within budget');
    assert.equal(entry?.state, 'saved', JSON.stringify(entry?.error));
    assert.equal(questions().length, asked);
    await setLimit(undefined);
    assert.match(await taskListTitle(services.ctx), /^EvoLink Tasks · Today: [\d.,]+ credits$/);
  });

  it('lets the agent tool refuse over the limit with a sentence that says how to raise it, sending nothing', async () => {
    const before = await spent();
    await setLimit(before + 1);
    const asked = questions().length;
    const answer = await invokeTool({ prompt: 'A lighthouse the agent may not buy', model: 'gpt-4o-image', size: '1:1', folder });
    assert.match(answer, /would bring today's spend to .* of your daily limit .*Nothing was sent\. To send it, raise the daily limit in the setting evolink\.dailyCreditLimit/);
    assert.equal(submits(), 0);
    assert.equal(questions().length, asked, 'no modal in the middle of a chat');
  });
});
