// Activation cost: loading the bundle plus activate(), in fresh processes, median of many.
// Compared in the same run with an empty extension (what the harness itself costs), a synthetic
// 86 KB bundle (the size of the lightest comparable image extension, which cannot be fetched
// here), and an eager build that loads the client at activation.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const runs = Number(process.env.BENCH_RUNS ?? 31);
const dist = resolve('dist');
execFileSync(process.execPath, ['esbuild.mjs', '--production'], { stdio: 'inherit' });

const scratch = mkdtempSync(join(tmpdir(), 'evolink-bench-'));
const empty = join(scratch, 'empty.js');
writeFileSync(empty, "'use strict';exports.activate=function(c){c.subscriptions.push({dispose(){}});};");
// 86 KB of ordinary code: functions that are parsed, a few of them run, as in a small extension.
const synthetic = join(scratch, 'synthetic-86k.js');
let body = "'use strict';const vscode=require('vscode');const table={};";
for (let i = 0; body.length < 86 * 1024; i++) {
  body += `function f${i}(a,b){const r=[];for(let k=0;k<a.length;k++){if(a[k]!==b){r.push({i:k,v:String(a[k]).trim().toLowerCase()});}}return r.length?r:null;}table['c${i}']=f${i};`;
}
body += "exports.activate=function(c){for(const id of Object.keys(table).slice(0,12)){c.subscriptions.push(vscode.commands.registerCommand('x.'+id,table[id]));}c.subscriptions.push(vscode.window.createOutputChannel('x',{log:true}));};";
writeFileSync(synthetic, body);

const variants = [
  { name: 'empty extension (baseline)', bundle: empty },
  { name: 'synthetic 86 KB bundle', bundle: synthetic },
  { name: 'EvoLink Image Studio', bundle: join(dist, 'extension.js') },
  { name: 'same, client loaded eagerly', bundle: join(dist, 'extension.js'), mode: 'eager' },
];
const probe = resolve('bench/activation-probe.cjs');
const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
};
const samples = variants.map(() => []);
// Interleaved, so that a noisy moment on a shared machine hits every variant alike.
for (let run = 0; run < runs; run++) {
  variants.forEach((variant, index) => {
    const out = execFileSync(process.execPath, [probe, variant.bundle, variant.mode ?? ''], { encoding: 'utf8' });
    samples[index].push(Number(out.trim()));
  });
}
const results = variants.map((variant, index) => ({ ...variant, median: median(samples[index]), bytes: statSync(variant.bundle).size }));
const base = results[0].median;
const synth = results[1].median;
console.log(`\nActivation: load + activate(), median of ${runs} fresh processes (Node ${process.version})`);
console.log('variant                          bundle KB   median ms   x empty   x 86 KB');
for (const result of results) {
  const bundleKb = result.mode === 'eager' ? (result.bytes + statSync(join(dist, 'services.js')).size) / 1024 : result.bytes / 1024;
  console.log(
    `${result.name.padEnd(32)} ${bundleKb.toFixed(1).padStart(9)}   ${result.median.toFixed(2).padStart(9)}   ${(result.median / base).toFixed(2).padStart(7)}   ${(result.median / synth).toFixed(2).padStart(7)}`,
  );
}
console.log(`dist/services.js (loaded on the first command): ${(statSync(join(dist, 'services.js')).size / 1024).toFixed(1)} KB`);
