/*
 * Watches a VS Code window in the browser for the moments a bench needs on the machine's clock
 * (epoch ms, the same clock as the bench's and the extension host's): an image painted in an
 * editor's webview (VS Code's image preview shows the file in an <img> inside the webview's inner
 * frame), and a click in the workbench. The probes run in the page and stamp each moment when it
 * happens (images: within the few milliseconds of the probe's own look), not the bench's.
 */
import type { Page } from 'playwright-core';

/**
 * When an image was painted in a webview: it was seen loaded at `loaded` (and was not at
 * `notBefore`, the probe's look before), then the frame after it was drawn at `painted`.
 */
export interface Painted {
  /** The image's address, decoded (it names the file). */
  src: string;
  notBefore: number;
  loaded: number;
  painted: number;
}

/** What the probes recorded so far. */
export interface PaintProbe {
  readonly painted: Painted[];
  readonly clicks: number[];
  /** Editor tabs as they showed a file's name: the name and when. */
  readonly tabs: { label: string; at: number }[];
  /** The first image painted after `since` whose address names `file`. */
  paintOf(file: string, since?: number): Painted | undefined;
  /** When an editor tab first showed `file` after `since`. */
  tabOf(file: string, since?: number): number | undefined;
}

declare global {
  interface Window {
    evolinkBenchMark?: (src: string, notBefore: number, loaded: number, painted: number) => Promise<void>;
    evolinkBenchTab?: (label: string, at: number) => Promise<void>;
  }
}

/**
 * Runs in every frame but the workbench's own: looks for loaded images every few milliseconds
 * (a webview writes its document into its frame, which drops observers and listeners that were
 * set up before; a timer lives on), and reports each once the frame after it has been drawn.
 */
function watchImages(): void {
  if (window === window.top) return;
  const seen = new WeakSet<HTMLImageElement>();
  let lastLook = Date.now();
  setInterval(() => {
    const now = Date.now();
    for (const image of document.querySelectorAll('img')) {
      if (seen.has(image) || !image.complete || image.naturalWidth === 0) continue;
      seen.add(image);
      const before = lastLook;
      // The callback of the next animation frame runs before that frame is drawn; a task queued
      // from it runs once the frame is out.
      requestAnimationFrame(() => setTimeout(() => void window.evolinkBenchMark?.(decodeURIComponent(image.src), before, now, Date.now())));
    }
    lastLook = now;
  }, 4);
}

/** Runs in the workbench: reports each editor tab when it shows a file's name (a preview tab is reused for the next file). */
function watchTabs(): void {
  const shown = new WeakMap<Element, string>();
  setInterval(() => {
    for (const tab of document.querySelectorAll('.tabs-container .tab')) {
      const label = tab.getAttribute('data-resource-name') ?? '';
      if (shown.get(tab) === label) continue;
      shown.set(tab, label);
      void window.evolinkBenchTab?.(label, Date.now());
    }
  }, 4);
}

/** Installs the probes on a loaded workbench page; they cover the frames that open from now on. */
export async function installPaintProbe(page: Page): Promise<PaintProbe> {
  const painted: Painted[] = [];
  const clicks: number[] = [];
  const tabs: { label: string; at: number }[] = [];
  await page.exposeFunction('evolinkBenchTab', (label: string, at: number) => void tabs.push({ label, at }));
  await page.exposeFunction('evolinkBenchMark', (src: string, notBefore: number, loaded: number, at: number) => {
    if (src) painted.push({ src, notBefore, loaded, painted: at });
    else clicks.push(at);
  });
  await page.addInitScript(watchImages);
  await page.evaluate(() => document.addEventListener('mousedown', () => void window.evolinkBenchMark?.('', 0, 0, Date.now()), true));
  await page.evaluate(watchTabs);
  return {
    painted,
    clicks,
    tabs,
    tabOf: (file, since = 0) => tabs.find((tab) => tab.at >= since && tab.label === file)?.at,
    paintOf: (file, since = 0) => painted.find((mark) => mark.loaded >= since && mark.src.split(/[/?#&=]/).includes(file)),
  };
}
