/*
 * The image pipeline: one 4096x4096 source to the favicon set, the Open Graph card and three
 * WebP widths, through the extension's WebAssembly codecs (jSquash) beside sharp (native libvips)
 * making the same outputs in the same run. Reports the time ratio, the resampling quality
 * against sharp's Lanczos3 at every output size (PSNR, SSIM), the file sizes of each encoder at
 * equal quality settings, peak memory, and the time to compile the AVIF encoder on first use.
 */
import { gzipSync } from 'node:zlib';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { buildIco } from '../src/common/ico';
import { planResize, type ResizeOptions } from '../src/common/imageGeometry';
import { Codecs } from '../src/extension/assets/codecs';
import { runOutputs, type OutputSpec, type ResizeChain } from '../src/extension/assets/outputs';
import type { RgbaImage } from '../src/extension/assets/rgba';
import { WasmLoader } from '../src/extension/assets/wasmLoader';
import { psnr, ssim, testPicture } from '../test/support/imageMetrics';
import { localPipeline, wasmInPackages } from '../test/support/wasm';

const side = 4096;
const rounds = 3;
const white = [255, 255, 255, 255] as const;

/** A photo-like source: smooth areas, edges, rings, and a little grain (so that PNG is not trivial). */
function source(): RgbaImage {
  const data = testPicture(side, side);
  let state = 20261202;
  for (let index = 0; index < data.length; index += 4) {
    state = (state * 1103515245 + 12345) >>> 0;
    const grain = ((state >>> 16) & 7) - 3;
    for (let channel = 0; channel < 3; channel++) data[index + channel] = Math.min(255, Math.max(0, data[index + channel]! + grain));
  }
  return { width: side, height: side, data };
}

const square = (size: number, extra: Partial<OutputSpec> = {}): OutputSpec => ({ width: size, height: size, fit: 'cover', format: 'png', ...extra });
const outputs: OutputSpec[] = [
  square(48, { format: 'ico', sizes: [48, 32, 16] }),
  square(96),
  square(180, { background: [...white] }),
  square(192),
  square(512),
  square(192, { fit: 'contain', padding: 0.1, background: [...white] }),
  square(512, { fit: 'contain', padding: 0.1, background: [...white] }),
  { width: 1200, height: 630, fit: 'cover', format: 'jpeg', quality: 85 },
  { width: 640, height: 360, fit: 'cover', format: 'webp', quality: 80 },
  { width: 1280, height: 720, fit: 'cover', format: 'webp', quality: 80 },
  { width: 1920, height: 1080, fit: 'cover', format: 'webp', quality: 80 },
];

/** sharp making one output the same way: the same crop, Lanczos3, the same padding and format. */
async function sharpOutput(raw: Buffer, output: OutputSpec, size = { width: output.width, height: output.height }): Promise<Buffer> {
  const plan = planResize({ width: side, height: side }, { ...output, ...size });
  let pipeline = sharp(raw, { raw: { width: side, height: side, channels: 4 } })
    .extract({ left: plan.crop.x, top: plan.crop.y, width: plan.crop.width, height: plan.crop.height })
    .resize(plan.place.width, plan.place.height, { kernel: 'lanczos3', fit: 'fill' });
  const background = output.background ? { r: output.background[0], g: output.background[1], b: output.background[2], alpha: output.background[3] / 255 } : { r: 0, g: 0, b: 0, alpha: 0 };
  if (plan.place.width !== plan.canvas.width || plan.place.height !== plan.canvas.height) {
    pipeline = sharp(await pipeline.png({ compressionLevel: 0 }).toBuffer()).extend({
      top: plan.place.y, left: plan.place.x, bottom: plan.canvas.height - plan.place.y - plan.place.height, right: plan.canvas.width - plan.place.x - plan.place.width, background,
    });
  }
  if (output.background) pipeline = pipeline.flatten({ background });
  switch (output.format) {
    case 'jpeg': return pipeline.jpeg({ quality: output.quality ?? 80, mozjpeg: true }).toBuffer();
    case 'webp': return pipeline.webp({ quality: output.quality ?? 80 }).toBuffer();
    case 'avif': return pipeline.avif({ quality: output.quality ?? 50 }).toBuffer();
    default: return pipeline.png().toBuffer();
  }
}

async function sharpAll(png: Buffer): Promise<Buffer[]> {
  const raw = await sharp(png).ensureAlpha().raw().toBuffer();
  const files: Buffer[] = [];
  for (const output of outputs) {
    if (output.format === 'ico') {
      const pngs = await Promise.all(output.sizes!.map((size) => sharpOutput(raw, { ...output, format: 'png' }, { width: size, height: size })));
      files.push(Buffer.from(buildIco(pngs)));
    } else {
      files.push(await sharpOutput(raw, output));
    }
  }
  return files;
}

const median = (values: number[]): number => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
const ms = (value: number): string => `${value.toFixed(0)} ms`;
const kb = (value: number): string => `${(value / 1024).toFixed(1)} KB`;

async function timeOurs(png: Uint8Array, chain: ResizeChain): Promise<{ time: number; peak: number; files: Uint8Array[] }> {
  const { codecs, resizer } = localPipeline();
  await runOutputs(codecs, resizer, { width: 64, height: 64, data: testPicture(64, 64) }, outputs.map((output) => ({ ...output, width: 16, height: 16 })));
  global.gc?.();
  const baseline = process.memoryUsage().rss;
  let peak = baseline;
  const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 10);
  const started = performance.now();
  const results = await runOutputs(codecs, resizer, png, outputs, chain);
  const time = performance.now() - started;
  clearInterval(sampler);
  peak = Math.max(peak, process.memoryUsage().rss);
  return { time, peak: peak - baseline, files: results.map((result) => result.bytes) };
}

async function speed(png: Buffer): Promise<Uint8Array[]> {
  const ladder: number[] = [];
  const box: number[] = [];
  const sharpTimes: number[] = [];
  let peak = 0;
  let files: Uint8Array[] = [];
  for (let round = 0; round < rounds; round++) {
    const ours = await timeOurs(new Uint8Array(png), 'ladder');
    ladder.push(ours.time);
    peak = Math.max(peak, ours.peak);
    const boxed = await timeOurs(new Uint8Array(png), 'box');
    box.push(boxed.time);
    peak = Math.max(peak, boxed.peak);
    files = boxed.files;
    const started = performance.now();
    await sharpAll(png);
    sharpTimes.push(performance.now() - started);
  }
  const direct = await timeOurs(new Uint8Array(png), 'direct');
  console.log(`\n11 files from one ${side}x${side} PNG (median of ${rounds}; decode included):`);
  console.log(`  sharp (native libvips)                 ${ms(median(sharpTimes))}`);
  console.log(`  jSquash, halved copies (ladder)        ${ms(median(ladder))}  speed ${(median(sharpTimes) / median(ladder)).toFixed(2)}x sharp (goal >= 0.5x)`);
  console.log(`  jSquash, 2x2-average halved copies (box) ${ms(median(box))}  speed ${(median(sharpTimes) / median(box)).toFixed(2)}x sharp`);
  console.log(`  jSquash, each from the original        ${ms(direct.time)}  speed ${(median(sharpTimes) / direct.time).toFixed(2)}x sharp (one run)`);
  console.log(`  peak memory over baseline (ours)       ${(peak / 1048576).toFixed(0)} MiB (the source's RGBA alone is 64 MiB)`);
  return files;
}

/** Our pixels and sharp's for every output size, before encoding, against each other. */
async function quality(image: RgbaImage, png: Buffer): Promise<void> {
  const raw = await sharp(png).ensureAlpha().raw().toBuffer();
  const { codecs, resizer } = localPipeline();
  const sizes: ResizeOptions[] = [[1920, 1080], [1280, 720], [640, 360], [1200, 630], [512, 512], [192, 192], [180, 180], [96, 96], [48, 48], [32, 32], [16, 16]]
    .map(([width, height]) => ({ width: width!, height: height!, fit: 'cover' }));
  console.log('\nResampling against sharp Lanczos3 (goal PSNR >= 45 dB, SSIM >= 0.995):');
  console.log('  size        box PSNR / SSIM          ladder PSNR / SSIM       direct PSNR / SSIM');
  for (const size of sizes) {
    const plan = planResize(image, size);
    const reference = await sharp(raw, { raw: { width: side, height: side, channels: 4 } })
      .extract({ left: plan.crop.x, top: plan.crop.y, width: plan.crop.width, height: plan.crop.height })
      .resize(size.width, size.height, { kernel: 'lanczos3', fit: 'fill' }).raw().toBuffer();
    const theirs = { width: size.width, height: size.height, data: reference };
    const row = [`${size.width}x${size.height}`.padEnd(12)];
    for (const chain of ['box', 'ladder', 'direct'] as const) {
      const [result] = await runOutputs(codecs, resizer, image, [{ ...size, format: 'png' }], chain);
      const ours = await codecs.decode(result!.bytes);
      row.push(`${psnr(ours, theirs).toFixed(1)} dB / ${ssim(ours, theirs).toFixed(4)}`.padEnd(25));
    }
    console.log(`  ${row.join('')}`);
  }
}

/** Each encoder on the same pixels at the same setting, ours beside sharp's. */
async function fileSizes(image: RgbaImage, ours: Uint8Array[], png: Buffer): Promise<void> {
  const sharpFiles = await sharpAll(png);
  console.log('\nFile sizes of the 11 outputs (box chain), ours / sharp (goal within 15%):');
  outputs.forEach((output, index) => {
    const ratio = ours[index]!.length / sharpFiles[index]!.length;
    console.log(`  ${`${output.format} ${output.width}x${output.height}${output.padding ? ' maskable' : ''}${output.quality ? ` q${output.quality}` : ''}`.padEnd(28)} ${kb(ours[index]!.length).padStart(10)} / ${kb(sharpFiles[index]!.length).padStart(10)}  ${(ratio * 100 - 100).toFixed(0).padStart(4)}%`);
  });
  const { codecs, resizer } = localPipeline();
  const pixels = await resizer.resize(image, { width: 1280, height: 720, fit: 'cover' });
  const input = sharp(Buffer.from(pixels.data), { raw: { width: 1280, height: 720, channels: 4 } });
  console.log('\nOne 1280x720 image, encoders alone:');
  const rows: [string, Promise<Uint8Array>, Promise<Buffer>][] = [
    ['JPEG q80 (sharp mozjpeg)', codecs.encode(pixels, { format: 'jpeg', quality: 80 }), input.clone().jpeg({ quality: 80, mozjpeg: true }).toBuffer()],
    ['JPEG q80 (sharp libjpeg-turbo)', codecs.encode(pixels, { format: 'jpeg', quality: 80 }), input.clone().jpeg({ quality: 80 }).toBuffer()],
    ['WebP q80', codecs.encode(pixels, { format: 'webp', quality: 80 }), input.clone().webp({ quality: 80 }).toBuffer()],
    ['AVIF q50 (speed 6 / effort 4)', codecs.encode(pixels, { format: 'avif', quality: 50 }), input.clone().avif({ quality: 50 }).toBuffer()],
    ['PNG', codecs.encode(pixels, { format: 'png' }), input.clone().png().toBuffer()],
  ];
  for (const [label, oursPending, sharpPending] of rows) {
    const [a, b] = [await oursPending, await sharpPending];
    console.log(`  ${label.padEnd(32)} ${kb(a.length).padStart(10)} / ${kb(b.length).padStart(10)}  ${((a.length / b.length) * 100 - 100).toFixed(0).padStart(4)}%`);
  }
}

async function avifFirstUse(): Promise<void> {
  const loader = new WasmLoader(wasmInPackages);
  const codecs = new Codecs(loader);
  const started = performance.now();
  await codecs.encode({ width: 16, height: 16, data: testPicture(16, 16) }, { format: 'avif' });
  const first = performance.now() - started;
  console.log(`\nAVIF encoder on first use: compile ${ms(loader.compileMs.get('avifEncoder')!)}, first 16x16 encode including compile ${ms(first)}`);
}

function packageFigures(): void {
  const rows = Object.entries(JSON.parse(readFileSync('src/extension/assets/wasm.json', 'utf8')) as Record<string, string>);
  let total = 0;
  let packed = 0;
  for (const [name] of rows) {
    const bytes = readFileSync(wasmInPackages(name as never));
    total += bytes.length;
    packed += gzipSync(bytes, { level: 9 }).length;
  }
  console.log(`\nWebAssembly shipped: ${rows.length} files, ${kb(total)} (${kb(packed)} compressed)`);
  const worker = join('dist', 'assetsWorker.js');
  if (readdirSync('dist').includes('assetsWorker.js')) console.log(`dist/assetsWorker.js: ${kb(statSync(worker).size)} (build it with --production for the shipped size)`);
}

async function main(): Promise<void> {
  const image = source();
  const png = await sharp(Buffer.from(image.data), { raw: { width: side, height: side, channels: 4 } }).png().toBuffer();
  console.log(`Source: ${side}x${side} RGBA, PNG ${(png.length / 1048576).toFixed(1)} MB; sharp ${sharp.versions.sharp}, libvips ${sharp.versions.vips}; ${sharp.concurrency()} libvips threads`);
  const files = await speed(png);
  await quality(image, png);
  await fileSizes(image, files, png);
  await avifFirstUse();
  packageFigures();
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
