/*
 * Downloads: saving 4 results of 25 MB each through the extension's own path (transport, client,
 * streaming file sink, as the task service calls it), beside two baselines in the same run:
 * curl fetching the same files, and the floor of the path without any of the extension's code
 * (Node's own `http` module, or with `--undici` undici's `request`, piped into a file stream with
 * 1 MB in flight), and the same module's bodies received and dropped without any disk write (the
 * ceiling of any client built on it). Reports the throughput ratios and the peak memory over the
 * baseline.
 *
 * The path is the one used inside VS Code (results over the `http`/`https` modules, which
 * VS Code's network support patches; for a direct connection its agent hands the socket to the
 * module's own agent, so the bytes take the path measured here), or with `--undici` the undici
 * transport used when that support is turned off. Node's `http` client copies every body chunk
 * out of the socket's buffer (two allocations per read); undici hands out slices.
 *
 * Fair to every side:
 * - The three take turns in a different order each round, and what each wrote is flushed to
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
 *   that cost away.
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
import * as http from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { EvoLinkClient } from '../src/extension/api/client';
import { createVsCodeTransport } from '../src/extension/net/vscodeTransport';
import { createUndiciTransport, loadUndici } from '../src/extension/net/transport';
import { FileSink } from '../src/extension/tasks/fileSink';

const files = 4;
const size = 25 * 1024 * 1024;
const MB = 1024 * 1024;
const option = (name: string): string | undefined => process.argv.find((arg) => arg.startsWith(`--${name}=`))?.split('=')[1];
const rounds = Number(option('rounds') ?? 5);
const useUndici = process.argv.includes('--undici');
const linkMbit = Number(option('mbit') ?? 0);
const rttMs = Number(option('rtt') ?? 0);

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

/**
 * curl, started by a process of its own (bench/curl-runner.mjs), never by this one: a fork would
 * make the next download here pay for thousands of copy-on-write page faults. Started before the
 * warm-up, so that the warm-up absorbs the one fork of the bench's own.
 */
function startCurlRunner(): { curl(args: string[]): Promise<string>; stop(): void } {
  const runner = spawn(process.execPath, [join(__dirname, 'curl-runner.mjs')], { stdio: ['pipe', 'pipe', 'inherit'] });
  runner.unref();
  process.once('exit', () => runner.kill());
  const answers = createInterface({ input: runner.stdout })[Symbol.asyncIterator]();
  return {
    async curl(args) {
      runner.stdin.write(`${JSON.stringify(args)}\n`);
      const line = await answers.next();
      const answer = (line.done ? { error: 'the runner stopped' } : JSON.parse(line.value)) as { stdout?: string; error?: string };
      if (answer.stdout === undefined) throw new Error(`curl failed: ${answer.error}`);
      return answer.stdout;
    },
    stop: () => {
      runner.stdin.end();
      runner.stdout.destroy();
    },
  };
}

const runner = startCurlRunner();

async function main(): Promise<void> {
  const serverArgs = [join(__dirname, 'static-server.mjs'), source, option('chunk') ?? '0', String((linkMbit * 1e6) / 8), String(rttMs)];
  const server = spawn(process.execPath, serverArgs, { stdio: ['ignore', 'pipe', 'inherit'] });
  // The server goes with the bench whatever happens: a failed bench neither waits on it forever
  // nor leaves it running.
  server.unref();
  process.once('exit', () => server.kill());
  const baseUrl = await new Promise<string>((resolve) => server.stdout.once('data', (chunk: Buffer) => resolve(chunk.toString().trim())));
  server.stdout.destroy();
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
    const printed = await runner.curl(['-s', '-f', '-A', 'bench', '-w', '%{time_total}\\n', ...outputs]);
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
      const meter = startMeter();
      contender.times.push(await contender.run());
      contender.peaks.push(meter());
      if (contender.wrote) flush(contender.wrote);
    }
  }
  const [oursRuns, floorRuns, curlRuns] = [contenders[0]!, contenders[1]!, contenders[2]!];

  const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
  const total = (files * size) / MB;
  const oursRate = total / (median(oursRuns.times) / 1000);
  const floorRate = total / (median(floorRuns.times) / 1000);
  const curlRate = total / (median(curlRuns.times) / 1000);
  const memory = (peaks: number[]) => `peak memory over baseline ${(Math.max(...peaks) / MB).toFixed(1)} MB (median round ${(median(peaks) / MB).toFixed(1)} MB)`;
  const link = linkMbit > 0 ? `, over a ${linkMbit} Mbit/s link` : ', over loopback at full speed';
  const served = `${link}${rttMs > 0 ? ` with ${rttMs} ms to each first byte` : ''}${option('chunk') ? `, served in ${option('chunk')}-byte pieces` : ''}`;
  console.log(`\nDownloads: ${files} results of ${size / MB} MB${served}, median of ${rounds} rounds (Node ${process.versions.node})`);
  console.log(`extension path (${useUndici ? 'undici' : "VS Code's: the http(s) module for results"}):  ${oursRate.toFixed(0)} MB/s, ${memory(oursRuns.peaks)}`);
  console.log(`floor (${useUndici ? "undici's request" : "Node's http module"} piped to a file): ${floorRate.toFixed(0)} MB/s, ${memory(floorRuns.peaks)}`);
  const receivedRate = total / (median(contenders[3]!.times) / 1000);
  console.log(`curl (baseline): ${curlRate.toFixed(0)} MB/s`);
  console.log(`received and dropped, nothing written (${useUndici ? "undici's request" : "Node's http module"}; the ceiling of any client on it): ${receivedRate.toFixed(0)} MB/s, ${(receivedRate / curlRate).toFixed(2)}x curl`);
  console.log(`throughput ratio (ours / curl): ${(oursRate / curlRate).toFixed(2)}x; floor / curl: ${(floorRate / curlRate).toFixed(2)}x; ours / floor: ${(oursRate / floorRate).toFixed(2)}x`);

  await transport.dispose();
}

main()
  .catch((error: unknown) => {
    console.error(error);
    process.exitCode = 1;
  })
  .finally(() => {
    runner.stop();
    rmSync(source, { recursive: true, force: true });
    rmSync(target, { recursive: true, force: true });
  });
