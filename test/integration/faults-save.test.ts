import * as assert from 'node:assert/strict';
import { existsSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as vscode from 'vscode';
import type { EvoLinkSimulator, HttpFault } from '../../simulator/server';
import type { LedgerEntry } from '../../src/common/ledgerEntry';
import { keptFiles } from '../../src/common/taskState';
import type { Services } from '../../src/extension/services';
import { FullDisk } from './failingfs';
import { check, downloads, imagesIn, partialsIn, settle, until, useMatrix, type Expected } from './matrix';
import { MemoryFileSystem } from './memfs';
import { ProvenanceStore } from '../../src/extension/provenance/store';
import { createResultWriter } from '../../src/extension/tasks/writer';

const workspace = () => vscode.workspace.workspaceFolders![0]!.uri;
const folder = () => vscode.Uri.joinPath(workspace(), 'images', 'matrix-save');

/** One row: CDN faults, where the results go, and what the user must meet. */
interface Row {
  fault: string;
  cdn?: [HttpFault, number?][];
  /** Another folder for the results (a failing disk). */
  target?: () => vscode.Uri;
  /** Settings of the simulator for this row. */
  settings?: Parameters<EvoLinkSimulator['configure']>[0];
  expected: Expected;
  /** What the user does next (the action offered), and what it must give. */
  then?: { action: (app: Services, entry: LedgerEntry) => Promise<unknown>; expected: Expected };
}

const checkAgain = (app: Services, entry: LedgerEntry) => app.ctx.tasks.checkAgain(entry.localId);
const elsewhere = async (_app: Services, entry: LedgerEntry) => vscode.commands.executeCommand('evolink.saveTaskTo', entry.localId, folder());

const rows: Row[] = [
  { fault: 'CDN: one 302 redirect to the object', cdn: [[{ kind: 'redirect', status: 302 }]], expected: { state: 'saved', files: 1, tasks: 1, downloads: 1 } },
  { fault: 'CDN: 3 redirects (307) through a second host', cdn: [[{ kind: 'redirect', status: 307, hops: 3, via: 'other' }]], expected: { state: 'saved', files: 1, tasks: 1, downloads: 1 } },
  { fault: 'CDN: endless redirects, once', cdn: [[{ kind: 'redirectLoop' }]], expected: { state: 'saved', files: 1, tasks: 1, downloads: 1 } },
  {
    fault: 'CDN: endless redirects on every save (tried again on its own three times)',
    cdn: [[{ kind: 'redirectLoop' }, 4]],
    expected: { state: 'saveFailed', message: /redirected too many times/, files: 0, tasks: 1, downloads: 0 },
    then: { action: checkAgain, expected: { state: 'saved', files: 1, tasks: 1, downloads: 1 } },
  },
  { fault: 'CDN: redirect to file:///etc/passwd', cdn: [[{ kind: 'redirectTo', location: 'file:///etc/passwd' }]], expected: { state: 'saveFailed', message: /does not download from/, files: 0, tasks: 1, downloads: 0 } },
  { fault: 'CDN: redirect to 169.254.169.254 (cloud metadata)', cdn: [[{ kind: 'redirectTo', location: 'http://169.254.169.254/latest/meta-data' }]], expected: { state: 'saveFailed', message: /does not download from/, files: 0, tasks: 1, downloads: 0 } },
  { fault: 'result link on a private address (10.0.0.7)', settings: { resultUrlBase: 'http://10.0.0.7' }, expected: { state: 'saveFailed', message: /does not download from/, files: 0, tasks: 1, downloads: 0 } },
  { fault: 'CDN: an HTML page with HTTP 200, once', cdn: [[{ kind: 'html' }]], expected: { state: 'saved', files: 1, tasks: 1, downloads: 2 } },
  {
    fault: 'CDN: an HTML page with HTTP 200 on every save (tried again on its own three times)',
    cdn: [[{ kind: 'html' }, 4]],
    expected: { state: 'saveFailed', message: /link did not return an image/, files: 0, tasks: 1, downloads: 4 },
    then: { action: checkAgain, expected: { state: 'saved', files: 1, tasks: 1, downloads: 5 } },
  },
  { fault: 'CDN: HTTP 200 with an empty body, once', cdn: [[{ kind: 'emptyBody' }]], expected: { state: 'saved', files: 1, tasks: 1, downloads: 2 } },
  { fault: 'CDN: a whole transfer of a cut PNG, once', cdn: [[{ kind: 'truncatedImage' }]], expected: { state: 'saved', files: 1, tasks: 1, downloads: 2 } },
  { fault: 'CDN: the image converted to AVIF (a CDN that ignores the q-values of Accept)', cdn: [[{ kind: 'converted', format: 'avif' }]], expected: { state: 'saved', files: 1, tasks: 1, downloads: 1, extension: 'avif' } },
  { fault: 'CDN: the image converted to HEIC', cdn: [[{ kind: 'converted', format: 'heic' }]], expected: { state: 'saved', files: 1, tasks: 1, downloads: 1, extension: 'heic' } },
  { fault: 'CDN: a converted AVIF cut short, once', cdn: [[{ kind: 'converted', format: 'avif', cut: true }]], expected: { state: 'saved', files: 1, tasks: 1, downloads: 2, extension: 'png' } },
  { fault: 'CDN: connection cut halfway through the body', cdn: [[{ kind: 'truncated', fraction: 0.5 }]], expected: { state: 'saved', files: 1, tasks: 1, downloads: 2 } },
  { fault: 'CDN: body stalls after 1 KB', cdn: [[{ kind: 'stall', afterBytes: 1024 }]], expected: { state: 'saved', files: 1, tasks: 1, downloads: 2 } },
  { fault: 'CDN: the image stored gzip-compressed, sent so although not asked for', cdn: [[{ kind: 'compressed', coding: 'gzip' }]], expected: { state: 'saved', files: 1, tasks: 1, downloads: 1 } },
  { fault: 'CDN: a brotli-compressed body cut halfway', cdn: [[{ kind: 'compressed', coding: 'br', fraction: 0.5 }]], expected: { state: 'saved', files: 1, tasks: 1, downloads: 2 } },
  { fault: 'CDN: body stalls on all 4 attempts of a download (saved again on its own)', cdn: [[{ kind: 'stall', afterBytes: 1024 }, 4]], expected: { state: 'saved', files: 1, tasks: 1, downloads: 5 } },
  { fault: 'CDN: slow but steady body (20 KB/s)', cdn: [[{ kind: 'slowBody', bytesPerSecond: 20_000 }]], expected: { state: 'saved', files: 1, tasks: 1, downloads: 1 } },
  { fault: 'CDN: HTTP 500 once', cdn: [[{ kind: 'status', status: 500 }]], expected: { state: 'saved', files: 1, tasks: 1, downloads: 2 } },
  { fault: 'CDN: 403 on a fresh link (a passing block), once', cdn: [[{ kind: 'status', status: 403 }]], expected: { state: 'saved', files: 1, tasks: 1, downloads: 2 } },
  {
    fault: 'CDN: 403 on a fresh link on every save (tried again on its own three times)',
    cdn: [[{ kind: 'status', status: 403 }, 4]],
    expected: { state: 'saveFailed', message: /refused the download for now \(HTTP 403\)/, files: 0, tasks: 1, downloads: 4 },
    then: { action: checkAgain, expected: { state: 'saved', files: 1, tasks: 1, downloads: 5 } },
  },
  {
    fault: "CDN: 401 on every save (the CDN's own refusal, not the API key's)",
    cdn: [[{ kind: 'status', status: 401 }, 4]],
    expected: { state: 'saveFailed', message: /refused the download for now \(HTTP 401\)/, files: 0, tasks: 1, downloads: 4 },
    then: { action: checkAgain, expected: { state: 'saved', files: 1, tasks: 1, downloads: 5 } },
  },
  {
    fault: "CDN: a sign-in page's 511 on every save (tried again on its own, and every few minutes after)",
    cdn: [[{ kind: 'status', status: 511, body: 'html' }, 4]],
    expected: { state: 'saveFailed', message: /HTTP 511\. The extension tries again every few minutes while the links last/, files: 0, tasks: 1, downloads: 4 },
    then: { action: checkAgain, expected: { state: 'saved', files: 1, tasks: 1, downloads: 5 } },
  },
  {
    fault: 'disk full while writing into the workspace',
    target: () => vscode.Uri.parse('matrix-full:/images'),
    expected: { state: 'saveFailed', message: /the disk is full \(images\)/, files: 0, tasks: 1, downloads: 1 },
    then: { action: elsewhere, expected: { state: 'saved', files: 1, tasks: 1, downloads: 1 } },
  },
  {
    fault: 'read-only folder',
    target: () => vscode.Uri.parse('matrix-readonly:/images'),
    expected: { state: 'saveFailed', message: /images cannot be written \(read-only, or no permission\)/, files: 0, tasks: 1, downloads: 1 },
    then: { action: elsewhere, expected: { state: 'saved', files: 1, tasks: 1, downloads: 1 } },
  },
];

describe('Fault matrix: downloading and saving', function () {
  this.timeout(90_000);
  let simulator: EvoLinkSimulator;
  let app: Services;
  const disposables: vscode.Disposable[] = [];
  useMatrix('Fault matrix: downloading and saving', folder, { taskDurationMs: 1200 }, (ready, services) => {
    simulator = ready;
    app = services;
  });

  before(() => {
    disposables.push(vscode.workspace.registerFileSystemProvider('matrix-full', new FullDisk(), { isCaseSensitive: true }));
    disposables.push(vscode.workspace.registerFileSystemProvider('matrix-readonly', new MemoryFileSystem(), { isCaseSensitive: true, isReadonly: true }));
  });

  after(async () => {
    for (const disposable of disposables) disposable.dispose();
    await vscode.workspace.fs.delete(vscode.Uri.joinPath(workspace(), 'images'), { recursive: true }).then(undefined, () => undefined);
  });




  const run = async (row: Row, prompt: string): Promise<LedgerEntry | undefined> => {
    const before = new Set((await app.ctx.tasks.list()).map((entry) => entry.localId));
    await vscode.commands.executeCommand('evolink.generateImage', { quiet: true, model: 'gpt-4o-image', size: '1:1', prompt, folder: (row.target?.() ?? folder()).toString(), anyFolder: true });
    const made = (await app.ctx.tasks.list()).find((entry) => !before.has(entry.localId));
    return made ? settle(app.ctx.tasks, made.localId, 40_000) : undefined;
  };

  for (const row of rows) {
    it(row.fault, async () => {
      for (const [fault, times] of row.cdn ?? []) simulator.addFault('cdn', fault, times ?? 1);
      if (row.settings) simulator.configure(row.settings);
      const since = Date.now();
      const entry = await run(row, `matrix ${row.fault}`);
      const notices = () => app.ctx.notifier.notices().filter((notice) => notice.at >= since);
      check(row.fault, simulator, { entry, notices: notices(), files: await imagesIn(row.target?.() ?? folder()) }, row.expected);
      assert.deepEqual(await partialsIn(folder()), [], 'no temporary file is left in the workspace');
      assert.ok(simulator.requests.every((request) => request.origin === 'api' || request.origin === 'files' || !request.hasAuthorization), 'no Authorization on any result link or redirect');
      if (row.then && entry) {
        simulator.clearFaults('cdn');
        if (row.settings) simulator.configure({ resultUrlBase: undefined });
        const acted = Date.now();
        await row.then.action(app, entry);
        const after = await settle(app.ctx.tasks, entry.localId, 40_000);
        const since = app.ctx.notifier.notices().filter((notice) => notice.at >= acted);
        check(`  then ${row.then.action === checkAgain ? 'Check Again' : 'Save to Another Folder'}`, simulator, { entry: after, notices: since, files: await imagesIn(folder()) }, row.then.expected);
      }
    });
  }

  it('asks before Remove from List deletes images that were paid for and not saved, and offers another folder', async () => {
    const entry = await run({ fault: 'read-only', target: () => vscode.Uri.parse('matrix-readonly:/images'), expected: { state: 'saveFailed', files: 0, tasks: 0 } }, 'matrix removed unsaved');
    assert.equal(entry?.state, 'saveFailed');
    const kept = keptFiles(entry);
    assert.equal(kept.length, 1);
    const since = Date.now();
    app.ctx.notifier.answerNextQuestion(undefined);
    await vscode.commands.executeCommand('evolink.task.forget', entry.localId);
    const asked = app.ctx.notifier.notices().filter((notice) => notice.at >= since && notice.actions.includes('Remove'));
    assert.deepEqual(
      asked.map((notice) => [notice.message, notice.actions]),
      [['Remove "matrix removed unsaved" and delete its images?', ['Save to Another Folder…', 'Remove']]],
    );
    assert.equal((await app.ctx.tasks.get(entry.localId))?.state, 'saveFailed', 'Cancel keeps the task');
    assert.ok(existsSync(kept[0]!), 'and its image');
    app.ctx.notifier.answerNextQuestion('Remove');
    await vscode.commands.executeCommand('evolink.task.forget', entry.localId);
    assert.equal(await app.ctx.tasks.get(entry.localId), undefined);
    await until('the kept image to be deleted', () => (existsSync(kept[0]!) ? undefined : true));
  });

  it('asks before Remove from List drops images that were paid for and never downloaded, and offers Check Again', async () => {
    simulator.addFault('cdn', { kind: 'status', status: 403 }, 4);
    const entry = await run({ fault: 'refused link', expected: { state: 'saveFailed', files: 0, tasks: 0 } }, 'matrix never downloaded');
    assert.equal(entry?.state, 'saveFailed');
    assert.deepEqual(keptFiles(entry), [], 'nothing downloaded');
    simulator.clearFaults('cdn');
    const since = Date.now();
    app.ctx.notifier.answerNextQuestion('Check Again');
    await vscode.commands.executeCommand('evolink.task.forget', entry.localId);
    const asked = app.ctx.notifier.notices().filter((notice) => notice.at >= since && notice.actions.includes('Remove'));
    assert.equal(asked.length, 1);
    assert.equal(asked[0]!.message, 'Remove "matrix never downloaded" from the list?');
    assert.deepEqual(asked[0]!.actions, ['Check Again', 'Remove']);
    assert.match(asked[0]!.detail ?? '', /^1 image of this task is paid for but not saved yet\. EvoLink's link to it lasts until /);
    const after = await settle(app.ctx.tasks, entry.localId, 40_000);
    assert.equal(after?.state, 'saved', 'Check Again saved it instead');
  });

  it('never overwrites a file that has the result\'s name: the result gets the next one', async () => {
    await vscode.workspace.fs.createDirectory(folder());
    const existing = vscode.Uri.joinPath(folder(), 'matrix-same-name.png');
    await vscode.workspace.fs.writeFile(existing, new TextEncoder().encode('not to be overwritten'));
    const since = Date.now();
    const entry = await run({ fault: 'name taken', expected: { state: 'saved', files: 0, tasks: 0 } }, 'matrix same name');
    check('a file with the result\'s name exists', simulator, { entry, notices: app.ctx.notifier.notices().filter((notice) => notice.at >= since), files: await imagesIn(folder()) }, { state: 'saved', files: 2, tasks: 1, downloads: 1 });
    assert.equal(new TextDecoder().decode(await vscode.workspace.fs.readFile(existing)), 'not to be overwritten');
    assert.deepEqual(await imagesIn(folder()), ['matrix-same-name-2.png', 'matrix-same-name.png']);
  });

  it('leaves no temporary copy in the folder when the name chosen for a result cannot be recorded', async () => {
    const kept = join(app.ctx.storage.fsPath, 'kept-for-claim.png');
    writeFileSync(kept, Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==', 'base64'));
    const writer = createResultWriter('evolink.evolink-image-studio/test', new ProvenanceStore(app.ctx.storage, () => undefined));
    const entry = { localId: 'claimfails0001', targetFolder: folder().toString(), request: { model: 'gpt-4o-image', prompt: 'matrix claim fails' }, body: { model: 'gpt-4o-image', prompt: 'matrix claim fails', size: '1:1', n: 1 }, createdAt: Date.now() } as unknown as LedgerEntry;
    const full = Object.assign(new Error('ENOSPC: no space left on device'), { code: 'ENOSPC' });
    await assert.rejects(writer(kept, entry, 0, 'window-a', () => Promise.reject(full)), /ENOSPC/);
    assert.deepEqual(await partialsIn(folder()), [], 'the temporary copy is removed');
    assert.ok(!(await imagesIn(folder())).some((name) => name.startsWith('matrix-claim-fails')), 'nothing named');
    rmSync(kept, { force: true });
  });

  it('tells when the extension storage cannot be written, and saves once it can', async () => {
    const downloadsDir = join(app.ctx.storage.fsPath, 'downloads');
    rmSync(downloadsDir, { recursive: true, force: true });
    writeFileSync(downloadsDir, 'a file where the downloads folder should be');
    const since = Date.now();
    const entry = await run({ fault: 'storage', expected: { state: 'saved', files: 0, tasks: 0 } }, 'matrix storage blocked');
    const notices = () => app.ctx.notifier.notices().filter((notice) => notice.at >= since);
    check('extension storage cannot be written', simulator, { entry, notices: notices(), files: await imagesIn(folder()) }, { state: 'saveFailed', message: /storage on this machine cannot be written/, files: 0, tasks: 1, downloads: 0 });
    rmSync(downloadsDir, { force: true });
    const acted = Date.now();
    await app.ctx.tasks.checkAgain(entry!.localId);
    const after = await settle(app.ctx.tasks, entry!.localId);
    check('  then Check Again', simulator, { entry: after, notices: app.ctx.notifier.notices().filter((notice) => notice.at >= acted), files: await imagesIn(folder()) }, { state: 'saved', files: 1, tasks: 1, downloads: 1 });
    assert.equal(downloads(simulator), 1);
  });
});
