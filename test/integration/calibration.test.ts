import * as assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as vscode from 'vscode';
import type { EvoLinkSimulator } from '../../simulator/server';
import type { LedgerEntry } from '../../src/common/ledgerEntry';
import { activateExtension, demoKey, resetSettings, startSimulator } from './support';

const workspace = () => vscode.workspace.workspaceFolders![0]!.uri;

describe('Learning how a model reports progress', function () {
  this.timeout(60_000);
  let simulator: EvoLinkSimulator;
  let logDir: string;

  before(async () => {
    logDir = (await activateExtension()).logUri.fsPath;
    // Stepwise progress (20, 50, 80, then the end): the last stage is twice as long as its share says.
    simulator = await startSimulator({ taskDurationMs: 3000, progressCurve: 'stepwise' });
    await vscode.commands.executeCommand('evolink.setApiKey', { apiKey: demoKey });
  });

  after(async () => {
    await vscode.workspace.fs.delete(vscode.Uri.joinPath(workspace(), 'images'), { recursive: true }).then(undefined, () => undefined);
    await vscode.commands.executeCommand('evolink.clearApiKey');
    await resetSettings();
    await simulator.stop();
  });

  const learned = (): string[] =>
    readdirSync(logDir)
      .flatMap((name) => readFileSync(join(logDir, name), 'utf8').split('\n'))
      .filter((line) => line.includes('Progress of doubao-seedream-4.5, learned from'));

  it('learns from each task of a model watched to its end, and keeps saving as before', async () => {
    const before = learned().length;
    for (const n of [1, 2, 3]) {
      const entry = await vscode.commands.executeCommand<LedgerEntry | undefined>('evolink.generateImage', { quiet: true, model: 'doubao-seedream-4.5', size: '2K', n: 1, prompt: `stepwise ${n}` });
      assert.equal(entry?.state, 'saved', JSON.stringify(entry?.error));
    }
    const lines = learned().slice(before);
    assert.ok(lines.length >= 2, readdirSync(logDir).map((name) => readFileSync(join(logDir, name), 'utf8')).join('\n').slice(-2500));
    // Each task's end is learned from; those whose reads saw the levels, as stepwise progress.
    const stepwise = Number(/the (\d+) read as stepwise/.exec(lines.at(-1)!)?.[1]);
    assert.ok(stepwise >= 2 && stepwise <= lines.length, lines.at(-1));
    // The model's tasks ended later than their last level said (80 % at 60 % of the time): what was learned says so.
    const factor = Number(/at ([\d.]+)x/.exec(lines.at(-1)!)?.[1]);
    assert.ok(factor > 1.5, lines.at(-1));
  });

  it('learns from every task of a model that ends at the same moment as others', async () => {
    const before = learned().length;
    const entries = await Promise.all(
      [1, 2, 3].map((n) => vscode.commands.executeCommand<LedgerEntry | undefined>('evolink.generateImage', { quiet: true, model: 'doubao-seedream-4.5', size: '2K', n: 1, prompt: `together ${n}` })),
    );
    assert.deepEqual(entries.map((entry) => entry?.state), ['saved', 'saved', 'saved']);
    const counts = learned()
      .slice(before)
      .map((line) => Number(/learned from (\d+) tasks watched/.exec(line)?.[1]));
    assert.ok(counts.length >= 2, String(counts));
    // One more task each time: no lesson is lost to another task that ended with it.
    assert.deepEqual(counts, counts.map((_, i) => counts[0]! + i));
  });
});
