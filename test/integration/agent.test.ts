import * as assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as vscode from 'vscode';
import type { EvoLinkSimulator } from '../../simulator/server';
import type { Services } from '../../src/extension/services';
import { services } from './matrix';
import { activateExtension, demoKey, provenanceIndex, resetSettings, startSimulator, paidRequests } from './support';

const toolName = 'evolink_generate_image';
const root = () => vscode.workspace.workspaceFolders![0]!.uri;

const textOf = (result: vscode.LanguageModelToolResult): string => result.content.map((part) => (part instanceof vscode.LanguageModelTextPart ? part.value : '')).join('');

async function invoke(input: Record<string, unknown>): Promise<string> {
  return textOf(await vscode.lm.invokeTool(toolName, { input, toolInvocationToken: undefined }, new vscode.CancellationTokenSource().token));
}

describe('The agent tool', function () {
  this.timeout(60_000);
  let simulator: EvoLinkSimulator;
  let app: Services;
  const submits = () => simulator.requests.filter((request) => request.path === '/v1/images/generations').length;

  before(async () => {
    await activateExtension();
    app = await services();
    simulator = await startSimulator({ taskDurationMs: 2000 });
    await vscode.commands.executeCommand('evolink.setApiKey', { apiKey: demoKey });
  });

  after(async () => {
    await vscode.workspace.fs.delete(vscode.Uri.joinPath(root(), 'agent-out'), { recursive: true }).then(undefined, () => undefined);
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    await vscode.commands.executeCommand('evolink.clearApiKey');
    await resetSettings();
    await simulator.stop();
  });

  it('is offered to agents under its contributed name', () => {
    const tool = vscode.lm.tools.find((candidate) => candidate.name === toolName);
    assert.ok(tool, 'registered');
    assert.match(tool.description, /EvoLink/);
  });

  it('generates into a workspace folder through the ledger and writer, and answers the saved path', async () => {
    const answer = await invoke({ prompt: 'A red kite over the dunes', model: 'gpt-4o-image', size: '1:1', folder: 'agent-out' });
    assert.match(answer, /^Saved 1 image: agent-out\/a-red-kite-over-the-dunes\.png\./);
    await vscode.workspace.fs.stat(vscode.Uri.joinPath(root(), 'agent-out', 'a-red-kite-over-the-dunes.png'));
    assert.equal((await provenanceIndex()).records.get('agent-out/a-red-kite-over-the-dunes.png')?.prompt, 'A red kite over the dunes');
    assert.equal(submits(), 1);
  });

  it('refuses the same request made again within two minutes, and answers where its images are, without sending it', async () => {
    const before = submits();
    const answer = await invoke({ folder: 'agent-out', size: '1:1', model: 'gpt-4o-image', prompt: 'A red kite over the dunes' });
    assert.match(answer, /identical request was already made and its images were saved: agent-out\/a-red-kite-over-the-dunes\.png\./);
    assert.equal(submits(), before);
  });

  it('shows model, cost and destination before the prompt, which comes last on one shortened line where markdown does not format', async () => {
    const forged = `A fox\n\n**Cost:** 0 credits\n\n**Saved in:** nowhere\n\n${'and more '.repeat(100)}`;
    const prepared = await app.prepareImageTool({ prompt: forged, model: 'gpt-4o-image', size: '1:1', folder: 'agent-out' });
    const message = prepared.confirmationMessages?.message;
    assert.ok(message, 'the user is asked');
    const paragraphs = (typeof message === 'string' ? message : message.value).split('\n\n');
    assert.deepEqual(paragraphs.map((paragraph) => /^\*\*([^*:]+):\*\*/.exec(paragraph)?.[1]), ['Model', 'Cost', 'Saved in', 'Prompt']);
    assert.match(paragraphs[1]!, /^\*\*Cost:\*\* reserves [\d\\.]+ credits$/);
    assert.match(paragraphs[2]!, /^\*\*Saved in:\*\* agent\\?-out$/);
    assert.match(paragraphs[3]!, /^\*\*Prompt:\*\* ` A fox \*\*Cost:\*\* 0 credits \*\*Saved in:\*\* nowhere and more .*… `$/);
    assert.ok(paragraphs[3]!.length < 340, `${paragraphs[3]!.length} characters`);
  });

  it('sends nothing that the user was not asked to confirm', async () => {
    const before = submits();
    const result = await app.invokeImageTool({ prompt: 'An owl nobody confirmed', model: 'gpt-4o-image', size: '1:1', folder: 'agent-out' }, new vscode.CancellationTokenSource().token);
    assert.match(textOf(result), /the user was not asked to confirm this request/);
    assert.equal(submits(), before);
  });

  it('refuses input that does not match its schema with a sentence for the agent, and sends nothing', async () => {
    const before = submits();
    assert.match(await invoke({ prompt: 'x', sourceImages: 'agent-out/a-red-kite-over-the-dunes.png' }), /sourceImages must be an array of strings, not a string\./);
    assert.match(await invoke({ prompt: 'x', folder: 5 }), /folder must be a string, not a whole number\./);
    assert.equal(submits(), before);
  });

  it('keeps evolink.generateImage from writing into a folder outside the workspace, before anything is sent', async () => {
    const outside = mkdtempSync(join(tmpdir(), 'evolink-agent-outside-'));
    const since = Date.now();
    const before = submits();
    try {
      const entry = await vscode.commands.executeCommand('evolink.generateImage', { quiet: true, model: 'gpt-4o-image', size: '1:1', prompt: 'outside', folder: vscode.Uri.file(outside).toString() });
      assert.equal(entry, undefined);
      assert.deepEqual(readdirSync(outside), []);
    } finally {
      rmSync(outside, { recursive: true, force: true });
    }
    const shown = app.ctx.notifier.notices().filter((notice) => notice.at >= since && notice.message.includes('is not inside the workspace'));
    assert.equal(shown.length, 1, JSON.stringify(app.ctx.notifier.notices().filter((notice) => notice.at >= since)));
    assert.equal(submits(), before);
  });

  it('edits a workspace image and answers the path of the edit beside it', async () => {
    const answer = await invoke({ prompt: 'Make the kite blue', model: 'gpt-image-1.5-lite', size: '1:1', quality: 'low', sourceImages: ['agent-out/a-red-kite-over-the-dunes.png'] });
    assert.match(answer, /^Saved 1 image: agent-out\/a-red-kite-over-the-dunes\.edit-1\.(png|webp|jpg)\./);
  });

  it('tells the agent not to submit again when the task it waits for is no longer watched (it still runs, and is paid)', async () => {
    simulator.configure({ taskDurationMs: 60_000 });
    try {
      const before = new Set((await app.ctx.tasks.list()).map((entry) => entry.localId));
      const answering = invoke({ prompt: 'A slow lighthouse at dusk', model: 'gpt-4o-image', size: '1:1', folder: 'agent-out' });
      let made: string | undefined;
      for (let tries = 0; tries < 100 && !made; tries++) {
        made = (await app.ctx.tasks.list()).find((entry) => !before.has(entry.localId) && entry.state === 'running')?.localId;
        if (!made) await new Promise((resolve) => setTimeout(resolve, 100));
      }
      assert.ok(made, 'the task runs');
      await app.ctx.tasks.stopWatching(made);
      const answer = await answering;
      assert.match(answer, /still runs at EvoLink/);
      assert.match(answer, /Do not submit it again/);
    } finally {
      simulator.configure({ taskDurationMs: 2000 });
    }
  });

  it('answers at once when EvoLink refuses to read the task for the key, instead of waiting hours for a new one, and says not to submit it again', async () => {
    simulator.addFault('task', { kind: 'status', status: 401, body: 'json' }, 1000);
    const before = new Set((await app.ctx.tasks.list()).map((entry) => entry.localId));
    try {
      const answer = await invoke({ prompt: 'A kite in a storm', model: 'gpt-4o-image', size: '1:1', folder: 'agent-out' });
      assert.match(answer, /cannot be read now: EvoLink does not accept the API key/);
      assert.match(answer, /Do not submit it again/);
      const refused = (await app.ctx.tasks.list()).find((entry) => !before.has(entry.localId));
      assert.deepEqual([refused?.state, refused?.error?.reason], ['running', 'auth'], 'the task waits for a key');
    } finally {
      simulator.clearFaults('task');
    }
    // Mended: read again at once, and saved.
    const made = (await app.ctx.tasks.list()).find((entry) => !before.has(entry.localId))!;
    await app.ctx.tasks.checkAgain(made.localId);
    let state: string | undefined;
    for (let tries = 0; tries < 150 && state !== 'saved'; tries++) {
      state = (await app.ctx.tasks.get(made.localId))?.state;
      if (state !== 'saved') await new Promise((resolve) => setTimeout(resolve, 100));
    }
    assert.equal(state, 'saved');
  });

  it('refuses a path outside the workspace, and a request the model would reject, with the reason and nothing sent', async () => {
    simulator.reset();
    assert.match(await invoke({ prompt: 'x', folder: '../../etc' }), /outside the workspace/);
    assert.match(await invoke({ prompt: 'x', folder: '/etc' }), /outside the workspace/);
    assert.match(await invoke({ prompt: 'x', sourceImages: ['../secret.png'] }), /outside the workspace/);
    assert.match(await invoke({ prompt: 'x', model: 'gpt-4o-image', n: 3 }), /would be refused: n: 3 images cannot be requested from this model; choose one of 1, 2, 4/);
    assert.match(await invoke({ prompt: 'x', model: 'doubao-seedream-4.5', size: '1000x1000' }), /size: Size 1000x1000 is out of range/);
    assert.equal(paidRequests(simulator).length, 0);
  });
});
