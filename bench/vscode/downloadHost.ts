/*
 * The download bench inside VS Code's extension host, started by bench/downloadVsCode.mjs as an
 * extension test (`run()`). The path is the transport the extension itself builds there from
 * VS Code's `http.*` settings (`chooseTransport`): VS Code's fetch for calls, and for results the
 * `https`/`http` modules as VS Code's network support hands them to extensions. The floor is the
 * same `http` module, as this host hands it out. Writes the report to EVOLINK_BENCH_REPORT.
 */
import { writeFileSync } from 'node:fs';
import * as vscode from 'vscode';
import { chooseTransport } from '../../src/extension/net/vscodeNetwork';
import { measureDownloads, optionsFromArgs } from '../downloadMeasure';

export async function run(): Promise<void> {
  const report = process.env.EVOLINK_BENCH_REPORT;
  const benchDir = process.env.EVOLINK_BENCH_DIR;
  if (!report || !benchDir) throw new Error('EVOLINK_BENCH_REPORT and EVOLINK_BENCH_DIR must be set (see bench/downloadVsCode.mjs)');
  // Inside VS Code the path is what its settings choose (`--undici` has no meaning here).
  const { rounds, linkMbit, rttMs, chunk } = optionsFromArgs(JSON.parse(process.env.EVOLINK_BENCH_ARGS ?? '[]') as string[]);
  const options = { rounds, linkMbit, rttMs, ...(chunk ? { chunk } : {}) };
  const { transport, description } = chooseTransport();
  try {
    const lines = await measureDownloads({ ...options, transport, kind: 'http module', where: `VS Code ${vscode.version}'s extension host`, benchDir });
    writeFileSync(report, [...lines, `the extension's transport there: ${description}`].join('\n'));
  } catch (error) {
    writeFileSync(report, `the bench failed: ${String((error as Error)?.stack ?? error)}`);
    throw error;
  } finally {
    await transport.dispose();
  }
}
