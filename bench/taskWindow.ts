/*
 * One window's task service outside VS Code, for benchmarks: the real lifecycle, ledger, client
 * (undici) and downloads against a simulator on loopback. `vscode` is the bench's stand-in
 * (bench/fake-vscode.cjs; the task service needs only its EventEmitter), and the writer copies
 * a download into a folder with node:fs where the extension's own uses `vscode.workspace.fs`.
 */
import { createRequire } from 'node:module';
import { copyFile, mkdtemp, rename, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { demoKey, EvoLinkSimulator, type SimulatorOptions } from '../simulator/server';
import type { LedgerEntry } from '../src/common/ledgerEntry';
import { isActive } from '../src/common/taskState';
import type { TaskService } from '../src/extension/tasks/taskService';

const load = createRequire(__filename);
let hooked = false;

/** Makes `require('vscode')` answer the bench's stand-in. */
function fakeVscode(): void {
  if (hooked) return;
  hooked = true;
  const fake = load('./fake-vscode.cjs') as unknown;
  const loader = load('node:module') as { _load: (request: string, ...rest: unknown[]) => unknown };
  const original = loader._load;
  loader._load = function (this: unknown, request: string, ...rest: unknown[]) {
    return request === 'vscode' ? fake : original.call(this, request, ...rest);
  };
}

/** A window of the bench: its simulator, task service, and counters. */
export interface BenchWindow {
  simulator: EvoLinkSimulator;
  service: TaskService;
  /** Task objects read so far, by a GET or in a batch. */
  objectsRead(): number;
  /** Starts a task (gpt-4o-image, 1:1) and answers its entry once EvoLink answered. */
  submit(prompt: string): Promise<LedgerEntry>;
  /** Where saved files go. */
  folder: string;
  close(): Promise<void>;
}

/** Opens a window against a fresh simulator; `speed` > 1 shortens every wait to match. */
export async function openWindow(options: { speed: number; batch: boolean; simulator?: SimulatorOptions }): Promise<BenchWindow> {
  fakeVscode();
  const { TaskService } = await import('../src/extension/tasks/taskService');
  const { TaskLedger } = await import('../src/extension/tasks/ledger');
  const { EvoLinkClient } = await import('../src/extension/api/client');
  const { createUndiciTransport } = await import('../src/extension/net/transport');
  const { scaledTimes } = await import('../src/common/lifecycle');
  const simulator = new EvoLinkSimulator({ ...options.simulator, speed: options.speed });
  const urls = await simulator.start();
  const dir = await mkdtemp(join(tmpdir(), 'evolink-bench-window-'));
  const transport = createUndiciTransport({ proxy: '', strictSSL: true, noProxy: [] });
  const client = new EvoLinkClient({ transport, endpoints: () => ({ api: urls.api, files: urls.files }), userAgent: 'evolink.evolink-image-studio/bench' });
  let objectsRead = 0;
  const getTask = client.getTask.bind(client);
  const getTasks = client.getTasks.bind(client);
  client.getTask = (id, call) => getTask(id, call).then((task) => (objectsRead++, task));
  client.getTasks = (ids, call) => getTasks(ids, call).then((found) => ((objectsRead += found.size), found));
  const quiet = { trace: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined, logLevel: 3 };
  const folder = join(dir, 'images');
  const service = new TaskService({
    ledger: new TaskLedger(join(dir, 'ledger'), () => undefined),
    client: () => client,
    apiKey: () => Promise.resolve(demoKey),
    log: quiet,
    times: scaledTimes(1 / options.speed),
    downloadsDir: join(dir, 'downloads'),
    maxDownloadBytes: 50 * 1024 * 1024,
    downloadIdleMs: 10_000,
    writer: async (kept, entry, index, _owner, claim) => {
      const path = join(folder, `${entry.localId}-${index}.png`);
      const target = { toString: () => `file://${path}` };
      if (!(await claim(target as never))) return undefined;
      await copyFile(kept, `${path}.partial`).catch(async () => {
        await (await import('node:fs/promises')).mkdir(folder, { recursive: true });
        await copyFile(kept, `${path}.partial`);
      });
      await rename(`${path}.partial`, path);
      return target as never;
    },
    fileSize: (uri) => stat(uri.replace(/^file:\/\//, '')).then((info) => info.size, () => undefined),
    removePartials: () => Promise.resolve(),
    removeCutCopy: () => Promise.resolve(false),
    apiIsLocal: () => true,
    pollBatching: { enabled: options.batch },
  });
  return {
    simulator,
    service,
    folder,
    objectsRead: () => objectsRead,
    submit: (prompt) =>
      service.submit({ request: { model: 'gpt-4o-image', prompt, size: '1:1', n: 1 }, body: { model: 'gpt-4o-image', prompt, size: '1:1', n: 1 }, targetFolder: `file://${folder}`, estimatedSeconds: 100, creditsReserved: 2.5 }),
    close: async () => {
      service.dispose();
      await transport.dispose();
      await simulator.stop();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** Resolves once `count` tasks of the window have ended; answers their final states. */
export function ended(service: TaskService, count: number): Promise<string[]> {
  const done = new Map<string, string>();
  return new Promise((resolve) => {
    service.onDidChange((entry) => {
      if (!isActive(entry.state)) {
        done.set(entry.localId, entry.state);
        if (done.size === count) resolve([...done.values()]);
      }
    });
  });
}

/** A deterministic pseudo-random sequence, so that every mode meets the same workload. */
export function random(seed: number): () => number {
  let state = seed >>> 0 || 1;
  return () => {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    return (state >>> 0) / 0xffffffff;
  };
}
