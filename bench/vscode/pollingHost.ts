/*
 * The poll schedule on the real clock inside VS Code's extension host, started by
 * bench/pollingVsCode.mjs as an extension test (`run()`). Each launch is one fresh session: a new
 * user data folder, so nothing about the model's progress was learned yet (with `warm`, only what
 * that many rounds of the same tasks run before the measured one taught). Its tasks are started
 * at once (as a user who asks for several variants), against the simulator in this process, on
 * one progress curve, each running 0.3x to 2x the model's estimate; the extension reads them with
 * its own schedule. From the simulator's request log: the reads of each task, and the delay from
 * its completion to the first read that came after it. Beside them, what a fixed 3 s poller from
 * the same submit would have read and noticed for the same tasks. Writes one JSON line to
 * EVOLINK_BENCH_REPORT.
 */
import { writeFileSync } from 'node:fs';
import * as vscode from 'vscode';
import type { EvoLinkSimulator } from '../../simulator/server';
import type { StepKind, StepLevel } from '../../simulator/curves';
import type { ProgressCurve } from '../../simulator/types';
import type { LedgerEntry } from '../../src/common/ledgerEntry';
import { activateExtension, demoKey, startSimulator } from '../../test/integration/support';

export interface SessionOptions {
  curve: ProgressCurve;
  /** A stepwise session's levels: the simulator's fixed ones, or drawn for each task (`stepLevels`); fixed when absent. */
  steps?: 'fixed' | StepKind;
  /** The longest queue before a task starts, in seconds (the simulator's `queueSeconds`); none when absent. */
  queueSeconds?: number;
  model: string;
  tasks: number;
  /** Whether the simulator answers `POST /v1/tasks/batch` (one read for all running tasks). */
  batch: boolean;
  /** Rounds of as many tasks started at once and run to their end before the measured round (what the extension learns from them carries over); none when absent. */
  warm?: number;
}

export interface TaskFigures {
  estimateSeconds: number;
  durationMs: number;
  reads: number;
  delayMs: number;
  fixedReads: number;
  fixedDelayMs: number;
  /** When the task was read, ms after its submit was sent. */
  readsAt: number[];
  /** A stepwise task's own levels, when it drew them (for a replay in virtual time). */
  steps?: readonly StepLevel[];
  /** How long it waited in the simulator's queue. */
  queueMs?: number;
}

export interface SessionReport {
  options: SessionOptions;
  tasks: TaskFigures[];
  /** Reads of the whole session that name no single task (batches, lists). */
  sharedReads: number;
  /** The tasks of each round before the measured one (`warm`), for a replay to learn from. */
  warmRounds?: Pick<TaskFigures, 'estimateSeconds' | 'durationMs' | 'steps' | 'queueMs'>[][];
  error?: string;
}

const fixedPollMs = 3000;
const sizes: Record<string, string> = { 'doubao-seedream-4.5': '2K', 'gpt-4o-image': '1:1', 'gpt-image-1.5-lite': '1024x1024' };

export async function run(): Promise<void> {
  const reportPath = process.env.EVOLINK_BENCH_REPORT;
  if (!reportPath) throw new Error('EVOLINK_BENCH_REPORT must be set (see bench/pollingVsCode.mjs)');
  const options = JSON.parse(process.env.EVOLINK_BENCH_SESSION ?? '{}') as SessionOptions;
  const report: SessionReport = { options, tasks: [], sharedReads: 0 };
  let simulator: EvoLinkSimulator | undefined;
  try {
    simulator = await startSimulator({ progressCurve: options.curve, durationFactor: [0.3, 2], taskBatch: options.batch ? 'on' : 'off404', stepLevels: options.steps ?? 'fixed', queueSeconds: options.queueSeconds ?? 0 });
    await activateExtension();
    await vscode.commands.executeCommand('evolink.setApiKey', { apiKey: demoKey });
    const round = (label: string): Promise<(LedgerEntry | undefined)[]> =>
      Promise.all(
        Array.from({ length: options.tasks }, (_, n) =>
          vscode.commands.executeCommand<LedgerEntry | undefined>('evolink.generateImage', { quiet: true, model: options.model, size: sizes[options.model], n: 1, prompt: `polling ${label} ${n + 1}` }),
        ),
      );
    for (let warm = 0; warm < (options.warm ?? 0); warm++) {
      const ran = await round(`warm-up ${warm + 1}`);
      (report.warmRounds ??= []).push(
        ran.map((entry) => {
          const { steps, queueMs } = simulator!.shapeOf(entry?.taskId ?? '');
          return { estimateSeconds: entry?.estimatedSeconds ?? 0, durationMs: (simulator!.completedAt(entry?.taskId ?? '') ?? 0) - (entry?.sentAt ?? 0), ...(steps ? { steps } : {}), ...(queueMs ? { queueMs } : {}) };
        }),
      );
    }
    const measuredFrom = simulator.requests.length;
    const entries = await round('measured');
    const reads = simulator.requests.slice(measuredFrom).filter((request) => request.origin === 'api' && !request.path.startsWith('/__simulator'));
    // Reads that name no single task of the session: batches (and the one refused, without --batch), lists.
    const own = new Set(entries.map((entry) => `/v1/tasks/${entry?.taskId}`));
    report.sharedReads = reads.filter((request) => request.path.startsWith('/v1/tasks') && !(request.method === 'GET' && own.has(request.path))).length;
    for (const entry of entries) {
      if (!entry?.taskId || entry.state !== 'saved') throw new Error(`a task did not end saved: ${JSON.stringify(entry?.error ?? entry?.state)}`);
      const done = simulator.completedAt(entry.taskId)!;
      const readsAt = reads.filter((request) => request.method === 'GET' && request.path === `/v1/tasks/${entry.taskId}`).map((request) => request.at);
      const seen = readsAt.find((at) => at >= done);
      if (seen === undefined) throw new Error(`no read of ${entry.taskId} after it completed`);
      const submitted = entry.sentAt;
      const fixedReads = Math.max(1, Math.ceil((done - submitted) / fixedPollMs));
      report.tasks.push({
        estimateSeconds: entry.estimatedSeconds ?? 0,
        durationMs: done - submitted,
        reads: readsAt.length,
        delayMs: seen - done,
        fixedReads,
        fixedDelayMs: submitted + fixedReads * fixedPollMs - done,
        readsAt: readsAt.map((at) => at - submitted),
        ...simulator.shapeOf(entry.taskId),
      });
    }
  } catch (error) {
    report.error = String((error as Error)?.stack ?? error);
  } finally {
    await simulator?.stop();
    writeFileSync(reportPath, JSON.stringify(report));
  }
}
