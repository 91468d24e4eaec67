import * as assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import * as vscode from 'vscode';
import type { Provenance } from '../../src/common/provenance';
import { parseIndex } from '../../src/common/provenanceIndex';
import { IndexFile } from '../../src/extension/provenance/indexFile';
import { ProvenanceStore } from '../../src/extension/provenance/store';
import type { Services } from '../../src/extension/services';
import { until } from './matrix';
import { MemoryFileSystem } from './memfs';
import { activateExtension, provenanceIndex } from './support';

const workspace = () => vscode.workspace.workspaceFolders![0]!.uri;
const indexFolder = () => vscode.Uri.joinPath(workspace(), '.evolink');
const folderName = 'provenance-tests';
const at = (name: string) => vscode.Uri.joinPath(workspace(), folderName, name);
const exists = (uri: vscode.Uri): Thenable<boolean> => vscode.workspace.fs.stat(uri).then(() => true, () => false);

/**
 * A file system whose rename does not replace its target in one step (VS Code deletes the target
 * first), and which can be made to fail renames onto the index, and writes of it.
 */
class FailingIndexWrites extends MemoryFileSystem {
  failRenames = false;
  failWrites = false;

  override rename(from: vscode.Uri, to: vscode.Uri, options: { overwrite: boolean }): void {
    if (this.failRenames && to.path.endsWith('/history.jsonl')) throw vscode.FileSystemError.Unavailable(to);
    super.rename(from, to, options);
  }

  // A promise, as a real provider's: a synchronous throw leaves VS Code's queue of writes to that file waiting for good.
  override writeFile(uri: vscode.Uri, content: Uint8Array, options: { create: boolean; overwrite: boolean }): Thenable<void> {
    if (this.failWrites && uri.path.endsWith('/history.jsonl')) return Promise.reject(vscode.FileSystemError.Unavailable(uri));
    return Promise.resolve(super.writeFile(uri, content, options));
  }
}

const lockName = '/history.jsonl.lock';
const encoded = (text: string): Uint8Array => new TextEncoder().encode(text);

/**
 * A file system on which another window takes the index's lock at the worst moments: right after
 * this window found it stale (`takeStaleLock`: another window broke it first, and holds it now),
 * or while this window holds it (`stealHeldLock`: this window was slow, and another broke its lock
 * as stale).
 */
class LockTakenMeanwhile extends MemoryFileSystem {
  takeStaleLock = false;
  stealHeldLock = false;
  /** How often the stale lock was looked at. */
  looks = 0;

  override stat(uri: vscode.Uri): vscode.FileStat {
    const found = super.stat(uri);
    if (!this.takeStaleLock || !uri.path.endsWith(lockName) || this.looks >= 2) return found;
    // The first look is the failed create; the second judges the lock stale.
    this.looks++;
    if (this.looks === 2) super.writeFile(uri, encoded('other window\n'), { create: true, overwrite: true });
    return { ...found, mtime: Date.now() - 60_000 };
  }

  override rename(from: vscode.Uri, to: vscode.Uri, options: { overwrite: boolean }): void {
    if (this.stealHeldLock && to.path.endsWith('/history.jsonl')) super.writeFile(to.with({ path: `${to.path}.lock` }), encoded('other window\n'), { create: true, overwrite: true });
    super.rename(from, to, options);
  }
}

const record = (prompt: string): Provenance => ({ version: 1, prompt, model: 'gpt-4o-image', parameters: { size: '1:1' }, createdAt: new Date().toISOString(), format: 'png' });

async function clear(): Promise<void> {
  for (const uri of [indexFolder(), vscode.Uri.joinPath(workspace(), folderName)]) await vscode.workspace.fs.delete(uri, { recursive: true }).then(undefined, () => undefined);
}

describe('The provenance index of a workspace folder', function () {
  this.timeout(60_000);
  let services: Services;

  before(async () => {
    services = await (await activateExtension()).testing!.services();
    await clear();
  });

  after(clear);

  it('keeps every line when two windows append at once, and compacts itself when dead lines outnumber live ones', async () => {
    // Two stores over the same files are two windows: their own queues, one lock between them.
    const warnings: string[] = [];
    const windows = [new ProvenanceStore(services.ctx.storage, (message) => warnings.push(message)), new ProvenanceStore(services.ctx.storage, (message) => warnings.push(message))];
    const count = 60;
    await Promise.all(Array.from({ length: count }, (_, i) => windows[i % 2]!.record(at(`image-${i}.png`), record(`prompt ${i}`))));
    let index = await provenanceIndex();
    assert.equal(index.records.size, count);
    const state = parseIndex(index.text);
    assert.equal(state.lines, count, 'one whole line per record');
    assert.equal(state.bad, 0, 'no line torn or interleaved');
    assert.equal(index.records.get(`${folderName}/image-7.png`)?.prompt, 'prompt 7');

    await Promise.all(Array.from({ length: 50 }, (_, i) => windows[i % 2]!.forget([at(`image-${i}.png`)])));
    index = await provenanceIndex();
    assert.deepEqual([...index.records.keys()].sort(), Array.from({ length: 10 }, (_, i) => `${folderName}/image-${i + 50}.png`).sort());
    assert.ok(parseIndex(index.text).lines < count + 50, `compacted: ${parseIndex(index.text).lines} lines`);
    assert.deepEqual((await vscode.workspace.fs.readDirectory(indexFolder())).map(([name]) => name), ['history.jsonl'], 'no lock or temporary file left');
    assert.deepEqual(warnings, []);
  });

  it('never writes an index that is a symbolic link (a repository could lead it to any file of the machine)', async () => {
    await clear();
    const outside = join(mkdtempSync(join(tmpdir(), 'evolink-outside-')), 'notes.md');
    writeFileSync(outside, '# my notes\n');
    await vscode.workspace.fs.createDirectory(indexFolder());
    symlinkSync(outside, join(indexFolder().fsPath, 'history.jsonl'));
    const warnings: string[] = [];
    await new ProvenanceStore(services.ctx.storage, (message) => warnings.push(message)).record(at('linked.png'), record('a secret prompt'));
    assert.equal(readFileSync(outside, 'utf8'), '# my notes\n', 'the file the link leads to is as it was');
    assert.ok(warnings.some((warning) => /symbolic link/.test(warning)), warnings.join('\n'));
    await clear();
    rmSync(dirname(outside), { recursive: true, force: true });
  });

  it('on a file system whose rename deletes first, a failed rewrite keeps the index: written in place, or put back from its temporary file on the next read', async () => {
    const disk = new FailingIndexWrites();
    const registration = vscode.workspace.registerFileSystemProvider('evolink-test-index', disk, { isCaseSensitive: true });
    try {
      const folder = vscode.Uri.from({ scheme: 'evolink-test-index', path: '/.evolink' });
      const index = vscode.Uri.joinPath(folder, 'history.jsonl');
      await vscode.workspace.fs.createDirectory(folder);
      const names = async () => (await vscode.workspace.fs.readDirectory(folder)).map(([name]) => name).sort();
      const prompts = async () => [...parseIndex(new TextDecoder().decode(await vscode.workspace.fs.readFile(index))).records.values()].map((entry) => entry.prompt).sort();
      const warnings: string[] = [];
      const window = () => new IndexFile(index, (message) => warnings.push(message), '.evolink/history.jsonl');
      await window().append([{ path: 'a.png', record: record('a') }]);

      // The rename fails after VS Code deleted the index: its new text is written in its place.
      disk.failRenames = true;
      await window().append([{ path: 'b.png', record: record('b') }]);
      assert.deepEqual(await prompts(), ['a', 'b']);
      assert.deepEqual(await names(), ['history.jsonl'], 'no temporary file left');

      // The write fails too: the append fails, and the index is only in the temporary file.
      disk.failWrites = true;
      await assert.rejects(window().append([{ path: 'c.png', record: record('c') }]));
      assert.equal((await names()).includes('history.jsonl'), false);
      disk.failRenames = false;
      disk.failWrites = false;
      // The next read (another window, or a reload) puts it back, with the line that was being appended.
      const read = await window().read();
      assert.deepEqual([...read.records.values()].map((entry) => entry.prompt).sort(), ['a', 'b', 'c']);
      assert.deepEqual(await names(), ['history.jsonl']);
      assert.ok(warnings.some((warning) => /put back/.test(warning)), warnings.join('\n'));
    } finally {
      registration.dispose();
    }
  });

  it('breaks a stale lock by moving it aside: a lock another window took meanwhile is put back, and only the lock this window holds is removed', async () => {
    const disk = new LockTakenMeanwhile();
    const registration = vscode.workspace.registerFileSystemProvider('evolink-test-lock', disk, { isCaseSensitive: true });
    try {
      const folder = vscode.Uri.from({ scheme: 'evolink-test-lock', path: '/.evolink' });
      const index = vscode.Uri.joinPath(folder, 'history.jsonl');
      const lock = vscode.Uri.joinPath(folder, 'history.jsonl.lock');
      await vscode.workspace.fs.createDirectory(folder);
      const names = async () => (await vscode.workspace.fs.readDirectory(folder)).map(([name]) => name).sort();
      const lockLine = async () => new TextDecoder().decode(await vscode.workspace.fs.readFile(lock));
      const window = () => new IndexFile(index, () => undefined, '.evolink/history.jsonl');

      // A window crashed holding the lock; another breaks it and takes it just after this window looked.
      await vscode.workspace.fs.writeFile(lock, encoded('crashed window\n'));
      disk.takeStaleLock = true;
      const appending = window().append([{ path: 'a.png', record: record('a') }]);
      await until('the lock to be judged stale', () => disk.looks >= 2, 5000);
      // The break (a move aside, a look at what was moved, and the lock put back) is done in moments.
      await new Promise((resolve) => setTimeout(resolve, 300));
      assert.equal(await lockLine(), 'other window\n', "the other window's lock is put back, not removed");
      assert.deepEqual(await names(), ['history.jsonl.lock'], 'nothing appended while another window holds the lock');
      // The other window is done: this one appends.
      await vscode.workspace.fs.delete(lock);
      await appending;
      assert.deepEqual(await names(), ['history.jsonl']);

      // This window's lock is broken as stale while it appends (it was that slow): the new holder's lock stays.
      disk.takeStaleLock = false;
      disk.stealHeldLock = true;
      await window().append([{ path: 'b.png', record: record('b') }]);
      assert.equal(await lockLine(), 'other window\n');
      disk.stealHeldLock = false;
      await vscode.workspace.fs.delete(lock);
      const read = await window().read();
      assert.deepEqual([...read.records.values()].map((entry) => entry.prompt).sort(), ['a', 'b']);
    } finally {
      registration.dispose();
    }
  });

  it('starts a new line after a line cut short, and reads on', async () => {
    await clear();
    const index = vscode.Uri.joinPath(indexFolder(), 'history.jsonl');
    await vscode.workspace.fs.createDirectory(indexFolder());
    await vscode.workspace.fs.writeFile(index, new TextEncoder().encode(`${JSON.stringify({ path: `${folderName}/a.png`, record: record('a') })}\n{"path":"${folderName}/b.png","rec`));
    await services.ctx.provenance.record(at('c.png'), record('c'));
    const state = parseIndex((await provenanceIndex()).text);
    assert.deepEqual([...state.records.keys()].sort(), [`${folderName}/a.png`, `${folderName}/c.png`]);
    assert.equal(state.bad, 1, 'the cut line is skipped');
  });

  it('reads an old sidecar when the index does not know the image, and the index first when it does', async () => {
    await clear();
    const image = at('heron.png');
    await vscode.workspace.fs.copy(vscode.Uri.joinPath(workspace(), 'photos', 'hillside.png'), image);
    await vscode.workspace.fs.writeFile(at('heron.png.evolink.json'), new TextEncoder().encode(JSON.stringify({ ...record('from the sidecar'), sources: ['/home/someone/heron.png'] })));
    const old = await services.ctx.provenance.get(image);
    assert.equal(old?.prompt, 'from the sidecar');
    assert.deepEqual(old.sources, ['heron.png'], 'an absolute path read from an old sidecar keeps only its name');
    await services.ctx.provenance.record(image, record('from the index'));
    assert.equal((await services.ctx.provenance.get(image))?.prompt, 'from the index');
  });

  it('follows an image renamed or deleted in VS Code, and the images of a renamed folder; a name that is no image\'s takes the record away', async () => {
    await clear();
    const photo = vscode.Uri.joinPath(workspace(), 'photos', 'hillside.png');
    await vscode.workspace.fs.copy(photo, at('kite.png'));
    await vscode.workspace.fs.copy(photo, vscode.Uri.joinPath(workspace(), folderName, 'inner', 'gull.png'));
    await services.ctx.provenance.record(at('kite.png'), record('a kite'));
    await services.ctx.provenance.record(vscode.Uri.joinPath(workspace(), folderName, 'inner', 'gull.png'), record('a gull'));
    const rename = new vscode.WorkspaceEdit();
    rename.renameFile(at('kite.png'), at('red-kite.png'));
    rename.renameFile(at('inner'), at('birds'));
    assert.ok(await vscode.workspace.applyEdit(rename));
    await until('the records follow the renames', async () => {
      const { records } = await provenanceIndex();
      return records.get(`${folderName}/red-kite.png`)?.prompt === 'a kite' && records.get(`${folderName}/birds/gull.png`)?.prompt === 'a gull' && records.size === 2;
    });
    // Renamed to a name that is no image's, the record leaves: a file given the old name later is not taken for it.
    const aside = new vscode.WorkspaceEdit();
    aside.renameFile(at('birds/gull.png'), at('birds/gull.png.bak'));
    assert.ok(await vscode.workspace.applyEdit(aside));
    await until('the record of an image renamed to no image name leaves the index', async () => {
      const { records } = await provenanceIndex();
      return !records.has(`${folderName}/birds/gull.png`) && records.size === 1;
    });
    await vscode.workspace.fs.copy(photo, at('birds/gull.png'));
    assert.equal((await services.ctx.provenance.get(at('birds/gull.png')))?.prompt, undefined);
    const remove = new vscode.WorkspaceEdit();
    remove.deleteFile(at('red-kite.png'));
    assert.ok(await vscode.workspace.applyEdit(remove));
    await until('the deleted image leaves the index', async () => !(await provenanceIndex()).records.has(`${folderName}/red-kite.png`));
  });

  it('moves sidecars into the index with "EvoLink: Move Sidecars into the Index", and deletes them', async () => {
    await clear();
    const image = at('owl.png');
    await vscode.workspace.fs.copy(vscode.Uri.joinPath(workspace(), 'photos', 'hillside.png'), image);
    await vscode.workspace.fs.writeFile(at('owl.png.evolink.json'), new TextEncoder().encode(JSON.stringify(record('an owl'))));
    // A sidecar whose image is gone stays where it is.
    await vscode.workspace.fs.writeFile(at('gone.png.evolink.json'), new TextEncoder().encode(JSON.stringify(record('gone'))));
    const moved = await vscode.commands.executeCommand<number>('evolink.moveSidecarsIntoIndex', { confirmed: true });
    assert.equal(moved, 1);
    assert.equal((await provenanceIndex()).records.get(`${folderName}/owl.png`)?.prompt, 'an owl');
    assert.equal(await exists(at('owl.png.evolink.json')), false, 'the sidecar is deleted');
    assert.equal(await exists(at('gone.png.evolink.json')), true);
    assert.equal((await services.ctx.provenance.get(image))?.prompt, 'an owl');
  });
});
