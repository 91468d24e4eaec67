import { join } from 'node:path';
import * as vscode from 'vscode';
import { scaledTimes } from '../common/lifecycle';
import { ClientProvider } from './api/clientProvider';
import type { ApiKeyStore } from './auth/apiKeyStore';
import { Budget } from './budget/budget';
import { DayLog } from './budget/dayLog';
import { SettingsService } from './config/settings';
import type { AppContext } from './context';
import { Services } from './features';
import { useDisplayLanguage } from './assets/recipeProblems';
import { ProvenanceStore } from './provenance/store';
import { PngConverter } from './submit/pngConverter';
import { BrowserPreviews } from './ui/browserPreviews';
import { ThumbnailCache } from './ui/thumbnails';
import { Uploads } from './submit/uploads';
import { Followers } from './tasks/followers';
import { LeftBehindTasks } from './tasks/adoption';
import { TaskLedger } from './tasks/ledger';
import { LedgerIndex } from './tasks/ledgerIndex';
import { ProgressCalibrations } from './tasks/progressCalibrations';
import { TaskService } from './tasks/taskService';
import { createResultWriter, fileSizeOf, removeCutCopy, removePartialsBeside } from './tasks/writer';
import { Notifier } from './ui/notifier';
import { ResultOpener } from './ui/openResult';

export type { Services } from './features';

/*
 * The composition root: a second bundle (dist/services.js) that `main.ts` loads on first use, so
 * that undici, zod and the client cost nothing until a command runs. It builds the window's
 * context once and hands it to the features; it holds no feature logic.
 */

/** What `main.ts` hands over when the services are first needed. */
export interface HostContext {
  context: vscode.ExtensionContext;
  log: vscode.LogOutputChannel;
  apiKeys: ApiKeyStore;
  /** Where the task ledger lives (workspace storage, or global storage without a folder). */
  ledgerDir: string;
  /** Where the machine's ledgers are recorded (`common/ledgerHome.ts`). */
  ledgerIndexDir: string;
}

/** Builds the services; called once per window, on the first command. */
export function createServices({ context, log, apiKeys, ledgerDir, ledgerIndexDir }: HostContext): Services {
  useDisplayLanguage();
  const extension = { id: context.extension.id, version: (context.extension.packageJSON as { version?: string }).version ?? '0.0.0', uri: context.extensionUri };
  const generator = `${extension.id}/${extension.version}`;
  // Tests against a sped-up simulator shorten every wait by this factor; an installed extension
  // (production mode) never reads it, so that no environment shortens a link's life or a replay window.
  const scale = context.extensionMode === vscode.ExtensionMode.Production ? 1 : Number(process.env.EVOLINK_TIME_SCALE ?? '1');
  const times = scaledTimes(Number.isFinite(scale) && scale > 0 ? scale : 1);
  const settings = new SettingsService((message) => log.warn(message));
  const clients = new ClientProvider(settings, generator, log);
  const ledger = new TaskLedger(ledgerDir, (message) => log.warn(message));
  const client = () => clients.get();
  const apiKey = () => apiKeys.get();
  const storage = context.storageUri ?? context.globalStorageUri;
  const provenance = new ProvenanceStore(storage, (message) => log.warn(message));
  // The daily credit limit is per machine: its day log is in global storage, shared by every window.
  const dayLog = new DayLog(join(context.globalStorageUri.fsPath, 'budget'), (message) => log.warn(message));
  // Beside the ledger that records them: downloads kept until saved belong to this workspace.
  const downloadsDir = join(ledgerDir, '..', 'downloads');
  // The same folders under another workspace identity have a ledger of their own (`common/ledgerHome.ts`).
  const folders = (): string[] => (vscode.workspace.workspaceFolders ?? []).map((folder) => folder.uri.toString());
  const index = new LedgerIndex(ledgerIndexDir, ledgerDir);
  const leftBehind = new LeftBehindTasks({ index, ledger, open: (dir) => new TaskLedger(dir, (message) => log.warn(message)), folders, downloadsDir, now: Date.now, log, resume: (): Promise<void> => tasks.resume() });
  context.subscriptions.push(leftBehind);
  const tasks: TaskService = new TaskService({
    ledger, client, apiKey, log, times, downloadsDir,
    leftBehind,
    maxDownloadBytes: 200 * 1024 * 1024,
    downloadIdleMs: Math.max(1000, Math.round(60_000 * times.pollScale)),
    writer: createResultWriter(generator, provenance),
    fileSize: fileSizeOf,
    removePartials: removePartialsBeside,
    removeCutCopy,
    apiIsLocal: () => clients.apiIsLocal(),
    calibrations: new ProgressCalibrations(context.globalState),
    madeElsewhere: async () => (await dayLog.read(Date.now())).flatMap((record) => (record.taskId ? [record.taskId] : [])),
  });
  // A task made or moved to another folder is recorded in the machine's index at once (`adoption.ts`).
  context.subscriptions.push(tasks.onDidChange((entry) => leftBehind.note(entry)));
  const uploads = new Uploads({ ledger, client, apiKey, log });
  const notifier = new Notifier(log);
  const budget = new Budget({ dayLog, tasks, settings, notifier, log });
  const images = new PngConverter();
  const previews = new BrowserPreviews(vscode.Uri.joinPath(storage, 'previews'), images, log);
  const ctx: AppContext = { extension, storage, workspaceState: context.workspaceState, globalState: context.globalState, log, settings, apiKeys, clients, tasks, uploads, images, previews, thumbnails: new ThumbnailCache(vscode.Uri.joinPath(storage, 'thumbnails')), provenance, notifier, followers: new Followers(), results: new ResultOpener(() => settings.current.openResults), budget, answersInAdvance: context.extensionMode === vscode.ExtensionMode.Test };
  return new Services(ctx);
}
