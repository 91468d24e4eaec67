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

    it('refuses a key that holds an invisible character in the box itself, and sends nothing', async () => {
      const { page } = session().workbench;
      const { simulator } = session();
      const sent = simulator.requests.length;
      await page.keyboard.press('Escape');
      await runFromPalette(page, 'EvoLink: Set API Key');
      const box = page.locator('.quick-input-widget input[type="password"]');
      await box.waitFor({ timeout: 15_000 });
      // A zero-width space, as a copy from a web page or a chat may carry with the key.
      await box.fill(`${demoKey.slice(0, 6)}\u200b${demoKey.slice(6)}`);
      const message = page.locator('.quick-input-widget .quick-input-message', { hasText: 'invisible' });
      await message.waitFor({ timeout: 5000 });
      assert.match(await message.innerText(), /Paste it again from your EvoLink dashboard/);
      await screenshot(page, `set-api-key-invisible-${version}`);
      await page.keyboard.press('Enter');
      await page.waitForTimeout(500);
      assert.ok(await box.isVisible(), 'Enter does not accept a key the box refused');
      await page.keyboard.press('Escape');
      assert.equal(simulator.requests.length, sent, 'nothing was sent');
    });

    // A captive portal's sign-in page, or a firewall's refusal page: neither is EvoLink's word on the key.
    const portal = version === '1.100';
    it(`says that a web page came back when ${portal ? 'a sign-in page' : "a firewall's 403 page"} answers the check, and Retry checks the key again`, async () => {
      const { page } = session().workbench;
      const { simulator } = session();
      simulator.addFault('credits', { kind: 'status', status: portal ? 200 : 403, body: 'html' });
      await runFromPalette(page, 'EvoLink: Set API Key');
      const box = page.locator('.quick-input-widget input[type="password"]');
      await box.waitFor({ timeout: 15_000 });
      await box.fill(demoKey);
      await page.keyboard.press('Enter');
      const text = await waitForNotification(page, /web page came back/);
      assert.match(text, /API key was not saved/);
      assert.match(text, /sign-in/);
      await screenshot(page, `set-api-key-sign-in-page-${version}`);
      await page.locator('.notification-list-item', { hasText: 'web page came back' }).locator('a.monaco-button', { hasText: 'Retry' }).first().click();
      assert.match(await waitForNotification(page, /EvoLink API key saved/), /Balance: 1,000 credits/);
      const checks = simulator.requests.filter((request) => request.path === '/v1/credits').slice(-2);
      assert.deepEqual(checks.map((request) => request.status), [portal ? 200 : 403, 200], 'the web page, then EvoLink');
    });
  });
}
