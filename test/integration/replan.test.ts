import * as assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as vscode from 'vscode';
import { EvoLinkSimulator } from '../../simulator/server';
import { scaledTimes } from '../../src/common/lifecycle';
import { isActive } from '../../src/common/taskState';
import { ProgressCalibrations } from '../../src/extension/tasks/progressCalibrations';
import { until } from './matrix';
import { activateExtension } from './support';
import { openWindow, submitIn } from './windows';

const folder = () => vscode.Uri.joinPath(vscode.workspace.workspaceFolders![0]!.uri, 'images', 'replan');

/** Global state in memory, as a profile that has seen nothing yet. */
function memoryState(): ConstructorParameters<typeof ProgressCalibrations>[0] {
  const values = new Map<string, unknown>();
  return {
    get: <T>(key: string) => values.get(key) as T,
    update: (key: string, value: unknown) => (values.set(key, value), Promise.resolve()),
    setKeysForSync: () => undefined,
  };
}

/** A log that keeps its trace lines (where each read's wait is told). */
function recordingLog(lines: string[]): vscode.LogOutputChannel {
  const start = Date.now();
  const keep = (message: string) => void lines.push(`${Date.now() - start} ${message}`);
  return { info: keep, warn: keep, error: keep, trace: keep, debug: keep, logLevel: vscode.LogLevel.Trace } as unknown as vscode.LogOutputChannel;
}

describe('What one task of a model teaches the others at once', function () {
  this.timeout(60_000);
  let simulator: EvoLinkSimulator;
  let storage: string;

  before(async () => {
    await activateExtension();
    // The task clock runs 4 times faster than real time, as the window's schedule reads it.
    simulator = new EvoLinkSimulator({ speed: 4, progressCurve: 'zeroUntilDone' });
    await simulator.start();
    storage = mkdtempSync(join(tmpdir(), 'evolink-replan-'));
  });

  after(async () => {
    await simulator.stop();
    rmSync(storage, { recursive: true, force: true });
    await vscode.workspace.fs.delete(folder(), { recursive: true }).then(undefined, () => undefined);
  });

  it('brings the next read of the model\'s other running task forward when an end shows the model runs well before its estimate', async () => {
    const lines: string[] = [];
    const window = openWindow(simulator, { ledgerDir: join(storage, 'tasks'), downloadsDir: join(storage, 'downloads') }, {
      times: scaledTimes(0.25),
      log: recordingLog(lines),
      calibrations: new ProgressCalibrations(memoryState()),
      // Each task is read on its own: no read is brought forward to go with another's.
      pollBatching: { enabled: false },
    });
    try {
      // Of a 100 s estimate, the first task ends after 6 s and the second after 40 s; progress stays 0.
      simulator.addTaskOutcome({ kind: 'complete', durationMs: 6000 });
      simulator.addTaskOutcome({ kind: 'complete', durationMs: 40_000 });
      const fast = await submitIn(window, folder(), 'the fast one');
      // 7.5 s later on the task clock: the second task is read first at 10.5 s, then planned at
      // 20.5 s; the first is found done at 13 s, and from then on the second is read within 3 s.
      await new Promise((resolve) => setTimeout(resolve, 1875));
      const slow = await submitIn(window, folder(), 'the slow one');
      const ended = await Promise.all([fast, slow].map((entry) => until(`${entry.localId} to end`, async () => {
        const now = await window.tasks.get(entry.localId);
        return now && !isActive(now.state) ? now : undefined;
      }, 20_000)));
      assert.deepEqual(ended.map((entry) => entry?.state), ['saved', 'saved'], lines.join('\n'));
      // Before the first end, a silent task is read every 10 s until 0.3x its estimate; that end
      // showed the model's tasks may end at 0.03x, and the second task's read was planned again.
      const replanned = lines.filter((line) => line.includes(`${slow.localId}: next read in`) && line.includes('planned again'));
      assert.equal(replanned.length, 1, lines.join('\n'));
      // And it was read then: its second read came well before the 10 s (2.5 s here) its first planned.
      const reads = simulator.requests.filter((request) => request.method === 'GET' && request.path === `/v1/tasks/${ended[1]!.taskId}`).map((request) => request.at);
      assert.ok(reads.length >= 3 && reads[1]! - reads[0]! < 2000, `reads of the second task at ${reads.map((at) => at - reads[0]!).join(', ')} ms`);
      assert.ok(!lines.some((line) => line.includes(`${fast.localId}:`) && line.includes('planned again')), 'the task that ended is not planned again');
    } finally {
      window.dispose();
    }
  });
});
