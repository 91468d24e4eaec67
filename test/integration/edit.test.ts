import * as assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import * as vscode from 'vscode';
import type { EvoLinkSimulator } from '../../simulator/server';
import { sniffImageFormat } from '../../src/common/imageType';
import type { LedgerEntry } from '../../src/common/ledgerEntry';
import { actionsFor } from '../../src/common/taskState';
import { MemoryFileSystem } from './memfs';
import { until } from './matrix';
import { activateExtension, demoKey, paidRequests, provenanceIndex, resetSettings, startSimulator } from './support';

const folder = () => vscode.Uri.joinPath(vscode.workspace.workspaceFolders![0]!.uri, 'edit-tests');
const sha = (bytes: Uint8Array): string => createHash('sha256').update(bytes).digest('hex');
const stored = (simulator: EvoLinkSimulator): Uint8Array => [...simulator.files.values()][0]!.bytes;

async function names(): Promise<string[]> {
  return (await vscode.workspace.fs.readDirectory(folder())).map(([name]) => name).sort();
}

/** Writes a test image; each name gets its own colour, so that no two files share their bytes. */
async function image(name: string, width: number, height: number, format: 'png' | 'jpeg' | 'gif' | 'tiff' = 'png', noise = false): Promise<vscode.Uri> {
  const [r, g, b] = createHash('md5').update(name).digest();
  const base = noise
    ? sharp({ create: { width, height, channels: 3, background: '#000', noise: { type: 'gaussian', mean: 128, sigma: 80 } } })
    : sharp({ create: { width, height, channels: 4, background: { r: r!, g: g!, b: b!, alpha: name.includes('mask') ? 0 : 1 } } });
  const bytes = await base[format]().toBuffer();
  const uri = vscode.Uri.joinPath(folder(), name);
  await vscode.workspace.fs.writeFile(uri, bytes);
  return uri;
}

function edit(target: vscode.Uri | vscode.Uri[], args: Record<string, unknown>): Thenable<LedgerEntry | undefined> {
  const uris = Array.isArray(target) ? target : [target];
  return vscode.commands.executeCommand<LedgerEntry | undefined>('evolink.editImage', uris[0], uris, args);
}

/** The messages the extension showed since `since`. */
async function shownSince(since: number): Promise<string[]> {
  const services = await (await activateExtension()).testing!.services();
  return services.ctx.notifier.notices().filter((notice) => notice.at >= since).map((notice) => notice.message);
}

/**
 * Runs a command that is expected to refuse: the user is shown `expected` (so that a crash
 * cannot pass for a refusal), and nothing reached the service.
 */
async function refusal(run: () => Thenable<unknown>, simulator: EvoLinkSimulator, expected: RegExp): Promise<void> {
  const before = paidRequests(simulator).length;
  const since = Date.now();
  const result = await run();
  assert.equal(result, undefined);
  const shown = await shownSince(since);
  assert.ok(shown.some((message) => expected.test(message)), `expected a message like ${expected}, shown: ${JSON.stringify(shown)}`);
  assert.equal(paidRequests(simulator).length, before, 'nothing may be uploaded or sent for a refused edit');
}

describe('Editing an image from the explorer', function () {
  this.timeout(60_000);
  let simulator: EvoLinkSimulator;

  let logUri: vscode.Uri | undefined;

  before(async () => {
    logUri = (await activateExtension()).logUri;
    simulator = await startSimulator({ taskDurationMs: 2500 });
    await vscode.commands.executeCommand('evolink.setApiKey', { apiKey: demoKey });
  });

  after(async () => {
    await vscode.workspace.fs.delete(folder(), { recursive: true }).then(undefined, () => undefined);
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    await vscode.commands.executeCommand('evolink.clearApiKey');
    await resetSettings();
    await simulator.stop();
  });

  afterEach(async function () {
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    // A failure shows the end of the extension's log, where the reason is.
    if (this.currentTest?.state === 'failed' && logUri) {
      const dir = logUri.fsPath;
      const text = readdirSync(dir).map((name) => readFileSync(join(dir, name), 'utf8')).join('\n');
      console.log(text.split('\n').slice(-12).join('\n'));
    }
  });

  beforeEach(async () => {
    simulator.reset();
    await vscode.workspace.fs.delete(folder(), { recursive: true }).then(undefined, () => undefined);
    await vscode.workspace.fs.createDirectory(folder());
  });

  it('uploads the image once, sends its URL, and writes the edit beside the untouched original', async () => {
    const original = await image('cat.png', 1024, 1024);
    const bytes = await vscode.workspace.fs.readFile(original);
    const entry = await edit(original, { prompt: 'give the cat a red hat', model: 'gpt-4o-image', size: '1:1', n: 1 });
    assert.equal(entry?.state, 'saved', JSON.stringify(entry?.error));

    const uploads = simulator.requests.filter((request) => request.origin === 'files');
    assert.equal(uploads.length, 1);
    const stored = [...simulator.files.values()];
    assert.equal(stored.length, 1);
    assert.equal(sha(stored[0]!.bytes), sha(bytes), 'the upload carries the same bytes');
    const task = [...simulator.tasks.values()][0]!;
    assert.deepEqual(task.request.imageUrls, [stored[0]!.url]);

    assert.deepEqual(await names(), ['cat.edit-1.png', 'cat.png']);
    assert.equal(sha(await vscode.workspace.fs.readFile(original)), sha(bytes), 'the original is untouched');
    const index = await provenanceIndex();
    const provenance = index.records.get('edit-tests/cat.edit-1.png');
    // Sources are named as the user knows them: workspace-relative, never a path of the machine.
    assert.deepEqual(provenance?.sources, ['edit-tests/cat.png']);
    assert.ok(!index.text.includes('/upload') && !index.text.includes('file:'), 'no upload link, no path');
    assert.equal(provenance.prompt, 'give the cat a red hat');

    // A second edit, and a retry, reuse the upload: same bytes, same link.
    const again = await edit(original, { prompt: 'give the cat a blue hat', model: 'gpt-4o-image', size: '1:1', n: 1 });
    assert.equal(again?.state, 'saved');
    const retried = await vscode.commands.executeCommand<LedgerEntry | undefined>('evolink.retryTask', again.localId);
    assert.equal(retried?.state, 'saved');
    assert.equal(simulator.requests.filter((request) => request.origin === 'files').length, 1, 'no second upload while the link is valid');
    assert.deepEqual((await names()).filter((name) => name.endsWith('.png')), ['cat.edit-1.png', 'cat.edit-2.png', 'cat.edit-3.png', 'cat.png']);
  });

  it('makes several selected images the references of one Seedream request, GIF and TIFF included (the TIFF uploaded as a PNG, which the files API stores)', async () => {
    const first = await image('room.png', 1200, 800);
    const second = await image('chair.gif', 400, 400, 'gif');
    const third = await image('lamp.tiff', 300, 500, 'tiff');
    const entry = await edit([first, second, third], { prompt: 'put the chair and the lamp in the room', model: 'doubao-seedream-4.5', size: '2K', n: 1 });
    assert.equal(entry?.state, 'saved', JSON.stringify(entry?.error));
    const task = [...simulator.tasks.values()][0]!;
    assert.equal(task.request.imageUrls.length, 3);
    assert.deepEqual(
      [...simulator.files.values()].map((file) => [file.name, file.format, file.width, file.height]),
      [
        ['room.png', 'png', 1200, 800],
        ['chair.gif', 'gif', 400, 400],
        ['lamp.png', 'png', 300, 500],
      ],
    );
    assert.ok((await names()).some((name) => /^room\.edit-1\.(png|jpg|webp)$/.test(name)));
    assert.deepEqual(entry?.sources, [first.toString(), second.toString(), third.toString()]);
  });

  it('sends a painted mask of the same size, and refuses one of another size before uploading', async () => {
    const original = await image('street.png', 1024, 1024);
    const mask = await image('mask.png', 1024, 1024);
    const entry = await edit(original, { prompt: 'replace the car with a bicycle', model: 'gpt-4o-image', size: '1:1', n: 1, mask: mask.toString() });
    assert.equal(entry?.state, 'saved', JSON.stringify(entry?.error));
    const task = [...simulator.tasks.values()][0]!;
    assert.ok(task.request.maskUrl, 'mask_url is sent');
    assert.equal(simulator.requests.filter((request) => request.origin === 'files').length, 2);

    // A JPEG photo with a mask: both must be PNGs (the vendor's pages), so the photo is sent as
    // a PNG of the same pixels; the file in the workspace stays as it is.
    simulator.reset();
    const photo = await image('street-photo.jpg', 1024, 1024, 'jpeg', true);
    const before = sha(await vscode.workspace.fs.readFile(photo));
    const masked = await edit(photo, { prompt: 'replace the car with a bicycle', model: 'gpt-4o-image', size: '1:1', n: 1, mask: mask.toString() });
    assert.equal(masked?.state, 'saved', JSON.stringify(masked?.error));
    // (The mask's upload of the first edit is reused: the same bytes.)
    const sent = [...simulator.files.values()].find((file) => file.url === [...simulator.tasks.values()][0]?.request.imageUrls[0]);
    assert.equal(sent && sniffImageFormat(sent.bytes), 'png', 'the reference went as a PNG (the simulator refuses a JPEG one with a mask)');
    assert.equal(sha(await vscode.workspace.fs.readFile(photo)), before, 'the photo is untouched');

    simulator.reset();
    const small = await image('small-mask.png', 512, 512);
    await refusal(() => edit(original, { prompt: 'x', model: 'gpt-4o-image', size: '1:1', n: 1, mask: small.toString() }), simulator, /The mask is 512x512 but the image is 1024x1024; they must be the same size\. Nothing was sent/);
  });

  it('refuses, with the limit named and nothing uploaded, what no model or the chosen model takes', async () => {
    const big = await image('huge.png', 2200, 2200, 'png', true); // noise: more than 10 MB as PNG
    assert.ok((await vscode.workspace.fs.stat(big)).size > 10 * 1024 * 1024);
    await refusal(() => edit(big, { prompt: 'x', model: 'gpt-4o-image' }), simulator, /Reference image 1 is \d+(\.\d)? MB; this model takes at most 10 MB/);
    const gif = await image('anim.gif', 300, 300, 'gif');
    await refusal(() => edit(gif, { prompt: 'x', model: 'gpt-4o-image' }), simulator, /Reference image 1 is GIF; this model takes JPEG, PNG, WebP/);
    const thin = await image('thin.png', 10, 400);
    await refusal(() => edit(thin, { prompt: 'x', model: 'doubao-seedream-4.5' }), simulator, /Reference image 1 is 10x400; each side must be at least 15 px/);
    const text = vscode.Uri.joinPath(folder(), 'notes.png');
    await vscode.workspace.fs.writeFile(text, new TextEncoder().encode('not an image at all'));
    await refusal(() => edit(text, { prompt: 'x' }), simulator, /notes\.png is not an image file/);
    assert.equal(simulator.files.size, 0);
  });

  it('Retry on a failed edit runs the same command again, with the same image and options', async () => {
    const original = await image('owl.png', 640, 640);
    simulator.addFault('upload', { kind: 'status', status: 503 });
    const since = Date.now();
    assert.equal(await edit(original, { prompt: 'an owl in a scarf', model: 'gpt-image-1.5-lite', size: '1:1', quality: 'low' }), undefined);
    const services = await (await activateExtension()).testing!.services();
    const failed = services.ctx.notifier.notices().find((notice) => notice.at >= since && notice.actions.includes('Retry'));
    assert.ok(failed, 'the failure offers Retry');
    await services.ctx.notifier.pick(failed, 'Retry');
    const done = await until('the retried edit', async () => ((await names()).includes('owl.edit-1.webp') ? true : undefined), 30_000);
    assert.ok(done);
    const task = [...simulator.tasks.values()][0]!;
    assert.equal(task.request.prompt, 'an owl in a scarf');
    assert.equal(task.request.quality, 'low');
  });

  it('reports an upload refused with HTTP 200 and success: false, and an HTTP error, and submits nothing', async () => {
    const original = await image('dog.png', 800, 800);
    simulator.addFault('upload', { kind: 'refusedWith200', code: 403, msg: 'File quota exceeded' });
    let since = Date.now();
    assert.equal(await edit(original, { prompt: 'a hat', model: 'gpt-image-1.5-lite', size: '1:1' }), undefined);
    assert.ok((await shownSince(since)).some((message) => /^EvoLink did not accept the upload: File quota exceeded/.test(message)));
    simulator.addFault('upload', { kind: 'status', status: 500 });
    since = Date.now();
    assert.equal(await edit(original, { prompt: 'a hat', model: 'gpt-image-1.5-lite', size: '1:1' }), undefined);
    assert.ok((await shownSince(since)).some((message) => /^EvoLink had a problem/.test(message)));
    assert.equal(simulator.requests.filter((request) => request.path === '/v1/images/generations').length, 0);
    assert.deepEqual(await names(), ['dog.png']);
  });

  it('replaces the original only recoverably, and discards an edit to the trash', async () => {
    const original = await image('tree.png', 1024, 1024);
    const bytes = await vscode.workspace.fs.readFile(original);
    const entry = await edit(original, { prompt: 'autumn leaves', model: 'gpt-4o-image', size: '1:1', n: 1 });
    assert.equal(entry?.state, 'saved');
    const edited = await vscode.workspace.fs.readFile(vscode.Uri.joinPath(folder(), 'tree.edit-1.png'));

    const done = await vscode.commands.executeCommand<string | undefined>('evolink.resolveEdit', entry.localId, 'replace', { confirmed: true });
    assert.match(done ?? '', /tree\.png/);
    assert.equal(sha(await vscode.workspace.fs.readFile(original)), sha(edited), 'the original now holds the edit');
    assert.deepEqual(await names(), ['tree.png']);
    assert.equal((await provenanceIndex()).records.get('edit-tests/tree.png')?.prompt, 'autumn leaves', 'the original takes the provenance of its edit');
    assert.equal((await provenanceIndex()).records.has('edit-tests/tree.edit-1.png'), false);

    // The original comes back; the edit that was there is kept as the next .edit-N.
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    const restoring = vscode.commands.executeCommand('evolink.restoreOriginal');
    await new Promise((resolve) => setTimeout(resolve, 800));
    await vscode.commands.executeCommand('workbench.action.acceptSelectedQuickOpenItem');
    await restoring;
    assert.equal(sha(await vscode.workspace.fs.readFile(original)), sha(bytes), 'the original is restored');
    assert.equal(sha(await vscode.workspace.fs.readFile(vscode.Uri.joinPath(folder(), 'tree.edit-1.png'))), sha(edited), 'the edit is kept');
    assert.equal((await provenanceIndex()).records.get('edit-tests/tree.edit-1.png')?.prompt, 'autumn leaves', 'with its provenance');
    assert.equal((await provenanceIndex()).records.has('edit-tests/tree.png'), false, 'the restored original had none');

    const second = await edit(original, { prompt: 'winter snow', model: 'gpt-4o-image', size: '1:1', n: 1 });
    assert.equal(second?.state, 'saved');
    assert.ok((await names()).includes('tree.edit-2.png'));
    await vscode.commands.executeCommand('evolink.resolveEdit', second.localId, 'discard', { confirmed: true });
    assert.ok(!(await names()).includes('tree.edit-2.png'));
    assert.equal((await provenanceIndex()).records.has('edit-tests/tree.edit-2.png'), false, 'the discarded edit leaves the index');
  });

  it('reads the size of a JPEG whose frame header follows 320 KB of metadata, and of a TIFF whose directory is at its end', async () => {
    const plain = await sharp({ create: { width: 1600, height: 1200, channels: 3, background: '#3a6' } }).jpeg().toBuffer();
    // Comment segments of 64 KB each between the start of the image and its frame header.
    const comment = (bytes: number): Buffer => Buffer.concat([Buffer.from([0xff, 0xfe, (bytes + 2) >> 8, (bytes + 2) & 0xff]), Buffer.alloc(bytes, 0x20)]);
    const padded = Buffer.concat([plain.subarray(0, 2), ...Array.from({ length: 5 }, () => comment(65_000)), plain.subarray(2)]);
    const jpeg = vscode.Uri.joinPath(folder(), 'metadata-heavy.jpg');
    await vscode.workspace.fs.writeFile(jpeg, padded);
    const tiff = vscode.Uri.joinPath(folder(), 'scan.tiff');
    const tiffBytes = await sharp({ create: { width: 1200, height: 900, channels: 3, background: '#a63' } }).tiff({ compression: 'none' }).toBuffer();
    assert.ok(tiffBytes.readUInt32LE(4) > 256 * 1024, 'the directory lies past the head');
    await vscode.workspace.fs.writeFile(tiff, tiffBytes);
    for (const source of [jpeg, tiff]) {
      const entry = await edit(source, { prompt: 'warmer light', model: 'doubao-seedream-4.5', size: '2K', n: 1 });
      assert.equal(entry?.state, 'saved', vscode.workspace.asRelativePath(source));
    }
  });

  it('replaces a JPEG with its PNG edit as a JPEG under the same name, and keeps a GIF it cannot write beside its edit', async () => {
    const photo = await image('porch.jpg', 800, 800, 'jpeg');
    const entry = await edit(photo, { prompt: 'paint the door red', model: 'gpt-4o-image', size: '1:1', n: 1 });
    assert.equal(entry?.state, 'saved');
    assert.ok((await names()).includes('porch.edit-1.png'), 'the edit comes back as the PNG it is');
    await vscode.commands.executeCommand('evolink.resolveEdit', entry.localId, 'replace', { confirmed: true });
    assert.ok(!(await names()).includes('porch.edit-1.png'));
    const replaced = await vscode.workspace.fs.readFile(photo);
    assert.equal(sniffImageFormat(replaced), 'jpeg', 'the file named .jpg holds a JPEG');
    const { width, height } = await sharp(replaced).metadata();
    assert.deepEqual([width, height], [1024, 1024], 'of the edit');
    assert.equal((await provenanceIndex()).records.get('edit-tests/porch.jpg')?.format, 'jpeg', 'its record says what it holds');
    // Restoring brings the original back, and the edit as it was paid for: a PNG again.
    const restoring = vscode.commands.executeCommand('evolink.restoreOriginal');
    await new Promise((resolve) => setTimeout(resolve, 800));
    await vscode.commands.executeCommand('workbench.action.acceptSelectedQuickOpenItem');
    await restoring;
    assert.equal(sniffImageFormat(await vscode.workspace.fs.readFile(photo)), 'jpeg');
    const back = vscode.Uri.joinPath(folder(), 'porch.edit-1.png');
    assert.equal(sniffImageFormat(await vscode.workspace.fs.readFile(back)), 'png', 'the edit comes back lossless, under its own type');
    assert.equal((await provenanceIndex()).records.get('edit-tests/porch.edit-1.png')?.format, 'png');

    const gif = await image('badge.gif', 300, 300, 'gif');
    const second = await edit(gif, { prompt: 'make it gold', model: 'doubao-seedream-4.5', size: '2K', n: 1 });
    assert.equal(second?.state, 'saved');
    const before = (await names()).filter((name) => name.startsWith('badge'));
    const said = await vscode.commands.executeCommand<string | undefined>('evolink.resolveEdit', second.localId, 'replace', { confirmed: true });
    assert.match(said ?? '', /badge\.gif is a GIF image and its edit a JPG: replacing it would leave JPG bytes under the name badge\.gif/);
    assert.deepEqual((await names()).filter((name) => name.startsWith('badge')), before, 'both kept');
    assert.equal(sniffImageFormat(await vscode.workspace.fs.readFile(gif)), 'gif');
  });

  it('keeps a replaced file changed since (cropped in another tool) when its original is restored', async () => {
    const photo = await image('deck.jpg', 800, 800, 'jpeg');
    const entry = await edit(photo, { prompt: 'paint the deck blue', model: 'gpt-4o-image', size: '1:1', n: 1 });
    assert.equal(entry?.state, 'saved');
    await vscode.commands.executeCommand('evolink.resolveEdit', entry.localId, 'replace', { confirmed: true });
    const cropped = await sharp({ create: { width: 500, height: 400, channels: 3, background: '#123456' } }).jpeg().toBuffer();
    await vscode.workspace.fs.writeFile(photo, cropped);
    const restoring = vscode.commands.executeCommand('evolink.restoreOriginal');
    await new Promise((resolve) => setTimeout(resolve, 800));
    await vscode.commands.executeCommand('workbench.action.acceptSelectedQuickOpenItem');
    await restoring;
    const { width } = await sharp(await vscode.workspace.fs.readFile(photo)).metadata();
    assert.equal(width, 800, 'the original is back');
    const aside = (await names()).filter((name) => name.startsWith('deck.edit-')).sort();
    assert.deepEqual(aside, ['deck.edit-1.jpg', 'deck.edit-2.png'], 'the changed file is set aside under its own type, and the edit as it was paid for beside it');
    assert.equal(sha(await vscode.workspace.fs.readFile(vscode.Uri.joinPath(folder(), aside[0]!))), sha(cropped), 'as it was changed');
    assert.equal(sniffImageFormat(await vscode.workspace.fs.readFile(vscode.Uri.joinPath(folder(), aside[1]!))), 'png', 'the lossless edit is not lost');
  });

  it('opens the compare view again after it was closed, and takes it over after a reload', async () => {
    const original = await image('lake.png', 640, 640);
    const entry = await edit(original, { prompt: 'a boat on the lake', model: 'gpt-4o-image', size: '1:1', n: 1 });
    assert.equal(entry?.state, 'saved');
    const compareTabs = () => vscode.window.tabGroups.all.flatMap((group) => group.tabs).filter((tab) => tab.input instanceof vscode.TabInputWebview && /evolink\.compare$/.test(tab.input.viewType));
    await until('the compare view to open when the edit is saved', () => compareTabs().length === 1);
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    await until('the compare view to close', () => compareTabs().length === 0);

    // Show Tasks and the Tasks view offer it for a saved edit; the command opens it again.
    const services = await (await activateExtension()).testing!.services();
    assert.deepEqual(actionsFor((await services.ctx.tasks.get(entry.localId))!), ['compare', 'forget']);
    await vscode.commands.executeCommand('evolink.compareEdit', entry.localId);
    await until('the compare view to open again', () => compareTabs().length === 1);
    assert.match(compareTabs()[0]!.label, /lake\.png/);
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');

    // After a reload VS Code hands back the panel with the state its page kept.
    const panel = vscode.window.createWebviewPanel('evolink.compare', 'restored', vscode.ViewColumn.Active, {});
    await services.features.edits.restore(panel, { localId: entry.localId, mode: 'side' });
    assert.match(panel.title, /lake\.png/, 'the restored panel shows the edit');
    const gone = vscode.window.createWebviewPanel('evolink.compare', 'stale', vscode.ViewColumn.Active, {});
    let disposed = false;
    gone.onDidDispose(() => (disposed = true));
    await services.features.edits.restore(gone, { localId: 'no-such-task' });
    assert.ok(disposed, 'a view whose task is gone closes');
    await vscode.commands.executeCommand('evolink.resolveEdit', entry.localId, 'keepBoth', { confirmed: true });
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
  });

  it('opens the image in the Studio as a reference', async () => {
    const original = await image('bird.png', 640, 640);
    await vscode.commands.executeCommand('evolink.openInStudio', original, [original]);
    const tab = vscode.window.tabGroups.activeTabGroup.activeTab;
    assert.ok(tab?.input instanceof vscode.TabInputWebview);
    assert.match(tab.input.viewType, /evolink\.studio$/);
  });

  it('works on a file system that is not the disk (a virtual or remote workspace)', async () => {
    const registration = vscode.workspace.registerFileSystemProvider('evolink-test', new MemoryFileSystem());
    try {
      const photos = vscode.Uri.parse('evolink-test:/photos');
      await vscode.workspace.fs.createDirectory(photos);
      const bytes = await sharp({ create: { width: 800, height: 800, channels: 3, background: '#246' } }).png().toBuffer();
      const original = vscode.Uri.joinPath(photos, 'owl.png');
      await vscode.workspace.fs.writeFile(original, bytes);
      const entry = await edit(original, { prompt: 'an owl at night', model: 'gpt-4o-image', size: '1:1', n: 1 });
      assert.equal(entry?.state, 'saved', JSON.stringify(entry?.error));
      const listed = (await vscode.workspace.fs.readDirectory(photos)).map(([name]) => name).sort();
      // Outside the workspace folders there is no history: the edits go to the output folder, as new images.
      assert.deepEqual(listed, ['owl.png']);
      const output = vscode.Uri.joinPath(vscode.workspace.workspaceFolders![0]!.uri, 'images', 'generated');
      assert.equal(entry.targetFolder, output.toString());
      assert.equal(entry.editOf, undefined);
      for (const slot of entry.results ?? []) if (slot.saved) await vscode.workspace.fs.delete(vscode.Uri.parse(slot.saved)).then(undefined, () => undefined);
      assert.equal(sha(stored(simulator)), sha(bytes));
      const generated = await vscode.commands.executeCommand<LedgerEntry | undefined>('evolink.generateImage', { quiet: true, prompt: 'a barn owl', model: 'gpt-4o-image', size: '1:1', n: 1, folder: 'evolink-test:/out', anyFolder: true });
      assert.equal(generated?.state, 'saved');
      assert.deepEqual((await vscode.workspace.fs.readDirectory(vscode.Uri.parse('evolink-test:/out'))).map(([name]) => name).sort(), ['a-barn-owl.png']);
    } finally {
      registration.dispose();
    }
  });
});
