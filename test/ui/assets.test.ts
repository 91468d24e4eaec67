import * as assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import sharp from 'sharp';
import { join } from 'node:path';
import { demoKey } from '../../simulator/server';
import { answerQuickInput, fromExplorer, landscape, openFile, runFromPalette, screenshot, setApiKey, useSession, waitForNotification } from './workbench';

describe('Assets for a project, in VS Code 1.139', () => {
  const session = useSession('1.139', {
    simulator: { taskDurationMs: 2000 },
    prepare: async (folder) => {
      await landscape(join(folder, 'landscape.png'));
      writeFileSync(join(folder, 'index.html'), '<!doctype html>\n<html>\n<head>\n  <title>Hillside</title>\n\n</head>\n</html>\n');
    },
  });

  it('exports an image of the workspace as a favicon set from the Explorer, saying what it makes before it writes', async () => {
    const { page, folder } = session().workbench;
    // The page the tags go into, open with the cursor in its <head>.
    await openFile(page, 'index.html', 'Hillside');
    await page.keyboard.press('Control+Home');
    for (let line = 0; line < 4; line++) await page.keyboard.press('ArrowDown');
    await fromExplorer(page, 'landscape.png', 'Export As…');
    // The recipes, each with what it makes.
    await page.locator('.quick-input-list .monaco-list-row', { hasText: 'Favicon set' }).first().waitFor({ timeout: 30_000 });
    for (const name of ['Open Graph', 'App icon', 'Responsive image', 'Seamless texture']) {
      assert.ok(await page.locator('.quick-input-list .monaco-list-row', { hasText: name }).count(), name);
    }
    await page.waitForTimeout(400);
    await screenshot(page, 'assets-recipes-1.139');
    await answerQuickInput(page, 'Favicon set');
    await answerQuickInput(page, 'Hillside'); // the app's name, for the manifest
    // The summary, before anything is written: the folder, the files, and that it costs nothing.
    const dialog = page.locator('.monaco-dialog-box', { hasText: 'This costs nothing' });
    await dialog.waitFor({ timeout: 30_000 });
    assert.match(await dialog.innerText(), /favicon\.ico/);
    await page.waitForTimeout(400);
    await screenshot(page, 'assets-summary-1.139');
    assert.ok(!existsSync(join(folder, 'public')), 'nothing is written before the answer');
    await dialog.locator('.monaco-button', { hasText: /^Export$/ }).click();
    assert.match(await waitForNotification(page, /Exported \d+ files? to public\//, 60_000), /Exported 8 files/);
    for (const file of ['favicon.ico', 'favicon-96x96.png', 'apple-touch-icon.png', 'web-app-manifest-192x192.png', 'web-app-manifest-maskable-512x512.png', 'site.webmanifest']) {
      assert.ok(existsSync(join(folder, 'public', file)), file);
    }
    const manifest = JSON.parse(readFileSync(join(folder, 'public', 'site.webmanifest'), 'utf8')) as { name: string; icons: unknown[] };
    assert.equal(manifest.name, 'Hillside');
    assert.equal(manifest.icons.length, 4);
    // Insert Tags puts the <link> tags where the cursor was in the page.
    const insert = page.locator('.notification-list-item', { hasText: 'Exported' }).locator('a.monaco-button', { hasText: 'Insert Tags' }).first();
    await insert.click();
    const tags = page.locator('.editor-instance .view-lines', { hasText: 'site.webmanifest' }).first();
    await tags.waitFor({ timeout: 20_000 });
    const text = (await tags.innerText()).replace(/\u00a0/g, ' ');
    assert.match(text, /<link rel="icon" type="image\/png" href="\/favicon-96x96\.png" sizes="96x96" \/>/);
    assert.match(text, /<link rel="manifest" href="\/site\.webmanifest" \/>/);
    await page.waitForTimeout(600);
    await screenshot(page, 'assets-favicon-1.139');
  });

  it('exports the app icon set as an Xcode AppIcon set and an Android res folder, beside each other in the Explorer', async () => {
    const { page, folder } = session().workbench;
    await fromExplorer(page, 'landscape.png', 'Export As…');
    await answerQuickInput(page, 'App icon set');
    const dialog = page.locator('.monaco-dialog-box', { hasText: 'This costs nothing' });
    await dialog.waitFor({ timeout: 30_000 });
    assert.match(await dialog.innerText(), /icons\/landscape/);
    await page.waitForTimeout(400);
    await screenshot(page, 'assets-app-icons-summary-1.139');
    await dialog.locator('.monaco-button', { hasText: /^Export$/ }).click();
    assert.match(await waitForNotification(page, /Exported \d+ files? to icons\/landscape\//, 60_000), /Exported 32 files/);
    const appIconSet = join(folder, 'icons', 'landscape', 'ios', 'AppIcon.appiconset');
    const contents = JSON.parse(readFileSync(join(appIconSet, 'Contents.json'), 'utf8')) as { images: { filename: string }[] };
    assert.equal(contents.images.length, 18);
    for (const image of contents.images) assert.ok(existsSync(join(appIconSet, image.filename)), image.filename);
    assert.deepEqual(readdirSync(join(folder, 'icons', 'landscape', 'android', 'res')).sort(), ['mipmap-anydpi-v26', 'mipmap-hdpi', 'mipmap-mdpi', 'mipmap-xhdpi', 'mipmap-xxhdpi', 'mipmap-xxxhdpi']);
    // What a developer sees: Reveal shows the set in the Explorer, and its Contents.json opens from there.
    await page.locator('.notification-list-item', { hasText: 'Exported' }).locator('a.monaco-button', { hasText: 'Reveal' }).first().click();
    await page.locator('.explorer-folders-view .monaco-list-row', { hasText: 'AppIcon-1024.png' }).first().waitFor({ timeout: 20_000 });
    await page.locator('.explorer-folders-view .monaco-list-row', { hasText: 'Contents.json' }).first().click();
    await page.locator('.editor-instance .monaco-editor', { hasText: 'ios-marketing' }).first().waitFor({ timeout: 20_000 });
    await page.waitForTimeout(600);
    await screenshot(page, 'assets-app-icons-1.139');
  });
});

describe('Export As from an animated image, in VS Code 1.139', () => {
  const session = useSession('1.139', {
    prepare: async (folder) => {
      const frames = await Promise.all(['#d94f2b', '#2b6cd9'].map((background) => sharp({ create: { width: 1200, height: 1200, channels: 4, background } }).png().toBuffer()));
      writeFileSync(join(folder, 'spinner.webp'), await sharp(frames, { join: { animated: true } }).webp({ loop: 0, delay: [120, 120] }).toBuffer());
    },
    setup: async ({ workbench }) => {
      await setApiKey(workbench.page, demoKey);
    },
  });

  it('says in the summary that the files come from the first frame, then writes them', async () => {
    const { page, folder } = session().workbench;
    await fromExplorer(page, 'spinner.webp', 'Export As…');
    await page.locator('.quick-input-list .monaco-list-row', { hasText: 'Seamless texture' }).first().waitFor({ timeout: 30_000 });
    await answerQuickInput(page, 'Seamless texture');
    const dialog = page.locator('.monaco-dialog-box', { hasText: 'This costs nothing' });
    await dialog.waitFor({ timeout: 30_000 });
    assert.match(await dialog.innerText(), /spinner\.webp is animated: the files are made from its first frame\./);
    await page.waitForTimeout(400);
    await screenshot(page, 'assets-animated-summary-1.139');
    await dialog.locator('.monaco-button', { hasText: /^Export$/ }).click();
    await waitForNotification(page, /Exported \d+ files?/, 60_000);
    // The texture goes into the folder the site serves at its root (public/ where no framework is found).
    const written = readdirSync(join(folder, 'public', 'textures')).filter((name) => name.endsWith('.png'));
    assert.ok(written.length > 0, 'the files are written');
  });
});

describe('Generate Asset from the Image Studio, in VS Code 1.139', () => {
  const session = useSession('1.139', { simulator: { taskDurationMs: 2000 } });

  it('offers the recipes for the draft prompt, and sends nothing when the choice is dismissed', async () => {
    const { simulator, workbench } = session();
    const { page } = workbench;
    await runFromPalette(page, 'EvoLink: Open Image Studio');
    const view = page.frameLocator('iframe.webview').frameLocator('iframe');
    await view.locator('vscode-textarea#prompt textarea').waitFor({ timeout: 30_000 });
    await view.locator('vscode-textarea#prompt textarea').fill('a red fox');
    await view.locator('vscode-button#generate-asset').click();
    const row = page.locator('.quick-input-list .monaco-list-row', { hasText: 'Favicon set' }).first();
    await row.waitFor({ timeout: 30_000 });
    assert.match(await page.locator('.quick-input-widget .quick-input-title').innerText(), /Generate Asset/);
    await page.waitForTimeout(400);
    await screenshot(page, 'assets-studio-recipes-1.139');
    await page.keyboard.press('Escape');
    await page.waitForTimeout(800);
    assert.equal(simulator.requests.filter((request) => request.path === '/v1/images/generations').length, 0);
  });
});
