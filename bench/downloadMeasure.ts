/*
 * Downloads: saving 4 results of 25 MB each through the extension's own path (transport, client,
 * streaming file sink, as the task service calls it), beside two baselines in the same run:
 * curl fetching the same files, and the floor of the path without any of the extension's code
 * (the `http` module the extension's transport gets, or with `--undici` undici's `request`, piped
 * into a file stream with 1 MB in flight), and the same module's bodies received and dropped
 * without any disk write (the ceiling of any client built on it). Reports the throughput ratios
 * and the peak memory over the baseline.
 *
 * Shared by two entries: `bench/download.ts` runs it in a plain Node process, from a bundle as
 * the extension ships (`npm run bench -- download`), and `bench/downloadVsCode.mjs` inside VS
 * Code's own extension host (1.139), with the transport the extension builds there from VS Code's
 * `http.*` settings: its fetch for calls, the `https`/`http` modules VS Code's network support
 * patches for results.
 *
 * Why a bundle and not a TypeScript loader: with tsx's loader in the process (`node --require
 * tsx/cjs` on the same bundle), every in-process contender, Node's own floor included, read
 * 0.66-0.75x curl where the plain process read 0.83-1.00x, in six alternating pairs of runs on a
 * 2-core machine. curl runs in a process of its own and is not slowed; the extension host loads
 * no such loader.
 *
 * Fair to every side:
 * - The contenders take turns in a different order each round, and what each wrote is flushed to
 *   the disk before the next starts (untimed): whoever follows another's writes would otherwise
 *   pay for the kernel writing them back.
 * - curl fetches the 4 files in one process per round (one connection, as ours keeps one), and
 *   its time is its own transfer time (`time_total`), without the ~50 ms a process takes to start.
 * - Memory is the kernel's peak resident size (VmHWM, reset before each round through
 *   /proc/self/clear_refs) over the resident size at the round's start after a full GC: every
 *   byte counts, and nothing samples on the measured event loop. Elsewhere than Linux the
 *   resident size is sampled every 5 ms instead. The figure is the largest of the rounds, with
 *   the median round beside it: body chunks are freed when V8 collects them, so a round's peak
 *   depends on when its collections fall.
 * - The server is a process of its own, the same for the three: its work does not count in the
 *   measured process's time or memory (it does share the machine's cores with whichever runs).
 *
 * What the rows measure:
 * - By default the server sends as fast as loopback goes: the row measures the CPU each client
 *   spends per byte, not a link. There Node's `http` floor is bound by its own CPU: every read
 *   lands in a freshly allocated 64 KB buffer and the parser copies the body out of it into
 *   another one, so each byte is copied twice in the process, often into pages the allocator
 *   has just given back to the kernel (page faults, costly in a virtual machine), where curl
 *   reads 100 KB at a time into one reused buffer. Nothing above the `http` module can take
 *   that cost away. And each of those buffers lives outside V8's heap: each time they add up to
 *   about 64 MB, V8 marks the whole heap ("external memory pressure"). In a fresh process that
 *   is a few milliseconds; in an extension host with tens of MB of heap it is most of the time a
 *   fast download takes, which is why the two entries read so differently on loopback.
 * - `--mbit=<n>` paces each response with a token bucket in the server, as a link of n Mbit/s
 *   delivers it, and `--rtt=<ms>` delays each response by one round trip: the rows users meet
 *   (e.g. `--mbit=100 --rtt=20`, `--mbit=1000 --rtt=5`). The pacing is the server's, so it is
 *   the same for every contender.
 * - `--chunk=<bytes>` makes the server write the files in small pieces, as a TLS connection (16 KB
 *   records) or a slow link delivers them; `--rounds=<n>` sets the number of rounds (default 5).
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { closeSync, createWriteStream, fdatasyncSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
// The plain name, as the extension's transport loads it: inside VS Code, the module its network
// support patches.
import * as http from 'http';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { getHeapStatistics, setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { EvoLinkClient } from '../src/extension/api/client';
import { loadUndici, type Transport } from '../src/extension/net/transport';
import { FileSink } from '../src/extension/tasks/fileSink';

const files = 4;
const size = 25 * 1024 * 1024;
const MB = 1024 * 1024;

/** What a run measures, from the command line's `--rounds=`, `--mbit=`, `--rtt=`, `--chunk=` and `--undici`. */
export interface DownloadBenchOptions {
  rounds: number;
  /** The transport that stands for the extension's path; `undici` picks the floor to compare it with. */
  transport: Transport;
  kind: 'http module' | 'undici';
  /** Where the path runs, for the report ("a plain Node process", "VS Code 1.139's extension host"). */
  where: string;
  linkMbit: number;
  rttMs: number;
  chunk?: number;
  /** The folder of the bench's helper scripts (curl-runner.mjs, static-server.mjs). */
  benchDir: string;
}

/** Reads the options from command-line arguments; the transport is the caller's. */
export function optionsFromArgs(args: readonly string[]): { rounds: number; linkMbit: number; rttMs: number; chunk?: number; undici: boolean } {
  const option = (name: string): string | undefined => args.find((arg) => arg.startsWith(`--${name}=`))?.split('=')[1];
  const chunk = option('chunk');
  return { rounds: Number(option('rounds') ?? 5), linkMbit: Number(option('mbit') ?? 0), rttMs: Number(option('rtt') ?? 0), ...(chunk ? { chunk: Number(chunk) } : {}), undici: args.includes('--undici') };
}

/** The bench's helper scripts, from the repository's root (where `npm run bench` runs). */
export const benchFolder = (): string => resolve('bench');

/** The peak resident size of one round, over its start. */
function startMeter(gc: () => void): () => number {
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

/**
 * curl, started by a process of its own (bench/curl-runner.mjs), never by this one: a fork would
 * make the next download here pay for thousands of copy-on-write page faults. Started before the
 * warm-up, so that the warm-up absorbs the one fork of the bench's own.
 */
function startCurlRunner(benchDir: string): { curl: (args: string[]) => Promise<string>; stop: () => void } {
  const runner = spawn(process.execPath, [join(benchDir, 'curl-runner.mjs')], { stdio: ['pipe', 'pipe', 'inherit'] });
  runner.unref();
  const answers = createInterface({ input: runner.stdout })[Symbol.asyncIterator]();
  return {
    curl: async (args) => {
      runner.stdin.write(`${JSON.stringify(args)}\n`);
      const line = await answers.next();
      const answer = (line.done ? { error: 'the runner stopped' } : JSON.parse(line.value)) as { stdout?: string; error?: string };
      if (answer.stdout === undefined) throw new Error(`curl failed: ${answer.error}`);
      return answer.stdout;
    },
    stop: () => {
      runner.stdin.end();
      runner.stdout.destroy();
      runner.kill();
    },
  };
}

/** Runs the bench; answers its report, one line each. */
export async function measureDownloads(options: DownloadBenchOptions): Promise<string[]> {
  setFlagsFromString('--expose-gc');
  const gc = (globalThis.gc ?? runInNewContext('gc')) as () => void;
  const { linkMbit, rttMs } = options;
  const useUndici = options.kind === 'undici';
  const source = mkdtempSync(join(tmpdir(), 'evolink-bench-src-'));
  const target = mkdtempSync(join(tmpdir(), 'evolink-bench-dst-'));
  for (let index = 0; index < files; index++) {
    const bytes = randomBytes(size);
    bytes.set([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
    writeFileSync(join(source, `result-${index}.png`), bytes);
  }
  const runner = startCurlRunner(options.benchDir);
  const serverArgs = [join(options.benchDir, 'static-server.mjs'), source, String(options.chunk ?? 0), String((linkMbit * 1e6) / 8), String(rttMs)];
  const server = spawn(process.execPath, serverArgs, { stdio: ['ignore', 'pipe', 'inherit'] });
  // The server goes with the bench whatever happens: a failed bench neither waits on it forever
  // nor leaves it running.
  server.unref();
  try {
    const baseUrl = await new Promise<string>((resolve) => server.stdout.once('data', (chunk: Buffer) => resolve(chunk.toString().trim())));
    server.stdout.destroy();
    return await measure({ ...options, gc, baseUrl, target, curl: runner.curl, useUndici });
  } finally {
    runner.stop();
    server.kill();
    rmSync(source, { recursive: true, force: true });
    rmSync(target, { recursive: true, force: true });
  }
}

async function measure(options: DownloadBenchOptions & { gc: () => void; baseUrl: string; target: string; curl: (args: string[]) => Promise<string>; useUndici: boolean }): Promise<string[]> {
  const { baseUrl, target, useUndici, rounds, transport, linkMbit, rttMs } = options;
  const urls = Array.from({ length: files }, (_, index) => `${baseUrl}/result-${index}.png`);
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

  async function floor(): Promise<number> {
    const undici = useUndici ? await loadUndici() : undefined;
    const started = performance.now();
    for (const [index, url] of urls.entries()) {
      const body = undici ? (await undici.request(url)).body : await new Promise<Readable>((resolve, reject) => http.get(url, resolve).on('error', reject));
      await pipeline(body, createWriteStream(join(target, `floor-${index}.png`), { highWaterMark: MB }));
    }
    return performance.now() - started;
  }

  /** The ceiling of any client on the same module: the bodies received and dropped, nothing written. */
  async function received(): Promise<number> {
    const undici = useUndici ? await loadUndici() : undefined;
    const started = performance.now();
    for (const url of urls) {
      const body = undici ? (await undici.request(url)).body : await new Promise<Readable>((resolve, reject) => http.get(url, resolve).on('error', reject));
      for await (const chunk of body) void chunk;
    }
    return performance.now() - started;
  }

  async function curl(): Promise<number> {
    const outputs = urls.flatMap((url, index) => ['-o', join(target, `curl-${index}.png`), url]);
    const printed = await options.curl(['-s', '-f', '-A', 'bench', '-w', '%{time_total}\\n', ...outputs]);
    return printed.trim().split('\n').reduce((sum, line) => sum + Number(line) * 1000, 0);
  }

  /** Writes what one contender saved to the disk, so that the next does not pay for it. */
  const flush = (prefix: string): void => {
    for (let index = 0; index < files; index++) {
      const fd = openSync(join(target, `${prefix}-${index}.png`), 'r+');
      fdatasyncSync(fd);
      closeSync(fd);
    }
  };

  // Warm up all three (loads undici, opens the connections, fills the page cache).
  await ours();
  await floor();
  await curl();
  await received();
  for (const prefix of ['ours', 'floor', 'curl']) flush(prefix);

  const contenders = [
    { times: [] as number[], peaks: [] as number[], run: ours, wrote: 'ours' },
    { times: [] as number[], peaks: [] as number[], run: floor, wrote: 'floor' },
    { times: [] as number[], peaks: [] as number[], run: curl, wrote: 'curl' },
    { times: [] as number[], peaks: [] as number[], run: received, wrote: '' },
  ];
  for (let round = 0; round < rounds; round++) {
    for (let turn = 0; turn < contenders.length; turn++) {
      const contender = contenders[(round + turn) % contenders.length]!;
      const meter = startMeter(options.gc);
      contender.times.push(await contender.run());
      contender.peaks.push(meter());
      if (contender.wrote) flush(contender.wrote);
    }
  }
  const [oursRuns, floorRuns, curlRuns] = [contenders[0]!, contenders[1]!, contenders[2]!];

  const lines: string[] = [];
  const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
  const total = (files * size) / MB;
  const oursRate = total / (median(oursRuns.times) / 1000);
  const floorRate = total / (median(floorRuns.times) / 1000);
  const curlRate = total / (median(curlRuns.times) / 1000);
  const memory = (peaks: number[]) => `peak memory over baseline ${(Math.max(...peaks) / MB).toFixed(1)} MB (median round ${(median(peaks) / MB).toFixed(1)} MB)`;
  const link = linkMbit > 0 ? `, over a ${linkMbit} Mbit/s link` : ', over loopback at full speed';
  const served = `${link}${rttMs > 0 ? ` with ${rttMs} ms to each first byte` : ''}${options.chunk ? `, served in ${options.chunk}-byte pieces` : ''}`;
  lines.push(`Downloads: ${files} results of ${size / MB} MB${served}, median of ${rounds} rounds in ${options.where} (Node ${process.versions.node})`);
  lines.push(`extension path (${useUndici ? 'undici' : "VS Code's: the http(s) module for results"}):  ${oursRate.toFixed(0)} MB/s, ${memory(oursRuns.peaks)}`);
  lines.push(`floor (${useUndici ? "undici's request" : "Node's http module"} piped to a file): ${floorRate.toFixed(0)} MB/s, ${memory(floorRuns.peaks)}`);
  const receivedRate = total / (median(contenders[3]!.times) / 1000);
  lines.push(`curl (baseline): ${curlRate.toFixed(0)} MB/s`);
  lines.push(`received and dropped, nothing written (${useUndici ? "undici's request" : "Node's http module"}; the ceiling of any client on it): ${receivedRate.toFixed(0)} MB/s, ${(receivedRate / curlRate).toFixed(2)}x curl`);
  // V8 marks the whole heap each time the buffers of socket reads have added up to some 64 MB
  // ("external memory pressure"), so the same bytes cost more CPU in a process with a larger heap.
  lines.push(`the process's JavaScript heap: ${(getHeapStatistics().used_heap_size / MB).toFixed(0)} MB in use`);
  lines.push(`throughput ratio (ours / curl): ${(oursRate / curlRate).toFixed(2)}x; floor / curl: ${(floorRate / curlRate).toFixed(2)}x; ours / floor: ${(oursRate / floorRate).toFixed(2)}x`);

  return lines;
}
