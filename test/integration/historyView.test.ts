import * as assert from 'node:assert/strict';
import sharp from 'sharp';
import * as vscode from 'vscode';
import type { EvoLinkSimulator } from '../../simulator/server';
import { isThumbnailKey, maxThumbnailBytes } from '../../src/common/gallery';
import { sniffImageFormat } from '../../src/common/imageType';
import type { LedgerEntry } from '../../src/common/ledgerEntry';
import { savedFiles } from '../../src/common/taskState';
import type { Services } from '../../src/extension/services';
import { findFilesIn } from '../../src/extension/base/search';
import { deleteImage } from '../../src/extension/views/historyViewActions';
import { MemoryFileSystem } from './memfs';
import { activateExtension, demoKey, provenanceIndex, resetSettings, startSimulator } from './support';

const workspace = () => vscode.workspace.workspaceFolders![0]!.uri;
/** A folder of this run's own: other suites leave images of their own in the workspace. */
const folderName = `gallery-test-${Date.now().toString(36)}`;
const outputDir = () => vscode.Uri.joinPath(workspace(), folderName);

async function clearOutput(): Promise<void> {
  await vscode.workspace.fs.delete(outputDir(), { recursive: true }).then(undefined, () => undefined);
}

function generate(args: Record<string, unknown>): Thenable<LedgerEntry | undefined> {
  return vscode.commands.executeCommand<LedgerEntry | undefined>('evolink.generateImage', { quiet: true, model: 'gpt-4o-image', size: '1:1', folder: outputDir().toString(), ...args });
}

/** Waits until `check` holds, or fails with `what`. */
async function until(what: string, check: () => boolean | Promise<boolean>, ms = 30_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    assert.ok(Date.now() < deadline, `timed out: ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 150));
  }
}

/** The gallery's images of this test. */
const ours = (view: Services['features']['history']) => view.items.filter((item) => item.path.startsWith(`${folderName}/`));

const exists = (uri: vscode.Uri): Thenable<boolean> => vscode.workspace.fs.stat(uri).then(() => true, () => false);

describe('The History gallery in the EvoLink sidebar', function () {
  this.timeout(120_000);
  let simulator: EvoLinkSimulator;
  let services: Services;

  before(async () => {
    const api = await activateExtension();
    services = await api.testing!.services();
    await clearOutput();
    simulator = await startSimulator({ taskDurationMs: 1500 });
    await vscode.commands.executeCommand('evolink.setApiKey', { apiKey: demoKey });
  });

  after(async () => {
    await clearOutput();
    await vscode.commands.executeCommand('evolink.clearApiKey');
    await resetSettings();
    await simulator.stop();
  });

  it('resolves when shown, and lists the images generated, newest first, with their prompts and models', async () => {
    const view = services.features.history;
    // The test host's webviews share a service worker: a webview made right after another was
    // disposed (the Studio's, by the tests before) may wait for the worker to change hands
    // ("Found unexpected service worker controller") until it is shown again. It is shown again,
    // as its user would click again.
    for (let attempt = 0; view.inits === 0 && attempt < 3; attempt++) {
      await vscode.commands.executeCommand('evolink.history.focus');
      await until('the gallery webview says ready', () => view.inits > 0, 20_000).catch(() => undefined);
    }
    assert.ok(view.inits > 0, 'the gallery webview never said ready');
    assert.equal((await generate({ prompt: 'A lighthouse at dawn' }))?.state, 'saved');
    assert.equal((await generate({ prompt: 'A red fox in the snow', size: '3:2' }))?.state, 'saved');
    await until('both images are listed', () => ours(view).length === 2);
    const [fox, lighthouse] = ours(view);
    assert.equal(fox?.prompt, 'A red fox in the snow');
    assert.equal(fox?.path, `${folderName}/a-red-fox-in-the-snow.png`);
    assert.equal(fox?.model, 'gpt-4o-image');
    assert.equal(fox?.modelLabel, 'GPT-4o Image');
    assert.equal(fox?.size, '3:2');
    assert.equal(lighthouse?.prompt, 'A lighthouse at dawn');
    for (const item of ours(view)) {
      assert.ok(isThumbnailKey(item.key), item.key);
      assert.ok(!item.src.startsWith('file:'), 'the webview loads the original through its own resource address');
    }
  });

  it('makes each thumbnail once in the webview, keeps it in the cache, and serves it from there the next time', async () => {
    const view = services.features.history;
    const cache = view.thumbnails;
    await until('both thumbnails are made and cached', () => ours(view).length === 2 && ours(view).every((item) => item.thumb !== undefined));
    assert.deepEqual(ours(view).map((item) => cache.written.get(item.key)), [1, 1]);
    for (const item of ours(view)) {
      const stored = cache.get(item.key);
      assert.ok(stored, item.name);
      const bytes = await vscode.workspace.fs.readFile(stored);
      const original = await vscode.workspace.fs.stat(vscode.Uri.parse(item.uri));
      assert.ok(['webp', 'png'].includes(sniffImageFormat(bytes) ?? ''), `${item.name}: a WebP or PNG`);
      assert.ok(bytes.length < maxThumbnailBytes && bytes.length < original.size / 4, `${item.name}: ${bytes.length} bytes against ${original.size}`);
      assert.ok(!stored.toString().startsWith(workspace().toString()), 'the cache is not in the workspace');
    }
    // The view's webview is discarded when the sidebar closes, and made anew when it opens.
    const inits = view.inits;
    await vscode.commands.executeCommand('workbench.action.closeSidebar');
    await vscode.commands.executeCommand('evolink.history.focus');
    await until('the new webview says ready', () => view.inits > inits);
    await until('the list is sent again', () => ours(view).length === 2);
    await new Promise((resolve) => setTimeout(resolve, 2000));
    assert.deepEqual(ours(view).map((item) => cache.written.get(item.key)), [1, 1], 'no thumbnail is made twice');
    assert.ok(ours(view).every((item) => item.thumb !== undefined), 'every tile comes with its cached thumbnail');
  });

  it('shares its thumbnails with the Image Studio: made once by either, shown by both, pruned while closed', async () => {
    const view = services.features.history;
    const cache = view.thumbnails;
    const thumbnail = (await sharp({ create: { width: 8, height: 8, channels: 3, background: '#c0a080' } }).webp().toBuffer()).toString('base64');
    const keyOf = async (entry: LedgerEntry | undefined) => {
      assert.equal(entry?.state, 'saved');
      const image = vscode.Uri.parse(savedFiles(entry)[0]!);
      const stat = await vscode.workspace.fs.stat(image);
      return { image, key: cache.of({ image, size: stat.size, mtime: stat.mtime }).key };
    };
    /** Posts the Studio a thumbnail of the image as its webview would, until the cache has it. */
    const fromStudio = async (image: vscode.Uri, key: string) => {
      await until('the Studio lists the image and keeps its thumbnail', async () => {
        await services.features.studio.panel?.receive({ type: 'thumbnail', uri: image.toString(), key, data: thumbnail });
        return cache.written.get(key) === 1;
      });
    };
    const before = ours(view).map((item) => item.key);
    // The gallery's webview is discarded with the sidebar: only the Studio can make the new image's thumbnail.
    await vscode.commands.executeCommand('workbench.action.closeSidebar');
    const crane = await keyOf(await generate({ prompt: 'A paper crane on a desk' }));
    const plane = { image: vscode.Uri.parse('untitled:none'), key: '' };
    await vscode.commands.executeCommand('evolink.openStudio');
    try {
      await fromStudio(crane.image, crane.key);
      await vscode.commands.executeCommand('evolink.history.focus');
      await until('the gallery lists the crane with the Studio\'s thumbnail', () => ours(view).some((item) => item.key === crane.key && item.thumb !== undefined));
      // Both views open: whichever sends the thumbnail first, it is written once and both show it.
      Object.assign(plane, await keyOf(await generate({ prompt: 'A paper plane in the sky' })));
      await fromStudio(plane.image, plane.key);
      await until('the gallery shows the plane\'s thumbnail', () => ours(view).some((item) => item.key === plane.key && item.thumb !== undefined));
      await new Promise((resolve) => setTimeout(resolve, 1500));
      assert.deepEqual([crane.key, plane.key, ...before].map((key) => cache.written.get(key)), [1, 1, 1, 1], 'each thumbnail is written once for both views');
      // A Studio that names an image it did not list is refused.
      const writes = cache.writes;
      await services.features.studio.panel?.receive({ type: 'thumbnail', uri: vscode.Uri.joinPath(workspace(), 'photos', 'hillside.png').toString(), key: 'ffffffffffffffff-176', data: thumbnail });
      assert.equal(cache.writes, writes);
    } finally {
      await vscode.commands.executeCommand('workbench.action.closeAllEditors');
      await vscode.commands.executeCommand('workbench.action.closeSidebar');
      for (const { image } of [crane, plane]) await vscode.workspace.fs.delete(image).then(undefined, () => undefined);
    }
    await until('the deleted images\' thumbnails are pruned while the gallery is closed', () => cache.get(crane.key) === undefined && cache.get(plane.key) === undefined);
    await vscode.commands.executeCommand('evolink.history.focus');
    await until('the gallery lists the two images it had', () => ours(view).length === 2 && ours(view).every((item) => before.includes(item.key)));
  });

  it('makes a new thumbnail when the image changes, and drops the old one', async () => {
    const view = services.features.history;
    const cache = view.thumbnails;
    const [fox, lighthouse] = ours(view);
    // Another picture under the fox's name: a new version of the file.
    await vscode.workspace.fs.writeFile(vscode.Uri.parse(fox!.uri), await vscode.workspace.fs.readFile(vscode.Uri.parse(lighthouse!.uri)));
    await until('the changed image gets a new key', () => ours(view).some((item) => item.uri === fox!.uri && item.key !== fox!.key));
    await until('its new thumbnail is cached', () => {
      const changed = ours(view).find((item) => item.uri === fox!.uri);
      return changed?.thumb !== undefined && cache.written.get(changed.key) === 1 && ours(view).every((item) => item.thumb !== undefined);
    });
    await until('the old thumbnail is deleted', () => cache.get(fox!.key) === undefined);
  });

  it('deletes an image (to the trash where there is one), and it leaves the gallery and the provenance index', async () => {
    const view = services.features.history;
    const [fox] = ours(view);
    const image = vscode.Uri.parse(fox!.uri);
    const key = `${folderName}/${fox!.name}`;
    assert.equal(await exists(vscode.Uri.joinPath(outputDir(), `${fox!.name}.evolink.json`)), false, 'no sidecar by default');
    assert.equal((await provenanceIndex()).records.get(key)?.prompt, 'A red fox in the snow');
    // The writer's moveToTrash asks for the trash; this test host has none, so it deletes, as agreed in advance.
    await view.receive({ type: 'action', action: 'delete', uri: fox!.uri }, true);
    assert.equal(await exists(image), false);
    assert.equal((await provenanceIndex()).records.has(key), false, 'a tombstone in the index');
    assert.deepEqual(ours(view).map((item) => item.prompt), ['A lighthouse at dawn']);
    await until('its thumbnail is deleted', () => view.thumbnails.get(fox!.key) === undefined);
    // A later change does not bring it back: the index no longer has it.
    assert.equal((await generate({ prompt: 'A quiet harbour' }))?.state, 'saved');
    await until('the new image is listed', () => ours(view).length === 2);
    assert.ok(!ours(view).some((item) => item.uri === fox!.uri));
  });

  it('gives the gallery the focus back when Delete is declined, and deletes nothing', async () => {
    const view = services.features.history;
    const [listed] = ours(view);
    const shown = (view as unknown as { view: vscode.WebviewView | undefined }).view;
    assert.ok(listed && shown?.visible, 'the gallery is shown with an image');
    const calls: boolean[] = [];
    const show = shown.show.bind(shown);
    shown.show = (preserveFocus?: boolean) => (calls.push(preserveFocus ?? false), show(preserveFocus));
    try {
      services.ctx.notifier.answerNextQuestion(undefined);
      await view.receive({ type: 'action', action: 'delete', uri: listed.uri });
      assert.deepEqual(calls, [false], 'focused once, right after the answer');
      assert.equal(await exists(vscode.Uri.parse(listed.uri)), true);
    } finally {
      shown.show = show;
    }
  });

  it("gives the focus back as soon as each of Delete's questions is answered, before any file is deleted", async () => {
    // A file system with no trash: Delete asks a second question, whether to delete for good.
    const events: string[] = [];
    class NoTrash extends MemoryFileSystem {
      override delete(uri: vscode.Uri): void {
        events.push(`deleted ${uri.path}`);
        super.delete(uri);
      }
    }
    const registration = vscode.workspace.registerFileSystemProvider('evolink-test-notrash', new NoTrash(), { isCaseSensitive: true });
    try {
      const image = vscode.Uri.from({ scheme: 'evolink-test-notrash', path: '/fox.png' });
      await vscode.workspace.fs.writeFile(image, new Uint8Array([1, 2, 3]));
      const answers = [vscode.l10n.t('Move to Trash'), vscode.l10n.t('Delete')];
      const deps = {
        notifier: { ask: (_kind: string, message: string) => (events.push(`asked ${message}`), Promise.resolve(answers.shift())) },
        history: { provenance: { forget: () => Promise.resolve() } },
      };
      const gone = await deleteImage(deps as never, image, false, () => void events.push('focus back'));
      assert.equal(gone, true);
      assert.deepEqual(events, ['asked Delete fox.png?', 'focus back', 'asked fox.png cannot be moved to the trash here. Delete it permanently?', 'focus back', 'deleted /fox.png']);
    } finally {
      registration.dispose();
    }
  });

  it('still lists an image whose provenance is in an old sidecar beside it', async () => {
    const view = services.features.history;
    const lighthouse = ours(view).find((item) => item.prompt === 'A lighthouse at dawn')!;
    const old = vscode.Uri.joinPath(outputDir(), 'an-old-owl.png');
    await vscode.workspace.fs.copy(vscode.Uri.parse(lighthouse.uri), old);
    const sidecar = { version: 1, prompt: 'An old owl from before the index', model: 'gpt-4o-image', parameters: { size: '1:1' }, createdAt: new Date().toISOString(), format: 'png' };
    await vscode.workspace.fs.writeFile(vscode.Uri.joinPath(outputDir(), 'an-old-owl.png.evolink.json'), new TextEncoder().encode(JSON.stringify(sidecar)));
    await until('the old image is listed with its prompt', () => ours(view).some((item) => item.name === 'an-old-owl.png' && item.prompt === 'An old owl from before the index'));
    assert.equal((await provenanceIndex()).records.has(`${folderName}/an-old-owl.png`), false, 'read from the sidecar, not the index');
  });

  it('gives up the search of a folder whose file system VS Code cannot search, and of none it can', async () => {
    // VS Code waits without end for the search provider of a scheme that has none (another extension's virtual folder).
    const registration = vscode.workspace.registerFileSystemProvider('evolink-test-nosearch', new MemoryFileSystem(), { isCaseSensitive: true });
    try {
      // Whether VS Code answers nothing at once or waits for a provider, the search ends within its time.
      const started = Date.now();
      const none = await findFilesIn(vscode.Uri.parse('evolink-test-nosearch:/project'), '**/*.evolink.json', 10, 500);
      assert.ok(none === undefined || none.length === 0, `found ${String(none)}`);
      assert.ok(Date.now() - started < 5000, `given up after ${Date.now() - started} ms`);
      const found = await findFilesIn(outputDir(), '**/*.evolink.json', 10);
      assert.ok(found?.some((uri) => uri.path.endsWith('/an-old-owl.png.evolink.json')), 'a folder on the disk is searched');
    } finally {
      registration.dispose();
    }
  });

  it('forgets the images of a folder that is deleted', async () => {
    const view = services.features.history;
    assert.ok(ours(view).length > 0);
    await vscode.workspace.fs.delete(outputDir(), { recursive: true });
    await until('the folder\'s images leave the gallery', () => ours(view).length === 0);
  });

  it('acts only on images it listed', async () => {
    const view = services.features.history;
    const outside = vscode.Uri.joinPath(workspace(), 'photos', 'hillside.png');
    await view.receive({ type: 'action', action: 'delete', uri: outside.toString() }, true);
    assert.ok(await exists(outside), 'a file the gallery did not list stays');
  });
});
