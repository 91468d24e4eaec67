import * as assert from 'node:assert/strict';
import { EvoLinkSimulator } from '../../simulator/server';
import { openWorkbench, runFromPalette, screenshot, type Workbench } from './workbench';

/** What each language must show: the palette title, the Studio's heading and buttons, the cost. */
const expected = {
  de: { command: 'EvoLink: Image Studio öffnen', compose: 'NEUES BILD', generate: 'Generieren', cost: /Reserviert 2,5 Credits/, add: 'Hinzufügen …' },
  ja: { command: 'EvoLink: Image Studio を開く', compose: '新しい画像', generate: '生成', cost: /2\.5 クレジットを確保/, add: '追加…' },
  'zh-cn': { command: 'EvoLink: 打开 Image Studio', compose: '新图像', generate: '生成', cost: /预留 2\.5 积分/, add: '添加…' },
} as const;

describe('The extension in German, Japanese and Simplified Chinese (VS Code 1.139)', function () {
  this.timeout(120_000);
  let simulator: EvoLinkSimulator;
  before(async () => {
    simulator = new EvoLinkSimulator();
    await simulator.start();
  });
  after(() => simulator.stop());

  for (const [language, text] of Object.entries(expected)) {
    it(`shows its commands and the Studio in ${language}`, async () => {
      const workbench: Workbench = await openWorkbench('1.139', {
        settings: { 'evolink.apiBaseUrl': simulator.urls.api, 'evolink.filesApiBaseUrl': simulator.urls.files },
        theme: language === 'ja' ? 'light' : 'dark',
        locale: language,
      });
      try {
        const { page } = workbench;
        await runFromPalette(page, text.command);
        const view = page.frameLocator('iframe.webview').frameLocator('iframe');
        await view.locator('h2#compose-title').waitFor({ timeout: 30_000 });
        assert.equal((await view.locator('h2#compose-title').innerText()).toUpperCase(), text.compose.toUpperCase());
        assert.equal((await view.locator('vscode-button#generate').innerText()).trim(), text.generate);
        assert.equal((await view.locator('vscode-button#add-reference').innerText()).trim(), text.add);
        assert.match(await view.locator('#cost').innerText(), text.cost);
        await page.waitForTimeout(500);
        await screenshot(page, `studio-${language}`);
      } finally {
        await workbench.close();
      }
    });
  }
});
