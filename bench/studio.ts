// The Image Studio's opening time, in a real VS Code (1.139, headless Chromium): from the command
// to the panel's first paint with its content, against VS Code's own Markdown preview (also a
// webview opened by a command) in the same run, alternating, median of 7 each. Also the size of
// the webview bundles.
import { readFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import type { Page } from 'playwright-core';
import { EvoLinkSimulator } from '../simulator/server';
import { openWorkbench, runFromPalette } from '../test/ui/workbench';

const runs = 7;

async function timeCommand(page: Page, title: string, ready: () => Promise<unknown>): Promise<number> {
  await page.keyboard.press('Escape');
  await page.keyboard.press('F1');
  const input = page.locator('.quick-input-widget input').first();
  await input.fill(`>${title}`);
  await page.locator('.quick-input-list .monaco-list-row', { hasText: title }).first().waitFor({ timeout: 30_000 });
  const start = performance.now();
  await page.keyboard.press('Enter');
  await ready();
  return performance.now() - start;
}

const median = (values: number[]): number => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

async function main(): Promise<void> {
  const simulator = new EvoLinkSimulator();
  const urls = await simulator.start();
  const workbench = await openWorkbench('1.139', { settings: { 'evolink.apiBaseUrl': urls.api, 'evolink.filesApiBaseUrl': urls.files } });
  const { page } = workbench;
  const studio: number[] = [];
  const preview: number[] = [];
  try {
    await page.locator('.explorer-folders-view .monaco-list-row', { hasText: 'README.md' }).first().click();
    await page.waitForTimeout(1500);
    for (let run = 0; run < runs + 1; run++) {
      const studioTime = await timeCommand(page, 'EvoLink: Open Image Studio', () =>
        page.frameLocator('iframe.webview >> visible=true').frameLocator('iframe').locator('vscode-textarea#prompt').waitFor({ timeout: 30_000 }),
      );
      await runFromPalette(page, 'View: Close All Editors');
      await page.locator('.explorer-folders-view .monaco-list-row', { hasText: 'README.md' }).first().click();
      await page.waitForTimeout(500);
      const previewTime = await timeCommand(page, 'Markdown: Open Preview', () =>
        page.frameLocator('iframe.webview >> visible=true').frameLocator('iframe').locator('h1').first().waitFor({ timeout: 30_000 }),
      );
      await runFromPalette(page, 'View: Close All Editors');
      await page.waitForTimeout(500);
      // The first round warms caches for both; it is not counted.
      if (run > 0) {
        studio.push(studioTime);
        preview.push(previewTime);
      }
    }
  } finally {
    await workbench.close();
    await simulator.stop();
  }
  const size = (path: string) => {
    const bytes = readFileSync(path);
    return `${(bytes.length / 1024).toFixed(0)} KB (${(gzipSync(bytes).length / 1024).toFixed(0)} KB gzipped)`;
  };
  console.log(`Studio, command to first paint with content: median ${median(studio).toFixed(0)} ms (${studio.map((v) => v.toFixed(0)).join(', ')})`);
  console.log(`Markdown preview, command to content:        median ${median(preview).toFixed(0)} ms (${preview.map((v) => v.toFixed(0)).join(', ')})`);
  console.log(`Ratio: ${(median(studio) / median(preview)).toFixed(2)}x the Markdown preview`);
  console.log(`Webview bundles: dist/webview.js ${size('dist/webview.js')}, dist/compare.js ${size('dist/compare.js')}`);
}

void main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
