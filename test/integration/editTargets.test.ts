import * as assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import * as vscode from 'vscode';
import type { EvoLinkSimulator } from '../../simulator/server';
import type { LedgerEntry } from '../../src/common/ledgerEntry';
import { MemoryFileSystem } from './memfs';
import { activateExtension, demoKey, resetSettings, startSimulator, paidRequests } from './support';

const workspace = () => vscode.workspace.workspaceFolders![0]!.uri;
const folder = () => vscode.Uri.joinPath(workspace(), 'edit-targets');
const output = () => vscode.Uri.joinPath(workspace(), 'images', 'generated');
const args = { prompt: 'paint it blue', model: 'gpt-4o-image', size: '1:1', n: 1 };

async function writeImage(uri: vscode.Uri): Promise<vscode.Uri> {
  const [r, g, b] = createHash('md5').update(uri.toString()).digest();
  await vscode.workspace.fs.writeFile(uri, await sharp({ create: { width: 512, height: 512, channels: 3, background: { r: r!, g: g!, b: b! } } }).png().toBuffer());
  return uri;
}

const listed = async (uri: vscode.Uri): Promise<string[]> => (await vscode.workspace.fs.readDirectory(uri)).map(([name]) => name).sort();

/** Removes what a task saved (in the shared output folder, which other tests read). */
async function removeResults(entry: LedgerEntry | undefined): Promise<void> {
  for (const slot of entry?.results ?? []) if (slot.saved) await vscode.workspace.fs.delete(vscode.Uri.parse(slot.saved)).then(undefined, () => undefined);
}

describe('Where the edits of an image go', function () {
  this.timeout(60_000);
  let simulator: EvoLinkSimulator;
  let outside: string;

  before(async () => {
    await activateExtension();
    simulator = await startSimulator({ taskDurationMs: 1500 });
    await vscode.commands.executeCommand('evolink.setApiKey', { apiKey: demoKey });
  });

  after(async () => {
    await vscode.workspace.fs.delete(folder(), { recursive: true }).then(undefined, () => undefined);
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    await vscode.commands.executeCommand('evolink.clearApiKey');
    await resetSettings();
    await simulator.stop();
  });

  beforeEach(async () => {
    simulator.reset();
    outside = mkdtempSync(join(tmpdir(), 'evolink-outside-'));
    await vscode.workspace.fs.delete(folder(), { recursive: true }).then(undefined, () => undefined);
    await vscode.workspace.fs.createDirectory(folder());
  });

  afterEach(async () => {
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    rmSync(outside, { recursive: true, force: true });
  });

  it('writes the edits of an image outside the workspace into the output folder, never beside it', async () => {
    const original = await writeImage(vscode.Uri.file(join(outside, 'photo.png')));
    const entry = await vscode.commands.executeCommand<LedgerEntry | undefined>('evolink.editImage', original, [original], args);
    try {
      assert.equal(entry?.state, 'saved', JSON.stringify(entry?.error));
      assert.equal(entry.targetFolder, output().toString());
      assert.equal(entry.editOf, undefined);
      assert.deepEqual(await listed(vscode.Uri.file(outside)), ['photo.png'], 'nothing written outside the workspace');
    } finally {
      await removeResults(entry);
    }
  });

  it('does not follow a folder that is a symbolic link out of the workspace', async () => {
    symlinkSync(outside, join(folder().fsPath, 'shared'), 'dir');
    const original = await writeImage(vscode.Uri.joinPath(folder(), 'shared', 'photo.png'));
    const entry = await vscode.commands.executeCommand<LedgerEntry | undefined>('evolink.editImage', original, [original], args);
    try {
      assert.equal(entry?.state, 'saved', JSON.stringify(entry?.error));
      assert.equal(entry.targetFolder, output().toString());
      assert.deepEqual(await listed(vscode.Uri.file(outside)), ['photo.png'], 'nothing written through the link');
    } finally {
      await removeResults(entry);
    }
  });

  it('writes nothing to a read-only file system (an image from git history): the edits go to the output folder', async () => {
    const memory = new MemoryFileSystem();
    const writable = vscode.workspace.registerFileSystemProvider('evolink-rw', memory);
    const readOnly = vscode.workspace.registerFileSystemProvider('evolink-ro', memory, { isReadonly: true });
    let entry: LedgerEntry | undefined;
    try {
      await vscode.workspace.fs.createDirectory(vscode.Uri.parse('evolink-rw:/history'));
      await writeImage(vscode.Uri.parse('evolink-rw:/history/logo.png'));
      const original = vscode.Uri.parse('evolink-ro:/history/logo.png');
      entry = await vscode.commands.executeCommand<LedgerEntry | undefined>('evolink.editImage', original, [original], args);
      assert.equal(entry?.state, 'saved', JSON.stringify(entry?.error));
      assert.equal(entry.targetFolder, output().toString());
      assert.deepEqual(await listed(vscode.Uri.parse('evolink-rw:/history')), ['logo.png']);
    } finally {
      await removeResults(entry);
      readOnly.dispose();
      writable.dispose();
    }
  });

  it('puts the edits beside the clicked image, whatever the order of the selection', async () => {
    const first = await writeImage(vscode.Uri.joinPath(folder(), 'first.png'));
    const clicked = await writeImage(vscode.Uri.joinPath(folder(), 'clicked.png'));
    // VS Code gives the selection in the order it was made: the clicked image is not first.
    const entry = await vscode.commands.executeCommand<LedgerEntry | undefined>('evolink.editImage', clicked, [first, clicked], args);
    assert.equal(entry?.state, 'saved', JSON.stringify(entry?.error));
    assert.equal(entry.editOf, clicked.toString());
    assert.deepEqual(await listed(folder()), ['clicked.edit-1.png', 'clicked.png', 'first.png']);
    await vscode.commands.executeCommand('evolink.resolveEdit', entry.localId, 'keepBoth', { confirmed: true });
  });

  it('leaves a selected folder out, and says that a folder alone cannot be edited', async () => {
    const services = await (await activateExtension()).testing!.services();
    const sub = vscode.Uri.joinPath(folder(), 'sub');
    await vscode.workspace.fs.createDirectory(sub);
    const since = Date.now();
    const refused = await vscode.commands.executeCommand<LedgerEntry | undefined>('evolink.editImage', sub, [sub], args);
    assert.equal(refused, undefined);
    const shown = services.ctx.notifier.notices().filter((notice) => notice.at >= since).map((notice) => notice.message);
    assert.ok(shown.some((message) => /folders cannot be edited/.test(message)), JSON.stringify(shown));
    assert.equal(paidRequests(simulator).length, 0);

    const photo = await writeImage(vscode.Uri.joinPath(folder(), 'photo.png'));
    const entry = await vscode.commands.executeCommand<LedgerEntry | undefined>('evolink.editImage', photo, [sub, photo], args);
    assert.equal(entry?.state, 'saved', JSON.stringify(entry?.error));
    assert.equal([...simulator.tasks.values()][0]!.request.imageUrls?.length, 1, 'the folder is left out');
    await vscode.commands.executeCommand('evolink.resolveEdit', entry.localId, 'keepBoth', { confirmed: true });
  });
});
