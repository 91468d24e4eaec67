import * as assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import sharp from 'sharp';
import * as vscode from 'vscode';
import type { EvoLinkSimulator } from '../../simulator/server';
import { builtinRecipes } from '../../src/common/builtinRecipes';
import { sniffImageFormat } from '../../src/common/imageType';
import { findModel } from '../../src/common/models';
import { resolveSize } from '../../src/common/request';
import { config } from 'zod/mini';
import en from 'zod/v4/locales/en.js';
import { parsePresetText } from '../../src/common/presetFile';
import { parseRecipe, type Recipe } from '../../src/common/recipes';
import { problemMessage, useDisplayLanguage } from '../../src/extension/assets/recipeProblems';
import type { GeneratedAsset } from '../../src/extension/assets/generateAssetCommand';
import type { Services } from '../../src/extension/services';
import { checkOutputs } from './assetChecks';
import { until } from './matrix';
import { activateExtension, demoKey, exportNotices, provenanceIndex, resetSettings, startSimulator, paidRequests } from './support';

const workspace = () => vscode.workspace.workspaceFolders![0]!.uri;
const at = (...path: string[]) => vscode.Uri.joinPath(workspace(), ...path);
const sha = (bytes: Uint8Array): string => createHash('sha256').update(bytes).digest('hex');
const read = (uri: vscode.Uri) => vscode.workspace.fs.readFile(uri);
const text = async (uri: vscode.Uri) => new TextDecoder().decode(await read(uri));
const exists = (uri: vscode.Uri): Thenable<boolean> => vscode.workspace.fs.stat(uri).then(() => true, () => false);
const relative = (uri: vscode.Uri): string => vscode.workspace.asRelativePath(uri, false);
/** Every folder a test writes into, removed before and after. */
const written = ['public', 'icons', 'images', 'textures', 'blocked', '.evolink'];
const recipe = (id: string): Recipe => parseRecipe(builtinRecipes.find((input) => input.id === id)).recipe!;

/** A value for every placeholder each built-in asks when it generates. */
const valuesFor: Record<string, Record<string, string>> = {
  'favicon-set': { subject: 'a fox', background: 'white', appName: 'Fox & "Friends"' },
  'open-graph-card': { title: 'The fox', about: 'foxes in winter' },
  'app-icon-set': { subject: 'a fox', background: 'orange' },
  'responsive-image': { subject: 'a fox in the snow', alt: 'A fox in the snow' },
  'seamless-texture': { material: 'birch bark' },
};

/** The first file of the recipes whose names come from the subject. */
const namedAfter: Record<string, string> = {
  'open-graph-card': 'public/og/the-fox.jpg',
  'responsive-image': 'public/images/a-fox-in-the-snow-640.webp',
  'seamless-texture': 'public/textures/birch-bark.png',
};

function generateAsset(args: Record<string, unknown>): Thenable<GeneratedAsset | undefined> {
  return vscode.commands.executeCommand<GeneratedAsset | undefined>('evolink.generateAsset', { confirmed: true, quiet: true, ...args });
}

describe('Generate Asset…: one image generated for a recipe, then its files', function () {
  this.timeout(120_000);
  let simulator: EvoLinkSimulator;
  let services: Services;
  const exported = exportNotices(() => services.ctx.notifier);

  const clean = async () => {
    for (const folder of written) await vscode.workspace.fs.delete(at(folder), { recursive: true }).then(undefined, () => undefined);
  };
  const submits = () => simulator.requests.filter((request) => request.path === '/v1/images/generations');

  before(async () => {
    services = await (await activateExtension()).testing!.services();
    simulator = await startSimulator({ taskDurationMs: 400 });
    await vscode.commands.executeCommand('evolink.setApiKey', { apiKey: demoKey });
    await clean();
  });

  after(async () => {
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    await clean();
    await vscode.commands.executeCommand('evolink.clearApiKey');
    await resetSettings();
    await simulator.stop();
  });

  beforeEach(() => simulator.reset());

  for (const input of builtinRecipes) {
    it(`generates one image for the built-in recipe ${input.id} and makes every file from it in its real format and size`, async () => {
      const of = recipe(input.id);
      const result = await generateAsset({ recipe: input.id, values: valuesFor[input.id] });
      assert.ok(result, 'the recipe ran');
      assert.equal(submits().length, 1, 'one task was submitted');
      assert.equal(result.entry.body.model, of.model.id);
      assert.equal(result.entry.body.size, of.model.options.size);
      assert.equal(result.entry.body.n, 1);
      // The original is saved as usual, with its provenance, at the size the model makes.
      assert.match(relative(result.original), /^images\/generated\//);
      const original = await read(result.original);
      assert.ok(['png', 'jpeg', 'webp'].includes(sniffImageFormat(original) ?? ''), relative(result.original));
      const expected = resolveSize(findModel(of.model.id)!, String(of.model.options.size)) as { width: number; height: number };
      const meta = await sharp(original).metadata();
      assert.deepEqual([meta.width, meta.height], [expected.width, expected.height]);
      assert.equal((await provenanceIndex()).records.get(relative(result.original))?.prompt, result.entry.request.prompt);
      // Every output and snippet file, from the bytes.
      assert.equal(result.run.files.length, of.outputs.length + of.snippets.filter((snippet) => snippet.file).length);
      assert.equal(result.run.choice, undefined, 'nothing was there before');
      await checkOutputs(of, result.run);
      if (namedAfter[input.id]) assert.equal(relative(result.run.files[0]!.uri), namedAfter[input.id], 'named after the subject');
      const shown = exported();
      assert.match(shown.message, new RegExp(`Exported ${result.run.files.length} files? to ${vscode.workspace.asRelativePath(result.run.folder, false)}/`));
    });
  }

  it('writes a valid web manifest and inserts the head tags into the page open when it started', async () => {
    const manifest = JSON.parse(await text(at('public', 'site.webmanifest'))) as { name: string; icons: { src: string }[] };
    assert.equal(manifest.name, 'Fox & "Friends"');
    assert.equal(manifest.icons.length, 4);

    const page = await vscode.workspace.openTextDocument({ language: 'html', content: '<html>\n<head>\n</head>\n</html>\n' });
    const editor = await vscode.window.showTextDocument(page);
    editor.selection = new vscode.Selection(2, 0, 2, 0);
    const result = await generateAsset({ recipe: 'favicon-set', values: valuesFor['favicon-set'], onExisting: 'replace' });
    assert.equal(result?.run.choice, 'replace');
    const notice = exported();
    assert.deepEqual(notice.actions, ['Insert Tags', 'Copy Tags']);
    await services.ctx.notifier.pick(notice, 'Insert Tags');
    // As lines of their own inside <head>, one level deeper than its closing tag.
    assert.match(page.getText(), /<head>\n( +|\t)<link rel="shortcut icon" href="\/favicon\.ico" \/>\n/);
    assert.match(page.getText(), /\n( +|\t)<link rel="manifest" href="\/site\.webmanifest" \/>\n<\/head>/);
    assert.doesNotMatch(page.getText(), /^<link/m);
    await vscode.window.showTextDocument(page);
    await vscode.commands.executeCommand('workbench.action.revertAndCloseActiveEditor');
  });

  it('overwrites nothing on a second run with Keep Both: a new original, new file names, the snippets follow them', async () => {
    const before = new Map<string, string>();
    for (const [name, type] of await vscode.workspace.fs.readDirectory(at('public'))) {
      if (type === vscode.FileType.File) before.set(name, sha(await read(at('public', name))));
    }
    const originals = (await vscode.workspace.fs.readDirectory(at('images', 'generated'))).map(([name]) => name);
    const result = await generateAsset({ recipe: 'favicon-set', values: { ...valuesFor['favicon-set'], appName: 'Second' }, onExisting: 'keepBoth' });
    assert.equal(result?.run.choice, 'keepBoth');
    assert.equal(result.run.existing.length, 8);
    for (const [name, hash] of before) assert.equal(sha(await read(at('public', name))), hash, `${name} is untouched`);
    assert.ok(!originals.includes(relative(result.original).split('/').pop()!), 'the new original has a name of its own');
    const manifest = JSON.parse(await text(at('public', 'site-2.webmanifest'))) as { name: string; icons: { src: string }[] };
    assert.equal(manifest.name, 'Second');
    assert.equal(manifest.icons[0]!.src, '/web-app-manifest-192x192-2.png');
    assert.match(result.run.snippets[0]!.text, /<link rel="manifest" href="\/site-2\.webmanifest" \/>/);
  });

  it('says what it sends, reserves and makes before anything is spent, and sends nothing when cancelled', async () => {
    const since = Date.now();
    services.ctx.notifier.answerNextQuestion(undefined);
    assert.equal(await generateAsset({ recipe: 'seamless-texture', values: valuesFor['seamless-texture'], confirmed: false }), undefined);
    assert.equal(paidRequests(simulator).length, 0, 'nothing was sent');
    const asked = services.ctx.notifier.notices().filter((notice) => notice.at >= since && notice.message.startsWith('Generate '));
    assert.deepEqual(asked.map((notice) => [notice.message, notice.actions]), [['Generate Seamless texture with GPT-4o Image at 1024×1024? This reserves 2.5 credits.', ['Generate']]]);
    const summary = services.features.generateAsset.summaries.at(-1)!.split('\n');
    assert.match(summary[1]!, /^Prompt: A seamless, tileable texture of birch bark, seen straight on: .* show no seam\.$/, 'the whole prompt');
    assert.equal(summary[3], 'The image is saved in images/generated/, then birch-bark.png, birch-bark-512.webp, birch-bark-preview-2x2.jpg (3 files) into public/textures/.');

    services.ctx.notifier.answerNextQuestion(undefined);
    const subject = 'a red fox with a long bushy tail, sitting in deep snow under a pine tree at dusk and looking back over its shoulder';
    await generateAsset({ recipe: 'favicon-set', values: { ...valuesFor['favicon-set'], subject }, confirmed: false });
    const long = services.features.generateAsset.summaries.at(-1)!.split('\n');
    assert.match(long[1]!, /^Prompt: A simple, bold icon of a red fox .*[^ ]…$/, 'a long prompt is shortened at a word');
    assert.ok(long[1]!.length <= 'Prompt: '.length + 241, long[1]);
    assert.equal(long[3], 'The image is saved in images/generated/, then favicon.ico, favicon-96x96.png, apple-touch-icon.png, … (8 files) into public/.');
    assert.equal(paidRequests(simulator).length, 0, 'nothing was sent');
  });

  it('exports nothing when the task fails, and says why', async () => {
    await vscode.workspace.fs.delete(at('public', 'textures'), { recursive: true }).then(undefined, () => undefined);
    simulator.addTaskOutcome({ kind: 'fail', code: 'content_policy_violation' });
    const since = Date.now();
    assert.equal(await generateAsset({ recipe: 'seamless-texture', values: valuesFor['seamless-texture'] }), undefined);
    assert.equal(await exists(at('public', 'textures')), false, 'no file was made');
    await until('the failure to be told', () => services.ctx.notifier.notices().some((notice) => notice.at >= since && notice.kind === 'error'));
    assert.ok(!services.ctx.notifier.notices().some((notice) => notice.at >= since && notice.message.startsWith('Exported')));
  });

  it('lists a preset of the workspace in its picker and runs it', async () => {
    const preset = structuredClone(builtinRecipes.find((input) => input.id === 'favicon-set')!);
    Object.assign(preset, { id: 'team-icon', name: 'Team icon', output: { folder: 'public/team', naming: 'team', publicPath: '/team/' }, snippets: [] });
    preset.outputs = preset.outputs.slice(1, 3).map((output) => ({ ...output, snippets: [] }));
    await vscode.workspace.fs.writeFile(at('.evolink', 'presets', 'team-icon.json'), new TextEncoder().encode(JSON.stringify(preset, null, 2)));
    services.features.exportAs.catalog.refresh();

    const picking = generateAsset({});
    await until('the recipe picker to be shown', () => services.features.generateAsset.shown.length > 0);
    const labels = services.features.generateAsset.shown.at(-1)!;
    assert.deepEqual(labels.slice(0, 5), builtinRecipes.map((input) => input.name), 'built-ins first');
    assert.ok(labels.includes('Team icon — .evolink/presets/team-icon.json'), JSON.stringify(labels));
    await new Promise((resolve) => setTimeout(resolve, 400));
    await vscode.commands.executeCommand('workbench.action.closeQuickOpen');
    assert.equal(await picking, undefined, 'closing the picker generates nothing');
    assert.equal(submits().length, 0);

    const result = await generateAsset({ recipe: '.evolink/presets/team-icon.json', values: { subject: 'a team badge', background: 'white', appName: 'Team' } });
    assert.equal(submits().length, 1);
    assert.deepEqual(result?.run.files.map((file) => relative(file.uri)), ['public/team/favicon-96x96.png', 'public/team/apple-touch-icon.png']);
    await checkOutputs(parseRecipe(preset).recipe!, result.run);
  });

  it('names a broken preset with its field and sends nothing', async () => {
    const broken = structuredClone(builtinRecipes.find((input) => input.id === 'seamless-texture')!) as unknown as { id: string; outputs: { width: unknown }[] };
    broken.id = 'broken-texture';
    broken.outputs[1]!.width = 'wide';
    await vscode.workspace.fs.writeFile(at('.evolink', 'presets', 'broken.json'), new TextEncoder().encode(JSON.stringify(broken, null, 2)));
    services.features.exportAs.catalog.refresh();
    const since = Date.now();
    assert.equal(await generateAsset({ recipe: '.evolink/presets/broken.json' }), undefined);
    assert.equal(paidRequests(simulator).length, 0);
    const shown = services.ctx.notifier.notices().filter((notice) => notice.at >= since).map((notice) => notice.message);
    assert.ok(shown.some((message) => message.includes('.evolink/presets/broken.json') && message.includes('outputs.1.width')), JSON.stringify(shown));
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
  });

  it("says a preset's problems in the display language: the recipe format's own, and the schema's in zod's words", () => {
    type Loose = { outputs: { width: unknown; file: string }[] };
    const texture = () => structuredClone(builtinRecipes.find((input) => input.id === 'seamless-texture')!) as unknown as Loose;
    const broken = texture();
    broken.outputs[1]!.width = 'wide';
    const problemsOf = (recipe: Loose) => parsePresetText(JSON.stringify(recipe, null, 2)).problems;
    const english = problemsOf(broken).find((problem) => problem.path === 'outputs.1.width')!;
    assert.equal(problemMessage(english), english.message);
    const twice = texture();
    twice.outputs[1]!.file = twice.outputs[0]!.file;
    assert.equal(problemMessage(problemsOf(twice).find((problem) => problem.path === 'outputs.1.file')!), `Another output already writes ${twice.outputs[0]!.file}.`);
    assert.equal(problemMessage(parsePresetText('{"id": }').problems[0]!), 'Not valid JSON: ValueExpected.');
    const undeclared = structuredClone(builtinRecipes.find((input) => input.id === 'seamless-texture')!) as unknown as { prompt: { template: string } };
    undeclared.prompt.template += ' {mood}';
    const placeholder = parsePresetText(JSON.stringify(undeclared)).problems.find((problem) => problem.path === 'prompt.template')!;
    assert.equal(problemMessage(placeholder), 'The placeholder {mood} is not declared in prompt.placeholders.');
    useDisplayLanguage('de');
    try {
      const german = problemsOf(broken).find((problem) => problem.path === 'outputs.1.width')!;
      assert.notEqual(german.message, english.message);
      assert.match(german.message, /Ungültig|erwartet/);
    } finally {
      config(en());
    }
  });

  it('keeps the generated image and names it when the files cannot be written', async () => {
    // A file where the recipe's folder should be: the folder cannot be made.
    await vscode.workspace.fs.writeFile(at('blocked'), new TextEncoder().encode('not a folder'));
    const preset = structuredClone(builtinRecipes.find((input) => input.id === 'seamless-texture')!);
    Object.assign(preset, { id: 'blocked-texture', name: 'Blocked texture', output: { folder: 'blocked/textures', naming: '{slug}', publicPath: '/' } });
    await vscode.workspace.fs.writeFile(at('.evolink', 'presets', 'blocked.json'), new TextEncoder().encode(JSON.stringify(preset, null, 2)));
    services.features.exportAs.catalog.refresh();
    const since = Date.now();
    assert.equal(await generateAsset({ recipe: '.evolink/presets/blocked.json', values: valuesFor['seamless-texture'] }), undefined);
    assert.equal(submits().length, 1);
    const fault = services.ctx.notifier.notices().find((notice) => notice.at >= since && notice.kind === 'error');
    const kept = /The generated image is kept at (images\/generated\/[^ ]+\.png)\.$/.exec(fault?.message ?? '');
    assert.ok(kept, fault?.message);
    assert.match(fault!.message, /^blocked\/textures\/[^ ]+\.png could not be written/);
    assert.equal(await exists(at(...kept[1]!.split('/'))), true, 'the image is there');
    assert.deepEqual(fault!.actions, ['Export As…']);
  });
});
