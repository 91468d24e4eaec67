import * as assert from 'node:assert/strict';
import { mkdirSync, readdirSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as vscode from 'vscode';
import type { EvoLinkSimulator } from '../../simulator/server';
import type { LedgerEntry } from '../../src/common/ledgerEntry';
import { defaultLifecycleTimes } from '../../src/common/lifecycle';
import { EvoLinkError } from '../../src/common/errors';
import { EvoLinkClient } from '../../src/extension/api/client';
import { newLocalId, TaskLedger } from '../../src/extension/tasks/ledger';
import { TaskEvents } from '../../src/extension/tasks/taskEvents';
import { createUndiciTransport } from '../../src/extension/net/transport';
import type { Services } from '../../src/extension/services';
import { check, demoKey, downloads, imagesIn, partialsIn, settle, submits, until, useMatrix } from './matrix';
import { LedgerIndex } from '../../src/extension/tasks/ledgerIndex';
import { activateExtension } from './support';
import { openWindow, storageOf, submitIn, type TestWindow } from './windows';

const folder = () => vscode.Uri.joinPath(vscode.workspace.workspaceFolders![0]!.uri, 'images', 'matrix-windows');
const body = (prompt: string) => ({ model: 'gpt-4o-image', prompt, size: '1:1', n: 1 });

/** A ledger whose disk fills up (ENOSPC on every write) while `full`. */
class FillingLedger extends TaskLedger {
  full = false;

  override write(entry: LedgerEntry, expected: number): Promise<LedgerEntry | undefined> {
    if (this.full) return Promise.reject(Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' }));
    return super.write(entry, expected);
  }
}

describe('Fault matrix: windows, reloads and the ledger', function () {
  this.timeout(90_000);
  let simulator: EvoLinkSimulator;
  let app: Services;
  useMatrix('Fault matrix: windows, reloads and the ledger', folder, { taskDurationMs: 1200 }, (ready, services) => {
    simulator = ready;
    app = services;
    dirs = storageOf(app.ctx.storage);
    mkdirSync(dirs.ledgerDir, { recursive: true });
  });
  let dirs: { ledgerDir: string; downloadsDir: string };
  const windows: TestWindow[] = [];
  const open = (options: Parameters<typeof openWindow>[2] = {}): TestWindow => {
    const window = openWindow(simulator, dirs, options);
    windows.push(window);
    return window;
  };

  /** A task made at EvoLink directly (as if by a window whose record is now all that is left), completed. */
  async function taskAtEvoLink(prompt: string, idempotencyKey = newLocalId()): Promise<string[]> {
    const client = new EvoLinkClient({ transport: createUndiciTransport({ proxy: '', strictSSL: true, noProxy: [] }), endpoints: () => ({ api: simulator.urls.api, files: simulator.urls.files }), userAgent: 'evolink.evolink-image-studio/test', timeoutMs: () => 5000 });
    const { task } = await client.submit(body(prompt), idempotencyKey, { apiKey: demoKey });
    return until('the task to complete', async () => {
      const now = await client.getTask(task.id, { apiKey: demoKey });
      return now.state === 'completed' ? now.resultUrls : undefined;
    });
  }

  /** Writes a task record into the ledger as a window would have left it. */
  function leave(fields: Partial<LedgerEntry> & Pick<LedgerEntry, 'state'>): LedgerEntry {
    const localId = fields.localId ?? newLocalId();
    const now = Date.now();
    const entry: LedgerEntry = {
      version: 2,
      localId,
      idempotencyKey: localId,
      revision: 1,
      createdAt: now,
      updatedAt: now,
      request: { model: 'gpt-4o-image', prompt: fields.request?.prompt ?? 'matrix left behind', size: '1:1', n: 1 },
      body: body(fields.request?.prompt ?? 'matrix left behind'),
      targetFolder: folder().toString(),
      sentAt: now,
      sends: 1,
      watch: true,
      estimatedSeconds: 100,
      progress: 0,
      polls: 0,
      ...fields,
    };
    const file = join(dirs.ledgerDir, `${localId}.${entry.revision}.json`);
    writeFileSync(file, JSON.stringify(entry));
    return entry;
  }

  const noticesSince = (since: number, window?: TestWindow) => (window?.notifier ?? app.ctx.notifier).notices().filter((notice) => notice.at >= since);
  const savingWithData = (window: TestWindow, localId: string) =>
    until('the download to start', async () => ((await window.tasks.get(localId))?.state === 'saving' && simulator.requests.some((request) => request.origin === 'cdn' && request.path.startsWith('/results/')) ? true : undefined));




  after(() => {
    for (const window of windows) window.dispose();
  });

  afterEach(async () => {
    for (const window of windows.splice(0)) {
      await window.tasks.release();
      window.dispose();
    }
  });

  it('the disk of the extension\'s storage fills up while a task runs: the user is told once why it stands still, and it goes on when there is space', async () => {
    const ledger = new FillingLedger(dirs.ledgerDir);
    const b = open({ ledger, times: { leaseRenewMs: 300 } });
    const since = Date.now();
    const entry = await submitIn(b, folder(), 'matrix storage full');
    ledger.full = true;
    const told = await until('the message', () => noticesSince(since, b).find((notice) => notice.message.includes('cannot go on')));
    assert.equal(told.message, '"matrix storage full" cannot go on: the disk that holds the extension\'s storage is full. Free some space; the extension tries again on its own, and result links stay valid for 24 hours.');
    await new Promise((resolve) => setTimeout(resolve, 1500));
    assert.equal(noticesSince(since, b).filter((notice) => notice.message.includes('cannot go on')).length, 1, 'told once, though every try fails');
    ledger.full = false;
    const saved = await until('the task to be saved', async () => ((await b.tasks.get(entry.localId))?.state === 'saved' ? true : undefined), 30_000);
    assert.ok(saved);
  });

  it('the disk of the extension\'s storage fills up while the submit is out: its answer is kept, recorded once there is space (past the replay window), and nothing is sent again', async () => {
    const ledger = new FillingLedger(dirs.ledgerDir);
    const b = open({ ledger, times: { leaseRenewMs: 300, leaseStaleMs: 600, replayWindowMs: 1000 } });
    const sent = submits(simulator);
    // Held back long enough for the disk to fill up meanwhile, and less than the client waits for it (the replay window, 1 s here).
    simulator.addFault('submit', { kind: 'delay', ms: 700 });
    const submitting = submitIn(b, folder(), 'matrix answer kept');
    const made = await until('the request to be recorded', async () => (await b.tasks.list()).find((entry) => entry.request.prompt === 'matrix answer kept'));
    // The disk fills up once the send is recorded and out (its answer is held back), not before.
    await until('the send to be recorded', async () => ((await b.tasks.get(made.localId))?.sends ?? 0) >= 1 ? true : undefined);
    ledger.full = true;
    await assert.rejects(submitting, (error: unknown) => error instanceof EvoLinkError && error.details.code === 'sentUnrecorded');
    // Past the replay window, the disk still full.
    await new Promise((resolve) => setTimeout(resolve, 2000));
    assert.equal((await b.tasks.get(made.localId))?.state, 'submitting');
    ledger.full = false;
    const recorded = await until('the answer to be recorded', async () => {
      const now = await b.tasks.get(made.localId);
      return now?.taskId !== undefined ? now : undefined;
    }, 30_000);
    assert.notEqual(recorded.state, 'unconfirmed');
    assert.equal(submits(simulator) - sent, 1, 'sent once');
    const saved = await settle(b.tasks, made.localId);
    assert.equal(saved?.state, 'saved');
  });

  it('submit: the answer is lost for good; the user is told, and Check for It finds the task', async () => {
    const b = open({ times: { replayWindowMs: 2500, lookupDelayMs: 400 } });
    simulator.addFault('submit', { kind: 'reset' }, 1000);
    const since = Date.now();
    const entry = await submitIn(b, folder(), 'matrix lost for good');
    const waiting = await settle(b.tasks, entry.localId);
    check('submit answer lost for good (every replay lost)', simulator, { entry: waiting, notices: noticesSince(since, b), files: await imagesIn(folder()) }, { state: 'unconfirmed', message: /may have received the request/, files: 0, tasks: 1 });
    assert.ok(!noticesSince(since, b).some((notice) => notice.actions.includes('Retry')), 'no plain Retry');
    assert.deepEqual(noticesSince(since, b).find((notice) => /may have received/.test(notice.message))?.actions, ['Check for It', 'Submit Again…']);
    const sent = submits(simulator);
    await new Promise((resolve) => setTimeout(resolve, 1500));
    assert.equal(submits(simulator), sent, 'never sent again past the replay window');
    simulator.clearFaults('submit');
    await b.tasks.checkForIt(entry.localId);
    const found = await until('the task to be found and saved', async () => ((await b.tasks.get(entry.localId))?.state === 'saved' ? b.tasks.get(entry.localId) : undefined));
    check('  then Check for It (found in the task list)', simulator, { entry: found, notices: [], files: await imagesIn(folder()) }, { state: 'saved', files: 1, tasks: 1, downloads: 1 });
    assert.equal(submits(simulator), sent, 'found by the list, not by sending again');
  });

  it('submit: the answer is lost for good and EvoLink has no task list', async () => {
    const b = open({ times: { replayWindowMs: 2000, lookupDelayMs: 400 } });
    simulator.configure({ taskList: 'off' });
    simulator.addFault('submit', { kind: 'reset' }, 1000);
    const entry = await submitIn(b, folder(), 'matrix lost, no list');
    await settle(b.tasks, entry.localId);
    const since = Date.now();
    await b.tasks.checkForIt(entry.localId);
    const after = await until('the list to be asked', async () => ((await b.tasks.get(entry.localId))?.attention === 'listUnavailable' ? b.tasks.get(entry.localId) : undefined));
    // The user is told once the record says so, a moment after it: the message is waited for too.
    await until('the user to be told', () => noticesSince(since, b).find((notice) => /could not be asked for its recent tasks/.test(notice.message)));
    check('submit lost for good, and no task list to look in', simulator, { entry: after, notices: noticesSince(since, b), files: await imagesIn(folder()) }, { state: 'unconfirmed', message: /could not be asked for its recent tasks/, files: 0, tasks: 1 });
  });

  /** The entries of a prompt once every one of them is saved, `count` of them. */
  const allSaved = (window: TestWindow, prompt: string, count: number) =>
    until(`${count} saved task(s)`, async () => {
      const entries = (await window.tasks.list()).filter((entry) => entry.request.prompt === prompt);
      return entries.length === count && entries.every((entry) => entry.state === 'saved') ? entries : undefined;
    });

  it('submit: a lost answer, and EvoLink does not recognise the send again; the task the first send made is offered, and saved when the user says so', async () => {
    const b = open({ times: { replayWindowMs: 60_000, lookupDelayMs: 300 } });
    // Requests of the tests before that were never answered could have made any task of the model lately.
    for (const left of await b.tasks.list()) if (left.state === 'unconfirmed') await b.tasks.forget(left.localId);
    simulator.configure({ idempotency: 'ignored' });
    simulator.addFault('submit', { kind: 'reset' }, 1);
    const since = Date.now();
    const entry = await submitIn(b, folder(), 'matrix made twice');
    const offer = await until('the other task to be offered', () => noticesSince(since, b).find((notice) => /Task \S+ of the same model was made while the first send was on its way/.test(notice.message)));
    assert.deepEqual(offer.actions, ['Save Its Images']);
    const [own] = await allSaved(b, 'matrix made twice', 1);
    assert.equal(own?.localId, entry.localId, 'nothing is taken up before the user says so');
    await b.notifier.pick(offer, 'Save Its Images');
    const saved = await allSaved(b, 'matrix made twice', 2);
    const sibling = saved.find((other) => other.siblingOf === entry.localId);
    assert.ok(sibling?.taskId && own?.taskId && sibling.taskId !== own.taskId, 'two tasks, one entry each');
    assert.equal(submits(simulator), 2);
    assert.equal((await imagesIn(folder())).length, 2, 'both paid images are in the workspace');
    await until('the message of the other task', () => noticesSince(since, b).find((notice) => notice.message.includes(`of the other task EvoLink made for "matrix made twice" (task ${sibling.taskId})`)));
    await b.notifier.pick(offer, 'Save Its Images');
    assert.equal((await b.tasks.list()).filter((other) => other.request.prompt === 'matrix made twice').length, 2, 'a second click takes nothing up twice');
  });

  it('submit: a lost answer, and EvoLink honours the send again without saying so; nothing else is taken up', async () => {
    const b = open({ times: { replayWindowMs: 60_000, lookupDelayMs: 300 } });
    simulator.configure({ idempotency: 'unmarked' });
    simulator.addFault('submit', { kind: 'reset' }, 1);
    const since = Date.now();
    const entry = await submitIn(b, folder(), 'matrix made once');
    const [saved] = await allSaved(b, 'matrix made once', 1);
    assert.equal(saved?.localId, entry.localId);
    assert.equal(submits(simulator), 2);
    assert.equal((await imagesIn(folder())).length, 1);
    assert.ok(!noticesSince(since, b).some((notice) => /twice/.test(notice.message)));
  });

  it('submit: a send again answered as new beside another request of the model still waiting for its answer takes nothing up', async () => {
    const b = open({ times: { replayWindowMs: 60_000, lookupDelayMs: 300 } });
    simulator.configure({ idempotency: 'ignored' });
    // Another request of the model whose answer has not come: the earlier task may be its own.
    const waiting = leave({ state: 'unknownOutcome', sentAt: Date.now(), request: { model: 'gpt-4o-image', prompt: 'matrix still waiting', size: '1:1', n: 1 }, lease: { owner: 'host-elsewhere', at: Date.now() } });
    simulator.addFault('submit', { kind: 'reset' }, 1);
    const entry = await submitIn(b, folder(), 'matrix made twice, unsure');
    const [saved] = await allSaved(b, 'matrix made twice, unsure', 1);
    assert.equal(saved?.localId, entry.localId);
    assert.equal((await imagesIn(folder())).length, 1, 'the other task is not taken for this one');
    rmSync(join(dirs.ledgerDir, `${waiting.localId}.${waiting.revision}.json`));
  });

  it('after a reload: a submit that was on its way an hour ago is never sent again', async () => {
    const since = Date.now();
    const entry = leave({ state: 'submitting', sentAt: Date.now() - 3600_000, lease: { owner: 'host-closed', at: Date.now() - 3600_000 } });
    await app.ctx.tasks.resume();
    const after = await settle(app.ctx.tasks, entry.localId);
    check('window closed mid-submit an hour ago', simulator, { entry: after, notices: noticesSince(since), files: await imagesIn(folder()) }, { state: 'unconfirmed', message: /may have received the request/, files: 0, tasks: 0 });
    assert.equal(submits(simulator), 0);
  });

  it('after a reload: a submit that was on its way a minute ago is asked again with its key (it had not arrived)', async () => {
    const entry = leave({ state: 'submitting', sentAt: Date.now() - 10_000, lease: { owner: 'host-closed', at: Date.now() - 10_000 } });
    await app.ctx.tasks.resume();
    const after = await settle(app.ctx.tasks, entry.localId, 30_000);
    check('window closed mid-submit, the POST never arrived', simulator, { entry: after, notices: [], files: await imagesIn(folder()) }, { state: 'saved', files: 1, tasks: 1, downloads: 1 });
  });

  it('after a reload: a submit that had arrived is asked again with its key and paid once', async () => {
    const localId = newLocalId();
    await taskAtEvoLink('matrix arrived before the reload', localId);
    const entry = leave({ localId, idempotencyKey: localId, state: 'submitting', sentAt: Date.now() - 10_000, request: { model: 'gpt-4o-image', prompt: 'matrix arrived before the reload' }, lease: { owner: 'host-closed', at: Date.now() } });
    await app.ctx.tasks.resume();
    const after = await settle(app.ctx.tasks, entry.localId, 30_000);
    check('window closed mid-submit, the POST had arrived', simulator, { entry: after, notices: [], files: await imagesIn(folder()) }, { state: 'saved', files: 1, tasks: 1, downloads: 1 });
  });

  it('stop watching while the submit is on its way: stopped, and never sent again', async () => {
    simulator.addFault('submit', { kind: 'delay', ms: 1500 });
    const since = Date.now();
    const running = vscode.commands.executeCommand('evolink.generateImage', { quiet: true, model: 'gpt-4o-image', size: '1:1', prompt: 'matrix stop while submitting', folder: folder().toString() });
    const submitting = await until('the submit to be under way', async () => (await app.ctx.tasks.list()).find((entry) => entry.request.prompt === 'matrix stop while submitting' && entry.state === 'submitting'));
    await app.ctx.tasks.stopWatching(submitting.localId);
    await running;
    await app.ctx.tasks.resume();
    await new Promise((resolve) => setTimeout(resolve, 1000));
    check('stop watching while the submit is on its way', simulator, { entry: await settle(app.ctx.tasks, submitting.localId), notices: noticesSince(since), files: await imagesIn(folder()) }, { state: 'stopped', files: 0, tasks: 1, downloads: 0 });
    assert.equal(submits(simulator), 1);
  });

  for (const crash of [false, true]) {
    it(crash ? 'a window crashes mid-download: another window takes over once its lease is stale' : 'a reload mid-download: the next window takes the task up at once', async () => {
      simulator.addFault('cdn', { kind: 'stall', afterBytes: 512 });
      const b = open();
      const since = Date.now();
      const entry = await submitIn(b, folder(), crash ? 'matrix crash mid download' : 'matrix reload mid download');
      await savingWithData(b, entry.localId);
      if (!crash) await b.tasks.release();
      b.dispose();
      windows.splice(windows.indexOf(b), 1);
      const after = await until('another window to save it', async () => {
        const now = await app.ctx.tasks.get(entry.localId);
        return now?.state === 'saved' ? now : undefined;
      }, 30_000);
      check(crash ? 'window crashes mid-download (lease goes stale)' : 'reload mid-download (lease let go)', simulator, { entry: after, notices: noticesSince(since), files: await imagesIn(folder()) }, { state: 'saved', files: 1, tasks: 1, downloads: 2 });
      assert.deepEqual(await partialsIn(folder()), []);
      assert.ok(!readdirSync(dirs.downloadsDir).some((name) => name.startsWith(entry.localId) && name.endsWith('.part')), 'no download left half-written by the closed window');
    });
  }

  it('the folder reopened under another workspace identity: the task its old window left running is taken over and saved once', async () => {
    const other = join(dirs.ledgerDir, '..', '..', `other-identity-${Date.now()}`);
    const before = { ledgerDir: join(other, 'tasks'), downloadsDir: join(other, 'downloads') };
    const workspace = vscode.workspace.workspaceFolders!.map((item) => item.uri.toString());
    const [sent, fetched] = [submits(simulator), downloads(simulator)];
    // The same folder, opened before as another workspace: its window submits, then closes.
    const gone = openWindow(simulator, before);
    const { localId } = await submitIn(gone, folder(), 'matrix another identity');
    await gone.tasks.release();
    gone.dispose();
    const index = (await activateExtension()).testing!.ledgerIndexDir;
    await new LedgerIndex(index, before.ledgerDir).closed(workspace, Date.now());
    await app.ctx.tasks.resume();
    const saved = await until('the task to be saved here', async () => ((await app.ctx.tasks.get(localId))?.state === 'saved' ? app.ctx.tasks.get(localId) : undefined));
    assert.equal(saved?.results?.length, 1);
    assert.deepEqual(await new TaskLedger(before.ledgerDir).list(), [], 'the task left the old ledger');
    assert.equal(submits(simulator) - sent, 1, 'paid once');
    assert.equal(downloads(simulator) - fetched, 1, 'downloaded once');
    assert.deepEqual(readdirSync(index).filter((name) => name.endsWith('.json')).map((name) => JSON.parse(readFileSync(join(index, name), 'utf8')) as { ledger: string }).filter((record) => record.ledger === before.ledgerDir), [], 'the old ledger is forgotten');
    // The old identity opened again: its window finds nothing to do.
    const back = openWindow(simulator, before);
    await back.tasks.resume();
    await new Promise((resolve) => setTimeout(resolve, 1500));
    assert.deepEqual(await back.tasks.list(), []);
    assert.equal(downloads(simulator) - fetched, 1, 'not downloaded again by the old identity');
    await back.tasks.release();
    back.dispose();
    rmSync(other, { recursive: true, force: true });
  });

  it('a window without a folder made a task for this folder and closed: this window takes it over and saves it once', async () => {
    const global = join(dirs.ledgerDir, '..', '..', `no-folder-${Date.now()}`);
    const before = { ledgerDir: join(global, 'tasks'), downloadsDir: join(global, 'downloads') };
    const [sent, fetched] = [submits(simulator), downloads(simulator)];
    const gone = openWindow(simulator, before);
    const { localId } = await submitIn(gone, folder(), 'matrix no folder');
    const target = (await gone.tasks.get(localId))!.targetFolder;
    await gone.tasks.release();
    gone.dispose();
    const index = (await activateExtension()).testing!.ledgerIndexDir;
    // Its record names no folder of its own, only where its unfinished task saves.
    await new LedgerIndex(index, before.ledgerDir).closed([], Date.now(), [target]);
    await app.ctx.tasks.resume();
    const saved = await until('the task to be saved here', async () => ((await app.ctx.tasks.get(localId))?.state === 'saved' ? app.ctx.tasks.get(localId) : undefined));
    assert.equal(saved?.results?.length, 1);
    assert.deepEqual(await new TaskLedger(before.ledgerDir).list(), [], 'the task left the ledger of the window without a folder');
    assert.equal(submits(simulator) - sent, 1, 'paid once');
    assert.equal(downloads(simulator) - fetched, 1, 'downloaded once');
    rmSync(global, { recursive: true, force: true });
  });

  it('two windows take up the same completed task at once: saved once', async () => {
    const urls = await taskAtEvoLink('matrix two windows');
    const entry = leave({ state: 'completed', taskId: 'task-x', resultUrls: urls, results: urls.map(() => ({})), completedAt: Date.now(), request: { model: 'gpt-4o-image', prompt: 'matrix two windows' } });
    const before = downloads(simulator);
    const b = open();
    const c = open();
    await Promise.all([b.tasks.resume(), c.tasks.resume(), app.ctx.tasks.resume()]);
    const after = await until('it to be saved', async () => ((await b.tasks.get(entry.localId))?.state === 'saved' ? b.tasks.get(entry.localId) : undefined));
    check('three windows resume one completed task', simulator, { entry: after, notices: [], files: await imagesIn(folder()) }, { state: 'saved', files: 1, tasks: 1, downloads: before + 1 });
  });

  it('Check Again pressed twice and a resume while a save runs: one download, one file', async () => {
    simulator.addFault('cdn', { kind: 'slowBody', bytesPerSecond: 30_000 });
    const b = open();
    const entry = await submitIn(b, folder(), 'matrix check again twice');
    await savingWithData(b, entry.localId);
    await Promise.all([b.tasks.checkAgain(entry.localId), b.tasks.checkAgain(entry.localId), b.tasks.resume()]);
    check('Check Again twice while saving', simulator, { entry: await settle(b.tasks, entry.localId), notices: [], files: await imagesIn(folder()) }, { state: 'saved', files: 1, tasks: 1, downloads: 1 });
  });

  it('a key set while a save runs: one download, one file', async () => {
    simulator.addFault('cdn', { kind: 'slowBody', bytesPerSecond: 30_000 });
    const since = Date.now();
    const running = vscode.commands.executeCommand('evolink.generateImage', { quiet: true, model: 'gpt-4o-image', size: '1:1', prompt: 'matrix key while saving', folder: folder().toString() });
    const saving = await until('the save to start', async () => (await app.ctx.tasks.list()).find((entry) => entry.request.prompt === 'matrix key while saving' && entry.state === 'saving'));
    await vscode.commands.executeCommand('evolink.setApiKey', { apiKey: demoKey });
    await running;
    check('the key is set again while saving', simulator, { entry: await settle(app.ctx.tasks, saving.localId), notices: noticesSince(since), files: await imagesIn(folder()) }, { state: 'saved', files: 1, tasks: 1, downloads: 1 });
  });

  it('a late answer reaches a window that lost its lease: it changes nothing', async () => {
    const b = open();
    const c = open();
    const entry = await submitIn(b, folder(), 'matrix late answer');
    simulator.addFault('task', { kind: 'delay', ms: 2500 });
    await until('the slow poll to be under way', () => simulator.requests.some((request) => request.path.startsWith('/v1/tasks/')) || undefined, 5000).catch(() => true);
    await new Promise((resolve) => setTimeout(resolve, 400));
    await c.tasks.dispatch(entry.localId, { type: 'resume', leaseStale: true });
    await settle(c.tasks, entry.localId);
    await new Promise((resolve) => setTimeout(resolve, 3000));
    check("a slow poll answers after another window took over", simulator, { entry: await c.tasks.get(entry.localId), notices: [], files: await imagesIn(folder()) }, { state: 'saved', files: 1, tasks: 1, downloads: 1 });
  });

  it("clock skew: a window whose clock runs 10 minutes ahead leaves a live lease alone", async () => {
    simulator.addFault('cdn', { kind: 'slowBody', bytesPerSecond: 30_000 });
    const b = open();
    const c = open({ now: () => Date.now() + 10 * 60_000 });
    const entry = await submitIn(b, folder(), 'matrix clock skew');
    await savingWithData(b, entry.localId);
    await c.tasks.resume();
    await new Promise((resolve) => setTimeout(resolve, 300));
    await c.tasks.resume();
    check('clock skew between windows (+10 min)', simulator, { entry: await settle(b.tasks, entry.localId), notices: [], files: await imagesIn(folder()) }, { state: 'saved', files: 1, tasks: 1, downloads: 1 });
  });

  it('task files that cannot be read are set aside and told once in Show Tasks', async () => {
    const cut = join(dirs.ledgerDir, `${newLocalId()}.3.json`);
    const empty = join(dirs.ledgerDir, `${newLocalId()}.1.json`);
    writeFileSync(cut, '{"version": 2, "localId": "evl-');
    writeFileSync(empty, 'null');
    for (const file of [cut, empty]) utimesSync(file, new Date(Date.now() - 60_000), new Date(Date.now() - 60_000));
    const since = Date.now();
    await app.ctx.tasks.resume();
    const show = async () => {
      const shown = vscode.commands.executeCommand('evolink.showTasks');
      await new Promise((resolve) => setTimeout(resolve, 500));
      await vscode.commands.executeCommand('workbench.action.closeQuickOpen');
      await shown;
    };
    await show();
    await show();
    const told = noticesSince(since).filter((notice) => /could not be read and was set aside/.test(notice.message));
    check('corrupt task files (cut JSON, null)', simulator, { entry: undefined, notices: told, files: await imagesIn(folder()) }, { state: 'removed', message: /set aside as .*\.corrupt/, files: 0, tasks: 0 });
    assert.equal(told.length, 2, 'each file is told once');
    assert.ok(readdirSync(dirs.ledgerDir).includes(`${cut.split('/').pop()}.corrupt`));
  });

  it('a task file from the first version of the ledger is read, and its results saved', async () => {
    const urls = await taskAtEvoLink('matrix first version');
    const localId = newLocalId();
    const legacy = { localId, idempotencyKey: localId, createdAt: Date.now(), state: 'completed', request: { model: 'gpt-4o-image', prompt: 'matrix first version' }, body: body('matrix first version'), targetFolder: folder().toString(), estimatedSeconds: 100, progress: 100, polls: 3, taskId: 'task-old', resultUrls: urls, completedAt: Date.now(), updatedAt: Date.now() };
    // Version 1 wrote one `<id>.json` per task, with `saved`/`pending` lists and no revision.
    writeFileSync(join(dirs.ledgerDir, `${localId}.json`), JSON.stringify({ ...legacy, saved: [null], pending: [null] }));
    await app.ctx.tasks.resume();
    const after = await until('it to be saved', async () => ((await app.ctx.tasks.get(localId))?.state === 'saved' ? app.ctx.tasks.get(localId) : undefined));
    check('a task file of the first ledger version', simulator, { entry: after, notices: [], files: await imagesIn(folder()) }, { state: 'saved', files: 1, tasks: 1, downloads: 1 });
  });

  it('result links that expired before the window came back are tried once (the clock may have jumped), and reported as expired', async () => {
    const since = Date.now();
    const dayAgo = Date.now() - 25 * 3600_000;
    const entry = leave({ state: 'completed', taskId: 'task-gone', resultUrls: [`${simulator.urls.cdn}/results/task-gone/0.png`], results: [{}], sentAt: dayAgo, madeAt: dayAgo, completedAt: dayAgo });
    await app.ctx.tasks.resume();
    check('links expired before a resume (25 h)', simulator, { entry: await settle(app.ctx.tasks, entry.localId), notices: noticesSince(since), files: await imagesIn(folder()) }, { state: 'expired', message: /result links expired/, files: 0, tasks: 0, downloads: 1 });
  });

  it('tells a task gone only when the ledger no longer has it, and never one made while the ledger was listed', async () => {
    const events = new TaskEvents();
    const removed: string[] = [];
    const changed: number[] = [];
    events.onDidRemove((localId) => removed.push(localId));
    events.onDidChange((entry) => changed.push(entry.revision));
    // Only the id and the revision count here; nothing is written to the ledger.
    const a = { localId: newLocalId(), revision: 3 } as LedgerEntry;
    events.tell(a);
    const before = events.toldIds();
    const b = { localId: newLocalId(), revision: 0 } as LedgerEntry;
    events.tell(b); // made while the list was read: not in it
    // The list missed both (a file being written): the ledger still has a, and b is no news.
    await events.catchUpAll([], before, (localId) => Promise.resolve(localId === a.localId ? a : undefined));
    assert.deepEqual(removed, []);
    await events.catchUpAll([{ ...b, revision: b.revision + 1 }], events.toldIds(), () => Promise.resolve(undefined));
    assert.deepEqual(removed, [a.localId], 'a left the ledger');
    assert.deepEqual(changed, [a.revision, b.revision, b.revision + 1], 'b, written elsewhere since, is told');
    events.dispose();
  });

  it('a window that stood still while another took its task over and saved it sees the task end: its notification and status bar follow', async () => {
    const b = open();
    const c = open();
    const entry = await submitIn(b, folder(), 'matrix window stood still');
    const seen: string[] = [];
    b.tasks.onDidChange((changed) => changed.localId === entry.localId && seen.push(changed.state));
    // Window b stands still a while (its lease goes stale): c takes the task over and saves it.
    await c.tasks.dispatch(entry.localId, { type: 'resume', leaseStale: true });
    await settle(c.tasks, entry.localId);
    // Back, b reads the task (a timer of its own, or its sweep) and tells what c did.
    await b.tasks.dispatch(entry.localId, { type: 'pollDue' });
    assert.equal(seen.at(-1), 'saved');
  });

  /** A task made at EvoLink whose result a crashed window had downloaded and kept: its links, its bytes and where it is kept. */
  async function keptAtEvoLink(prompt: string): Promise<{ urls: string[]; bytes: Uint8Array; kept: string }> {
    const urls = await taskAtEvoLink(prompt);
    await vscode.workspace.fs.createDirectory(folder());
    const downloadsDir = join(app.ctx.storage.fsPath, 'downloads');
    mkdirSync(downloadsDir, { recursive: true });
    const bytes = new Uint8Array(await (await fetch(urls[0]!, { headers: { 'user-agent': 'evolink.evolink-image-studio/test' } })).arrayBuffer());
    const kept = join(downloadsDir, `evl-crashed-${newLocalId()}-0.png`);
    writeFileSync(kept, bytes);
    return { urls, bytes, kept };
  }

  it('a window crashed between writing a result and recording it: the next window records it, writes nothing twice, and removes the temporary file left', async () => {
    const { urls, bytes, kept } = await keptAtEvoLink('matrix crash after rename');
    const target = vscode.Uri.joinPath(folder(), 'matrix-crash-after-rename.png');
    await vscode.workspace.fs.writeFile(target, bytes);
    const localId = newLocalId();
    // The crash came after the temporary file was linked to its name, before it was removed.
    await vscode.workspace.fs.writeFile(vscode.Uri.joinPath(folder(), `.${localId}-0-host-crashed.partial`), bytes);
    const entry = leave({ localId, state: 'saving', taskId: 'task-crashed', resultUrls: urls, results: [{ kept, target: target.toString() }], completedAt: Date.now(), lease: { owner: 'host-crashed', at: Date.now() } });
    const before = downloads(simulator);
    await app.ctx.tasks.resume();
    const after = await until('it to be recorded', async () => ((await app.ctx.tasks.get(entry.localId))?.state === 'saved' ? app.ctx.tasks.get(entry.localId) : undefined), 20_000);
    check('crash between the rename and its record', simulator, { entry: after, notices: [], files: await imagesIn(folder()) }, { state: 'saved', files: 1, tasks: 1, downloads: before });
    assert.equal(after?.results?.[0]?.saved, target.toString());
    assert.deepEqual(await partialsIn(folder()), []);
    // Its provenance, never recorded by the window that crashed, is recorded now: History shows it.
    assert.equal((await app.ctx.provenance.get(target))?.taskId, 'task-crashed');
  });

  it("a file of the result's size at its recorded name that is not its image is never taken for it: the result takes the next name, and both images stay", async () => {
    const { urls, bytes, kept } = await keptAtEvoLink('matrix same size taken meanwhile');
    const target = vscode.Uri.joinPath(folder(), 'matrix-same-size-taken.png');
    // As big as the download, one byte different: another image under the name.
    const theirs = Uint8Array.from(bytes);
    theirs[Math.floor(theirs.length / 2)] = theirs[Math.floor(theirs.length / 2)]! ^ 0xff;
    await vscode.workspace.fs.writeFile(target, theirs);
    const entry = leave({ localId: newLocalId(), state: 'saving', request: { model: 'gpt-4o-image', prompt: 'matrix same size taken meanwhile' }, taskId: 'task-crashed-same-size', resultUrls: urls, results: [{ kept, target: target.toString() }], completedAt: Date.now(), lease: { owner: 'host-crashed', at: Date.now() } });
    await app.ctx.tasks.resume();
    const after = await until('it to be saved', async () => ((await app.ctx.tasks.get(entry.localId))?.state === 'saved' ? app.ctx.tasks.get(entry.localId) : undefined), 20_000);
    const saved = after?.results?.[0]?.saved;
    assert.ok(saved && saved !== target.toString(), 'saved under another name');
    assert.ok(Buffer.from(await vscode.workspace.fs.readFile(vscode.Uri.parse(saved))).equals(Buffer.from(bytes)), 'the result is whole under its name');
    assert.ok(Buffer.from(await vscode.workspace.fs.readFile(target)).equals(Buffer.from(theirs)), 'their file is as it was');
  });

  it('a window crashed while it copied a result to its name (no hard links there): the cut copy is replaced by the whole image and nothing is downloaded again', async () => {
    const { urls, bytes, kept } = await keptAtEvoLink('matrix crash mid-copy');
    const target = vscode.Uri.joinPath(folder(), 'matrix-crash-mid-copy.png');
    // The copy had written part of the image when the window crashed; its temporary file stayed too.
    await vscode.workspace.fs.writeFile(target, bytes.subarray(0, Math.floor(bytes.length / 3)));
    const localId = newLocalId();
    await vscode.workspace.fs.writeFile(vscode.Uri.joinPath(folder(), `.${localId}-0-host-crashed.partial`), bytes);
    const entry = leave({ localId, state: 'saving', request: { model: 'gpt-4o-image', prompt: 'matrix crash mid-copy' }, taskId: 'task-crashed-copy', resultUrls: urls, results: [{ kept, target: target.toString() }], completedAt: Date.now(), lease: { owner: 'host-crashed', at: Date.now() } });
    const before = downloads(simulator);
    await app.ctx.tasks.resume();
    const after = await until('it to be saved', async () => ((await app.ctx.tasks.get(entry.localId))?.state === 'saved' ? app.ctx.tasks.get(entry.localId) : undefined), 20_000);
    check('crash mid-copy', simulator, { entry: after, notices: [], files: await imagesIn(folder()) }, { state: 'saved', files: 1, tasks: 1, downloads: before });
    assert.equal(after?.results?.[0]?.saved, target.toString());
    assert.deepEqual(Buffer.from(await vscode.workspace.fs.readFile(target)).equals(Buffer.from(bytes)), true, 'the image at its name is whole');
    assert.deepEqual(await partialsIn(folder()), []);
  });

  it('a file at a result\'s recorded name that is not a cut copy of its download is never removed: the result takes the next name', async () => {
    const { urls, bytes, kept } = await keptAtEvoLink('matrix name taken meanwhile');
    const target = vscode.Uri.joinPath(folder(), 'matrix-name-taken-meanwhile.png');
    // Shorter than the download, but not its beginning: the user's own file.
    const theirs = bytes.slice(0, 100);
    theirs[60] = theirs[60]! ^ 0xff;
    await vscode.workspace.fs.writeFile(target, theirs);
    const entry = leave({ localId: newLocalId(), state: 'saving', taskId: 'task-crashed-taken', resultUrls: urls, results: [{ kept, target: target.toString() }], completedAt: Date.now(), lease: { owner: 'host-crashed', at: Date.now() } });
    await app.ctx.tasks.resume();
    const after = await until('it to be saved', async () => ((await app.ctx.tasks.get(entry.localId))?.state === 'saved' ? app.ctx.tasks.get(entry.localId) : undefined), 20_000);
    assert.notEqual(after?.results?.[0]?.saved, target.toString());
    assert.ok(Buffer.from(await vscode.workspace.fs.readFile(target)).equals(Buffer.from(theirs)), 'their file is as it was');
  });

  it('Check for It never takes for its own a task that another workspace of this machine made', async () => {
    await taskAtEvoLink('matrix made in another workspace');
    const theirs = [...simulator.tasks.keys()];
    // The other workspace's task is known machine-wide (the budget's day log keeps EvoLink's ids).
    const b = open({ times: { replayWindowMs: 2500 }, madeElsewhere: () => Promise.resolve(theirs) });
    const entry = leave({ state: 'unconfirmed', attention: 'windowPassed', sentAt: Date.now() - 5000, request: { model: 'gpt-4o-image', prompt: 'matrix lost, never made' } });
    const since = Date.now();
    await b.tasks.checkForIt(entry.localId);
    const after = await until('the list to be read', async () => ((await b.tasks.get(entry.localId))?.attention === 'notFound' ? b.tasks.get(entry.localId) : undefined));
    check('Check for It with only another workspace\'s task in the list', simulator, { entry: after, notices: noticesSince(since, b), files: await imagesIn(folder()) }, { state: 'unconfirmed', message: /lists no recent task that matches/, files: 0, tasks: 1 });
    assert.equal(after?.taskId, undefined, 'nothing adopted');
  });

  it('Check for It with several recent tasks that could be the request: the user is asked to look, nothing is adopted', async () => {
    const b = open({ times: { replayWindowMs: 2500 } });
    await taskAtEvoLink('matrix one of two');
    await taskAtEvoLink('matrix two of two');
    const entry = leave({ state: 'unconfirmed', attention: 'windowPassed', sentAt: Date.now() - 5000, request: { model: 'gpt-4o-image', prompt: 'matrix which one' } });
    const since = Date.now();
    await b.tasks.checkForIt(entry.localId);
    const after = await until('the list to be read', async () => ((await b.tasks.get(entry.localId))?.attention === 'listAmbiguous' ? b.tasks.get(entry.localId) : undefined));
    check('Check for It finds several candidates', simulator, { entry: after, notices: noticesSince(since, b), files: await imagesIn(folder()) }, { state: 'unconfirmed', message: /more than one recent task/, files: 0, tasks: 2 });
    assert.equal(after?.taskId, undefined, 'no task adopted');
  });

  it('finished tasks older than 30 days leave the ledger, and downloads nobody needs are cleaned up', async () => {
    const old = leave({ state: 'saved', updatedAt: Date.now() - 31 * 24 * 3600_000, createdAt: Date.now() - 31 * 24 * 3600_000 });
    const recent = leave({ state: 'saved', updatedAt: Date.now() - 24 * 3600_000 });
    const downloadsDir = join(app.ctx.storage.fsPath, 'downloads');
    mkdirSync(downloadsDir, { recursive: true });
    const orphan = join(downloadsDir, 'evl-gone-000000000001-0.png');
    writeFileSync(orphan, 'left by a window that closed');
    utimesSync(orphan, new Date(Date.now() - 2 * 3600_000), new Date(Date.now() - 2 * 3600_000));
    await app.ctx.tasks.resume();
    assert.equal(await app.ctx.tasks.get(old.localId), undefined, 'pruned');
    assert.equal((await app.ctx.tasks.get(recent.localId))?.state, 'saved', 'kept');
    assert.ok(!readdirSync(downloadsDir).includes('evl-gone-000000000001-0.png'), 'cleaned');
  });

  it('a ledger slow to write adds nothing to the waits the schedule chose: the first look is taken 3 s after the submit was answered', async () => {
    class SlowLedger extends TaskLedger {
      override async write(entry: LedgerEntry, expected: number): Promise<LedgerEntry | undefined> {
        await new Promise((resolve) => setTimeout(resolve, 1000));
        return super.write(entry, expected);
      }
    }
    const window = open({ ledger: new SlowLedger(dirs.ledgerDir), times: defaultLifecycleTimes });
    const since = simulator.requests.length;
    const entry = await submitIn(window, folder(), 'matrix slow ledger');
    const sent = simulator.requests.slice(since).find((request) => request.method === 'POST' && request.path === '/v1/images/generations');
    const read = await until('the first read', () => simulator.requests.slice(since).find((request) => request.method === 'GET' && request.path === `/v1/tasks/${entry.taskId}`));
    // Writing the answer down took a second of those three, and adds none to them; the read itself
    // goes out without a write before it.
    const gap = read.at - sent!.at;
    assert.ok(gap >= 2900 && gap < 3600, `the first read came ${gap} ms after the submit`);
    // Saved before the next test, which counts downloads.
    assert.equal((await settle(window.tasks, entry.localId))?.state, 'saved');
  });

  it('a task that never finishes stops at its deadline, with Check Again; looked at again quietly, it is saved once it has ended', async () => {
    const b = open({ times: { pollScale: 0.01, lateLookMs: 1500 } });
    simulator.addTaskOutcome({ kind: 'neverFinish' });
    const since = Date.now();
    const entry = await submitIn(b, folder(), 'matrix never finishes');
    check('a task that never finishes (deadline)', simulator, { entry: await settle(b.tasks, entry.localId, 30_000), notices: noticesSince(since, b), files: await imagesIn(folder()) }, { state: 'stopped', message: /taking longer than expected/, files: 0, tasks: 1, downloads: 0 });
    assert.ok(noticesSince(since, b).some((notice) => notice.actions.includes('Check Again')));
    // A look or two while it still runs says nothing more.
    await until('a quiet look', async () => (((await b.tasks.get(entry.localId))?.lateLooks ?? 0) >= 1 ? true : undefined), 15_000);
    await settle(b.tasks, entry.localId);
    // EvoLink ends it at last: the next look saves it.
    const task = [...simulator.tasks.values()].find((candidate) => candidate.request.prompt === 'matrix never finishes')!;
    task.outcome = undefined;
    await until('the task to be saved', async () => ((await b.tasks.get(entry.localId))?.state === 'saved' ? true : undefined), 30_000);
    assert.equal(noticesSince(since, b).filter((notice) => /taking longer than expected/.test(notice.message)).length, 1, 'told once');
    assert.ok(noticesSince(since, b).some((notice) => /^Saved 1 image/.test(notice.message)));
    assert.equal((await imagesIn(folder())).filter((name) => name.startsWith('matrix-never-finishes')).length, 1);
  });

  it('reads that fail past the deadline (a machine woken before its network) go on until one answers, and the task is saved', async () => {
    // A deadline of 6 s; fifteen reads in a row fail, half a second apart, well past it.
    const b = open({ times: { pollScale: 0.01, pollRetryMs: 500 } });
    simulator.addFault('task', { kind: 'malformedJson' }, 15);
    const since = Date.now();
    const entry = await submitIn(b, folder(), 'matrix reads fail past the deadline');
    check('reads fail past the deadline, then answer', simulator, { entry: await settle(b.tasks, entry.localId, 30_000), notices: noticesSince(since, b), files: await imagesIn(folder()) }, { state: 'saved', files: 1, tasks: 1, downloads: 1 });
  });

  it('reads that keep failing past the deadline stop the task after twenty in a row, saying what failed them, with Check Again; looked at again quietly, it is saved once reads answer', async () => {
    const b = open({ times: { pollScale: 0.01, pollRetryMs: 300, lateLookMs: 3000 } });
    // Every read fails: its own, and a batch's (a task left by an earlier test may run beside it).
    simulator.addFault('task', { kind: 'malformedJson' }, 1000);
    simulator.addFault('taskBatch', { kind: 'malformedJson' }, 1000);
    const since = Date.now();
    const entry = await submitIn(b, folder(), 'matrix reads never answer');
    check('reads keep failing past the deadline', simulator, { entry: await settle(b.tasks, entry.localId, 30_000), notices: noticesSince(since, b), files: await imagesIn(folder()) }, { state: 'stopped', message: /could not be read past its deadline, though it has most likely finished: EvoLink sent an answer .* The extension looks at it again every few minutes while its result links last/, files: 0, tasks: 1, downloads: 0 });
    assert.ok(noticesSince(since, b).some((notice) => notice.actions.includes('Check Again')));
    // A look that fails again says nothing more.
    await until('a quiet look', async () => (((await b.tasks.get(entry.localId))?.lateLooks ?? 0) >= 1 ? true : undefined), 15_000);
    simulator.clearFaults();
    await until('the task to be saved', async () => ((await b.tasks.get(entry.localId))?.state === 'saved' ? true : undefined), 30_000);
    assert.equal(noticesSince(since, b).filter((notice) => /could not be read past its deadline/.test(notice.message)).length, 1, 'told once');
    assert.ok(noticesSince(since, b).some((notice) => /^Saved 1 image/.test(notice.message)));
  });
});
