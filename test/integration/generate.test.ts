import * as assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as vscode from 'vscode';
import { actionsFor } from '../../src/common/taskState';
import type { EvoLinkSimulator } from '../../simulator/server';
import type { LedgerEntry } from '../../src/common/ledgerEntry';
import type { EvoLinkExtensionApi } from '../../src/extension/main';
import { activateExtension, demoKey, provenanceIndex, resetSettings, startSimulator, paidRequests } from './support';

const workspace = () => vscode.workspace.workspaceFolders![0]!.uri;
const outputDir = () => vscode.Uri.joinPath(workspace(), 'images', 'generated');

async function listOutput(): Promise<string[]> {
  try {
    return (await vscode.workspace.fs.readDirectory(outputDir())).map(([name]) => name).sort();
  } catch {
    return [];
  }
}

async function clearOutput(): Promise<void> {
  for (const name of ['images', '.evolink']) await vscode.workspace.fs.delete(vscode.Uri.joinPath(workspace(), name), { recursive: true }).then(undefined, () => undefined);
}

const exists = (uri: vscode.Uri): Thenable<boolean> => vscode.workspace.fs.stat(uri).then(() => true, () => false);

/** Asserts that a text names no path of this machine and no link. */
function assertPrivate(text: string): void {
  assert.ok(!text.includes(workspace().fsPath) && !text.includes(workspace().path), 'no absolute path');
  assert.doesNotMatch(text, /file:|https?:\/\//, 'no link');
}

function generate(args: Record<string, unknown>): Thenable<LedgerEntry | undefined> {
  return vscode.commands.executeCommand<LedgerEntry | undefined>('evolink.generateImage', { quiet: true, ...args });
}

describe('Generating images end to end', function () {
  this.timeout(60_000);
  let simulator: EvoLinkSimulator;
  let api: EvoLinkExtensionApi;

  before(async () => {
    api = await activateExtension();
    simulator = await startSimulator({ taskDurationMs: 2500 });
    await vscode.commands.executeCommand('evolink.setApiKey', { apiKey: demoKey });
  });

  after(async () => {
    await clearOutput();
    await vscode.commands.executeCommand('evolink.clearApiKey');
    await resetSettings();
    await simulator.stop();
  });

  beforeEach(async () => {
    simulator.reset();
    await clearOutput();
  });

  const cases: [string, Record<string, unknown>, string, number][] = [
    ['gpt-4o-image', { size: '3:2', n: 2 }, 'png', 2],
    ['gpt-image-1.5-lite', { size: '2:3', quality: 'low' }, 'webp', 1],
    ['doubao-seedream-4.5', { size: '2560x1440', n: 4, prompt: 'generate 2 different images of a lighthouse at dawn' }, 'jpg', 2],
  ];
  for (const [model, args, extension, count] of cases) {
    it(`saves ${model} results under their real type, with provenance in the workspace's index and nothing beside them`, async () => {
      const prompt = (args.prompt as string | undefined) ?? `A lighthouse at dawn, by ${model}`;
      const entry = await generate({ model, prompt, ...args });
      assert.equal(entry?.state, 'saved', JSON.stringify(entry?.error));
      const images = await listOutput();
      assert.equal(images.length, count, `only the images, no sidecar: ${images.join(', ')}`);
      const index = await provenanceIndex();
      assert.equal(index.text.trim().split('\n').length, count, 'one line per image');
      assertPrivate(index.text);
      for (const image of images) {
        assert.ok(image.endsWith(`.${extension}`), image);
        assert.ok(image.startsWith('a-lighthouse-at-dawn') || image.startsWith('generate-2-different-images'), image);
        const provenance = index.records.get(`images/generated/${image}`);
        assert.equal(provenance?.prompt, prompt);
        assert.equal(provenance.model, model);
        assert.equal(provenance.taskId, entry?.taskId);
      }
      const submits = simulator.requests.filter((request) => request.path === '/v1/images/generations');
      assert.equal(submits.length, 1);
      assert.match(submits[0]?.idempotencyKey ?? '', /^[A-Za-z0-9._-]{16,96}$/);
      const downloads = simulator.requests.filter((request) => request.origin === 'cdn');
      assert.equal(downloads.length, count);
      assert.ok(downloads.every((request) => !request.hasAuthorization));
    });
  }

  it('never overwrites: a second run with the same prompt gets new names', async () => {
    await generate({ model: 'gpt-4o-image', prompt: 'same prompt', size: '1:1' });
    await generate({ model: 'gpt-4o-image', prompt: 'same prompt', size: '1:1' });
    assert.deepEqual((await listOutput()).filter((name) => !name.endsWith('.json')), ['same-prompt-2.png', 'same-prompt.png']);
  });

  it('refuses a request the model would refuse before anything is sent, and says why', async () => {
    const services = await api.testing!.services();
    const since = Date.now();
    const result = await generate({ model: 'gpt-4o-image', prompt: 'x', n: 3 });
    assert.equal(result, undefined);
    assert.equal(paidRequests(simulator).length, 0);
    const long = await generate({ model: 'doubao-seedream-4.5', prompt: 'x'.repeat(2001) });
    assert.equal(long, undefined);
    assert.equal(paidRequests(simulator).length, 0);
    // The refusals, not what a task of an earlier test tells meanwhile.
    const shown = services.ctx.notifier.notices().filter((notice) => notice.at >= since && notice.message.startsWith('This request')).map((notice) => notice.message);
    assert.deepEqual(shown, [
      'This request cannot be sent as it is: 3 images cannot be requested from this model; choose one of 1, 2, 4. Nothing was sent, nothing is charged.',
      'This request cannot be sent as it is: The prompt has 2001 characters; this model takes at most 2000. Shorten it. Nothing was sent, nothing is charged.',
    ]);
  });

  it('reports a failed task with its code, and the credits come back', async () => {
    simulator.addTaskOutcome({ kind: 'fail', code: 'content_policy_violation' });
    const entry = await generate({ model: 'gpt-4o-image', prompt: 'forbidden' });
    assert.equal(entry?.state, 'failed');
    assert.equal(entry?.error?.code, 'content_policy_violation');
    assert.equal(simulator.balanceOf(demoKey), 1000);
    assert.deepEqual(await listOutput(), []);
  });

  it('reports a task that completed without results, waits for its links (Check Again), and does not submit it again', async () => {
    simulator.addTaskOutcome({ kind: 'noResults' });
    const entry = await generate({ model: 'gpt-4o-image', prompt: 'nothing' });
    assert.equal(entry?.state, 'stopped');
    assert.equal(entry?.error?.code, 'no_results');
    assert.equal(entry && actionsFor(entry)[0], 'checkAgain', 'Check Again comes first, before a paid Retry');
    assert.equal(simulator.requests.filter((request) => request.path === '/v1/images/generations').length, 1);
  });

  it('finds results that only come in result_data', async () => {
    simulator.addTaskOutcome({ kind: 'resultDataOnly', shape: 'object' });
    const entry = await generate({ model: 'gpt-4o-image', prompt: 'odd answer' });
    assert.equal(entry?.state, 'saved');
    assert.equal((await listOutput()).filter((name) => !name.endsWith('.json')).length, 1);
  });

  it('pays once when the answer to the submit is lost', async () => {
    simulator.addFault('submit', { kind: 'reset' });
    const entry = await generate({ model: 'gpt-4o-image', prompt: 'lost answer' });
    assert.equal(entry?.state, 'saved');
    assert.equal(simulator.tasks.size, 1);
    assert.equal(simulator.balanceOf(demoKey), 997.5);
  });

  it('keeps polling through 429, 502 and a reset while reading the task', async () => {
    simulator.addFault('task', { kind: 'status', status: 429, retryAfter: '1' });
    simulator.addFault('task', { kind: 'status', status: 502, body: 'html' });
    simulator.addFault('task', { kind: 'reset' });
    const entry = await generate({ model: 'gpt-4o-image', prompt: 'bumpy road' });
    assert.equal(entry?.state, 'saved');
  });

  it('gives nothing when the balance is too low, and records no task', async () => {
    simulator.setKey(demoKey, { balance: 1 });
    const since = Date.now();
    const entry = await generate({ model: 'gpt-4o-image', prompt: 'too expensive' });
    assert.equal(entry, undefined);
    assert.equal(simulator.tasks.size, 0);
    const shown = (await api.testing!.services()).ctx.notifier.notices().filter((notice) => notice.at >= since);
    assert.match(shown[0]?.message ?? '', /^Your EvoLink balance is too low for this request \(Insufficient account balance: 1 credits left, 2\.5 needed\)/);
    assert.deepEqual(shown[0]?.actions, ['Top Up']);
  });

  it('keeps the results when the folder cannot be written, and saves them elsewhere on request', async () => {
    // A file where the output folder should be: creating the folder fails, as on a read-only disk.
    const blocker = vscode.Uri.joinPath(workspace(), 'images');
    await vscode.workspace.fs.writeFile(blocker, new TextEncoder().encode('not a folder'));
    const entry = await generate({ model: 'gpt-4o-image', prompt: 'nowhere to go', folder: vscode.Uri.joinPath(blocker, 'generated').toString() });
    assert.equal(entry?.state, 'saveFailed');
    assert.equal(simulator.requests.filter((request) => request.origin === 'cdn').length, 1);
    await vscode.workspace.fs.delete(blocker);
    const elsewhere = vscode.Uri.joinPath(workspace(), 'images', 'elsewhere');
    await vscode.commands.executeCommand('evolink.saveTaskTo', entry.localId, elsewhere);
    const names = (await vscode.workspace.fs.readDirectory(elsewhere)).map(([name]) => name);
    assert.deepEqual(names.filter((name) => !name.endsWith('.json')), ['nowhere-to-go.png']);
    assert.equal(simulator.requests.filter((request) => request.origin === 'cdn').length, 1, 'not downloaded again');
  });

  it('does not write off a fresh result whose link the CDN refuses: it tries again on its own, three times, then waits for Check Again', async () => {
    // An expired link is one near the end of its 24 hours (see the fault matrix); a fresh one
    // that a CDN refuses may work a moment later.
    simulator.addFault('cdn', { kind: 'status', status: 403 }, 5);
    const entry = await generate({ model: 'gpt-4o-image', prompt: 'refused for now' });
    assert.equal(entry?.state, 'saveFailed');
    assert.equal(entry?.error?.code, 'linkRefused');
    assert.equal(simulator.requests.filter((request) => request.origin === 'cdn').length, 4);
  });

  it('runs several tasks at once, each saved once', async () => {
    const entries = await Promise.all([
      generate({ model: 'gpt-4o-image', prompt: 'first of three' }),
      generate({ model: 'gpt-image-1.5-lite', prompt: 'second of three' }),
      generate({ model: 'doubao-seedream-4.5', prompt: 'third of three' }),
    ]);
    assert.deepEqual(entries.map((entry) => entry?.state), ['saved', 'saved', 'saved']);
    assert.deepEqual((await listOutput()).filter((name) => !name.endsWith('.json')), ['first-of-three.png', 'second-of-three.webp', 'third-of-three.jpg']);
  });

  it('inserts a relative reference with the prompt as alt text', async () => {
    const entry = await generate({ model: 'gpt-4o-image', prompt: 'A small red fox' });
    const image = vscode.Uri.parse(entry!.results![0]!.saved!);
    const file = vscode.Uri.joinPath(workspace(), 'docs', 'page.md');
    try {
      await vscode.workspace.fs.writeFile(file, new Uint8Array());
      const editor = await vscode.window.showTextDocument(file);
      const inserted = await vscode.commands.executeCommand<string>('evolink.insertImageReference', image);
      assert.equal(inserted, '![A small red fox](../images/generated/a-small-red-fox.png)');
      assert.equal(editor.document.getText(), inserted);
    } finally {
      // The fixture workspace is tracked: nothing may leave the folder behind, and no editor with
      // unsaved changes may write it again later. Saved, then its tab closed, then deleted.
      await vscode.workspace.textDocuments.find((doc) => doc.uri.toString() === file.toString())?.save();
      const tabs = vscode.window.tabGroups.all.flatMap((group) => group.tabs).filter((tab) => tab.input instanceof vscode.TabInputText && tab.input.uri.toString() === file.toString());
      await vscode.window.tabGroups.close(tabs);
      await vscode.workspace.fs.delete(vscode.Uri.joinPath(workspace(), 'docs'), { recursive: true });
    }
  });

  it('writes a sidecar beside each image as well with evolink.provenance set to "sidecar"', async () => {
    await vscode.workspace.getConfiguration('evolink').update('provenance', 'sidecar', vscode.ConfigurationTarget.Global);
    try {
      const entry = await generate({ model: 'gpt-4o-image', prompt: 'A kestrel hovering', size: '1:1' });
      assert.equal(entry?.state, 'saved');
      assert.deepEqual(await listOutput(), ['a-kestrel-hovering.png', 'a-kestrel-hovering.png.evolink.json']);
      const text = new TextDecoder().decode(await vscode.workspace.fs.readFile(vscode.Uri.joinPath(outputDir(), 'a-kestrel-hovering.png.evolink.json')));
      assertPrivate(text);
      assert.equal((JSON.parse(text) as { prompt: string }).prompt, 'A kestrel hovering');
      assert.equal((await provenanceIndex()).records.get('images/generated/a-kestrel-hovering.png')?.prompt, 'A kestrel hovering');
    } finally {
      await vscode.workspace.getConfiguration('evolink').update('provenance', undefined, vscode.ConfigurationTarget.Global);
    }
  });

  it('writes nothing into the workspace with evolink.provenance set to "off", and still knows the prompt', async () => {
    await vscode.workspace.getConfiguration('evolink').update('provenance', 'off', vscode.ConfigurationTarget.Global);
    try {
      const entry = await generate({ model: 'gpt-4o-image', prompt: 'A heron in the reeds', size: '1:1' });
      assert.equal(entry?.state, 'saved');
      assert.deepEqual(await listOutput(), ['a-heron-in-the-reeds.png']);
      assert.equal(await exists(vscode.Uri.joinPath(workspace(), '.evolink')), false, 'no index in the workspace');
      const services = await api.testing!.services();
      const provenance = await services.ctx.provenance.get(vscode.Uri.joinPath(outputDir(), 'a-heron-in-the-reeds.png'));
      assert.equal(provenance?.prompt, 'A heron in the reeds');
    } finally {
      await vscode.workspace.getConfiguration('evolink').update('provenance', undefined, vscode.ConfigurationTarget.Global);
    }
  });

  it('never writes the key into the log, the provenance or an error', async () => {
    simulator.addFault('credits', { kind: 'status', status: 500 }, 1);
    await generate({ model: 'gpt-4o-image', prompt: 'secret check' });
    await generate({ model: 'gpt-4o-image', prompt: 'x', n: 3 });
    const logDir = api.logUri.fsPath;
    const logs = readdirSync(logDir).map((name) => readFileSync(join(logDir, name), 'utf8')).join('\n');
    assert.ok(logs.length > 0, 'the log has lines');
    assert.ok(!logs.includes(demoKey), 'the key is not in the log');
    for (const name of await listOutput()) {
      const text = new TextDecoder().decode(await vscode.workspace.fs.readFile(vscode.Uri.joinPath(outputDir(), name)));
      assert.ok(!text.includes(demoKey), name);
    }
    const index = await provenanceIndex();
    assert.ok(index.records.size > 0, 'the index has records');
    assert.ok(!index.text.includes(demoKey), 'the key is not in the index');
  });
});
