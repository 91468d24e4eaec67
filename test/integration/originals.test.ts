import * as assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import * as vscode from 'vscode';
import { sniffImageFormat } from '../../src/common/imageType';
import { Originals } from '../../src/extension/edit/originals';
import type { Services } from '../../src/extension/services';
import { activateExtension } from './support';

const folder = () => vscode.Uri.joinPath(vscode.workspace.workspaceFolders![0]!.uri, 'originals-tests');

describe('Replacing an original with its edit', function () {
  this.timeout(30_000);
  let app: Services;
  let storage: string;
  let originals: Originals;

  before(async () => {
    app = await (await activateExtension()).testing!.services();
  });

  beforeEach(async () => {
    storage = mkdtempSync(join(tmpdir(), 'evolink-originals-'));
    originals = new Originals(vscode.Uri.file(storage), app.ctx.provenance, app.ctx.images);
    await vscode.workspace.fs.delete(folder(), { recursive: true }).then(undefined, () => undefined);
    await vscode.workspace.fs.createDirectory(folder());
  });

  afterEach(async () => {
    rmSync(storage, { recursive: true, force: true });
    await vscode.workspace.fs.delete(folder(), { recursive: true }).then(undefined, () => undefined);
  });

  it('converts and replaces an original whose name is near the 255-byte limit', async () => {
    const original = vscode.Uri.joinPath(folder(), `${'a'.repeat(240)}.jpg`);
    await vscode.workspace.fs.writeFile(original, await sharp({ create: { width: 64, height: 64, channels: 3, background: '#f80' } }).jpeg().toBuffer());
    const edited = vscode.Uri.joinPath(folder(), 'long.edit-1.png');
    await vscode.workspace.fs.writeFile(edited, await sharp({ create: { width: 64, height: 64, channels: 3, background: '#08f' } }).png().toBuffer());
    const plan = await originals.plan(original, edited);
    assert.ok('convertTo' in plan && plan.convertTo === 'jpeg');
    await originals.replace(original, edited, plan.convertTo);
    assert.equal(sniffImageFormat(await vscode.workspace.fs.readFile(original)), 'jpeg');
    const { dominant } = await sharp(await vscode.workspace.fs.readFile(original)).stats();
    assert.ok(dominant.b > dominant.r, 'the original holds the edit');
    assert.equal((await originals.list()).length, 1);
    const left = (await vscode.workspace.fs.readDirectory(folder())).map(([name]) => name);
    assert.deepEqual(left, [`${'a'.repeat(240)}.jpg`], 'no temporary file and no edit left beside it');
  });

  it('keeps no record of a replaced original when the replace failed and the original is as it was', async () => {
    const original = vscode.Uri.joinPath(folder(), 'kept.png');
    const bytes = await sharp({ create: { width: 64, height: 64, channels: 3, background: '#0a0' } }).png().toBuffer();
    await vscode.workspace.fs.writeFile(original, bytes);
    // The edit is gone (deleted in the meantime): the move fails.
    await assert.rejects(originals.replace(original, vscode.Uri.joinPath(folder(), 'kept.edit-1.png')));
    assert.deepEqual(Buffer.from(await vscode.workspace.fs.readFile(original)), bytes, 'the original is untouched');
    assert.deepEqual(await originals.list(), [], 'Restore Replaced Original offers nothing');
  });
});
