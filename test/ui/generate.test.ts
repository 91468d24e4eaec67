import * as assert from 'node:assert/strict';
import { existsSync, readdirSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import type { Page } from 'playwright-core';
import { demoKey } from '../../simulator/server';
import { answerQuickInput, runFromPalette, screenshot, setApiKey, useSession, waitForNotification } from './workbench';

function imagesIn(folder: string): string[] {
  const dir = join(folder, 'images', 'generated');
  return existsSync(dir) ? readdirSync(dir).filter((name) => !name.endsWith('.json') && !name.endsWith('.partial')) : [];
}

for (const version of ['1.100', '1.139']) {
  describe(`Generating from the palette, in VS Code ${version}`, () => {
    const session = useSession(version, {
      simulator: { taskDurationMs: 14_000 },
      env: { EVOLINK_TIME_SCALE: '0.25' },
      setup: ({ workbench }) => setApiKey(workbench.page, demoKey),
    });

    it('shows progress, survives a reload of the window, and saves the result exactly once', async () => {
      const { simulator, workbench } = session();
      const { page, folder } = workbench;
      await runFromPalette(page, 'EvoLink: Generate Image…');
      // The wizard asks for the model first, so that the prompt is checked against its limit.
      await answerQuickInput(page, 'GPT-4o Image');
      await answerQuickInput(page, 'A lighthouse at dawn, watercolor');
      await answerQuickInput(page, undefined); // the default size
      await answerQuickInput(page, '2 images');
      // The item by its id (extension id + item id); versions differ in the markup around it.
      await page.waitForFunction(
        () => [...document.querySelectorAll('[id="evolink.evolink-image-studio.evolink.tasks"]')].some((item) => /EvoLink:\s*1\s*running/.test(item.textContent ?? '')),
        undefined,
        { timeout: 20_000 },
      );
      // The progress notification shows as a toast where the version renders toasts.
      await page.locator('.notification-list-item', { hasText: 'Generating with GPT-4o Image' }).first().waitFor({ timeout: 3000 }).catch(() => undefined);
      await page.waitForTimeout(1500);
      await screenshot(page, `generate-progress-${version}`);
      // The EvoLink side bar's Tasks view lists it under Running, with its progress.
      await runFromPalette(page, 'View: Show EvoLink');
      await page.locator('.monaco-list-row[role="treeitem"]', { hasText: /^Running/ }).first().waitFor({ timeout: 20_000 });
      await page.locator('.monaco-list-row[role="treeitem"]', { hasText: 'A lighthouse at dawn, watercolor' }).first().waitFor({ timeout: 20_000 });
      await screenshot(page, `sidebar-running-${version}`);
      assert.equal(simulator.tasks.size, 1);
      assert.deepEqual(imagesIn(folder), []);

      // Reload mid-task: the ledger resumes it in the new window. This web test host keeps
      // SecretStorage in memory only, so the key is set again, as its user would have to.
      await page.reload();
      await page.locator('.statusbar').waitFor({ timeout: 60_000 });
      await setApiKey(page, demoKey);
      const deadline = Date.now() + 60_000;
      while (imagesIn(folder).length < 2 && Date.now() < deadline) await page.waitForTimeout(500);
      if (process.env.EVOLINK_UI_DEBUG) {
        const { execSync } = await import('node:child_process');
        console.log(execSync(`find ${join(folder, '..')} -name '*.log' -path '*evolink*' | while read f; do echo "== $f"; cat "$f"; done`).toString());
      }
      assert.deepEqual(imagesIn(folder).sort(), ['a-lighthouse-at-dawn-watercolor-2.png', 'a-lighthouse-at-dawn-watercolor.png']);
      // The new window says what it saved on its own.
      assert.match(await waitForNotification(page, /from an earlier request/), /Saved 2 images from an earlier request/);
      await page.waitForTimeout(2000);
      assert.equal(imagesIn(folder).length, 2, 'saved once, not again');
      assert.equal(simulator.requests.filter((request) => request.path === '/v1/images/generations').length, 1);
      assert.equal(simulator.requests.filter((request) => request.origin === 'cdn').length, 2);
      await screenshot(page, `generate-resumed-${version}`);
      // Saved, it moves to Recent, with its image as the icon.
      await runFromPalette(page, 'View: Show EvoLink');
      await page.locator('.monaco-list-row[role="treeitem"]', { hasText: /^Recent/ }).first().waitFor({ timeout: 20_000 });
      const saved = page.locator('.monaco-list-row[role="treeitem"]', { hasText: 'A lighthouse at dawn, watercolor' }).first();
      await saved.waitFor({ timeout: 20_000 });
      assert.equal(await page.locator('.monaco-list-row[role="treeitem"]', { hasText: /^Running/ }).count(), 0);
      await screenshot(page, `sidebar-saved-${version}`);
    });

    it('goes Back through the wizard with its button and changes the model; Escape sends nothing', async () => {
      const { page } = session().workbench;
      const { simulator } = session();
      const sent = simulator.requests.filter((request) => request.path === '/v1/images/generations').length;
      const title = page.locator('.quick-input-widget .quick-input-title');
      const back = page.locator('.quick-input-widget .quick-input-titlebar .codicon-quick-input-back, .quick-input-widget .quick-input-titlebar [aria-label="Back"]').first();
      await runFromPalette(page, 'EvoLink: Generate Image…');
      await answerQuickInput(page, 'GPT-4o Image');
      await answerQuickInput(page, 'A paper boat on a calm lake');
      // The size step of GPT-4o Image: step 3 of 4, with Back in the title bar.
      await page.locator('.quick-input-list .monaco-list-row', { hasText: '3:2' }).first().waitFor({ timeout: 10_000 });
      assert.match(await title.innerText(), /3\/4/);
      await screenshot(page, `wizard-size-${version}`);
      await back.click();
      await page.waitForTimeout(400);
      // The prompt step keeps what was typed.
      assert.equal(await page.locator('.quick-input-widget input').first().inputValue(), 'A paper boat on a calm lake');
      await back.click();
      await page.locator('.quick-input-list .monaco-list-row', { hasText: 'Seedream 4.5' }).first().waitFor({ timeout: 10_000 });
      assert.match(await title.innerText(), /1\/4/);
      await answerQuickInput(page, 'Seedream 4.5');
      await answerQuickInput(page, undefined); // the prompt, as it was
      // Seedream's own sizes now (2K, 4K), not GPT-4o Image's ratios.
      await page.locator('.quick-input-list .monaco-list-row', { hasText: '4K' }).first().waitFor({ timeout: 10_000 });
      assert.equal(await page.locator('.quick-input-list .monaco-list-row', { hasText: '3:2' }).count(), 0);
      await screenshot(page, `wizard-back-${version}`);
      await page.keyboard.press('Escape');
      await page.waitForTimeout(800);
      assert.equal(simulator.requests.filter((request) => request.path === '/v1/images/generations').length, sent, 'nothing sent');
    });

    it('lists the task in Show Tasks with its state', async () => {
      const { page } = session().workbench;
      await runFromPalette(page, 'EvoLink: Show Tasks');
      const row = page.locator('.quick-input-list .monaco-list-row', { hasText: 'A lighthouse at dawn' }).first();
      await row.waitFor({ timeout: 15_000 });
      assert.match(await row.innerText(), /saved/);
      await screenshot(page, `show-tasks-${version}`);
      await page.keyboard.press('Escape');
    });

    it('takes over a task when its folder is reopened as a workspace mid-task, and saves it there once', async () => {
      const { simulator, workbench } = session();
      const { page, folder } = workbench;
      const sent = simulator.requests.filter((request) => request.path === '/v1/images/generations').length;
      await generateOne(page, 'A copper teapot, isometric');
      await page.waitForFunction(
        () => [...document.querySelectorAll('[id="evolink.evolink-image-studio.evolink.tasks"]')].some((item) => /EvoLink:\s*1\s*running/.test(item.textContent ?? '')),
        undefined,
        { timeout: 20_000 },
      );
      // The same folder in a .code-workspace: VS Code gives it storage of its own, and with it another ledger.
      const workspaceFile = join(folder, '..', 'site.code-workspace');
      writeFileSync(workspaceFile, JSON.stringify({ folders: [{ path: folder }] }));
      await page.goto(page.url().replace(/\?folder=[^&]*/, `?workspace=${encodeURIComponent(workspaceFile)}`));
      await page.locator('.statusbar').waitFor({ timeout: 60_000 });
      // The test host now and then opens a workspace file without the folder in it (an empty
      // Explorer that offers to open one, and no extension activated): it is opened again, as
      // its user would, up to three times. The extension has no part in reading the workspace file.
      const emptyWorkspace = page.getByText('You have not yet added a folder to the workspace.').first();
      const folderRow = page.locator('.explorer-folders-view .monaco-list-row', { hasText: basename(folder) }).first();
      // On a busy machine the workspace may also take over half a minute to show its folder: a
      // window still loading is waited for, not reloaded.
      for (let attempt = 0; attempt < 3; attempt++) {
        await Promise.any([emptyWorkspace.waitFor({ timeout: 45_000 }), folderRow.waitFor({ timeout: 45_000 })]).catch(() => undefined);
        if (await folderRow.isVisible()) break;
        if (!(await emptyWorkspace.isVisible())) continue;
        await page.reload();
        await page.locator('.statusbar').waitFor({ timeout: 60_000 });
      }
      await folderRow.waitFor({ timeout: 30_000 });
      await setApiKey(page, demoKey);
      const said = await waitForNotification(page, /from an earlier request/, 60_000);
      assert.match(said, /Saved 1 image from an earlier request/);
      assert.ok(imagesIn(folder).includes('a-copper-teapot-isometric.png'), `saved: ${imagesIn(folder).join(', ')}`);
      await screenshot(page, `generate-reopened-as-workspace-${version}`);
      await page.waitForTimeout(2000);
      assert.equal(imagesIn(folder).filter((name) => name.startsWith('a-copper-teapot')).length, 1, 'saved once');
      assert.equal(simulator.requests.filter((request) => request.path === '/v1/images/generations').length, sent + 1, 'paid once');
    }).timeout(300_000);
  });
}

/** Generates one image of GPT-4o Image at the default size from the palette's wizard. */
async function generateOne(page: Page, prompt: string): Promise<void> {
  await runFromPalette(page, 'EvoLink: Generate Image…');
  await answerQuickInput(page, 'GPT-4o Image');
  await answerQuickInput(page, prompt);
  await answerQuickInput(page, undefined);
  await answerQuickInput(page, '1 image');
}

describe('A request whose answer is lost for good, in VS Code 1.139', () => {
  // Every wait of the extension shrunk a hundredfold: the 15-minute replay window lasts 9 s.
  const session = useSession('1.139', {
    simulator: { taskDurationMs: 2000 },
    env: { EVOLINK_TIME_SCALE: '0.01' },
    setup: ({ workbench }) => setApiKey(workbench.page, demoKey),
  });

  it('is never sent again on its own: the user is told EvoLink may have it, and Check for It finds it', async () => {
    const { simulator, workbench } = session();
    const { page, folder } = workbench;
    simulator.addFault('submit', { kind: 'reset' }, 1000);
    await generateOne(page, 'A red fox in the snow, woodcut');
    await waitForNotification(page, /may have received the request/, 40_000);
    const toast = page.locator('.notification-list-item', { hasText: 'may have received' }).first();
    const buttons = (await toast.locator('a.monaco-button').allInnerTexts()).map((text) => text.toLowerCase());
    assert.deepEqual(buttons, ['check for it', 'submit again…'], 'Check for It and Submit Again…, no plain Retry');
    await screenshot(page, 'generate-unconfirmed-1.139');
    const sent = simulator.requests.filter((request) => request.path === '/v1/images/generations').length;
    await page.waitForTimeout(1500);
    assert.equal(simulator.requests.filter((request) => request.path === '/v1/images/generations').length, sent, 'not sent again');
    simulator.clearFaults('submit');
    await toast.locator('a.monaco-button').first().click();
    const deadline = Date.now() + 30_000;
    while (imagesIn(folder).length < 1 && Date.now() < deadline) await page.waitForTimeout(300);
    assert.deepEqual(imagesIn(folder), ['a-red-fox-in-the-snow-woodcut.png']);
    assert.equal(simulator.tasks.size, 1, 'one task, one charge');
  });

  it('saves a result the CDN sent as AVIF under its own extension, and opens it in the image preview', async () => {
    const { simulator, workbench } = session();
    const { page, folder } = workbench;
    simulator.addFault('cdn', { kind: 'converted', format: 'avif' });
    const downloads = simulator.requests.filter((request) => request.origin === 'cdn').length;
    await generateOne(page, 'A blue kite over dunes, flat');
    const deadline = Date.now() + 30_000;
    while (!imagesIn(folder).some((name) => name.endsWith('.avif')) && Date.now() < deadline) await page.waitForTimeout(300);
    assert.ok(imagesIn(folder).includes('a-blue-kite-over-dunes-flat.avif'), `saved: ${imagesIn(folder).join(', ')}`);
    // Opened beside, in VS Code's own image preview (a tab named for the file).
    await page.locator('.tab', { hasText: 'a-blue-kite-over-dunes-flat.avif' }).first().waitFor({ timeout: 15_000 });
    await page.waitForTimeout(1500);
    await screenshot(page, 'result-avif-1.139');
    assert.equal(simulator.requests.filter((request) => request.origin === 'cdn').length, downloads + 1, 'downloaded once, kept as it came');
  });

  it('says so when Submit Again does not go through, and keeps the request to be checked for', async () => {
    const { simulator, workbench } = session();
    const { page } = workbench;
    simulator.addFault('submit', { kind: 'reset' }, 1000);
    await generateOne(page, 'A lighthouse at dusk, linocut');
    await waitForNotification(page, /may have received the request "A lighthouse/, 40_000);
    simulator.clearFaults('submit');
    simulator.addFault('submit', { kind: 'status', status: 402, code: 'insufficient_user_quota', message: 'Insufficient account balance: 1 credits left, 2.5 needed' });
    const toast = page.locator('.notification-list-item', { hasText: 'may have received the request "A lighthouse' }).first();
    await toast.locator('a.monaco-button', { hasText: /Submit Again/ }).click();
    const dialog = page.locator('.monaco-dialog-box', { hasText: 'Submit this request again?' });
    await dialog.waitFor({ timeout: 15_000 });
    await dialog.locator('.monaco-button', { hasText: /^Submit Again$/ }).click();
    const said = await waitForNotification(page, /again did not go through/, 30_000);
    assert.match(said, /Sending "A lighthouse at dusk, linocut" again did not go through\. Your EvoLink balance is too low/);
    await screenshot(page, 'submit-again-refused-1.139');
    const told = page.locator('.notification-list-item', { hasText: 'again did not go through' }).first();
    const buttons = (await told.locator('a.monaco-button').allInnerTexts()).map((text) => text.toLowerCase());
    assert.deepEqual(buttons, ['check for it', 'submit again…']);
  });
});
