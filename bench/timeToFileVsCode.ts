/*
 * Time to file inside a real VS Code (1.139 in headless Chromium): from the moment a task
 * completes at the service to its image painted in the editor VS Code opens for it, for 1 task
 * and for 5 running at once (started one after another from the palette, a few seconds apart,
 * as a user does), on the real clock, with the extension's real poll
 * schedule and its default settings. The parts, each on the machine's one clock (the simulator
 * runs in this process; the extension host and the browser stamp epoch ms on the same machine):
 *   notice    completion at the service (the simulator's completedAt) -> the answer that saw it,
 *             as the ledger records it (`completedAt` of the entry, stamped by the host);
 *   download  -> the result downloaded and checked (the log line "downloaded result 1");
 *   write     -> the file renamed into the workspace, its provenance recorded ("saved <file>"),
 *             and the task recorded as saved in the ledger ("saving -> saved");
 *   open      -> the saved image painted in the editor the extension opens (VS Code's image
 *             preview, by default in one preview tab): its <img> seen loaded, then the next frame
 *             drawn, stamped in the webview's frame by a probe that looks every 4 ms; the step
 *             between its looks is the error bar. Also when the tab shows the file's name.
 * Baselines from the same run: for the notice, a poller that reads every 3 s from the submit
 * (what it would have noticed for the same submits and completions); for the open, VS Code
 * opening one of these images from an Explorer click (mouse down -> the same paint probe).
 */
import { execFileSync } from 'node:child_process';
import { dirname } from 'node:path';
import { demoKey, EvoLinkSimulator } from '../simulator/server';
import type { LedgerEntry } from '../src/common/ledgerEntry';
import { answerQuickInput, openWorkbench, runFromPalette, setApiKey, type Workbench } from '../test/ui/workbench';
import { loggedAt, readLedger, readLog } from './hostRecords';
import { installPaintProbe, type PaintProbe } from './paintProbe';
import { random } from './taskWindow';

const workloads: { tasks: number; rounds: number }[] = [
  { tasks: 1, rounds: 3 },
  { tasks: 5, rounds: 2 },
];
/** Real seconds a task runs; short against its 100 s estimate, so the rounds stay short. */
const durationRange: [number, number] = [10_000, 18_000];
/** The plain poller the notice is compared with. */
const fixedPollMs = 3000;
const explorerOpens = 7;

interface Parts {
  notice: number;
  download: number;
  write: number;
  /** Of the write: until the file is in place and its provenance recorded (the rest is the ledger's record). */
  file: number;
  open: number;
  /** Of the open: until the editor's tab shows the file's name. */
  tab: number;
  total: number;
  /** What the fixed poller would have taken to notice the same completion. */
  fixedNotice: number;
  /** How much earlier the image may have loaded than the probe saw it: the error bar of open and total. */
  paintBar: number;
}

/** Times a wizard's answer went elsewhere (a result that landed took the focus) and it was started again. */
let wizardRestarts = 0;

/**
 * What a user does to start a generation: the palette's wizard. Answers once the task is in the
 * ledger; a wizard whose keys went elsewhere (the Explorer, revealing a result that landed
 * meanwhile, takes the focus) is started again, as the user would.
 */
async function generate(workbench: Workbench, prompt: string): Promise<void> {
  const { page } = workbench;
  for (let attempt = 0; ; attempt++) {
    await runFromPalette(page, 'EvoLink: Generate Image…');
    await answerQuickInput(page, 'GPT-4o Image');
    await answerQuickInput(page, prompt);
    await answerQuickInput(page, undefined); // the default size
    await answerQuickInput(page, '1 image');
    const deadline = Date.now() + 5000;
    while (Date.now() < deadline) {
      if (readLedger(dirname(workbench.folder)).some((entry) => entry.request.prompt === prompt)) return;
      await page.waitForTimeout(100);
    }
    if (attempt === 2) throw new Error(`"${prompt}" was not submitted`);
    wizardRestarts++;
  }
}

const fileName = (uri: string): string => decodeURIComponent(uri.split('/').pop() ?? '');

async function round(simulator: EvoLinkSimulator, workbench: Workbench, probe: PaintProbe, tasks: number, label: string, next: () => number, range = durationRange): Promise<{ parts: Parts[]; replaced: number }> {
  const { page } = workbench;
  const dataDir = dirname(workbench.folder);
  await runFromPalette(page, 'View: Close All Editors');
  await runFromPalette(page, 'Notifications: Clear All Notifications');
  await page.waitForTimeout(500);
  const since = Date.now();
  const prompts = Array.from({ length: tasks }, (_, index) => `Time to file ${label} task ${index + 1}`);
  for (const prompt of prompts) {
    simulator.addTaskOutcome({ kind: 'complete', durationMs: range[0] + next() * (range[1] - range[0]) });
    await generate(workbench, prompt);
  }
  const ours = (): LedgerEntry[] => readLedger(dataDir).filter((entry) => prompts.includes(entry.request.prompt));
  const deadline = Date.now() + 90_000;
  let savedAt: number | undefined;
  for (;;) {
    const entries = ours();
    const saved = entries.filter((entry) => entry.state === 'saved');
    const painted = saved.filter((entry) => probe.paintOf(fileName(entry.results?.[0]?.saved ?? ''), since));
    if (saved.length === tasks) savedAt ??= Date.now();
    // A preview that a newer result replaced before it was painted never will be: a short grace.
    if (painted.length === tasks || (savedAt !== undefined && Date.now() - savedAt > 5000)) break;
    if (entries.some((entry) => !['submitting', 'running', 'saving', 'saved'].includes(entry.state))) throw new Error(`a task ended otherwise: ${entries.map((entry) => entry.state).join(', ')}`);
    if (Date.now() > deadline) throw new Error(`not all saved and painted in time: ${entries.map((entry) => entry.state).join(', ')}`);
    await page.waitForTimeout(250);
  }
  const log = readLog(dataDir);
  const parts: Parts[] = [];
  let replaced = 0;
  for (const entry of ours()) {
    const done = simulator.completedAt(entry.taskId ?? '');
    const seen = entry.completedAt;
    const kept = loggedAt(log, `${entry.localId}: `, 'downloaded result 1');
    const inPlace = loggedAt(log, `${entry.localId}: saved `, '');
    const saved = loggedAt(log, `${entry.localId}: `, '-> saved');
    // The log's local time and the ledger's epoch ms must be one clock: the line that records the
    // notice follows the ledger's stamp by the time of one write.
    const noticeLogged = loggedAt(log, `${entry.localId}: `, '-> saving');
    if (seen !== undefined && noticeLogged !== undefined && Math.abs(noticeLogged - seen) > 2000) throw new Error(`the log's clock is ${noticeLogged - seen} ms off the ledger's`);
    const file = fileName(entry.results?.[0]?.saved ?? '');
    const paint = probe.paintOf(file, since);
    const tab = probe.tabOf(file, since);
    if (done === undefined || seen === undefined || kept === undefined || inPlace === undefined || saved === undefined) throw new Error(`${entry.localId}: a moment is missing (${[done, seen, kept, inPlace, saved].join(', ')})`);
    if (!paint || tab === undefined) {
      replaced++;
      continue;
    }
    const fixed = entry.sentAt + Math.ceil((done - entry.sentAt) / fixedPollMs) * fixedPollMs;
    parts.push({ notice: seen - done, download: kept - seen, write: saved - kept, file: inPlace - kept, open: paint.painted - saved, tab: tab - saved, total: paint.painted - done, fixedNotice: fixed - done, paintBar: paint.loaded - paint.notBefore });
  }
  return { parts, replaced };
}

/** VS Code opening an image of the same kind from the Explorer: mouse down -> the preview painted (and its tab shown). */
async function explorerOpen(workbench: Workbench, probe: PaintProbe, files: string[]): Promise<{ open: number; tab: number }[]> {
  const { page } = workbench;
  const times: { open: number; tab: number }[] = [];
  for (const file of files) {
    await runFromPalette(page, 'View: Close All Editors');
    await runFromPalette(page, 'View: Show Explorer');
    const row = page.locator('.explorer-folders-view .monaco-list-row', { hasText: file }).first();
    await row.waitFor({ timeout: 20_000 });
    await page.waitForTimeout(500);
    const before = probe.clicks.length;
    await row.click();
    const deadline = Date.now() + 20_000;
    let paint;
    while (!(paint = probe.paintOf(file, probe.clicks[before] ?? Date.now())) && Date.now() < deadline) await page.waitForTimeout(20);
    const click = probe.clicks[before];
    const tab = click === undefined ? undefined : probe.tabOf(file, click);
    if (!paint || click === undefined || tab === undefined) throw new Error(`${file} was not painted after a click in the Explorer`);
    times.push({ open: paint.painted - click, tab: tab - click });
  }
  return times;
}

const median = (values: number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length / 2;
  return sorted.length % 2 ? sorted[Math.floor(middle)]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
};
const max = (values: number[]): number => Math.max(...values);
const ms = (value: number, width = 7): string => String(Math.round(value)).padStart(width);

function report(tasks: number, parts: Parts[], replaced: number, baseline: { open: number; tab: number }): void {
  const of = (key: keyof Parts) => parts.map((part) => part[key]);
  const row = (name: string, values: number[], baseline?: number) =>
    console.log(`${String(tasks).padStart(5)}  ${name.padEnd(9)}${ms(median(values))} ${ms(max(values))}${baseline === undefined ? '' : `${ms(baseline, 10)}  ${(median(values) / baseline).toFixed(2)}x`}`);
  const fixedTotal = parts.map((part) => part.fixedNotice + part.download + part.write + baseline.open);
  row('notice', of('notice'), median(of('fixedNotice')));
  row('download', of('download'));
  row('write', of('write'));
  row(' to file', of('file'));
  row('open', of('open'), baseline.open);
  row(' to tab', of('tab'), baseline.tab);
  row('total', of('total'), median(fixedTotal));
  const note = replaced ? `; ${replaced} result(s) replaced in the preview before they were painted, not counted` : '';
  console.log(`       (${parts.length} results${note}; error bar of open and total, the paint probe's step: median ${ms(median(of('paintBar')), 0)}, max ${ms(max(of('paintBar')), 0)} ms)`);
}

async function main(): Promise<void> {
  // The build a user installs.
  execFileSync(process.execPath, ['esbuild.mjs', '--production'], { stdio: 'ignore' });
  const simulator = new EvoLinkSimulator();
  let workbench: Workbench | undefined;
  const cleanUp = async (): Promise<void> => {
    await workbench?.close();
    workbench = undefined;
    await simulator.stop();
  };
  const interrupted = (): void => void cleanUp().finally(() => process.exit(130));
  process.once('SIGINT', interrupted).once('SIGTERM', interrupted);
  const started = Date.now();
  try {
    const urls = await simulator.start();
    workbench = await openWorkbench('1.139', { settings: { 'evolink.apiBaseUrl': urls.api, 'evolink.filesApiBaseUrl': urls.files } });
    const probe = await installPaintProbe(workbench.page);
    await setApiKey(workbench.page, demoKey);
    // A short round first, not counted: the extension's services, the image preview and the caches load.
    await round(simulator, workbench, probe, 1, 'warm-up', random(1), [2000, 2000]);
    const results: { tasks: number; parts: Parts[]; replaced: number }[] = [];
    for (const { tasks, rounds } of workloads) {
      const parts: Parts[] = [];
      let replaced = 0;
      for (let index = 0; index < rounds; index++) {
        const result = await round(simulator, workbench, probe, tasks, `${tasks}-${index + 1}`, random(7 + index * 31 + tasks));
        parts.push(...result.parts);
        replaced += result.replaced;
      }
      results.push({ tasks, parts, replaced });
    }
    const saved = readLedger(dirname(workbench.folder)).flatMap((entry) => (entry.results ?? []).map((slot) => fileName(slot.saved ?? '')));
    const opens = await explorerOpen(workbench, probe, saved.filter((name) => name.startsWith('time-to-file-1-')).concat(saved.filter((name) => name.startsWith('time-to-file-5-'))).slice(0, explorerOpens));
    const baseline = { open: median(opens.map((open) => open.open)), tab: median(opens.map((open) => open.tab)) };
    console.log(`Time to file in VS Code 1.139 (real clock; tasks of ${durationRange[0] / 1000}-${durationRange[1] / 1000} s against a 100 s estimate; ms):`);
    console.log('tasks  part      median     max  baseline  ratio');
    for (const { tasks, parts, replaced } of results) report(tasks, parts, replaced, baseline);
    console.log(`Baselines: notice, a poller reading every ${fixedPollMs / 1000} s from the submit, for the same completions; open, VS Code opening one of these images from an Explorer click (mouse down -> painted), median of ${opens.length}: ${opens.map((open) => Math.round(open.open)).join(', ')}; total, the two baselines with this run's download and write.`);
    if (wizardRestarts) console.log(`The wizard was started again ${wizardRestarts} time(s): its keys went elsewhere while a result landed.`);
    console.log(`Bench time ${((Date.now() - started) / 1000).toFixed(0)} s.`);
  } finally {
    await cleanUp();
  }
}

void main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
