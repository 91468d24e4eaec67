import * as assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import * as vscode from 'vscode';
import type { EvoLinkSimulator, SimulatorOptions } from '../../simulator/server';
import type { LedgerEntry } from '../../src/common/ledgerEntry';
import { activateExtension, demoKey, resetSettings, startSimulator } from './support';

const workspace = () => vscode.workspace.workspaceFolders![0]!.uri;

function generate(prompt: string): Thenable<LedgerEntry | undefined> {
  return vscode.commands.executeCommand<LedgerEntry | undefined>('evolink.generateImage', { quiet: true, model: 'gpt-4o-image', size: '1:1', prompt });
}

/** Three tasks started together in this window, each to its end. */
function generateThree(label: string): Promise<(LedgerEntry | undefined)[]> {
  return Promise.all(['one', 'two', 'three'].map((n) => generate(`${label} ${n}`)));
}

/** The hashes of every batch body that asks for exactly these ids, in any order. */
function batchBodies(ids: string[]): Set<string> {
  const orders = (rest: string[]): string[][] => (rest.length <= 1 ? [rest] : rest.flatMap((id, i) => orders([...rest.slice(0, i), ...rest.slice(i + 1)]).map((tail) => [id, ...tail])));
  return new Set(orders(ids).map((order) => createHash('sha256').update(JSON.stringify({ task_ids: order })).digest('hex')));
}

describe('Reading the running tasks of a window together', function () {
  this.timeout(60_000);
  const started: EvoLinkSimulator[] = [];

  const simulatorWith = async (options: SimulatorOptions): Promise<EvoLinkSimulator> => {
    // Each simulator is another API base: what a window remembers of one does not carry over.
    const simulator = await startSimulator({ taskDurationMs: 3000, ...options });
    started.push(simulator);
    return simulator;
  };

  let first: EvoLinkSimulator;

  before(async () => {
    await activateExtension();
    // The key is checked against the simulator, as in the other suites.
    first = await simulatorWith({});
    await vscode.commands.executeCommand('evolink.setApiKey', { apiKey: demoKey });
  });

  after(async () => {
    await vscode.workspace.fs.delete(vscode.Uri.joinPath(workspace(), 'images'), { recursive: true }).then(undefined, () => undefined);
    await vscode.commands.executeCommand('evolink.clearApiKey');
    await resetSettings();
    for (const simulator of started) await simulator.stop();
  });

  it('reads three tasks of one window in batch requests, and saves each once', async () => {
    const simulator = first;
    simulator.requests.length = 0;
    const entries = await generateThree('batched');
    assert.deepEqual(entries.map((entry) => entry?.state), ['saved', 'saved', 'saved'], JSON.stringify(entries.map((entry) => entry?.error)));
    const ids = entries.map((entry) => entry!.taskId!);
    const batches = simulator.requests.filter((request) => request.path === '/v1/tasks/batch');
    // The reads of these three: a task an earlier test left may be read on its own meanwhile.
    const gets = simulator.requests.filter((request) => request.method === 'GET' && ids.some((id) => request.path === `/v1/tasks/${id}`));
    assert.ok(batches.length >= 1 && batches.every((request) => request.status === 200), JSON.stringify(batches));
    // Started together, the three are mostly read together: the batches carry more of their
    // reads than go out on their own (a read that misses its batch on a busy machine goes out as
    // a GET, which is allowed, and so is a task's read once it runs alone). Each task's schedule
    // is its own (what the others show while they run moves it), so a batch of all three is not
    // certain; batches of several are.
    const sizes = new Map<string, number>();
    const subsets = (rest: string[]): string[][] => (rest.length === 0 ? [[]] : subsets(rest.slice(1)).flatMap((tail) => [tail, [rest[0]!, ...tail]]));
    for (const subset of subsets(ids).filter((subset) => subset.length > 0)) for (const hash of batchBodies(subset)) sizes.set(hash, subset.length);
    assert.ok(batches.some((request) => (sizes.get(request.bodySha256 ?? '') ?? 0) >= 2), 'a batch asked for several of the tasks');
    const batched = batches.reduce((sum, request) => sum + (sizes.get(request.bodySha256 ?? '') ?? 0), 0);
    assert.ok(gets.length < batched, `${gets.length} reads on their own, ${batched} in ${batches.length} batches`);
    assert.equal(simulator.requests.filter((request) => request.origin === 'cdn').length, 3);
  });

  for (const setting of ['off404', 'off405'] as const) {
    it(`falls back to reading each task on its own when the batch answers ${setting.slice(3)}, and still saves all three`, async () => {
      const simulator = await simulatorWith({ taskBatch: setting });
      const entries = await generateThree(`alone ${setting}`);
      assert.deepEqual(entries.map((entry) => entry?.state), ['saved', 'saved', 'saved'], JSON.stringify(entries.map((entry) => entry?.error)));
      const batches = simulator.requests.filter((request) => request.path === '/v1/tasks/batch');
      assert.deepEqual(batches.map((request) => request.status), [Number(setting.slice(3))], 'asked once, then remembered');
      const ids = new Set(entries.map((entry) => entry!.taskId!));
      const read = new Set(simulator.requests.filter((request) => request.method === 'GET' && request.path.startsWith('/v1/tasks/')).map((request) => decodeURIComponent(request.path.slice('/v1/tasks/'.length))));
      // Each of them on its own (other tasks of the workspace's ledger may be looked at meanwhile).
      for (const id of ids) assert.ok(read.has(id), `${id} was read on its own`);
      // A second round against the same service goes straight to the per-task reads.
      simulator.requests.length = 0;
      const again = await generateThree(`again ${setting}`);
      assert.deepEqual(again.map((entry) => entry?.state), ['saved', 'saved', 'saved']);
      assert.equal(simulator.requests.filter((request) => request.path === '/v1/tasks/batch').length, 0);
    });
  }

  for (const [setting, what, statuses] of [
    ['html', "a gateway's HTML page with 200", [200, 200]],
    ['error500', '500 every time', [500, 500]],
  ] as const) {
    it(`reads each task on its own at once when the batch answers ${what}, rests the batch, and saves every task`, async () => {
      const simulator = await simulatorWith({ taskBatch: setting });
      const rounds: (LedgerEntry | undefined)[][] = [];
      for (const round of ['one', 'two', 'three']) rounds.push(await generateThree(`${setting} ${round}`));
      assert.deepEqual(rounds.flat().map((entry) => entry?.state), Array(9).fill('saved'), JSON.stringify(rounds.flat().map((entry) => entry?.error)));
      // A page or a failure of the service may be a moment: the batch rests the second time in a
      // row that the tasks' own reads worked (for minutes, longer than these rounds). Never retried by itself.
      const batches = simulator.requests.filter((request) => request.path === '/v1/tasks/batch');
      assert.deepEqual(batches.slice(0, 2).map((request) => request.status), statuses);
      // Tried again only after the pause (5 minutes, a twentieth of it at the tests' time scale).
      for (const later of batches.slice(2)) assert.ok(later.at - batches[1]!.at >= 14_000, `a batch ${later.at - batches[1]!.at} ms after the pause began`);
      const ids = new Set(rounds.flat().map((entry) => entry!.taskId!));
      const read = new Set(simulator.requests.filter((request) => request.method === 'GET' && request.path.startsWith('/v1/tasks/')).map((request) => decodeURIComponent(request.path.slice('/v1/tasks/'.length))));
      // Other tasks of the workspace's ledger (stopped ones looked at quietly) may be read meanwhile.
      for (const id of ids) assert.ok(read.has(id), `${id} was read on its own`);
    });
  }
});
