/*
 * Polling: requests per task and the delay between a task finishing and the extension noticing,
 * for the extension's schedule beside a fixed 3 s poller (what the vendor's own clients do), on
 * the same simulated workload in the same run. Time is virtual: each task is a duration and a
 * progress curve, and each poller reads it at the times its schedule gives.
 */
import { nextPollDelay, type PollObservation } from '../src/common/polling';

type Curve = (x: number) => number;
const curves: Record<string, Curve> = {
  linear: (x) => x,
  'fast start': (x) => 1 - (1 - x) ** 2,
  'slow start': (x) => x ** 2,
  'stuck, then jumps': (x) => (x < 0.8 ? 0.05 * x : 0.04 + ((x - 0.8) / 0.2) * 0.96),
};

interface SimTask {
  estimateSeconds: number;
  durationMs: number;
  curve: Curve;
}

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

function workload(count: number): SimTask[] {
  const next = random(20261121);
  const names = Object.keys(curves);
  return Array.from({ length: count }, (_, index) => {
    const estimateSeconds = next() < 0.5 ? 100 : 45;
    // Real tasks end anywhere from well before to well after their estimate.
    const durationMs = estimateSeconds * 1000 * (0.3 + next() * 1.6);
    return { estimateSeconds, durationMs, curve: curves[names[index % names.length]!]! };
  });
}

/** What a read at `t` ms after submit answers. */
function read(task: SimTask, t: number): { done: boolean; progress: number } {
  if (t >= task.durationMs) return { done: true, progress: 100 };
  const x = t / task.durationMs;
  return { done: false, progress: x < 0.1 ? 0 : Math.min(99, Math.floor(task.curve((x - 0.1) / 0.9) * 100)) };
}

function runAdaptive(task: SimTask): { requests: number; delay: number } {
  let t = 0;
  let obs: PollObservation = { submittedAt: 0, estimatedSeconds: task.estimateSeconds, progress: 0, progressAt: 0, polls: 0 };
  for (;;) {
    t += nextPollDelay(obs, t);
    const answer = read(task, t);
    const polls = obs.polls + 1;
    if (answer.done) return { requests: polls, delay: t - task.durationMs };
    obs = answer.progress !== obs.progress ? { ...obs, progress: answer.progress, progressAt: t, polls } : { ...obs, polls };
  }
}

function runFixed(task: SimTask, everyMs: number): { requests: number; delay: number } {
  for (let polls = 1; ; polls++) {
    const t = polls * everyMs;
    if (read(task, t).done) return { requests: polls, delay: t - task.durationMs };
  }
}

function summary(results: { requests: number; delay: number }[]): { requests: number; meanDelay: number; p95Delay: number } {
  const delays = results.map((r) => r.delay).sort((a, b) => a - b);
  return {
    requests: results.reduce((sum, r) => sum + r.requests, 0) / results.length,
    meanDelay: delays.reduce((sum, d) => sum + d, 0) / delays.length,
    p95Delay: delays[Math.floor(delays.length * 0.95)]!,
  };
}

const tasks = workload(2000);
const ours = summary(tasks.map(runAdaptive));
const fixed = summary(tasks.map((task) => runFixed(task, 3000)));
console.log(`\nPolling: ${tasks.length} simulated tasks (estimates 45 s and 100 s, durations 0.3x to 1.9x the estimate, 4 progress curves)`);
console.log('schedule              requests/task   mean notice delay   p95 notice delay');
for (const [name, s] of [['EvoLink Image Studio', ours], ['fixed 3 s (baseline)', fixed]] as const) {
  console.log(`${name.padEnd(21)} ${s.requests.toFixed(1).padStart(13)}   ${(s.meanDelay / 1000).toFixed(2).padStart(15)} s   ${(s.p95Delay / 1000).toFixed(2).padStart(14)} s`);
}
console.log(`ratio (ours / fixed):  requests ${(ours.requests / fixed.requests).toFixed(2)}x, mean delay ${(ours.meanDelay / fixed.meanDelay).toFixed(2)}x, p95 delay ${(ours.p95Delay / fixed.p95Delay).toFixed(2)}x`);
