/*
 * Polling: requests per task and the delay between a task finishing and the extension noticing,
 * for the extension's schedule beside a fixed 3 s poller (what the vendor's own clients do), on
 * the same simulated tasks in the same run, one row per kind of progress curve. Time is virtual:
 * each task is an estimate, a duration and a progress curve (the simulator's own shapes, from
 * simulator/curves.ts), and each poller reads it at the times its schedule gives. The workload is
 * drawn twice: from the main seed and from a held-out one that no choice was made on.
 */
import { curveProgress, pendingShare, type StepLevel } from '../simulator/curves';
import type { ProgressCurve } from '../simulator/types';
import { nextPollDelay, recordProgress, type PollObservation } from '../src/common/polling';

interface SimTask {
  estimateSeconds: number;
  durationMs: number;
  curve: ProgressCurve;
  steps?: StepLevel[];
}

interface Row {
  name: string;
  curve: ProgressCurve;
  /** Whether progress says something about the end (the stricter goal applies). */
  informative: boolean;
  /** Levels per task; absent for the simulator's fixed levels. */
  randomSteps?: boolean;
}

const rows: Row[] = [
  { name: 'linear', curve: 'linear', informative: true },
  { name: 'ease out', curve: 'easeOut', informative: true },
  { name: 'fast start', curve: 'fastStart', informative: true },
  { name: 'slow start', curve: 'slowStart', informative: true },
  { name: 'stepwise', curve: 'stepwise', informative: true, randomSteps: true },
  { name: 'stepwise, simulator levels', curve: 'stepwise', informative: true },
  { name: 'zero until done', curve: 'zeroUntilDone', informative: false },
  { name: 'elapsed / estimate', curve: 'elapsed', informative: false },
];

/** A deterministic pseudo-random sequence, so that every run measures the same workload. */
function random(seed: number): () => number {
  let state = seed >>> 0 || 1;
  return () => {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    return (state >>> 0) / 0xffffffff;
  };
}

/**
 * Stepwise levels as a staged service reports them: two to four stages after the first, each
 * announced by the share of the planned work done before it; each stage takes 0.6 to 1.4 times
 * its planned share, and the last one at least a fifth of the processing time.
 */
function randomSteps(next: () => number): StepLevel[] {
  for (;;) {
    const stages = 3 + Math.floor(next() * 3);
    const planned = Array.from({ length: stages }, () => 0.5 + next());
    const actual = planned.map((share) => share * (0.6 + 0.8 * next()));
    const plannedTotal = planned.reduce((sum, share) => sum + share, 0);
    const actualTotal = actual.reduce((sum, share) => sum + share, 0);
    if (actual.at(-1)! / actualTotal < 0.2) continue;
    const steps: StepLevel[] = [];
    let plannedDone = 0;
    let actualDone = 0;
    for (let stage = 1; stage < stages; stage++) {
      plannedDone += planned[stage - 1]!;
      actualDone += actual[stage - 1]!;
      steps.push({ at: pendingShare + (1 - pendingShare) * (actualDone / actualTotal), progress: Math.round((100 * plannedDone) / plannedTotal) });
    }
    return steps;
  }
}

function workload(row: Row, seed: number, count: number): SimTask[] {
  const next = random(seed);
  return Array.from({ length: count }, () => {
    const estimateSeconds = next() < 0.5 ? 100 : 45;
    // Real tasks end anywhere from well before to well after their estimate.
    const durationMs = estimateSeconds * 1000 * (0.3 + next() * 1.7);
    const steps = row.randomSteps ? randomSteps(next) : undefined;
    return { estimateSeconds, durationMs, curve: row.curve, ...(steps ? { steps } : {}) };
  });
}

/** What a read at `t` ms after submit answers. */
function read(task: SimTask, t: number): { done: boolean; progress: number } {
  if (t >= task.durationMs) return { done: true, progress: 100 };
  const fraction = t / task.durationMs;
  if (fraction < pendingShare) return { done: false, progress: 0 };
  const point = { fraction, elapsedMs: t, estimateMs: task.estimateSeconds * 1000, cap: 99, ...(task.steps ? { steps: task.steps } : {}) };
  return { done: false, progress: curveProgress(task.curve, point) };
}

interface Outcome {
  requests: number;
  delay: number;
}

function runOurs(task: SimTask): Outcome {
  let t = 0;
  let last = 0;
  let progress = 0;
  let obs: PollObservation = { submittedAt: 0, estimatedSeconds: task.estimateSeconds, polls: 0, levels: [] };
  for (;;) {
    t += nextPollDelay(obs, t);
    const answer = read(task, t);
    const polls = obs.polls + 1;
    if (answer.done) return { requests: polls, delay: t - task.durationMs };
    const levels = answer.progress !== progress ? recordProgress(obs.levels, answer.progress, t, last) : obs.levels;
    progress = answer.progress;
    obs = { ...obs, levels, polls };
    last = t;
  }
}

function runFixed(task: SimTask, everyMs: number): Outcome {
  for (let polls = 1; ; polls++) {
    const t = polls * everyMs;
    if (read(task, t).done) return { requests: polls, delay: t - task.durationMs };
  }
}

interface Summary {
  requests: number;
  meanDelay: number;
  p95Delay: number;
}

function summary(results: Outcome[]): Summary {
  const delays = results.map((r) => r.delay).sort((a, b) => a - b);
  return {
    requests: results.reduce((sum, r) => sum + r.requests, 0) / results.length,
    meanDelay: delays.reduce((sum, d) => sum + d, 0) / delays.length,
    p95Delay: delays[Math.floor(delays.length * 0.95)]!,
  };
}

const tasksPerRow = 1000;
const seeds = [
  ['main seed', 20261121],
  ['held-out seed', 917_403],
] as const;

const seconds = (ms: number): string => (ms / 1000).toFixed(2).padStart(5);
const ratio = (a: number, b: number): string => `${(a / b).toFixed(2)}x`.padStart(6);

let failures = 0;
console.log(`\nPolling: ${tasksPerRow} simulated tasks per curve and seed (estimates 45 s and 100 s, durations 0.3x to 2x the estimate)`);
console.log('ours beside a fixed 3 s poller on the same tasks; delays are from the end of a task to the read that sees it');
for (const [label, seed] of seeds) {
  console.log(`\n${label} (${seed})`);
  console.log('curve                        requests/task (ours, fixed, ratio)   mean delay s (ours, fixed, ratio)   p95 delay s (ours, fixed, ratio)   goal');
  for (const row of rows) {
    const tasks = workload(row, seed, tasksPerRow);
    const ours = summary(tasks.map(runOurs));
    const fixed = summary(tasks.map((task) => runFixed(task, 3000)));
    const requestRatio = ours.requests / fixed.requests;
    const delayRatio = ours.meanDelay / fixed.meanDelay;
    const met = row.informative ? requestRatio <= 0.6 && delayRatio <= 0.7 : requestRatio <= 1 && delayRatio <= 1;
    if (!met) failures++;
    console.log(
      `${row.name.padEnd(28)} ${ours.requests.toFixed(1).padStart(6)} ${fixed.requests.toFixed(1).padStart(6)} ${ratio(ours.requests, fixed.requests)}` +
        `                ${seconds(ours.meanDelay)} ${seconds(fixed.meanDelay)} ${ratio(ours.meanDelay, fixed.meanDelay)}` +
        `                ${seconds(ours.p95Delay)} ${seconds(fixed.p95Delay)} ${ratio(ours.p95Delay, fixed.p95Delay)}` +
        `        ${met ? 'met' : 'MISSED'} (${row.informative ? '<= 0.6x requests, <= 0.7x mean delay' : '<= 1x requests, <= 1x mean delay'})`,
    );
  }
}
console.log(`\n${failures === 0 ? 'every curve meets its goal' : `${failures} row(s) miss their goal`}`);
