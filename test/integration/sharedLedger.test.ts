import * as assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as vscode from 'vscode';
import type { EvoLinkSimulator } from '../../simulator/server';
import type { LedgerEntry } from '../../src/common/ledgerEntry';
import { EvoLinkClient } from '../../src/extension/api/client';
import { createUndiciTransport } from '../../src/extension/net/transport';
import { newLocalId } from '../../src/extension/tasks/ledger';
import { demoKey, until, useMatrix } from './matrix';
import { openWindow, submitIn, type TestWindow } from './windows';

const folder = () => vscode.Uri.joinPath(vscode.workspace.workspaceFolders![0]!.uri, 'images', 'shared-ledger');
const body = (prompt: string) => ({ model: 'gpt-4o-image', prompt, size: '1:1', n: 1 });

/*
 * Windows without a folder share one ledger: what one window does to a task, another shows; and a
 * key set anew reads again at once the tasks that stopped for want of one.
 */
describe('Windows on a shared ledger', function () {
  this.timeout(60_000);
  let simulator: EvoLinkSimulator;
  useMatrix('Windows on a shared ledger', folder, { taskDurationMs: 1200 }, (ready) => {
    simulator = ready;
  });
  let dirs: { ledgerDir: string; downloadsDir: string };
  const windows: TestWindow[] = [];
  beforeEach(() => {
    const root = mkdtempSync(join(tmpdir(), 'evolink-shared-'));
    dirs = { ledgerDir: join(root, 'tasks'), downloadsDir: join(root, 'downloads') };
    mkdirSync(dirs.ledgerDir, { recursive: true });
  });
  afterEach(async () => {
    for (const window of windows.splice(0)) {
      await window.tasks.release();
      window.dispose();
    }
    rmSync(join(dirs.ledgerDir, '..'), { recursive: true, force: true });
  });
  const open = (): TestWindow => {
    const window = openWindow(simulator, dirs);
    windows.push(window);
    return window;
  };

  it("follows a task another window saves: it no longer counts as running here", async () => {
    const a = open();
    const entry = await submitIn(a, folder(), 'shared ledger follow');
    const b = open();
    await b.tasks.resume();
    const seen: LedgerEntry[] = [];
    const listener = b.tasks.onDidChangeElsewhere((changed) => seen.push(changed));
    try {
      await until('window B to see the task saved', () => seen.some((changed) => changed.localId === entry.localId && changed.state === 'saved'), 20_000);
    } finally {
      listener.dispose();
    }
  });

  it('reads again at once, when a key is set, a task that stopped because its reads were refused for the key', async () => {
    const client = new EvoLinkClient({ transport: createUndiciTransport({ proxy: '', strictSSL: true, noProxy: [] }), endpoints: () => ({ api: simulator.urls.api, files: simulator.urls.files }), userAgent: 'evolink.evolink-image-studio/test', timeoutMs: () => 5000 });
    const { task } = await client.submit(body('shared ledger key'), newLocalId(), { apiKey: demoKey });
    await until('the task to complete', async () => ((await client.getTask(task.id, { apiKey: demoKey })).state === 'completed' ? true : undefined));
    const localId = newLocalId();
    const now = Date.now();
    const stopped = { version: 2, localId, idempotencyKey: localId, revision: 1, createdAt: now - 120_000, updatedAt: now, request: { model: 'gpt-4o-image', prompt: 'shared ledger key' }, body: body('shared ledger key'), targetFolder: folder().toString(), sentAt: now - 120_000, sends: 1, watch: true, estimatedSeconds: 100, progress: 0, polls: 3, taskId: task.id, state: 'stopped', attention: 'unread', error: { reason: 'auth', code: 'invalid_api_key' } };
    writeFileSync(join(dirs.ledgerDir, `${localId}.1.json`), JSON.stringify(stopped));
    const b = open();
    await b.tasks.resume();
    assert.equal((await b.tasks.get(localId))?.state, 'stopped', 'a start alone does not read it');
    await b.tasks.keySet();
    // Well before its next quiet look (`lateLookMs`, 15 s at this scale).
    await until('the task to be saved', async () => ((await b.tasks.get(localId))?.state === 'saved' ? true : undefined), 8000);
  });
});
