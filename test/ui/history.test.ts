import * as assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, FrameLocator, Page } from 'playwright-core';
import sharp from 'sharp';
import { launchBrowser, repoRoot, startServer, workbenchUrl } from '../../scripts/lib/vscode-server.mjs';
import { copySampleWorkspace, openFile, runFromPalette, screenshot } from './workbench';

/**
 * A window on a copy of the sample workspace with past images in it. Opened here rather than with
 * `openWorkbench` so that the first load may take longer than its 30 seconds on a busy machine.
 */
function useWindow(version: string): () => Page {
  let page: Page | undefined;
  let browser: Browser | undefined;
  let stop: (() => void) | undefined;
  let dataDir: string | undefined;
  before(async () => {
    dataDir = mkdtempSync(join(tmpdir(), `evolink-ui-history-${version}-`));
    const folder = join(dataDir, 'workspace');
    copySampleWorkspace(folder);
    await pastImages(folder);
    writeFileSync(join(folder, 'notes.md'), '# Notes\n\n');
    const server = await startServer({ version, dataDir, settings: { 'workbench.colorTheme': 'Default Dark Modern', 'workbench.secondarySideBar.defaultVisibility': 'hidden' }, env: {} });
    stop = () => server.stop();
    browser = await launchBrowser();
    page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    await page.goto(workbenchUrl(server.url, folder, [['extensionDevelopmentPath', repoRoot]]), { timeout: 180_000 });
    await page.locator('.statusbar').waitFor({ timeout: 120_000 });
  });
  after(async () => {
    await browser?.close().catch(() => undefined);
    stop?.();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });
  return () => {
    if (!page) throw new Error('The window has not opened.');
    return page;
  };
}

/** The gallery's document, inside the view's two iframes. */
function gallery(page: Page): FrameLocator {
  return page.frameLocator('iframe.webview').frameLocator('iframe');
}

/** Past images: a scene drawn at a real size (some 4K), each with its provenance file. */
const scenes: { name: string; prompt: string; model: string; size: string; width: number; height: number; hue: number; daysAgo: number; edit?: boolean }[] = [
  { name: 'lighthouse-at-dawn.png', prompt: 'A lighthouse at dawn, watercolor, soft pink sky', model: 'gpt-4o-image', size: '1:1', width: 1024, height: 1024, hue: 20, daysAgo: 0 },
  { name: 'neon-harbour.jpg', prompt: 'A harbour at night with neon signs reflected in the water', model: 'doubao-seedream-4.5', size: '4K', width: 4096, height: 2304, hue: 280, daysAgo: 0 },
  { name: 'red-fox-in-snow.png', prompt: 'A red fox in fresh snow, telephoto, shallow depth of field', model: 'gpt-image-1.5-lite', size: '2:3', width: 1024, height: 1536, hue: 15, daysAgo: 1 },
  { name: 'red-fox-in-snow.edit-1.png', prompt: 'Make it dusk, with warm light from the left', model: 'gpt-4o-image', size: '2:3', width: 1024, height: 1536, hue: 35, daysAgo: 1, edit: true },
  { name: 'mountain-lake.jpg', prompt: 'Alpine lake below jagged peaks, morning mist', model: 'doubao-seedream-4.5', size: '2K', width: 2560, height: 1440, hue: 200, daysAgo: 3 },
  { name: 'paper-boat.png', prompt: 'A paper boat on a calm lake, soft morning light', model: 'gpt-4o-image', size: '3:2', width: 1536, height: 1024, hue: 190, daysAgo: 4 },
  { name: 'desert-road.webp', prompt: 'An empty desert road at noon, heat haze', model: 'gpt-image-1.5-lite', size: '3:2', width: 1536, height: 1024, hue: 40, daysAgo: 9 },
  { name: 'forest-cabin.png', prompt: 'A cabin in a pine forest, smoke from the chimney, winter', model: 'gpt-4o-image', size: '1:1', width: 1024, height: 1024, hue: 130, daysAgo: 12 },
  { name: 'city-rooftops.jpg', prompt: 'Rooftops of an old city at sunset, long shadows', model: 'doubao-seedream-4.5', size: '2560x1440', width: 2560, height: 1440, hue: 10, daysAgo: 20 },
  { name: 'app-icon-rocket.png', prompt: 'Flat app icon of a rocket, rounded square, blue gradient', model: 'gpt-4o-image', size: '1:1', width: 1024, height: 1024, hue: 220, daysAgo: 31 },
];

/** A picture of a scene: a gradient sky, a sun and two hills, in the scene's hue. */
async function draw(path: string, scene: (typeof scenes)[number]): Promise<void> {
  const { width, height, hue } = scene;
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 100 100" preserveAspectRatio="none">
  <defs><linearGradient id="s" x1="0" y1="0" x2="0" y2="1"><stop offset="0" stop-color="hsl(${hue},60%,35%)"/><stop offset="1" stop-color="hsl(${(hue + 40) % 360},80%,75%)"/></linearGradient></defs>
  <rect width="100" height="100" fill="url(#s)"/>
  <circle cx="${30 + (hue % 40)}" cy="38" r="11" fill="hsl(${(hue + 60) % 360},90%,85%)"/>
  <path d="M0 70 Q 25 52 50 68 T 100 62 V 100 H 0 Z" fill="hsl(${(hue + 180) % 360},35%,30%)"/>
  <path d="M0 82 Q 30 70 62 83 T 100 80 V 100 H 0 Z" fill="hsl(${(hue + 200) % 360},40%,20%)"/>
</svg>`;
  const image = sharp(Buffer.from(svg));
  const format = path.endsWith('.jpg') ? image.jpeg({ quality: 90 }) : path.endsWith('.webp') ? image.webp() : image.png();
  writeFileSync(path, await format.toBuffer());
}

async function pastImages(folder: string): Promise<void> {
  const output = join(folder, 'images', 'generated');
  mkdirSync(output, { recursive: true });
  for (const scene of scenes) {
    await draw(join(output, scene.name), scene);
    const createdAt = new Date(Date.now() - scene.daysAgo * 86_400_000 - 3_600_000).toISOString();
    const provenance = {
      version: 1,
      prompt: scene.prompt,
      model: scene.model,
      parameters: { size: scene.size, n: 1 },
      createdAt,
      format: scene.name.split('.').pop(),
      width: scene.width,
      height: scene.height,
      ...(scene.edit ? { sources: ['images/generated/red-fox-in-snow.png'] } : {}),
    };
    writeFileSync(join(output, `${scene.name}.evolink.json`), `${JSON.stringify(provenance, null, 2)}\n`);
  }
}

for (const [version, theme] of [['1.139', 'Dark Modern']] as const) {
  describe(`The History gallery in VS Code ${version} (${theme})`, () => {
    const window = useWindow(version);

    it('shows every past image as a thumbnail in the EvoLink sidebar, searchable and keyboard driven', async () => {
      const page = window();
      await runFromPalette(page, 'EvoLink: Focus on History View');
      const view = gallery(page);
      await view.locator('.tile').first().waitFor({ timeout: 60_000 });
      // Thumbnails are made as tiles come into view (the Tasks view shares the side bar): scroll through.
      const tiles = view.locator('.tile');
      for (let index = 0; index < scenes.length; index++) {
        await tiles.nth(index).scrollIntoViewIfNeeded();
        await tiles.nth(index).locator('img').waitFor({ timeout: 60_000 });
      }
      await tiles.first().scrollIntoViewIfNeeded();
      assert.equal(await view.locator('.tile').count(), scenes.length);
      // Every tile shows a small cached thumbnail, never the original.
      const sources = await view.locator('.tile img').evaluateAll((images) => images.map((image) => ({ src: (image as HTMLImageElement).src, width: (image as HTMLImageElement).naturalWidth })));
      assert.ok(sources.every((source) => source.width <= 176 && !source.src.includes('images/generated')), JSON.stringify(sources.slice(0, 2)));
      await page.waitForTimeout(500);
      await screenshot(page, `history-${version}`);

      await view.locator('.tile').first().click();
      await view.locator('.details').waitFor();
      await page.keyboard.press('ArrowRight');
      await page.keyboard.press('ArrowDown');
      await page.waitForTimeout(400);
      await screenshot(page, `history-selected-${version}`);

      await view.locator('vscode-textfield#search input').fill('fox');
      await page.waitForTimeout(300);
      assert.equal(await view.locator('.tile').count(), 2);
      await screenshot(page, `history-search-${version}`);
    });

    it('copies the selected image to the clipboard, or else its path, and says which', async () => {
      const page = window();
      await gallery(page).locator('.tile').first().click();
      await gallery(page).locator('.details vscode-button[aria-label="Copy Image"]').click();
      const copied = page.locator('.statusbar', { hasText: /Copied .* to the clipboard/ });
      const instead = page.locator('.notifications-toasts, .monaco-alert', { hasText: /its path was copied instead/ });
      const outcome = await Promise.any([copied.waitFor({ timeout: 20_000 }).then(() => 'image'), instead.first().waitFor({ state: 'attached', timeout: 20_000 }).then(() => 'path')]);
      console.log(`      (the clipboard took the ${outcome})`);
      await screenshot(page, `history-copied-${version}`);
    });

    it('starts a drag with the file URI and its path', async () => {
      const view = gallery(window());
      const data = await view.locator('.tile').first().evaluate((tile) => {
        const transfer = new DataTransfer();
        tile.dispatchEvent(new DragEvent('dragstart', { dataTransfer: transfer, bubbles: true }));
        return { uris: transfer.getData('text/uri-list'), text: transfer.getData('text/plain') };
      });
      assert.match(data.uris, /^(file|vscode-remote):\/\/.*\/images\/generated\/red-fox-in-snow(\.edit-1)?\.png$/);
      assert.match(data.text, /^images\/generated\/red-fox-in-snow(\.edit-1)?\.png$/);
    });

    it('drops a gallery image into a Markdown file as an image link with its prompt as alt text', async () => {
      const page = window();
      const editor = await openFile(page, 'notes.md', 'Notes');
      await page.keyboard.press('Control+End');
      // The drag starts in the gallery's frame; the browser carries its data to the editor, where
      // VS Code lets an editor take a drop while Shift is held (otherwise it opens the file).
      const view = gallery(page);
      await view.locator('vscode-textfield#search input').fill('lighthouse');
      await page.waitForTimeout(300);
      const data = await view.locator('.tile').first().evaluate((tile) => {
        const transfer = new DataTransfer();
        tile.dispatchEvent(new DragEvent('dragstart', { dataTransfer: transfer, bubbles: true }));
        return Object.fromEntries(transfer.types.map((type) => [type, transfer.getData(type)]));
      });
      const lines = editor.locator('.view-lines');
      const box = (await lines.boundingBox())!;
      await lines.evaluate((target, { entries, x, y }) => {
        const transfer = new DataTransfer();
        for (const [type, value] of Object.entries(entries)) transfer.setData(type, value);
        // (No named functions in here: the test's compiler would wrap them in a helper the page lacks.)
        for (const type of ['dragenter', 'dragover', 'drop']) {
          target.dispatchEvent(new DragEvent(type, { dataTransfer: transfer, bubbles: true, cancelable: true, shiftKey: true, clientX: x, clientY: y }));
        }
      }, { entries: data, x: box.x + 40, y: box.y + 40 });
      const inserted = page.locator('.editor-instance .view-lines', { hasText: 'lighthouse-at-dawn.png' }).first();
      await inserted.waitFor({ timeout: 20_000 });
      const text = await inserted.innerText();
      // (Markdown wraps long lines on screen: the view's lines are joined back.)
      assert.match(text.replace(/\u00a0/g, ' ').replace(/\n/g, ''), /!\[A lighthouse at dawn, watercolor, soft pink sky\]\((\.\/)?images\/generated\/lighthouse-at-dawn\.png\)/);
      await page.waitForTimeout(500);
      await screenshot(page, `history-dropped-${version}`);
    });

    it('deletes the selected image with the Delete key, and selects and focuses the one now in its place', async () => {
      const page = window();
      const view = gallery(page);
      await view.locator('vscode-textfield#search input').fill('');
      await view.locator('.tile').nth(scenes.length - 1).waitFor({ timeout: 10_000 });
      const cabin = view.locator('.tile[aria-label*="A cabin in a pine forest"]');
      await cabin.click();
      await page.keyboard.press('Delete');
      const question = page.locator('.monaco-dialog-box', { hasText: 'Delete forest-cabin.png?' });
      await question.waitFor({ timeout: 20_000 });
      await question.locator('.dialog-buttons a, .dialog-buttons .monaco-button', { hasText: 'Move to Trash' }).first().click();
      // Where there is no trash (this test host), it asks once more.
      const permanently = page.locator('.monaco-dialog-box', { hasText: 'cannot be moved to the trash here' });
      if (await permanently.waitFor({ timeout: 5000 }).then(() => true, () => false)) {
        await permanently.locator('.dialog-buttons a, .dialog-buttons .monaco-button', { hasText: /^Delete$/ }).first().click();
      }
      await cabin.waitFor({ state: 'detached', timeout: 20_000 });
      assert.equal(await view.locator('.tile').count(), scenes.length - 1);
      const selected = view.locator('.tile[aria-selected="true"]');
      assert.match((await selected.getAttribute('aria-label')) ?? '', /Rooftops of an old city/);
      assert.match(await view.locator('.details').innerText(), /Rooftops of an old city/);
      // The focus comes back once the question's dialog has closed and the list has come.
      const deadline = Date.now() + 10_000;
      while (!(await selected.evaluate((tile) => tile === document.activeElement)) && Date.now() < deadline) await page.waitForTimeout(200);
      assert.equal(await selected.evaluate((tile) => tile === document.activeElement), true, 'the keyboard stays in the grid, on the image now in its place');
      await page.keyboard.press('ArrowLeft');
      assert.match((await view.locator('.tile[aria-selected="true"]').getAttribute('aria-label')) ?? '', /An empty desert road/);
      await screenshot(page, `history-deleted-${version}`);
    });
  });
}
