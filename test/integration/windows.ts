import { join } from 'node:path';
import * as vscode from 'vscode';
import type { EvoLinkSimulator } from '../../simulator/server';
import type { LedgerEntry } from '../../src/common/ledgerEntry';
import { scaledTimes, type LifecycleTimes } from '../../src/common/lifecycle';
import { checkRequest } from '../../src/common/request';
import { EvoLinkClient } from '../../src/extension/api/client';
import { createUndiciTransport } from '../../src/extension/net/transport';
import { ProvenanceStore } from '../../src/extension/provenance/store';
import { Announcer } from '../../src/extension/tasks/announcer';
import { Followers } from '../../src/extension/tasks/followers';
import { TaskLedger } from '../../src/extension/tasks/ledger';
import { TaskService, type TaskServiceDeps } from '../../src/extension/tasks/taskService';
import { createResultWriter, fileSizeOf, removeCutCopy, removePartialsBeside } from '../../src/extension/tasks/writer';
import { Notifier } from '../../src/extension/ui/notifier';
import { ResultOpener } from '../../src/extension/ui/openResult';
import { demoKey } from './support';

/*
 * Another VS Code window on the same workspace, made of the extension's own modules: its own
 * task service (its own lease owner), announcer and notifier over the same ledger and storage.
 * Two of these, or one beside the extension itself, are two windows; disposing one mid-task is
 * a window closing (or crashing, without `release()`).
 */

const quiet = { info: () => undefined, warn: () => undefined, error: () => undefined, trace: () => undefined, debug: () => undefined, logLevel: vscode.LogLevel.Info } as unknown as vscode.LogOutputChannel;

/** A window for tests. */
export interface TestWindow {
  tasks: TaskService;
  notifier: Notifier;
  dispose(): void;
}

/** Where the extension keeps its ledger and downloads in the test host. */
export function storageOf(storage: vscode.Uri): { ledgerDir: string; downloadsDir: string } {
  return { ledgerDir: join(storage.fsPath, 'tasks'), downloadsDir: join(storage.fsPath, 'downloads-test') };
}

/** Opens a window over the ledger in `ledgerDir`. */
export function openWindow(
  simulator: EvoLinkSimulator,
  dirs: { ledgerDir: string; downloadsDir: string },
  options: { times?: Partial<LifecycleTimes>; now?: () => number; madeElsewhere?: () => Promise<readonly string[]>; ledger?: TaskLedger } & Partial<Pick<TaskServiceDeps, 'log' | 'calibrations' | 'pollBatching'>> = {},
): TestWindow {
  const client = new EvoLinkClient({
    transport: createUndiciTransport({ proxy: '', strictSSL: true, noProxy: [] }),
    endpoints: () => ({ api: simulator.urls.api, files: simulator.urls.files }),
    userAgent: 'evolink.evolink-image-studio/test',
    timeoutMs: () => 10_000,
  });
  const times = { ...scaledTimes(0.05), ...options.times };
  const notifier = new Notifier(quiet);
  const tasks = new TaskService({
    ledger: options.ledger ?? new TaskLedger(dirs.ledgerDir),
    client: () => client,
    apiKey: () => Promise.resolve(demoKey),
    downloadsDir: dirs.downloadsDir,
    log: options.log ?? quiet,
    times,
    maxDownloadBytes: 200 * 1024 * 1024,
    downloadIdleMs: 2000,
    // The same storage as the extension's: with `evolink.provenance: off`, both keep one private index.
    writer: createResultWriter('evolink.evolink-image-studio/test', new ProvenanceStore(vscode.Uri.file(join(dirs.ledgerDir, '..')), () => undefined)),
    fileSize: fileSizeOf,
    removePartials: removePartialsBeside,
    removeCutCopy,
    apiIsLocal: () => true,
    ...(options.now ? { now: options.now } : {}),
    ...(options.madeElsewhere ? { madeElsewhere: options.madeElsewhere } : {}),
    ...(options.calibrations ? { calibrations: options.calibrations } : {}),
    ...(options.pollBatching ? { pollBatching: options.pollBatching } : {}),
  });
  const announcer = new Announcer({ tasks, followers: new Followers(), notifier, results: new ResultOpener(() => 'none'), settings: { current: { openResults: 'none' } }, compare: () => undefined, apiKeys: { onDidChange: new vscode.EventEmitter<boolean>().event } });
  return {
    tasks,
    notifier,
    dispose: () => {
      announcer.dispose();
      tasks.dispose();
    },
  };
}

/** Submits a plain generation in a test window: no images, into `folder`. */
export function submitIn(window: TestWindow, folder: vscode.Uri, prompt: string, n = 1): Promise<LedgerEntry> {
  const checked = checkRequest({ model: 'gpt-4o-image', prompt, size: '1:1', n });
  if (!checked.ok) throw new Error('a valid request');
  return window.tasks.submit({
    request: { model: 'gpt-4o-image', prompt, size: '1:1', n },
    body: checked.checked.body,
    targetFolder: folder.toString(),
    estimatedSeconds: checked.checked.model.estimatedSeconds,
    creditsReserved: checked.checked.reservedCredits,
  });
}
