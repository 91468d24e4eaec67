import * as assert from 'node:assert/strict';
import { demoKey } from '../../simulator/server';
import { runFromPalette, screenshot, useSession, waitForNotification } from './workbench';

for (const version of ['1.100', '1.139']) {
  describe(`Setting the API key from the palette, in VS Code ${version}`, () => {
    const session = useSession(version);

    it('asks for the key in a password box, checks it, and shows the balance', async () => {
      const { page } = session().workbench;
      const { simulator } = session();
      await runFromPalette(page, 'EvoLink: Set API Key');
      const box = page.locator('.quick-input-widget input[type="password"]');
      await box.waitFor({ timeout: 15_000 });
      await box.fill(demoKey);
      await screenshot(page, `set-api-key-input-${version}`);
      await page.keyboard.press('Enter');
      assert.match(await waitForNotification(page, /EvoLink API key saved/), /Balance: 1,000 credits/);
      await screenshot(page, `set-api-key-saved-${version}`);
      await page.locator('.notification-list-item', { hasText: 'Checking the API key' }).waitFor({ state: 'detached', timeout: 5000 });
      const checks = simulator.requests.filter((request) => request.path === '/v1/credits');
      assert.equal(checks.length, 1);
      assert.equal(checks[0]?.status, 200);
    });

    it('says why a rejected key was not saved', async () => {
      const { page } = session().workbench;
      const { simulator } = session();
      await runFromPalette(page, 'EvoLink: Set API Key');
      const box = page.locator('.quick-input-widget input[type="password"]');
      await box.waitFor({ timeout: 15_000 });
      await box.fill('sk-this-key-is-wrong');
      await page.keyboard.press('Enter');
      assert.match(await waitForNotification(page, /rejected this API key/), /It was not saved/);
      await screenshot(page, `set-api-key-rejected-${version}`);
      assert.equal(simulator.requests.at(-1)?.status, 401);
    });
  });
}
