import * as assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtempSync, readdirSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import * as vscode from 'vscode';
import { builtinRecipes } from '../../src/common/builtinRecipes';
import { parseRecipe, type Recipe } from '../../src/common/recipes';
import type { RecipeRun } from '../../src/extension/assets/recipeRunner';
import type { Services } from '../../src/extension/services';
import { checkOutputs } from './assetChecks';
import { until } from './matrix';
import { activateExtension, exportNotices } from './support';

const workspace = () => vscode.workspace.workspaceFolders![0]!.uri;
const at = (...path: string[]) => vscode.Uri.joinPath(workspace(), ...path);
const sha = (bytes: Uint8Array): string => createHash('sha256').update(bytes).digest('hex');
const read = (uri: vscode.Uri) => vscode.workspace.fs.readFile(uri);
const text = async (uri: vscode.Uri) => new TextDecoder().decode(await read(uri));
/** Every folder a test writes into, removed before and after. */
const written = ['export-tests', 'public', 'icons', 'images', 'textures', '.evolink'];
const recipe = (id: string): Recipe => parseRecipe(builtinRecipes.find((input) => input.id === id)).recipe!;

/** The values each built-in asks for when nothing prompts for them. */
const valuesFor: Record<string, Record<string, string>> = {
  'favicon-set': { appName: 'Fox & "Friends"' },
  'open-graph-card': { title: 'The fox' },
  'responsive-image': { alt: 'A fox in the snow' },
};

function exportAs(source: vscode.Uri, args: Record<string, unknown>): Thenable<RecipeRun | undefined> {
  return vscode.commands.executeCommand<RecipeRun | undefined>('evolink.exportAs', source, [source], { confirmed: true, ...args });
}

describe('Export As… and recipe presets', function () {
  this.timeout(120_000);
  let services: Services;
  const exported = exportNotices(() => services.ctx.notifier);
  let source: vscode.Uri;

  const clean = async () => {
    for (const folder of written) await vscode.workspace.fs.delete(at(folder), { recursive: true }).then(undefined, () => undefined);
  };

  before(async () => {
    services = await (await activateExtension()).testing!.services();
    await clean();
    // A 1024 px image with detail (noise) and a coloured subject, so that resizing has work to do.
    const bytes = await sharp({ create: { width: 1024, height: 1024, channels: 3, background: '#336699', noise: { type: 'gaussian', mean: 120, sigma: 40 } } }).png().toBuffer();
    source = at('export-tests', 'fox photo.png');
    await vscode.workspace.fs.writeFile(source, bytes);
  });

  after(async () => {
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    await clean();
  });

  for (const input of builtinRecipes) {
    it(`makes every file of the built-in recipe ${input.id} in its real format and size`, async () => {
      const run = await exportAs(source, { recipe: input.id, values: valuesFor[input.id] ?? {} });
      assert.ok(run, 'the export ran');
      const of = recipe(input.id);
      assert.equal(run.files.length, of.outputs.length + of.snippets.filter((snippet) => snippet.file).length);
      assert.equal(run.choice, undefined, 'nothing was there before');
      await checkOutputs(of, run);
      const shown = exported();
      assert.match(shown.message, new RegExp(`Exported ${run.files.length} files? to ${vscode.workspace.asRelativePath(run.folder, false)}/`));
    });
  }

  it('writes the app icon set as Xcode and Android Studio keep it: Contents.json names every PNG of its set, the adaptive XML a foreground in every density', async () => {
    await vscode.workspace.fs.delete(at('icons'), { recursive: true }).then(undefined, () => undefined);
    const run = await exportAs(source, { recipe: 'app-icon-set', values: {} });
    const folder = at('icons', 'fox-photo');
    assert.equal(run?.folder.toString(), folder.toString());
    const appIconSet = vscode.Uri.joinPath(folder, 'ios', 'AppIcon.appiconset');
    const contents = JSON.parse(await text(vscode.Uri.joinPath(appIconSet, 'Contents.json'))) as { images: { filename: string; size: string; scale: string }[] };
    assert.equal(contents.images.length, 18);
    for (const image of contents.images) {
      const meta = await sharp(await vscode.workspace.fs.readFile(vscode.Uri.joinPath(appIconSet, image.filename))).metadata();
      assert.equal(meta.width, parseFloat(image.size) * parseInt(image.scale, 10), image.filename);
      assert.equal(meta.hasAlpha, false, `${image.filename} is opaque`);
    }
    const res = vscode.Uri.joinPath(folder, 'android', 'res');
    for (const name of ['ic_launcher.xml', 'ic_launcher_round.xml']) {
      assert.match(await text(vscode.Uri.joinPath(res, 'mipmap-anydpi-v26', name)), /<foreground android:drawable="@mipmap\/ic_launcher_foreground" \/>/);
    }
    for (const density of ['mdpi', 'hdpi', 'xhdpi', 'xxhdpi', 'xxxhdpi']) {
      const entries = await vscode.workspace.fs.readDirectory(vscode.Uri.joinPath(res, `mipmap-${density}`));
      assert.deepEqual(entries.map(([name]) => name).sort(), ['ic_launcher.webp', 'ic_launcher_foreground.png', 'ic_launcher_round.webp'], density);
    }
    exported();
  });

  it('keeps both for a recipe whose runs have a folder of their own by writing into the next free folder, every file under its own name', async () => {
    const first = await vscode.workspace.fs.readFile(at('icons', 'fox-photo', 'ios', 'AppIcon.appiconset', 'AppIcon-1024.png'));
    const run = await exportAs(source, { recipe: 'app-icon-set', values: {}, onExisting: 'keepBoth' });
    assert.equal(run?.choice, 'keepBoth');
    assert.equal(vscode.workspace.asRelativePath(run.folder, false), 'icons/fox-photo-2');
    const names = run.files.map((file) => vscode.workspace.asRelativePath(file.uri, false).replace('icons/fox-photo-2/', ''));
    assert.deepEqual(names, [...recipe('app-icon-set').outputs.map((output) => output.file), 'ios/AppIcon.appiconset/Contents.json', 'android/res/mipmap-anydpi-v26/ic_launcher.xml', 'android/res/mipmap-anydpi-v26/ic_launcher_round.xml']);
    assert.deepEqual(await vscode.workspace.fs.readFile(at('icons', 'fox-photo', 'ios', 'AppIcon.appiconset', 'AppIcon-1024.png')), first, 'the first set is untouched');
    assert.match(exported().message, /Exported 32 files to icons\/fox-photo-2\//);
  });

  it('writes a web manifest that is valid JSON with its four icons, and inserts the head tags into an open HTML page', async () => {
    const manifest = JSON.parse(await text(at('public', 'site.webmanifest'))) as { name: string; icons: { src: string; sizes: string; purpose: string }[] };
    assert.equal(manifest.name, 'Fox & "Friends"');
    assert.deepEqual(manifest.icons.map((icon) => `${icon.src} ${icon.sizes} ${icon.purpose}`), [
      '/web-app-manifest-192x192.png 192x192 any',
      '/web-app-manifest-512x512.png 512x512 any',
      '/web-app-manifest-maskable-192x192.png 192x192 maskable',
      '/web-app-manifest-maskable-512x512.png 512x512 maskable',
    ]);

    const page = await vscode.workspace.openTextDocument({ language: 'html', content: '<html>\n<head>\n</head>\n</html>\n' });
    const editor = await vscode.window.showTextDocument(page);
    editor.selection = new vscode.Selection(2, 0, 2, 0);
    const run = await exportAs(source, { recipe: 'favicon-set', values: valuesFor['favicon-set'], onExisting: 'replace' });
    assert.equal(run?.choice, 'replace');
    const notice = exported();
    assert.deepEqual(notice.actions, ['Insert Tags', 'Copy Tags']);
    await services.ctx.notifier.pick(notice, 'Insert Tags');
    const inserted = page.getText();
    // Inside <head>, one level deeper than its closing tag (the editor's indentation: 4 spaces in an untitled page).
    assert.match(inserted, /<head>\n( +|\t)<link rel="shortcut icon" href="\/favicon\.ico" \/>\n\1<link rel="icon" type="image\/png" href="\/favicon-96x96\.png" sizes="96x96" \/>/);
    assert.match(inserted, /content="Fox &amp; &quot;Friends&quot;"/, 'values are escaped for HTML');
    assert.match(inserted, /<link rel="manifest" href="\/site\.webmanifest" \/>\n<\/head>/);
    assert.doesNotMatch(inserted, /^<link/m);
    // The page was only for this test: closed without a question.
    await vscode.window.showTextDocument(page);
    await vscode.commands.executeCommand('workbench.action.revertAndCloseActiveEditor');
  });

  it('inserts the responsive <picture> into an open TSX component in JSX spelling (srcSet, closed void elements)', async () => {
    const component = await vscode.workspace.openTextDocument({ language: 'typescriptreact', content: 'export const Hero = () => (\n  <div>\n  </div>\n);\n' });
    const editor = await vscode.window.showTextDocument(component);
    editor.selection = new vscode.Selection(2, 0, 2, 0);
    await exportAs(source, { recipe: 'responsive-image', values: valuesFor['responsive-image'], onExisting: 'replace' });
    const notice = exported();
    await services.ctx.notifier.pick(notice, 'Insert Tags');
    const inserted = component.getText();
    assert.match(inserted, /<source type="image\/webp" srcSet="\/images\/fox-photo-640\.webp 640w, /);
    assert.doesNotMatch(inserted, /srcset=/);
    assert.match(inserted, /<img src="\/images\/fox-photo-1280\.jpg" [^>]*\/>/);
    await vscode.window.showTextDocument(component);
    await vscode.commands.executeCommand('workbench.action.revertAndCloseActiveEditor');
  });

  it('writes into the folder the project serves: static/ of a SvelteKit app in a subfolder, its links root-relative', async () => {
    const app = at('export-tests', 'site');
    await vscode.workspace.fs.writeFile(vscode.Uri.joinPath(app, 'package.json'), new TextEncoder().encode('{ "devDependencies": { "@sveltejs/kit": "^2.0.0" } }'));
    const logo = vscode.Uri.joinPath(app, 'src', 'lib', 'logo.png');
    await vscode.workspace.fs.copy(source, logo, { overwrite: true });
    const run = await exportAs(logo, { recipe: 'open-graph-card', values: valuesFor['open-graph-card'] });
    assert.deepEqual(
      run?.files.map((file) => vscode.workspace.asRelativePath(file.uri)),
      ['export-tests/site/static/og/logo.jpg'],
    );
    assert.match(run?.snippets.map((snippet) => snippet.text).join('\n') ?? '', /content="\/og\/logo\.jpg"/);
    await assert.rejects(Promise.resolve(vscode.workspace.fs.stat(at('public', 'og', 'logo.jpg'))), 'nothing in the workspace root\'s public/');
  });

  it('says in the notification how to make the Open Graph URL absolute, and writes it absolute when package.json names the site', async () => {
    await exportAs(source, { recipe: 'open-graph-card', values: valuesFor['open-graph-card'], onExisting: 'replace' });
    const told = exported();
    assert.match(told.message, /^Exported 1 file to public\/og\/\. /);
    assert.match(told.message, /replace \/og\/fox-photo\.jpg with your site's address, e\.g\. https:\/\/your-site\/og\/fox-photo\.jpg/);

    const app = at('export-tests', 'blog');
    await vscode.workspace.fs.writeFile(vscode.Uri.joinPath(app, 'package.json'), new TextEncoder().encode('{ "homepage": "https://fox.example", "dependencies": { "next": "^15.0.0" } }'));
    const logo = vscode.Uri.joinPath(app, 'logo.png');
    await vscode.workspace.fs.copy(source, logo, { overwrite: true });
    const run = await exportAs(logo, { recipe: 'open-graph-card', values: valuesFor['open-graph-card'] });
    assert.deepEqual(run?.files.map((file) => vscode.workspace.asRelativePath(file.uri)), ['export-tests/blog/public/og/logo.jpg']);
    assert.match(run.snippets[0]!.text, /<meta property="og:image" content="https:\/\/fox\.example\/og\/logo\.jpg" \/>/);
    assert.deepEqual(run.notes, []);
  });

  it('puts the responsive image into the folder a Next.js app serves, its tags naming it from the site root', async () => {
    const app = at('export-tests', 'shop');
    await vscode.workspace.fs.writeFile(vscode.Uri.joinPath(app, 'package.json'), new TextEncoder().encode('{ "dependencies": { "next": "^15.0.0" } }'));
    const hero = vscode.Uri.joinPath(app, 'hero.png');
    await vscode.workspace.fs.copy(source, hero, { overwrite: true });
    const run = await exportAs(hero, { recipe: 'responsive-image', values: valuesFor['responsive-image'] });
    assert.equal(vscode.workspace.asRelativePath(run!.files[0]!.uri), 'export-tests/shop/public/images/hero-640.webp');
    assert.match(run!.snippets[0]!.text, /srcset="\/images\/hero-640\.webp 640w/);
    await assert.rejects(Promise.resolve(vscode.workspace.fs.stat(at('images', 'hero-640.webp'))), 'nothing in the workspace root\'s images/');
  });

  it('keeps both when the files are there: nothing is overwritten, and the snippets name the new files', async () => {
    const before = new Map<string, string>();
    for (const [name, type] of await vscode.workspace.fs.readDirectory(at('public'))) {
      if (type === vscode.FileType.File) before.set(name, sha(await read(at('public', name))));
    }
    assert.equal(before.size, 8);
    const run = await exportAs(source, { recipe: 'favicon-set', values: { appName: 'Second' }, onExisting: 'keepBoth' });
    assert.equal(run?.choice, 'keepBoth');
    assert.equal(run.existing.length, 8, 'every file of the set, and the manifest, was there');
    assert.ok(run.existing.every((path) => path.startsWith('public/')), 'named workspace-relative');
    for (const [name, hash] of before) assert.equal(sha(await read(at('public', name))), hash, `${name} is untouched`);
    const names = run.files.map((file) => file.uri.path.split('/').pop());
    assert.ok(names.includes('favicon-2.ico') && names.includes('site-2.webmanifest'), JSON.stringify(names));
    const manifest = JSON.parse(await text(at('public', 'site-2.webmanifest'))) as { name: string; icons: { src: string }[] };
    assert.equal(manifest.name, 'Second');
    assert.equal(manifest.icons[0]!.src, '/web-app-manifest-192x192-2.png');
    assert.match(run.snippets[0]!.text, /href="\/favicon-2\.ico"/);
    assert.match(run.snippets[0]!.text, /<link rel="manifest" href="\/site-2\.webmanifest" \/>/, 'the head names the new manifest');
  });

  it('keeps both for a file without an extension too: the new one is numbered as a whole (CNAME-2)', async () => {
    const preset = structuredClone(builtinRecipes.find((input) => input.id === 'favicon-set')!);
    Object.assign(preset, { id: 'cname', name: 'With a CNAME', output: { folder: 'public/cname', naming: 'cname', publicPath: '/' } });
    preset.outputs = preset.outputs.slice(1, 2).map((output) => ({ ...output, snippets: [] }));
    preset.snippets = [{ id: 'cname', title: 'CNAME', language: 'markdown', file: 'CNAME', template: 'images.example.com\n' }];
    await vscode.workspace.fs.writeFile(at('.evolink', 'presets', 'cname.json'), new TextEncoder().encode(JSON.stringify(preset, null, 2)));
    services.features.exportAs.catalog.refresh();
    await exportAs(source, { recipe: '.evolink/presets/cname.json', onExisting: 'replace' });
    const run = await exportAs(source, { recipe: '.evolink/presets/cname.json', onExisting: 'keepBoth' });
    assert.deepEqual(run?.files.map((file) => file.uri.path.split('/').slice(-2).join('/')), ['cname/favicon-96x96-2.png', 'cname/CNAME-2']);
    assert.equal(await text(at('public', 'cname', 'CNAME')), 'images.example.com\n', 'the first is kept');
    await vscode.workspace.fs.delete(at('.evolink', 'presets', 'cname.json'));
  });

  it('lists a preset of the workspace in the picker and runs it', async () => {
    const preset = structuredClone(builtinRecipes.find((input) => input.id === 'favicon-set')!);
    Object.assign(preset, { id: 'team-icon', name: 'Team icon', output: { folder: 'public/team', naming: 'team', publicPath: '/team/' }, snippets: [] });
    preset.outputs = preset.outputs.slice(1, 3).map((output) => ({ ...output, snippets: [] }));
    await vscode.workspace.fs.writeFile(at('.evolink', 'presets', 'team-icon.json'), new TextEncoder().encode(JSON.stringify(preset, null, 2)));
    services.features.exportAs.catalog.refresh();

    const picking = exportAs(source, {});
    await until('the recipe picker to be shown', () => services.features.exportAs.shown.length > 0);
    const labels = services.features.exportAs.shown.at(-1)!;
    assert.deepEqual(labels.slice(0, 5), builtinRecipes.map((input) => input.name), 'built-ins first');
    assert.ok(labels.includes('Team icon — .evolink/presets/team-icon.json'), JSON.stringify(labels));
    await new Promise((resolve) => setTimeout(resolve, 400));
    await vscode.commands.executeCommand('workbench.action.closeQuickOpen');
    assert.equal(await picking, undefined, 'closing the picker exports nothing');

    const run = await exportAs(source, { recipe: '.evolink/presets/team-icon.json' });
    assert.deepEqual(run?.files.map((file) => file.uri.path.split('/').slice(-2).join('/')), ['team/favicon-96x96.png', 'team/apple-touch-icon.png']);
    await checkOutputs(parseRecipe(preset).recipe!, run);
  });

  it('runs no preset of a workspace in Restricted Mode: says so, offers to manage trust, and runs built-in recipes', async () => {
    const preset = structuredClone(builtinRecipes.find((input) => input.id === 'favicon-set')!);
    Object.assign(preset, { id: 'untrusted-icon', name: 'Untrusted icon', output: { folder: 'public/untrusted', naming: 'untrusted', publicPath: '/untrusted/' }, snippets: [] });
    preset.outputs = preset.outputs.slice(1, 2).map((output) => ({ ...output, snippets: [] }));
    await vscode.workspace.fs.writeFile(at('.evolink', 'presets', 'untrusted-icon.json'), new TextEncoder().encode(JSON.stringify(preset, null, 2)));
    services.features.exportAs.catalog.refresh();
    services.features.exportAs.trusted = () => false;
    try {
      const since = Date.now();
      assert.equal(await exportAs(source, { recipe: '.evolink/presets/untrusted-icon.json' }), undefined);
      const notice = services.ctx.notifier.notices().find((shown) => shown.at >= since);
      assert.equal(notice?.message, '.evolink/presets/untrusted-icon.json is a preset of this workspace, which is in Restricted Mode: its presets run once you trust the workspace. The built-in recipes work now.');
      assert.deepEqual(notice?.actions, ['Manage Workspace Trust']);
      assert.equal(await vscode.workspace.fs.stat(at('public', 'untrusted')).then(() => true, () => false), false, 'nothing was written');

      const pickers = services.features.exportAs.shown.length;
      const picking = exportAs(source, {});
      await until('the recipe picker to be shown', () => services.features.exportAs.shown.length > pickers);
      assert.ok(services.features.exportAs.shown.at(-1)!.includes('Untrusted icon — .evolink/presets/untrusted-icon.json — runs once you trust the workspace'), JSON.stringify(services.features.exportAs.shown.at(-1)));
      await new Promise((resolve) => setTimeout(resolve, 400));
      await vscode.commands.executeCommand('workbench.action.closeQuickOpen');
      await picking;
      assert.ok((await exportAs(source, { recipe: 'seamless-texture', onExisting: 'keepBoth' }))?.files.length, 'a built-in recipe runs');
    } finally {
      delete services.features.exportAs.trusted;
      await vscode.workspace.fs.delete(at('.evolink', 'presets', 'untrusted-icon.json'));
      services.features.exportAs.catalog.refresh();
    }
  });

  it('names a broken preset with its field, in a message and in the Problems view on the field', async () => {
    const broken = structuredClone(builtinRecipes.find((input) => input.id === 'seamless-texture')!) as unknown as { id: string; outputs: { width: unknown }[] };
    broken.id = 'broken-texture';
    broken.outputs[1]!.width = 'wide';
    const uri = at('.evolink', 'presets', 'broken.json');
    const content = JSON.stringify(broken, null, 2);
    await vscode.workspace.fs.writeFile(uri, new TextEncoder().encode(content));
    services.features.exportAs.catalog.refresh();
    const since = Date.now();
    assert.equal(await exportAs(source, { recipe: '.evolink/presets/broken.json' }), undefined);
    const shown = services.ctx.notifier.notices().filter((notice) => notice.at >= since).map((notice) => notice.message);
    assert.ok(shown.some((message) => message.includes('.evolink/presets/broken.json') && message.includes('outputs.1.width')), JSON.stringify(shown));
    const ours = () => vscode.languages.getDiagnostics(uri).filter((problem) => problem.source === 'EvoLink');
    await until('the problem to be shown on the file', () => ours().length > 0);
    const [diagnostic] = ours();
    assert.match(diagnostic!.message, /^outputs\.1\.width: /);
    const line = content.split('\n')[diagnostic!.range.start.line]!;
    assert.match(line, /"width": "wide"/, 'the range is the field');
    // The contributed JSON schema makes the editor's own JSON support squiggle it too.
    await until('the schema to flag the field', () => vscode.languages.getDiagnostics(uri).some((problem) => problem.source !== 'EvoLink' && problem.range.start.line === diagnostic!.range.start.line));
    const entries = await services.features.exportAs.catalog.entries();
    assert.ok(entries.some((entry) => entry.kind === 'broken' && entry.file === '.evolink/presets/broken.json'));
  });

  it('copies a built-in recipe into a new preset file without overwriting one, and the copy runs', async () => {
    const first = await vscode.commands.executeCommand<vscode.Uri | undefined>('evolink.newRecipePreset', { recipe: 'seamless-texture' });
    const second = await vscode.commands.executeCommand<vscode.Uri | undefined>('evolink.newRecipePreset', { recipe: 'seamless-texture' });
    assert.deepEqual([first?.path.split('/').pop(), second?.path.split('/').pop()], ['seamless-texture.json', 'seamless-texture-2.json']);
    assert.equal(vscode.window.activeTextEditor?.document.uri.toString(), second!.toString(), 'the new preset is opened');
    assert.equal(parseRecipe(JSON.parse(await text(first!))).recipe?.id, 'seamless-texture');
    services.features.exportAs.catalog.refresh();
    const run = await exportAs(source, { recipe: '.evolink/presets/seamless-texture-2.json', onExisting: 'keepBoth' });
    assert.equal(run?.files.length, 3);
  });

  it('writes nothing outside its folder when a value filled into a folder name leads out of it', async () => {
    const preset = structuredClone(builtinRecipes.find((input) => input.id === 'favicon-set')!);
    Object.assign(preset, { id: 'team-folder', name: 'Team folder', output: { folder: 'public/{team}', naming: 'team', publicPath: '/team/' }, snippets: [] });
    preset.prompt = { ...preset.prompt, placeholders: { ...preset.prompt.placeholders, team: { label: 'Team folder', default: '../../outside' } } };
    preset.outputs = preset.outputs.slice(1, 2).map((output) => ({ ...output, snippets: [] }));
    await vscode.workspace.fs.writeFile(at('.evolink', 'presets', 'team-folder.json'), new TextEncoder().encode(JSON.stringify(preset, null, 2)));
    services.features.exportAs.catalog.refresh();
    const since = Date.now();
    assert.equal(await exportAs(source, { recipe: '.evolink/presets/team-folder.json', values: { team: '../../outside' }, confirmed: true }), undefined);
    const shown = services.ctx.notifier.notices().filter((notice) => notice.at >= since).map((notice) => notice.message);
    assert.ok(shown.some((message) => message.startsWith('The recipe would write "public/../../outside", which leaves its folder')), JSON.stringify(shown));
    const run = await exportAs(source, { recipe: '.evolink/presets/team-folder.json', values: { team: 'blue' }, confirmed: true });
    assert.deepEqual(run?.files.map((file) => file.uri.path.split('/').slice(-3).join('/')), ['public/blue/favicon-96x96.png']);
  });

  it('writes nothing where a folder on the way is a symbolic link out of the workspace', async () => {
    const outside = mkdtempSync(join(tmpdir(), 'evolink-outside-'));
    try {
      await vscode.workspace.fs.delete(at('public'), { recursive: true }).then(undefined, () => undefined);
      symlinkSync(outside, at('public').fsPath, 'dir');
      const since = Date.now();
      assert.equal(await exportAs(source, { recipe: 'open-graph-card', values: valuesFor['open-graph-card'] }), undefined);
      const shown = services.ctx.notifier.notices().filter((notice) => notice.at >= since).map((notice) => notice.message);
      assert.ok(shown.some((message) => /^public\/og\/.+ leads outside the workspace folder through a symbolic link, so nothing was written\./.test(message)), JSON.stringify(shown));
      assert.deepEqual(readdirSync(outside), [], 'nothing written through the link');
    } finally {
      rmSync(at('public').fsPath, { force: true });
      rmSync(outside, { recursive: true, force: true });
    }
  });

  it('never replaces its own source: the output takes the next free name, unasked', async () => {
    const hero = at('public', 'og', 'hero.jpg');
    const bytes = await sharp({ create: { width: 1600, height: 900, channels: 3, background: '#884422' } }).jpeg().toBuffer();
    await vscode.workspace.fs.writeFile(hero, bytes);
    const since = Date.now();
    const run = await exportAs(hero, { recipe: 'open-graph-card', values: valuesFor['open-graph-card'] });
    assert.deepEqual(run?.files.map((file) => file.uri.path.split('/').slice(-3).join('/')), ['public/og/hero-2.jpg']);
    assert.equal(sha(await read(hero)), sha(bytes), 'the source is as it was');
    assert.ok(!services.ctx.notifier.notices().some((notice) => notice.at >= since && notice.message.includes('already exist')), 'nothing asked');
  });

  it('exports from the first frame of an animated WebP, and says so in the summary before writing', async () => {
    const frames = await Promise.all(['#cc2200', '#0033cc'].map((background) => sharp({ create: { width: 600, height: 600, channels: 4, background } }).png().toBuffer()));
    const animated = at('export-tests', 'spinner.webp');
    await vscode.workspace.fs.writeFile(animated, await sharp(frames, { join: { animated: true } }).webp({ loop: 0, delay: [80, 80] }).toBuffer());
    const since = Date.now();
    services.ctx.notifier.answerNextQuestion('Export');
    const run = await exportAs(animated, { recipe: 'seamless-texture', onExisting: 'keepBoth', confirmed: false });
    const summary = services.ctx.notifier.notices().find((notice) => notice.at >= since && notice.detail !== undefined); // the question, not a task's news
    assert.equal(summary?.kind, 'warning');
    assert.match(summary?.detail ?? '', /^spinner\.webp is animated: the files are made from its first frame\.$/m);
    assert.ok(run && run.files.length > 0);
    const { data } = await sharp(await read(run.files[0]!.uri)).raw().toBuffer({ resolveWithObject: true });
    assert.ok(data[0]! > 150 && data[2]! < 80, `the first frame's red, not the second's blue: ${[...data.subarray(0, 3)].join()}`);
  });

  it('says in the summary before writing how much of a source of another shape the cropped files cut off', async () => {
    const banner = at('export-tests', 'banner.png');
    await vscode.workspace.fs.writeFile(banner, await sharp({ create: { width: 4000, height: 1000, channels: 3, background: '#336699' } }).png().toBuffer());
    const since = Date.now();
    // Answered with no choice: the summary is read, nothing is written.
    services.ctx.notifier.answerNextQuestion(undefined);
    assert.equal(await exportAs(banner, { recipe: 'favicon-set', values: valuesFor['favicon-set'], confirmed: false }), undefined);
    const summary = services.ctx.notifier.notices().find((notice) => notice.at >= since && notice.detail !== undefined); // the question, not a task's news
    assert.equal(summary?.kind, 'warning');
    assert.match(summary?.detail ?? '', /^banner\.png is 4000×1000 pixels, another shape than the \d+×\d+ file: it will be cropped to 1000×1000, cutting off 75% of the image\.$/m);
    assert.doesNotMatch(summary?.detail ?? '', /scaled up/);
  });

  it('refuses a source too large to decode in memory before decoding it, naming its size', async () => {
    // A PNG header that says 12000x9000 (108 megapixels); nothing past it is read.
    const header = Buffer.alloc(33);
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]).copy(header, 0);
    header.writeUInt32BE(13, 8);
    header.write('IHDR', 12, 'latin1');
    header.writeUInt32BE(12_000, 16);
    header.writeUInt32BE(9000, 20);
    header.set([8, 2, 0, 0, 0], 24);
    const huge = at('export-tests', 'huge.png');
    await vscode.workspace.fs.writeFile(huge, header);
    const since = Date.now();
    assert.equal(await exportAs(huge, { recipe: 'seamless-texture' }), undefined);
    const shown = services.ctx.notifier.notices().filter((notice) => notice.at >= since).map((notice) => notice.message);
    assert.ok(shown.includes('export-tests/huge.png is 12000x9000 pixels; the extension exports from images of at most 100 megapixels. Scale it down first, then export again.'), JSON.stringify(shown));
  });

  it('refuses a file that is not an image it can read, naming it', async () => {
    const fake = at('export-tests', 'not-an-image.png');
    await vscode.workspace.fs.writeFile(fake, new TextEncoder().encode('hello'));
    const since = Date.now();
    assert.equal(await exportAs(fake, { recipe: 'seamless-texture' }), undefined);
    const shown = services.ctx.notifier.notices().filter((notice) => notice.at >= since).map((notice) => notice.message);
    assert.ok(shown.some((message) => message.startsWith('export-tests/not-an-image.png is not a PNG, JPEG, WebP, BMP or TIFF image')), JSON.stringify(shown));
  });
});
