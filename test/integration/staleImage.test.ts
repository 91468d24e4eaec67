import * as assert from 'node:assert/strict';
import sharp from 'sharp';
import * as vscode from 'vscode';
import type { EvoLinkSimulator } from '../../simulator/server';
import { EvoLinkError } from '../../src/common/errors';
import type { Services } from '../../src/extension/services';
import { inspectLocalImage } from '../../src/extension/submit/localImages';
import { submitPlan } from '../../src/extension/submit/submit';
import { describeMessage } from '../../src/extension/commands/errorPresenter';
import { settle } from './matrix';
import { MemoryFileSystem } from './memfs';
import { activateExtension, demoKey, resetSettings, startSimulator, paidRequests } from './support';

const folder = () => vscode.Uri.joinPath(vscode.workspace.workspaceFolders![0]!.uri, 'stale-tests');

/** A file system whose files answer each read with other bytes, in turn: a file another program keeps rewriting. */
class ChangingFiles extends MemoryFileSystem {
  private reads = 0;

  constructor(private readonly versions: readonly Uint8Array[]) {
    super();
  }

  override readFile(uri: vscode.Uri): Uint8Array {
    super.readFile(uri);
    return this.versions[this.reads++ % this.versions.length]!;
  }
}

/*
 * Edit Image inspects its images before the wizard opens, and the agent tool before it asks for
 * confirmation: the file may be replaced in between. What is uploaded is what is checked.
 */
describe('An image replaced between its inspection and its upload', function () {
  this.timeout(60_000);
  let simulator: EvoLinkSimulator;
  let app: Services;

  before(async () => {
    app = await (await activateExtension()).testing!.services();
    simulator = await startSimulator({ taskDurationMs: 1500 });
    await vscode.commands.executeCommand('evolink.setApiKey', { apiKey: demoKey });
  });

  after(async () => {
    await vscode.workspace.fs.delete(folder(), { recursive: true }).then(undefined, () => undefined);
    await vscode.commands.executeCommand('evolink.clearApiKey');
    await resetSettings();
    await simulator.stop();
  });

  beforeEach(async () => {
    simulator.reset();
    await vscode.workspace.fs.delete(folder(), { recursive: true }).then(undefined, () => undefined);
    await vscode.workspace.fs.createDirectory(folder());
  });

  async function inspectedThenReplaced(name: string, replacement: Uint8Array): Promise<Awaited<ReturnType<typeof inspectLocalImage>>> {
    const uri = vscode.Uri.joinPath(folder(), name);
    await vscode.workspace.fs.writeFile(uri, await sharp({ create: { width: 1024, height: 1024, channels: 3, background: '#f00' } }).png().toBuffer());
    const inspected = await inspectLocalImage(uri);
    assert.equal(inspected.format, 'png');
    await vscode.workspace.fs.writeFile(uri, replacement);
    return inspected;
  }

  it('refuses a PNG that grew past the model limit, with nothing uploaded and nothing sent', async () => {
    const noise = await sharp({ create: { width: 2400, height: 2400, channels: 3, background: '#000', noise: { type: 'gaussian', mean: 128, sigma: 80 } } }).png({ compressionLevel: 0 }).toBuffer();
    assert.ok(noise.length > 10 * 1024 * 1024);
    const image = await inspectedThenReplaced('photo.png', noise);
    await assert.rejects(
      submitPlan(app.ctx, { options: { model: 'gpt-4o-image', prompt: 'make the sky a sunset', size: '1:1', n: 1 }, references: [image], target: folder(), editOf: image.uri }),
      (error: unknown) => error instanceof EvoLinkError && error.reason === 'invalidRequest' && /MB/.test(error.message),
    );
    assert.equal(paidRequests(simulator).length, 0, 'nothing uploaded, nothing submitted');
  });

  it('refuses an image cut short since it was inspected, with nothing uploaded and nothing sent', async () => {
    const jpeg = await sharp({ create: { width: 1024, height: 1024, channels: 3, background: '#000', noise: { type: 'gaussian', mean: 128, sigma: 60 } } }).jpeg().toBuffer();
    const image = await inspectedThenReplaced('shot.png', jpeg.subarray(0, jpeg.length >> 1));
    await assert.rejects(
      submitPlan(app.ctx, { options: { model: 'doubao-seedream-4.5', prompt: 'x' }, references: [image], target: folder(), editOf: image.uri }),
      (error: unknown) => error instanceof EvoLinkError && error.reason === 'invalidRequest',
    );
    assert.equal(paidRequests(simulator).length, 0, 'nothing uploaded, nothing submitted');
  });

  it('refuses an image whose bytes changed between their check and their upload, with nothing uploaded and nothing sent', async () => {
    // Two whole PNGs of the same size: each read passes the check, but the bytes read again to be uploaded are not the ones checked.
    const versions = await Promise.all(['#f00', '#00f'].map((background) => sharp({ create: { width: 1024, height: 1024, channels: 3, background } }).png().toBuffer()));
    const files = new ChangingFiles(versions);
    const registration = vscode.workspace.registerFileSystemProvider('evolink-changing', files);
    try {
      const uri = vscode.Uri.parse('evolink-changing:/photo.png');
      files.writeFile(uri, versions[0]!, { create: true, overwrite: true });
      const image = await inspectLocalImage(uri);
      let refused: EvoLinkError | undefined;
      await assert.rejects(submitPlan(app.ctx, { options: { model: 'gpt-4o-image', prompt: 'a red square', size: '1:1', n: 1 }, references: [image], target: folder() }), (error: unknown) => {
        assert.ok(error instanceof EvoLinkError);
        refused = error;
        return true;
      });
      assert.deepEqual([refused!.reason, refused!.details.code], ['invalidRequest', 'refusedBeforeSending']);
      assert.equal(paidRequests(simulator).length, 0, 'nothing uploaded, nothing submitted');
      assert.deepEqual([...simulator.files.values()], []);
      const message = describeMessage(refused!);
      assert.match(message, /photo\.png changed while the request was being sent\. Send it again once the file is saved/);
      assert.match(message, /Nothing was sent, nothing is charged\./);
    } finally {
      registration.dispose();
    }
  });

  it('uploads a whole replacement as the format its bytes are', async () => {
    const jpeg = await sharp({ create: { width: 1024, height: 1024, channels: 3, background: '#0f0' } }).jpeg().toBuffer();
    const image = await inspectedThenReplaced('swap.png', jpeg);
    const entry = await submitPlan(app.ctx, { options: { model: 'gpt-4o-image', prompt: 'a green field', size: '1:1', n: 1 }, references: [image], target: folder() });
    const stored = [...simulator.files.values()];
    assert.equal(stored.length, 1);
    assert.equal(stored[0]!.name, 'swap.jpg');
    assert.equal((await settle(app.ctx.tasks, entry.localId))?.state, 'saved');
  });
});
