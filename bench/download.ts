/*
 * Downloads: saving 4 results of 25 MB each through the extension's own path (transport, client,
 * streaming file sink, as the task service calls it), beside curl fetching the same files in the
 * same run. Reports the throughput ratio and the peak memory over the baseline.
 *
 * The path is the one used inside VS Code (results over the `http`/`https` modules, which
 * VS Code's network support patches; for a direct connection its agent hands the socket to the
 * module's own agent, so the bytes take the path measured here), or with `--undici` the undici
 * transport used when that support is turned off.
 *
 * Fair to both sides:
 * - curl fetches the 4 files in one process per round (one connection, as ours keeps one), and
 *   its time is its own transfer time (`time_total`), without the ~50 ms a process takes to start.
 * - Memory is the kernel's peak resident size (VmHWM, reset before each round through
 *   /proc/self/clear_refs) over the resident size at the round's start after a full GC: every
 *   byte counts, and nothing samples on the measured event loop. Elsewhere than Linux the
 *   resident size is sampled every 5 ms instead. The figure is the largest of the rounds.
 * - `--chunk=<bytes>` (and `--pause=<ms>`) make the server write the files in small pieces, as a
 *   TLS connection or a slow link delivers them; `--rounds=<n>` sets the number of rounds.
 */
import { execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { EvoLinkClient } from '../src/extension/api/client';
import { createVsCodeTransport } from '../src/extension/net/vscodeTransport';
import { createUndiciTransport } from '../src/extension/net/transport';
import { FileSink } from '../src/extension/tasks/fileSink';

const files = 4;
const size = 25 * 1024 * 1024;
const MB = 1024 * 1024;
const option = (name: string): string | undefined => process.argv.find((arg) => arg.startsWith(`--${name}=`))?.split('=')[1];
const rounds = Number(option('rounds') ?? 5);
const useUndici = process.argv.includes('--undici');

setFlagsFromString('--expose-gc');
const gc = (globalThis.gc ?? runInNewContext('gc')) as () => void;

/** The peak resident size of one round, over its start. */
function startMeter(): () => number {
  gc();
  const kernel = (field: string): number => Number(new RegExp(`${field}:\\s+(\\d+) kB`).exec(readFileSync('/proc/self/status', 'utf8'))?.[1]) * 1024;
  try {
    writeFileSync('/proc/self/clear_refs', '5');
    const start = kernel('VmRSS');
    return () => kernel('VmHWM') - start;
  } catch {
    const start = process.memoryUsage.rss();
    let peak = start;
    const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage.rss())), 5);
    return () => {
      clearInterval(sampler);
      return Math.max(peak, process.memoryUsage.rss()) - start;
    };
  }
}

const source = mkdtempSync(join(tmpdir(), 'evolink-bench-src-'));
const target = mkdtempSync(join(tmpdir(), 'evolink-bench-dst-'));
for (let index = 0; index < files; index++) {
  const bytes = randomBytes(size);
  bytes.set([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  writeFileSync(join(source, `result-${index}.png`), bytes);
}

async function main(): Promise<void> {
  const serverArgs = [join(__dirname, 'static-server.mjs'), source, option('chunk') ?? '0', option('pause') ?? '0'];
  const server = spawn(process.execPath, serverArgs, { stdio: ['ignore', 'pipe', 'inherit'] });
  const baseUrl = await new Promise<string>((resolve) => server.stdout.once('data', (chunk: Buffer) => resolve(chunk.toString().trim())));
  const urls = Array.from({ length: files }, (_, index) => `${baseUrl}/result-${index}.png`);

  const transport = useUndici ? createUndiciTransport({ proxy: '', strictSSL: true, noProxy: [] }) : createVsCodeTransport((input, init) => fetch(input, init));
  const client = new EvoLinkClient({ transport, endpoints: () => ({ api: baseUrl, files: baseUrl }), userAgent: 'evolink.evolink-image-studio/bench' });

  async function ours(): Promise<number> {
    const started = performance.now();
    for (const [index, url] of urls.entries()) {
      const sink = new FileSink(join(target, `ours-${index}.png`));
      // The options of the task service's own call (taskWork.ts): a cap, an idle watchdog, a link check.
      await client.download(url, sink, { maxBytes: 200 * MB, idleMs: 60_000, checkLink: () => undefined });
      await sink.close();
    }
    return performance.now() - started;
  }

  function curl(): number {
    const outputs = urls.flatMap((url, index) => ['-o', join(target, `curl-${index}.png`), url]);
    const times = execFileSync('curl', ['-s', '-f', '-A', 'bench', '-w', '%{time_total}\\n', ...outputs], { encoding: 'utf8' });
    return times.trim().split('\n').reduce((sum, line) => sum + Number(line) * 1000, 0);
  }

  // Warm up both (loads undici, opens the connection, fills the page cache).
  await ours();
  curl();

  const oursTimes: number[] = [];
  const curlTimes: number[] = [];
  let peak = 0;
  for (let round = 0; round < rounds; round++) {
    const meter = startMeter();
    oursTimes.push(await ours());
    const roundPeak = meter();
    if (process.env.BENCH_VERBOSE) console.log(`round ${round}: ${(roundPeak / MB).toFixed(1)} MB`);
    peak = Math.max(peak, roundPeak);
    curlTimes.push(curl());
  }

  const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
  const total = (files * size) / MB;
  const oursRate = total / (median(oursTimes) / 1000);
  const curlRate = total / (median(curlTimes) / 1000);
  const served = option('chunk') ? `, served in ${option('chunk')}-byte pieces${option('pause') ? ` every ${option('pause')} ms` : ''}` : '';
  console.log(`\nDownloads: ${files} results of ${size / MB} MB${served}, median of ${rounds} rounds (Node ${process.versions.node})`);
  console.log(`extension path (${useUndici ? 'undici' : "VS Code's: the http(s) module for results"}):  ${oursRate.toFixed(0)} MB/s, peak memory over baseline ${(peak / MB).toFixed(1)} MB`);
  console.log(`curl (baseline): ${curlRate.toFixed(0)} MB/s`);
  console.log(`throughput ratio (ours / curl): ${(oursRate / curlRate).toFixed(2)}x`);

  await transport.dispose();
  server.kill();
}

main()
  .catch((error: unknown) => {
    console.error(error);
    process.exitCode = 1;
  })
  .finally(() => {
    rmSync(source, { recursive: true, force: true });
    rmSync(target, { recursive: true, force: true });
  });
