import * as assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { homedir, tmpdir } from 'node:os';
import * as vscode from 'vscode';
import type { EvoLinkSimulator, SimulatorOptions } from '../../simulator/server';
import type { EntryState, LedgerEntry } from '../../src/common/ledgerEntry';
import { isActive } from '../../src/common/taskState';
import type { Services } from '../../src/extension/services';
import type { TaskService } from '../../src/extension/tasks/taskService';
import type { Notice } from '../../src/extension/ui/notifier';
import { activateExtension, demoKey, resetSettings, startSimulator } from './support';

/*
 * The fault matrix: each row injects a fault (the simulator's, the disk's, another window's) and
 * states its outcome as the user meets it: the task's state, the sentence shown, the images in
 * the workspace, the tasks EvoLink created (what is charged) and the result downloads. Every
 * row must end in a terminal state or one with an action within its deadline (no hangs), and no
 * message may name a path of the machine. The rows print as a table at the end.
 */

/** The expected outcome of a row. */
export interface Expected {
  state: EntryState | 'removed';
  /** The message the user sees, when one is expected. */
  message?: RegExp;
  /** Images saved in the output folder. */
  files: number;
  /** Tasks created at EvoLink. */
  tasks: number;
  /** Result downloads (requests for result files, redirects not counted). */
  downloads?: number;
  /** The extension every saved image ends in, when it matters. */
  extension?: string;
}

/** What a row observed. */
export interface Observed {
  entry: LedgerEntry | undefined;
  notices: readonly Notice[];
  files: string[];
}

interface Printed {
  fault: string;
  state: string;
  message: string;
  files: number;
  tasks: number;
  downloads: number;
  ok: boolean;
}

const printed: Printed[] = [];

/** The extension's services in the test host. */
export async function services(): Promise<Services> {
  const api = await activateExtension();
  assert.ok(api.testing, 'the extension exposes its services under tests');
  return api.testing.services();
}

/**
 * The hooks every group of the matrix shares: a simulator the extension talks to, the key set,
 * the output folder emptied before each row, the log's end printed for a failed row, and the
 * table printed at the end. `ready` receives the simulator and the extension's services.
 */
export function useMatrix(title: string, folder: () => vscode.Uri, options: SimulatorOptions, ready: (simulator: EvoLinkSimulator, app: Services) => void): void {
  let simulator: EvoLinkSimulator | undefined;
  printLogOnFailure();
  before(async () => {
    const app = await services();
    storageRoot = app.ctx.storage.fsPath;
    simulator = await startSimulator(options);
    await vscode.commands.executeCommand('evolink.setApiKey', { apiKey: demoKey });
    ready(simulator, app);
  });
  after(async () => {
    printTable(title);
    await vscode.workspace.fs.delete(folder(), { recursive: true }).then(undefined, () => undefined);
    await vscode.commands.executeCommand('evolink.clearApiKey');
    await resetSettings();
    await simulator?.stop();
  });
  beforeEach(async () => {
    simulator?.reset();
    await vscode.workspace.fs.delete(folder(), { recursive: true }).then(undefined, () => undefined);
  });
}

/** On a failed test, prints the end of the extension's log, where the reason is. */
export function printLogOnFailure(): void {
  afterEach(async function () {
    if (this.currentTest?.state !== 'failed') return;
    const dir = (await activateExtension()).logUri.fsPath;
    const text = readdirSync(dir).map((name) => readFileSync(join(dir, name), 'utf8')).join('\n');
    console.log(text.split('\n').slice(-25).join('\n'));
  });
}

/**
 * Waits until a task is no longer active (or is gone); fails the row as a hang after `ms`. The
 * ledger file is on disk a moment before the window tells of it (and its message is shown): the
 * settled revision is awaited as told, for a second at most (another window may have written it).
 */
export async function settle(tasks: TaskService, localId: string, ms = 20_000): Promise<LedgerEntry | undefined> {
  let told = 0;
  const listener = tasks.onDidChange((entry) => {
    if (entry.localId === localId) told = Math.max(told, entry.revision);
  });
  try {
    const deadline = Date.now() + ms;
    for (;;) {
      const entry = await tasks.get(localId);
      if (!entry || !isActive(entry.state)) {
        const wait = Date.now() + 1000;
        while (entry && told < entry.revision && Date.now() < wait) await new Promise((resolve) => setTimeout(resolve, 20));
        return entry;
      }
      if (Date.now() > deadline) assert.fail(`hang: ${localId} is still ${entry.state} after ${ms} ms`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  } finally {
    listener.dispose();
  }
}

/** Waits for a condition, polling; fails after `ms`. */
export async function until<T>(what: string, probe: () => Promise<T | undefined> | T | undefined, ms = 15_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await probe();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** Result downloads the simulator served or faulted (a redirect hop is not a download). */
export function downloads(simulator: EvoLinkSimulator): number {
  return simulator.requests.filter((request) => (request.origin === 'cdn' || request.origin === 'mirror') && request.path.startsWith('/results/') && !(request.status >= 300 && request.status < 400)).length;
}

/** Submits the simulator received (replays included). */
export function submits(simulator: EvoLinkSimulator): number {
  return simulator.requests.filter((request) => request.path === '/v1/images/generations').length;
}

/** The image files in a folder (no provenance files, no hidden temporary files). */
export async function imagesIn(folder: vscode.Uri): Promise<string[]> {
  try {
    return (await vscode.workspace.fs.readDirectory(folder)).map(([name]) => name).filter((name) => !name.endsWith('.json') && !name.startsWith('.')).sort();
  } catch {
    return [];
  }
}

/** Hidden temporary files left in a folder. */
export async function partialsIn(folder: vscode.Uri): Promise<string[]> {
  try {
    return (await vscode.workspace.fs.readDirectory(folder)).map(([name]) => name).filter((name) => name.endsWith('.partial'));
  } catch {
    return [];
  }
}

let storageRoot: string | undefined;

/** Paths of this machine a message must never name. */
function machinePaths(): string[] {
  // The home and temporary folders, the workspace, and the extension's storage (where downloads wait).
  return [homedir(), tmpdir(), ...(vscode.workspace.workspaceFolders ?? []).map((folder) => folder.uri.fsPath), storageRoot ?? ''].filter((path) => path.length > 1);
}

/** Checks a row's outcome, and records it for the table. */
export function check(fault: string, simulator: EvoLinkSimulator, observed: Observed, expected: Expected): void {
  const state = observed.entry?.state ?? 'removed';
  const shown = observed.notices.map((notice) => notice.message);
  const row: Printed = { fault, state, message: shown.find((text) => expected.message?.test(text)) ?? shown[0] ?? '', files: observed.files.length, tasks: simulator.tasks.size, downloads: downloads(simulator), ok: false };
  printed.push(row);
  assert.equal(state, expected.state, `${fault}: state (${JSON.stringify(observed.entry?.error)})`);
  if (expected.message) assert.ok(shown.some((text) => expected.message!.test(text)), `${fault}: a message like ${expected.message} (shown: ${JSON.stringify(shown)})`);
  assert.equal(row.files, expected.files, `${fault}: files ${observed.files.join(', ')}`);
  if (expected.extension) assert.ok(observed.files.every((name) => name.endsWith(`.${expected.extension}`)), `${fault}: files ${observed.files.join(', ')} end in .${expected.extension}`);
  assert.equal(row.tasks, expected.tasks, `${fault}: tasks created at EvoLink`);
  if (expected.downloads !== undefined) assert.equal(row.downloads, expected.downloads, `${fault}: downloads`);
  for (const text of shown) {
    for (const path of machinePaths()) assert.ok(!text.includes(path), `${fault}: the message names a path of the machine: ${text}`);
  }
  if (observed.entry && !isActive(observed.entry.state)) assert.equal(observed.entry.lease, undefined, `${fault}: no lease is left behind`);
  row.ok = true;
}

/** Prints the rows checked so far as a table, and forgets them. */
export function printTable(title: string): void {
  const rows = printed.splice(0);
  const width = Math.max(...rows.map((row) => row.fault.length), 5);
  console.log(`\n${title}: ${rows.length} rows, ${rows.filter((row) => row.ok).length} as expected`);
  console.log(`${'fault'.padEnd(width)} | state        | files | tasks | downloads | message`);
  for (const row of rows) {
    console.log(`${row.fault.padEnd(width)} | ${row.state.padEnd(12)} | ${String(row.files).padStart(5)} | ${String(row.tasks).padStart(5)} | ${String(row.downloads).padStart(9)} | ${row.ok ? '' : 'NOT AS EXPECTED: '}${row.message.slice(0, 110)}`);
  }
}

export { demoKey };
