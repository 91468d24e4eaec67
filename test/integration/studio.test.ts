import * as assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import * as vscode from 'vscode';
import type { HostMessage } from '../../src/common/protocol';
import { droppedReferenceFiles, ReferenceSet } from '../../src/extension/studio/references';
import { createEntry, defaultLifecycleTimes } from '../../src/common/lifecycle';
import type { LedgerEntry } from '../../src/common/ledgerEntry';
import { StudioSubmitter } from '../../src/extension/studio/studioSubmit';
import { StudioTaskList } from '../../src/extension/studio/studioTaskList';
import { ShownImages } from '../../src/extension/studio/shownImages';
import { Followers } from '../../src/extension/tasks/followers';
import { BrowserPreviews } from '../../src/extension/ui/browserPreviews';
import { activateExtension } from './support';

/** The extension's log, as written so far. */
function log(dir: string): string {
  try {
    return readdirSync(dir).map((name) => readFileSync(join(dir, name), 'utf8')).join('\n');
  } catch {
    return ''; // not written yet
  }
}

describe('The Image Studio panel', function () {
  this.timeout(60_000);
  let logDir: string;

  before(async () => {
    logDir = (await activateExtension()).logUri.fsPath;
  });

  after(() => vscode.commands.executeCommand('workbench.action.closeAllEditors'));

  it('opens once per window, and its webview completes the ready / init handshake', async () => {
    const before = (log(logDir).match(/Studio: first paint with init/g) ?? []).length;
    await vscode.commands.executeCommand('evolink.openStudio');
    await vscode.commands.executeCommand('evolink.openStudio');
    const studios = () => vscode.window.tabGroups.all.flatMap((group) => group.tabs).filter((tab) => tab.input instanceof vscode.TabInputWebview && tab.input.viewType.endsWith('evolink.studio'));
    const deadline = Date.now() + 30_000;
    // The window learns of the new tab a moment after the panel is created.
    while (studios().length === 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 100));
    assert.equal(studios().length, 1, 'one Studio per window');
    // The host logs the webview's `ready`, then the first paint after `init`.
    while ((log(logDir).match(/Studio: first paint with init/g) ?? []).length === before) {
      assert.ok(Date.now() < deadline, 'the webview never painted after init');
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    assert.match(log(logDir), /Studio: webview ready \d+ ms after opening/);
    assert.doesNotMatch(log(logDir), /Studio: dropped a malformed message/);
  });

  it('tells the webview which tasks it follows: their ends are said there, the others in their message only', async () => {
    const entry = (n: number): LedgerEntry => {
      const localId = `evl-told-${String(n).padStart(12, '0')}`;
      const body = { model: 'gpt-4o-image', prompt: `task ${n}`, size: '1:1', n: 1 };
      const made = createEntry({ localId, idempotencyKey: localId, request: { model: body.model, prompt: body.prompt }, body, targetFolder: 'file:///w', estimatedSeconds: 100, creditsReserved: 1 }, { now: 1, owner: 'w', times: defaultLifecycleTimes });
      return made.entry!;
    };
    const entries = [entry(1), entry(2), entry(3)];
    const followers = new Followers();
    // 1: started in the Studio (hidden now); 2: from the palette; 3: nobody follows it (resumed after a reload).
    followers.follow(entries[0]!.localId, { by: 'studio', shown: () => false });
    followers.follow(entries[1]!.localId, { by: 'progress', open: true });
    const posted: HostMessage[] = [];
    const panel = vscode.window.createWebviewPanel('evolink.test.tasks', 'tasks', vscode.ViewColumn.Active, {});
    try {
      const tasks = { list: () => Promise.resolve(entries) };
      const list = new StudioTaskList(tasks as never, new ShownImages(), panel.webview, (message) => posted.push(message), followers);
      await list.send();
      list.dispose();
    } finally {
      panel.dispose();
    }
    const sent = posted.find((message) => message.type === 'tasks');
    assert.ok(sent?.type === 'tasks');
    assert.deepEqual(sent.tasks.map((task) => [task.localId, task.toldHere]), [
      [entries[0]!.localId, true],
      [entries[1]!.localId, false],
      [entries[2]!.localId, false],
    ]);
  });
});

describe('Submitting from the Image Studio', function () {
  this.timeout(60_000);
  const root = () => vscode.workspace.workspaceFolders![0]!.uri;
  const file = () => vscode.Uri.joinPath(root(), 'studio-changed.png');
  const memento = (): vscode.Memento => {
    const values = new Map<string, unknown>();
    return { keys: () => [...values.keys()], get: <T>(key: string, fallback?: T) => (values.has(key) ? values.get(key) : fallback) as T, update: (key, value) => Promise.resolve(void values.set(key, value)) };
  };
  const png = async (size: number): Promise<Uint8Array> => sharp({ create: { width: size, height: size, channels: 4, background: '#336699' } }).png().toBuffer();

  after(() => vscode.workspace.fs.delete(file()).then(undefined, () => undefined));

  it('says why files were not added as references: past the limit of 16, not readable, not an image', async () => {
    const folder = vscode.Uri.joinPath(root(), 'studio-many');
    const pictures = await Promise.all(
      Array.from({ length: 17 }, async (_, index) => {
        const uri = vscode.Uri.joinPath(folder, `p${index + 1}.png`);
        await vscode.workspace.fs.writeFile(uri, await png(32));
        return uri;
      }),
    );
    const text = vscode.Uri.joinPath(folder, 'notes.txt');
    await vscode.workspace.fs.writeFile(text, new TextEncoder().encode('not a picture'));
    try {
      const references = new ReferenceSet(vscode.Uri.joinPath(root(), '.studio-test-references'), memento());
      const said = await references.add([text, vscode.Uri.joinPath(folder, 'gone.png'), ...pictures], false);
      assert.equal(references.list.length, 16);
      assert.equal(said, 'Not an image file: notes.txt. References must be PNG, JPEG, WebP, GIF, BMP or TIFF. Cannot be read: gone.png. Check that the files still exist and can be opened. The Studio holds at most 16 reference images; not added: p17.png.');
    } finally {
      await vscode.workspace.fs.delete(folder, { recursive: true }).then(undefined, () => undefined);
    }
  });

  it('takes dropped workspace files, and names those from outside it with what to do instead', async () => {
    const inside = vscode.Uri.joinPath(root(), 'studio-dropped.png');
    await vscode.workspace.fs.writeFile(inside, await png(32));
    try {
      const outside = vscode.Uri.file(join(__dirname, 'elsewhere', 'holiday.png'));
      const dropped = await droppedReferenceFiles([inside.toString(), outside.toString()]);
      assert.deepEqual(dropped.files.map((uri) => uri.toString()), [inside.toString()]);
      assert.equal(dropped.refused, 'Outside the workspace, so not added by a drop: holiday.png. Pick them with Add… instead; files from elsewhere are copied.');
      assert.equal((await droppedReferenceFiles([inside.toString()])).refused, undefined, 'nothing to say when all were taken');
    } finally {
      await vscode.workspace.fs.delete(inside).then(undefined, () => undefined);
    }
  });

  it('shows a TIFF reference from a PNG of it, made once per version of the file', async () => {
    const tiff = vscode.Uri.joinPath(root(), 'studio-scan.tiff');
    await vscode.workspace.fs.writeFile(tiff, await sharp({ create: { width: 40, height: 30, channels: 3, background: '#884422' } }).tiff().toBuffer());
    const folder = vscode.Uri.joinPath(root(), '.studio-test-previews');
    let conversions = 0;
    const previews = new BrowserPreviews(folder, { toPng: async (bytes) => (conversions++, new Uint8Array(await sharp(bytes).png().toBuffer())) }, { warn: () => undefined });
    const references = new ReferenceSet(vscode.Uri.joinPath(root(), '.studio-test-references'), memento(), previews);
    try {
      let said = 0;
      references.onDidChange(() => said++);
      const shown = new Promise<void>((resolve) => references.onDidChangePreview(() => resolve()));
      await references.add([tiff], false);
      const saidByAdd = said;
      await shown;
      assert.equal(said, saidByAdd, 'the PNG is told on its own, not as a change of the set (which clears what the Studio says)');
      const webview = { asWebviewUri: (uri: vscode.Uri) => uri } as unknown as vscode.Webview;
      const view = references.views(webview)[0]!;
      assert.ok(view.src.startsWith(folder.toString()) && view.src.endsWith('.png'), view.src);
      assert.equal((await sharp(await vscode.workspace.fs.readFile(vscode.Uri.parse(view.src))).metadata()).width, 40, 'the PNG has the pixels of the TIFF');
      assert.equal((await previews.of(tiff, 'tiff')).toString(), view.src, 'made once');
      assert.equal(conversions, 1);
      // The file rewritten in place at the same size (an uncompressed TIFF of the same pixels): a new PNG once the set is read again.
      const same = await vscode.workspace.fs.readFile(tiff);
      await new Promise((resolve) => setTimeout(resolve, 1100));
      await vscode.workspace.fs.writeFile(tiff, same);
      const again = new Promise<void>((resolve) => references.onDidChangePreview(() => resolve()));
      await references.refresh(references.list[0]!);
      await again;
      assert.equal(conversions, 2, 'a new version of the file, a new PNG');
      const png = vscode.Uri.joinPath(root(), 'studio-scan.png');
      assert.equal((await previews.of(png, 'png')).toString(), png.toString(), 'a PNG is shown as it is');
      // A result saved outside the folders the webview may load from is shown from a copy.
      await vscode.workspace.fs.writeFile(png, await sharp({ create: { width: 8, height: 8, channels: 3, background: '#123456' } }).png().toBuffer());
      const roots = [vscode.Uri.joinPath(root(), 'elsewhere'), folder];
      const copy = await previews.of(png, 'png', roots);
      assert.ok(copy.toString().startsWith(folder.toString()) && copy.path.endsWith('.png'), copy.toString());
      assert.deepEqual(await vscode.workspace.fs.readFile(copy), await vscode.workspace.fs.readFile(png));
      assert.equal((await previews.of(png, 'png', [root()])).toString(), png.toString(), 'inside a root: the file itself');
      await vscode.workspace.fs.delete(png);
    } finally {
      references.dispose();
      for (const uri of [tiff, folder]) await vscode.workspace.fs.delete(uri, { recursive: true }).then(undefined, () => undefined);
    }
  });

  it('reads a reference again when it is sent: a mask painted on the file before it changed size is refused, nothing sent', async () => {
    await vscode.workspace.fs.writeFile(file(), await png(800));
    const referencesDir = vscode.Uri.joinPath(root(), '.studio-test-references');
    const references = new ReferenceSet(referencesDir, memento());
    await references.add([file()], false);
    assert.equal(references.list[0]?.width, 800);
    // An edit replaced the original (Replace Original in the compare view), or another tool enlarged it.
    await vscode.workspace.fs.writeFile(file(), await png(1024));
    const posted: HostMessage[] = [];
    const sent: unknown[] = [];
    const deps = { submit: (request: unknown) => (sent.push(request), Promise.reject(new Error('not to be sent'))), referencesDir, log: { warn: () => undefined, error: () => undefined } };
    const submitter = new StudioSubmitter(deps as never, references, (message) => posted.push(message));
    const mask = Buffer.from(await png(800)).toString('base64');
    await submitter.submit({ type: 'submit', request: { model: 'gpt-4o-image', prompt: 'a boat', n: 1, size: '1:1' }, references: [file().toString()], mask, destination: 'beside' } as never);
    assert.equal(sent.length, 0, 'nothing sent');
    const problem = posted.find((message) => message.type === 'problem');
    assert.match(problem && 'message' in problem ? problem.message : '', /The mask is 800x800 but the image is 1024x1024/);
    // The Studio shows the file as it is now (its mask painter starts again at the new size).
    assert.equal(references.list[0]?.width, 1024);
    await vscode.workspace.fs.delete(referencesDir, { recursive: true }).then(undefined, () => undefined);
  });

  it('saves edits beside a reference only when it really is in the workspace: not beside one reached through a symbolic link out of it', async () => {
    const outside = mkdtempSync(join(tmpdir(), 'evolink-outside-'));
    writeFileSync(join(outside, 'holiday.png'), await png(64));
    const linked = vscode.Uri.joinPath(root(), 'studio-linked');
    symlinkSync(outside, linked.fsPath);
    const referencesDir = vscode.Uri.joinPath(root(), '.studio-test-references');
    const references = new ReferenceSet(referencesDir, memento());
    try {
      const image = vscode.Uri.joinPath(linked, 'holiday.png');
      await references.add([image], false);
      const sent: { target: vscode.Uri; editOf?: vscode.Uri }[] = [];
      const deps = { submit: (request: { target: vscode.Uri; editOf?: vscode.Uri }) => (sent.push(request), Promise.resolve({ localId: 'x' })), referencesDir, log: { warn: () => undefined, error: () => undefined }, followers: { follow: () => ({ dispose: () => undefined }) } };
      const submitter = new StudioSubmitter(deps as never, references, () => undefined);
      await submitter.submit({ type: 'submit', request: { model: 'gpt-4o-image', prompt: 'a beach', n: 1, size: '1:1' }, references: [references.list[0]!.uri.toString()], destination: 'beside' } as never);
      assert.equal(sent.length, 1);
      assert.equal(sent[0]!.editOf, undefined, 'no edit beside the linked file');
      assert.ok(!sent[0]!.target.path.startsWith(linked.path), sent[0]!.target.toString());
      assert.deepEqual(readdirSync(outside), ['holiday.png'], 'nothing written outside the workspace');
    } finally {
      references.dispose();
      rmSync(linked.fsPath, { force: true });
      rmSync(outside, { recursive: true, force: true });
      await vscode.workspace.fs.delete(referencesDir, { recursive: true }).then(undefined, () => undefined);
    }
  });

  it('sends one Retry of a double click, and offers Retry again when nothing was sent', async () => {
    const posted: HostMessage[] = [];
    const retried: string[] = [];
    let answer: (entry: { localId: string } | undefined) => void = () => undefined;
    const deps = {
      retry: (localId: string) => (retried.push(localId), new Promise((resolve) => (answer = resolve))),
      followers: { follow: () => ({ dispose: () => undefined }) },
      log: { warn: () => undefined, error: () => undefined },
    };
    const submitter = new StudioSubmitter(deps as never, new ReferenceSet(vscode.Uri.joinPath(root(), '.studio-test-references'), memento()), (message) => posted.push(message));
    const first = submitter.retry('failed-1');
    const second = submitter.retry('failed-1');
    await second;
    answer({ localId: 'new-1' });
    await first;
    assert.deepEqual(retried, ['failed-1'], 'one new task for two clicks');
    assert.deepEqual(posted, [{ type: 'submitted', localId: 'new-1' }]);
    const third = submitter.retry('gone');
    answer(undefined);
    await third;
    assert.deepEqual(posted.at(-1), { type: 'problem', message: '' }, 'Generate and Retry are offered again');
    submitter.dispose();
  });
});
