import { cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import sharp from 'sharp';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, FrameLocator, Locator, Page } from 'playwright-core';
import { launchBrowser, repoRoot, startServer, workbenchUrl, type StartedServer } from '../../scripts/lib/vscode-server.mjs';
import { EvoLinkSimulator, type SimulatorOptions } from '../../simulator/server';

/** Where UI tests leave their screenshots. */
export const screenshotDir = join(repoRoot, '.test-results', 'ui');

/** A real VS Code window in headless Chromium, with the extension under development loaded. */
export interface Workbench {
  page: Page;
  folder: string;
  version: string;
  close(): Promise<void>;
}

/** How a window is opened. */
export interface WorkbenchOptions {
  settings: Record<string, unknown>;
  theme?: 'light' | 'dark';
  env?: Record<string, string>;
  /** Adds files to the workspace before the window opens on it. */
  prepare?: (folder: string) => Promise<void>;
  /** Load the extensions installed here (a packaged build) instead of the one under development. */
  extensionsDir?: string;
  /** More arguments for the server. */
  extraArgs?: string[];
  /** The browser's language (VS Code for the web takes its display language from it). */
  locale?: string;
  /** The window's size; 1280x800 unless given. */
  viewport?: { width: number; height: number };
}

/**
 * Copies the sample workspace, without what earlier test runs left in it (the integration tests'
 * images and provenance index are ignored by git, but lie in the same folder).
 */
export function copySampleWorkspace(folder: string): void {
  const fixture = join(repoRoot, 'test/fixtures/workspace');
  cpSync(fixture, folder, { recursive: true, filter: (source) => !/^[\\/](images|\.evolink)([\\/]|$)/.test(source.slice(fixture.length)) });
}

/**
 * Removes a window's folders; the server killed a moment ago may still be writing its last logs
 * there. `KEEP_UI_DIRS=1` keeps them (and the extension's log) to look at a failure.
 */
function removeDataDir(dataDir: string): void {
  if (!process.env.KEEP_UI_DIRS) rmSync(dataDir, { recursive: true, force: true, maxRetries: 5, retryDelay: 200 });
}

/** Opens a fresh window on a copy of the sample workspace. */
export async function openWorkbench(version: string, options: WorkbenchOptions): Promise<Workbench> {
  const dataDir = mkdtempSync(join(tmpdir(), `evolink-ui-${version}-`));
  const folder = join(dataDir, 'workspace');
  let server: StartedServer;
  try {
    copySampleWorkspace(folder);
    await options.prepare?.(folder);
    server = await startServer({
      version,
      dataDir,
      ...(options.extensionsDir ? { extensionsDir: options.extensionsDir } : {}),
      ...(options.extraArgs ? { extraArgs: options.extraArgs } : {}),
      // Newer versions open an empty secondary side bar (for chat) in every window: not ours to show.
      settings: { 'workbench.secondarySideBar.defaultVisibility': 'hidden', ...options.settings, 'workbench.colorTheme': options.theme === 'light' ? 'Default Light Modern' : 'Default Dark Modern' },
      env: options.env ?? {},
    });
  } catch (error) {
    removeDataDir(dataDir);
    throw error;
  }
  let browser: Browser | undefined;
  try {
    browser = await launchBrowser();
    const page = await browser.newPage({ viewport: options.viewport ?? { width: 1280, height: 800 }, ...(options.locale ? { locale: options.locale } : {}) });
    if (options.locale) {
      // VS Code for the web takes its display language from this global, which the server sets
      // from its language packs (none can be installed offline): fixed here before it loads.
      await page.addInitScript((language) => Object.defineProperty(globalThis, '_VSCODE_NLS_LANGUAGE', { value: language, writable: false }), options.locale);
    }
    await page.goto(workbenchUrl(server.url, folder, options.extensionsDir ? undefined : [['extensionDevelopmentPath', repoRoot]]));
    await page.locator('.monaco-workbench').waitFor({ timeout: 60_000 });
    await page.locator('.statusbar').waitFor({ timeout: 60_000 });
    const opened = browser;
    return {
      page,
      folder,
      version,
      async close() {
        await opened.close().catch(() => undefined);
        server.stop();
        removeDataDir(dataDir);
      },
    };
  } catch (error) {
    await browser?.close().catch(() => undefined);
    server.stop();
    removeDataDir(dataDir);
    throw error;
  }
}

/**
 * Runs a command from the palette by its title. The palette is racy just after load (the
 * extension host registers contributions a moment later), so it retries until the entry shows.
 */
export async function runFromPalette(page: Page, title: string): Promise<void> {
  const deadline = Date.now() + 45_000;
  const input = page.locator('.quick-input-widget input[type="text"], .quick-input-widget .quick-input-box input').first();
  for (;;) {
    await page.keyboard.press('Escape');
    await page.keyboard.press('F1');
    await input.waitFor({ timeout: 5000 }).catch(() => undefined);
    await input.fill(`>${title}`);
    const row = page.locator('.quick-input-list .monaco-list-row', { hasText: title }).first();
    if (await row.waitFor({ timeout: 3000 }).then(() => true, () => false)) {
      await page.keyboard.press('Enter');
      return;
    }
    if (Date.now() > deadline) {
      throw new Error(`The command "${title}" did not appear in the palette.`);
    }
  }
}

/** Right-clicks a file in the explorer and runs an entry of its context menu. */
export async function fromExplorer(page: Page, file: string, entry: string): Promise<void> {
  await runFromPalette(page, 'View: Show Explorer');
  const row = page.locator('.explorer-folders-view .monaco-list-row', { hasText: file }).first();
  await row.waitFor({ timeout: 20_000 });
  await row.click({ button: 'right' });
  const item = page.locator('.context-view .action-item', { hasText: entry }).first();
  await item.waitFor({ timeout: 10_000 });
  // Menus act on the focused entry: hover it, then Enter (a synthetic click can land between events).
  await item.hover();
  await page.waitForTimeout(150);
  await page.keyboard.press('Enter');
}

/**
 * The webview (of several: a Studio kept alive while hidden, a compare view) that shows this
 * element, waited for. "The visible webview" is not enough: a retained webview's frame is hidden
 * by VS Code a moment after another one opens, and may be taken for the visible one meanwhile.
 */
export async function webviewShowing(page: Page, selector: string, timeout: number): Promise<FrameLocator> {
  const deadline = Date.now() + timeout;
  for (;;) {
    const count = await page.locator('iframe.webview').count();
    for (let index = count - 1; index >= 0; index--) {
      const view = page.frameLocator(`iframe.webview >> nth=${index}`).frameLocator('iframe');
      if (await view.locator(selector).first().isVisible().catch(() => false)) return view;
    }
    if (Date.now() > deadline) throw new Error(`No webview showed ${selector} within ${timeout} ms`);
    await page.waitForTimeout(250);
  }
}

/**
 * The webview of the editor tab titled `tab` once it shows `selector`. A webview that stays blank
 * (VS Code 1.100's test host now and then leaves a new webview's frame empty while another is
 * being disposed) is shown again by a click on another tab and back, once, halfway through.
 */
export async function tabWebviewShowing(page: Page, tab: string, selector: string, timeout: number): Promise<FrameLocator> {
  try {
    return await webviewShowing(page, selector, timeout / 2);
  } catch {
    const tabs = page.locator('.tabs-container .tab');
    await tabs.filter({ hasNotText: tab }).first().click();
    await tabs.filter({ hasText: tab }).first().click();
    return webviewShowing(page, selector, timeout / 2);
  }
}

/**
 * Opens a workspace file with Go to File, waits for its editor (found by a word of its text)
 * and clicks into it; answers the editor.
 */
export async function openFile(page: Page, name: string, showing: string): Promise<Locator> {
  await runFromPalette(page, 'Go to File...');
  await page.locator('.quick-input-widget input').first().fill(name);
  await page.locator('.quick-input-list .monaco-list-row', { hasText: name }).first().waitFor({ timeout: 20_000 });
  await page.keyboard.press('Enter');
  const editor = page.locator('.editor-instance .monaco-editor', { hasText: showing }).first();
  await editor.waitFor({ timeout: 20_000 });
  await editor.locator('.view-lines').click();
  return editor;
}

/** Saves a screenshot of the whole window and answers its path. */
export async function screenshot(page: Page, name: string): Promise<string> {
  mkdirSync(screenshotDir, { recursive: true });
  const path = join(screenshotDir, `${name}.png`);
  await page.screenshot({ path });
  return path;
}

/**
 * Waits for a notification whose text matches, and answers its text. Versions differ in how they
 * render notifications (1.139 may show only the screen-reader alert before the centre is opened),
 * so both the toasts and the alert region are watched; then the notification centre is opened so
 * that a screenshot shows the message.
 */
export async function waitForNotification(page: Page, text: RegExp, timeoutMs = 20_000): Promise<string> {
  const toast = page.locator('.notifications-toasts .notification-list-item', { hasText: text }).first();
  const alert = page.locator('.monaco-alert', { hasText: text }).first();
  const visible = await Promise.any([
    toast.waitFor({ state: 'attached', timeout: timeoutMs }).then(() => toast),
    alert.waitFor({ state: 'attached', timeout: timeoutMs }).then(() => alert),
  ]);
  const message = await visible.innerText();
  // Toasts fade in; a screenshot taken at once shows them half transparent.
  await page.waitForTimeout(700);
  if (!(await toast.isVisible())) {
    await page.locator('.notifications-center').waitFor({ state: 'attached', timeout: 1000 }).catch(() => undefined);
    await runFromPalette(page, 'Notifications: Show Notifications');
    await page.locator('.notifications-center', { hasText: text }).waitFor({ timeout: 5000 }).catch(() => undefined);
  }
  return message;
}

/** Types into the open quick input and accepts, waiting for the input to take the text. */
export async function answerQuickInput(page: Page, text: string | undefined): Promise<void> {
  const input = page.locator('.quick-input-widget input').first();
  await input.waitFor({ state: 'visible', timeout: 15_000 });
  if (text !== undefined) {
    await input.fill(text);
    await page.waitForTimeout(150);
  }
  await page.keyboard.press('Enter');
  await page.waitForTimeout(300);
}

/** Sets the API key through the real password box. */
export async function setApiKey(page: Page, key: string): Promise<void> {
  await runFromPalette(page, 'EvoLink: Set API Key');
  const box = page.locator('.quick-input-widget input[type="password"]');
  await box.waitFor({ timeout: 15_000 });
  await box.fill(key);
  await page.keyboard.press('Enter');
  await waitForNotification(page, /EvoLink API key saved/);
  await page.keyboard.press('Escape');
}

/** A simulator and a window on it, for one `describe` block. */
export interface Session {
  simulator: EvoLinkSimulator;
  workbench: Workbench;
}

/**
 * Registers the hooks of a UI suite: a simulator and a fresh window pointed at it before the
 * tests, a screenshot of the window when a test fails, and both closed after. Answers a getter,
 * since the session exists only once the `before` hook has run.
 */
export function useSession(
  version: string,
  options: {
    simulator?: SimulatorOptions;
    env?: Record<string, string>;
    /** Adds files to the workspace before the window opens on it. */
    prepare?: (folder: string) => Promise<void>;
    /** Load a packaged build installed here instead of the extension under development. */
    extensionsDir?: string;
    setup?: (session: Session) => Promise<void>;
  } = {},
): () => Session {
  let session: Session | undefined;
  before(async () => {
    const simulator = new EvoLinkSimulator(options.simulator);
    const urls = await simulator.start();
    const workbench = await openWorkbench(version, {
      settings: { 'evolink.apiBaseUrl': urls.api, 'evolink.filesApiBaseUrl': urls.files },
      ...(options.env ? { env: options.env } : {}),
      ...(options.prepare ? { prepare: options.prepare } : {}),
      ...(options.extensionsDir ? { extensionsDir: options.extensionsDir } : {}),
    });
    session = { simulator, workbench };
    await options.setup?.(session);
  });
  afterEach(async function () {
    if (session && this.currentTest?.state === 'failed') {
      await screenshot(session.workbench.page, `failed-${this.currentTest.title.replace(/\W+/g, '-')}-${version}`);
    }
  });
  after(async () => {
    await session?.workbench.close();
    await session?.simulator.stop();
  });
  return () => {
    if (!session) throw new Error('The UI session has not started.');
    return session;
  };
}

/** A small landscape to edit: sky, sun and hills, so that the screenshots show a real picture. */
export async function landscape(path: string): Promise<void> {
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="1024" height="1024">
  <defs><linearGradient id="sky" x1="0" y1="0" x2="0" y2="1"><stop offset="0" stop-color="#2b5fa8"/><stop offset="1" stop-color="#f3b27a"/></linearGradient></defs>
  <rect width="1024" height="1024" fill="url(#sky)"/>
  <circle cx="700" cy="420" r="110" fill="#ffe08a"/>
  <path d="M0 700 Q 250 520 520 690 T 1024 640 V 1024 H 0 Z" fill="#3f7d4e"/>
  <path d="M0 820 Q 300 700 640 830 T 1024 800 V 1024 H 0 Z" fill="#2c5a3a"/>
  <rect x="180" y="610" width="120" height="90" fill="#8a4b32"/><path d="M170 615 L240 560 L310 615 Z" fill="#5b2c1e"/>
</svg>`;
  writeFileSync(path, await sharp(Buffer.from(svg)).png().toBuffer());
}


/**
 * Picks an option of a `vscode-single-select` in a webview as the component does: a new value,
 * then "change" (its dropdown lives in a shadow root that clicks do not reach reliably).
 */
export async function pickOption(view: FrameLocator, id: string, value: string): Promise<void> {
  await view.locator(`vscode-single-select#${id}`).evaluate((element, chosen) => {
    (element as HTMLElement & { value: string }).value = chosen;
    element.dispatchEvent(new Event('change', { bubbles: true }));
  }, value);
}
