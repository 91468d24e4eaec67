/*
 * Downloads: saving 4 results of 25 MB each through the extension's own path (transport, client,
 * streaming file sink), beside curl fetching the same files in the same run. Reports the peak
 * memory over the baseline of the measuring process and the throughput ratio.
 *
 * The path is the one used inside VS Code (results over the `https` module, which VS Code's
 * network support patches like fetch), or with `--undici` the undici transport used when that
 * support is turned off.
 */
import { execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EvoLinkClient } from '../src/extension/api/client';
import { createVsCodeTransport } from '../src/extension/net/vscodeTransport';
import { createUndiciTransport } from '../src/extension/net/transport';
import { FileSink } from '../src/extension/tasks/fileSink';

const files = 4;
const size = 25 * 1024 * 1024;
const rounds = 3;
const MB = 1024 * 1024;

const source = mkdtempSync(join(tmpdir(), 'evolink-bench-src-'));
const target = mkdtempSync(join(tmpdir(), 'evolink-bench-dst-'));
for (let index = 0; index < files; index++) {
  const bytes = randomBytes(size);
  bytes.set([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  writeFileSync(join(source, `result-${index}.png`), bytes);
}

async function main(): Promise<void> {
const server = spawn(process.execPath, [join(__dirname, 'static-server.mjs'), source], { stdio: ['ignore', 'pipe', 'inherit'] });
const baseUrl = await new Promise<string>((resolve) => server.stdout.once('data', (chunk: Buffer) => resolve(chunk.toString().trim())));
const urls = Array.from({ length: files }, (_, index) => `${baseUrl}/result-${index}.png`);

const useUndici = process.argv.includes('--undici');
const transport = useUndici ? createUndiciTransport({ proxy: '', strictSSL: true, noProxy: [] }) : createVsCodeTransport((input, init) => fetch(input, init));
const client = new EvoLinkClient({ transport, endpoints: () => ({ api: baseUrl, files: baseUrl }), userAgent: 'evolink.evolink-image-studio/bench' });

async function ours(): Promise<number> {
  const started = performance.now();
  for (const [index, url] of urls.entries()) {
    const sink = new FileSink(join(target, `ours-${index}.png`));
    await client.download(url, sink, { maxBytes: 200 * MB });
    await sink.close();
  }
  return performance.now() - started;
}

function curl(): number {
  const started = performance.now();
  for (const [index, url] of urls.entries()) {
    execFileSync('curl', ['-s', '-f', '-A', 'bench', '-o', join(target, `curl-${index}.png`), url]);
  }
  return performance.now() - started;
}

// Warm up both (loads undici, fills the page cache), then take the baseline.
await ours();
curl();
global.gc?.();
await new Promise((resolve) => setTimeout(resolve, 200));
const baseline = process.memoryUsage().rss;
let peak = baseline;
const sampler = setInterval(() => {
  peak = Math.max(peak, process.memoryUsage().rss);
}, 2);

const oursTimes: number[] = [];
const curlTimes: number[] = [];
for (let round = 0; round < rounds; round++) {
  oursTimes.push(await ours());
  curlTimes.push(curl());
}
clearInterval(sampler);
peak = Math.max(peak, process.memoryUsage().rss);

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
const total = (files * size) / MB;
const oursRate = total / (median(oursTimes) / 1000);
const curlRate = total / (median(curlTimes) / 1000);
console.log(`\nDownloads: ${files} results of ${size / MB} MB, median of ${rounds} rounds`);
console.log(`extension path (${useUndici ? 'undici' : "VS Code's: the https module for results"}):  ${oursRate.toFixed(0)} MB/s, peak memory over baseline ${((peak - baseline) / MB).toFixed(1)} MB`);
console.log(`curl (baseline): ${curlRate.toFixed(0)} MB/s`);
console.log(`throughput ratio (ours / curl): ${(oursRate / curlRate).toFixed(2)}x`);

await transport.dispose();
server.kill();
rmSync(source, { recursive: true, force: true });
rmSync(target, { recursive: true, force: true });
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
