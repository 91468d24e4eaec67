/*
 * Polling: requests per task and the delay between a task finishing and the extension noticing,
 * for the extension's schedule beside a fixed 3 s poller (what the vendor's own clients do), on
 * the same simulated tasks in the same run, one row per kind of progress curve. Time is virtual:
 * each task is an estimate, a duration and a progress curve (the simulator's own shapes, from
 * simulator/curves.ts), and each poller reads it at the times its schedule gives. The schedule sees
 * only what the API answers (status, progress, the estimate) and when it read it; it never learns
 * the curve. The workload is drawn from several tuning seeds and, separately, from held-out seeds
 * that no choice was made on; the spread between seeds shows how stable a figure is.
 *
 * As in the extension, what a task's end teaches about its model's stepwise progress carries over
 * to the next task (`learnEnd`, from the midpoint of the last two reads, as the extension knows it).
 * The tasks run in sessions of {@link sessionTasks}: each session starts knowing nothing, so the
 * figures include the first tasks of a model, read uncalibrated. Then the same curves in fresh
 * sessions of {@link togetherTasks} started at once (a user who asks for several variants right
 * after an install), and in sessions of {@link rounds} such rounds one after the other, also
 * without their first round (a model the extension has seen before).
 *
 * Besides the target curves, rows of what services also do (a smooth curve that stops near
 * the top until the image is stored, progress refreshed only every few seconds, progress in whole
 * tens) must not be worse than the fixed poller.
 */
import { readFileSync } from 'node:fs';
import { curveProgress, defaultSteps, drawSteps, pendingShare, type StepKind, type StepLevel } from '../simulator/curves';
import type { ProgressCurve } from '../simulator/types';
import { defaultPollTuning, learnEnd, nextPollDelay, type PollObservation } from '../src/common/polling';
import { recordProgress } from '../src/common/progressTrail';
import type { Calibration } from '../src/common/progressCalibration';
import { runningOf } from '../src/common/runningTasks';

interface SimTask {
  estimateSeconds: number;
  durationMs: number;
  curve: ProgressCurve;
  steps?: readonly StepLevel[];
  /** A queue of its own before the task starts (progress 0), whatever its duration. */
  queueMs?: number;
  /** Where the service's own clock starts, after our submit (negative: before it), for progress that counts it. */
  clockMs?: number;
  /** Where a `holdNearTop` curve stops. */
  hold?: number;
  /** The service refreshes progress every `refreshMs`, first at `refreshMs * phase`. */
  refresh?: { refreshMs: number; phase: number };
  tens?: boolean;
}

interface Row {
  name: string;
  curve: ProgressCurve;
  /** Whether the stricter target applies (0.6x the fixed poller's requests at 0.7x its mean delay; smooth and stepwise curves); the others must not be worse than the fixed poller. */
  strict: boolean;
  /** How the levels of a stepwise task are drawn; absent for the simulator's fixed levels. */
  steps?: StepKind;
  /** The longest queue before a task starts, in seconds (drawn evenly from 0, at most half the task); absent: none. */
  queueSeconds?: number;
  /**
   * Elapsed-time progress counted from the service's own start, anywhere between these seconds
   * after our submit (its acceptance of the request, or the end of its queue); absent: from submit.
   */
  clockSeconds?: [number, number];
  /** Where a `holdNearTop` curve stops, drawn evenly between these levels for each task. */
  hold?: [number, number];
  /** The service refreshes progress only this often (at a moment of its own), in seconds. */
  refreshSeconds?: number;
  /** The service shows progress in whole tens. */
  tens?: boolean;
}

const rows: Row[] = [
  { name: 'linear', curve: 'linear', strict: true },
  { name: 'ease out', curve: 'easeOut', strict: true },
  { name: 'fast start', curve: 'fastStart', strict: true },
  { name: 'slow start', curve: 'slowStart', strict: true },
  { name: 'stepwise', curve: 'stepwise', strict: true, steps: 'planned' },
  { name: 'stepwise behind a queue', curve: 'stepwise', strict: true, steps: 'planned', queueSeconds: 30 },
  { name: 'stepwise, simulator levels', curve: 'stepwise', strict: true },
  { name: 'stepwise, arbitrary values', curve: 'stepwise', strict: false, steps: 'arbitrary' },
  // What real services also do: stop near the top until the image is stored, refresh progress
  // now and then, count in tens. Not among the target curves; they must not be worse than the fixed poller.
  { name: 'ease out, holds near the top', curve: 'holdNearTop', strict: false, hold: [80, 97] },
  { name: 'linear, refreshed every 5 s', curve: 'linear', strict: false, refreshSeconds: 5 },
  { name: 'linear, in whole tens', curve: 'linear', strict: false, tens: true },
  { name: 'zero until done', curve: 'zeroUntilDone', strict: false },
  { name: 'elapsed / estimate', curve: 'elapsed', strict: false },
  { name: 'elapsed, service clock', curve: 'elapsed', strict: false, clockSeconds: [-1, 2] },
  { name: 'elapsed, from its queue', curve: 'elapsed', strict: false, clockSeconds: [0, 10] },
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

/** `--durations=0.1,3`: tasks end between these multiples of their estimate (0.3x to 2x by default). */
const durationRange = (process.argv.find((arg) => arg.startsWith('--durations='))?.slice('--durations='.length).split(',').map(Number) ?? [0.3, 2]) as [number, number];

/**
 * The tasks of a row: sessions of `sessionSize` tasks of one model, which answers one estimate
 * for all of them (drawn for each session; every task still draws one, so that the other draws
 * stay where they were).
 */
function workload(row: Row, seed: number, count: number, sessionSize: number): SimTask[] {
  const next = random(seed);
  let sessionEstimate = 0;
  return Array.from({ length: count }, (_, index) => {
    const drawn = next() < 0.5 ? 100 : 45;
    if (index % sessionSize === 0) sessionEstimate = drawn;
    const estimateSeconds = sessionEstimate;
    // Real tasks end anywhere from well before to well after their estimate.
    const durationMs = estimateSeconds * 1000 * (durationRange[0] + next() * (durationRange[1] - durationRange[0]));
    const steps = row.steps ? drawSteps(next, row.steps) : undefined;
    const queueMs = row.queueSeconds ? Math.min(next() * row.queueSeconds * 1000, durationMs / 2) : 0;
    const clockMs = row.clockSeconds ? 1000 * (row.clockSeconds[0] + next() * (row.clockSeconds[1] - row.clockSeconds[0])) : 0;
    const hold = row.hold ? Math.round(row.hold[0] + next() * (row.hold[1] - row.hold[0])) : undefined;
    const refresh = row.refreshSeconds ? { refreshMs: row.refreshSeconds * 1000, phase: next() } : undefined;
    return {
      estimateSeconds,
      durationMs,
      curve: row.curve,
      ...(steps ? { steps } : {}),
      ...(queueMs ? { queueMs } : {}),
      ...(clockMs ? { clockMs } : {}),
      ...(hold ? { hold } : {}),
      ...(refresh ? { refresh } : {}),
      ...(row.tens ? { tens: true } : {}),
    };
  });
}

/** What a read at `t` ms after submit answers. */
function read(task: SimTask, t: number): { done: boolean; progress: number } {
  if (t >= task.durationMs) return { done: true, progress: 100 };
  // A service that refreshes progress now and then answers what it had at its last refresh.
  if (task.refresh) {
    const { refreshMs, phase } = task.refresh;
    const refreshed = Math.floor((t - phase * refreshMs) / refreshMs) * refreshMs + phase * refreshMs;
    if (refreshed < t) return { done: false, progress: refreshed < 0 ? 0 : read({ ...task, refresh: undefined }, refreshed).progress };
  }
  // Behind a queue, the curve runs over the rest of the duration.
  if (t < (task.queueMs ?? 0)) return { done: false, progress: 0 };
  const fraction = levelFraction(task, t);
  if (fraction < pendingShare) return { done: false, progress: 0 };
  const point = { fraction, elapsedMs: Math.max(0, t - (task.clockMs ?? 0)), estimateMs: task.estimateSeconds * 1000, cap: 99, ...(task.steps ? { steps: task.steps } : {}), ...(task.hold ? { hold: task.hold } : {}) };
  const progress = curveProgress(task.curve, point);
  return { done: false, progress: task.tens ? Math.floor(progress / 10) * 10 : progress };
}

interface Outcome {
  requests: number;
  delay: number;
  /** Reads by phase of a stepwise task: before its first level, between its first and last, after its last, and the read that found it done. */
  phases?: number[];
}

/** `--exact-jumps`: the schedule is told the moment each level was reached, which no read tells (what the timing of jumps is worth). */
const exactJumps = process.argv.includes('--exact-jumps');

/** The phase of a read of a stepwise task at `t` (an index of {@link Outcome.phases}); absent for other curves. */
function phaseOf(task: SimTask, t: number): number | undefined {
  const steps = stepsOf(task);
  if (!steps?.length) return undefined;
  if (t >= task.durationMs) return 3;
  const fraction = levelFraction(task, t);
  return fraction < steps[0]!.at ? 0 : fraction < steps.at(-1)!.at ? 1 : 2;
}

/** The share of its curve a task has run at `t` (behind a queue, the curve runs over the rest of the duration). */
function levelFraction(task: SimTask, t: number): number {
  const queueMs = task.queueMs ?? 0;
  return (t - queueMs) / (task.durationMs - queueMs);
}

/** The levels of a stepwise task (the simulator's own when it has none of its own). */
function stepsOf(task: SimTask): readonly StepLevel[] | undefined {
  return task.curve === 'stepwise' ? (task.steps ?? defaultSteps) : undefined;
}

/** When a stepwise task reached the level `progress` (ms after submit), if it is one of its levels. */
function reachedAt(task: SimTask, progress: number): number | undefined {
  const step = stepsOf(task)?.find((candidate) => candidate.progress === progress);
  const queueMs = task.queueMs ?? 0;
  return step && queueMs + step.at * (task.durationMs - queueMs);
}

function countPhase(phases: number[] | undefined, task: SimTask, t: number): number[] | undefined {
  const phase = phaseOf(task, t);
  if (phase === undefined) return phases;
  const next = [...(phases ?? [0, 0, 0, 0])];
  next[phase]!++;
  return next;
}

/** Tasks of one model in a row, from a calibration that knows nothing. */
const sessionTasks = 25;

/**
 * Tasks of one model started together, from what the model's earlier tasks taught (`learned`;
 * nothing in a fresh session): each is read on its own schedule, and what each one's end teaches
 * is there for the next read of the others, as in the extension, which reads a model's calibration
 * anew for every read; so is what the others show while they run (`runningTasks.ts`). Answers
 * each task's outcome and what the model knows after them.
 */
function runTogether(tasks: readonly SimTask[], learned?: Calibration): { outcomes: Outcome[]; calibration: Calibration | undefined } {
  let calibration = learned;
  const states = tasks.map((task) => {
    const obs: PollObservation = { submittedAt: 0, estimatedSeconds: task.estimateSeconds, polls: 0, levels: [] };
    return { task, last: 0, progress: 0, obs, next: 0, outcome: undefined as Outcome | undefined, phases: undefined as number[] | undefined };
  });
  // What the schedule knows of a task at `t`: the model's calibration, and what its other tasks running show.
  const known = (state: (typeof states)[number], t: number): PollObservation => {
    const running = runningOf(states.filter((other) => other !== state && !other.outcome).map((other) => other.obs), t);
    return { ...state.obs, ...(calibration ? { calibration } : {}), ...(running ? { running } : {}) };
  };
  for (const state of states) state.next = nextPollDelay(state.obs, 0);
  for (;;) {
    const open = states.filter((state) => !state.outcome);
    if (open.length === 0) return { outcomes: states.map((state) => state.outcome!), calibration };
    const state = open.reduce((a, b) => (b.next < a.next ? b : a));
    const t = state.next;
    const answer = read(state.task, t);
    const polls = state.obs.polls + 1;
    state.phases = countPhase(state.phases, state.task, t);
    if (answer.done) {
      const learns = state.obs.polledAt !== undefined;
      if (learns) calibration = learnEnd(known(state, t), (state.obs.polledAt! + t) / 2);
      state.outcome = { requests: polls, delay: t - state.task.durationMs, ...(state.phases ? { phases: state.phases } : {}) };
      // What the end taught reaches the others now: each read is planned again, and the sooner one kept (`replan` in the lifecycle).
      for (const other of open) {
        if (!learns || other === state || other.obs.polls === 0) continue;
        const from = Math.max(t, other.last + defaultPollTuning.minDelayMs);
        other.next = Math.min(other.next, from + nextPollDelay(known(other, t), from));
      }
      continue;
    }
    // A new level came between the read before and this one; with --exact-jumps, at its very moment.
    const exactly = exactJumps ? reachedAt(state.task, answer.progress) : undefined;
    const [at, after] = exactly === undefined ? [t, state.last] : [exactly, exactly - 1];
    const levels = answer.progress !== state.progress ? recordProgress(state.obs.levels, answer.progress, at, after) : state.obs.levels;
    state.progress = answer.progress;
    state.obs = { ...state.obs, levels, polls, polledAt: t, progress: answer.progress };
    state.last = t;
    state.next = t + nextPollDelay(known(state, t), t);
  }
}

function runFixed(task: SimTask, everyMs: number): Outcome {
  let phases: number[] | undefined;
  for (let polls = 1; ; polls++) {
    const t = polls * everyMs;
    phases = countPhase(phases, task, t);
    if (read(task, t).done) return { requests: polls, delay: t - task.durationMs, ...(phases ? { phases } : {}) };
  }
}

interface Summary {
  requests: number;
  meanDelay: number;
  p95Delay: number;
  /** Mean reads per task by phase, for stepwise tasks. */
  phases?: number[];
}

function summary(results: Outcome[]): Summary {
  const delays = results.map((r) => r.delay).sort((a, b) => a - b);
  return {
    requests: results.reduce((sum, r) => sum + r.requests, 0) / results.length,
    meanDelay: delays.reduce((sum, d) => sum + d, 0) / delays.length,
    p95Delay: delays[Math.floor(delays.length * 0.95)]!,
    ...(results[0]?.phases ? { phases: [0, 1, 2, 3].map((i) => results.reduce((sum, r) => sum + (r.phases?.[i] ?? 0), 0) / results.length) } : {}),
  };
}

const tasksPerSeed = 2500;
const seedSets = [
  ['tuning seeds', [20_261_121, 4_242_001, 77_301, 5_550_123]],
  ['held-out seeds', [917_403, 31_337, 8_675_309, 2_718_281]],
] as const;

const seconds = (ms: number): string => (ms / 1000).toFixed(2).padStart(5);
const ratio = (a: number, b: number): string => `${(a / b).toFixed(2)}x`.padStart(6);

interface Measured {
  ours: Summary;
  fixed: Summary;
  /** The largest and smallest request and mean-delay ratios of the single seeds. */
  spread: { requests: number; delay: number };
}

/** How many tasks of one model the fresh-session rows start at once. */
const togetherTasks = 6;

/** How many rounds of {@link togetherTasks} tasks started at once a session of the `rounds` rows has. */
const rounds = 4;

/**
 * In sessions of {@link sessionTasks} one after the other, in fresh sessions of
 * {@link togetherTasks} started at once, or in sessions of {@link rounds} such rounds, each
 * started when the one before has ended, the model's calibration carried from round to round
 * (`rounds`, every task counted; `later rounds`, the first round left out).
 */
type Mode = 'sessions' | 'together' | 'rounds' | 'later rounds';

function measure(row: Row, seeds: readonly number[], mode: Mode): Measured {
  const ours: Outcome[] = [];
  const fixed: Outcome[] = [];
  const requestRatios: number[] = [];
  const delayRatios: number[] = [];
  for (const seed of seeds) {
    const inRounds = mode === 'rounds' || mode === 'later rounds';
    const tasks = workload(row, seed, tasksPerSeed - (inRounds ? tasksPerSeed % (rounds * togetherTasks) : 0), mode === 'sessions' ? sessionTasks : inRounds ? rounds * togetherTasks : togetherTasks);
    let calibration: Calibration | undefined;
    // Groups of tasks started at once (one per task in `sessions`), and how many of them a session has.
    const groupSize = mode === 'sessions' ? 1 : togetherTasks;
    const groupsPerSession = mode === 'sessions' ? sessionTasks : inRounds ? rounds : 1;
    const counted = (group: number): boolean => mode !== 'later rounds' || group % rounds !== 0;
    const groups = Array.from({ length: Math.ceil(tasks.length / groupSize) }, (_, group) => tasks.slice(group * groupSize, (group + 1) * groupSize));
    const oursOfSeed = groups.flatMap((group, index) => {
      const run = runTogether(group, index % groupsPerSession === 0 ? undefined : calibration);
      calibration = run.calibration;
      return counted(index) ? run.outcomes : [];
    });
    const fixedOfSeed = tasks.filter((_, index) => counted(Math.floor(index / groupSize))).map((task) => runFixed(task, 3000));
    const [a, b] = [summary(oursOfSeed), summary(fixedOfSeed)];
    requestRatios.push(a.requests / b.requests);
    delayRatios.push(a.meanDelay / b.meanDelay);
    ours.push(...oursOfSeed);
    fixed.push(...fixedOfSeed);
  }
  const width = (values: number[]): number => Math.max(...values) - Math.min(...values);
  return { ours: summary(ours), fixed: summary(fixed), spread: { requests: width(requestRatios), delay: width(delayRatios) } };
}

/** `--rows=linear,elapsed`: only the rows whose names contain one of these. */
const only = process.argv.find((arg) => arg.startsWith('--rows='))?.slice('--rows='.length).split(',').filter(Boolean) ?? [];

let failures = 0;
/**
 * `--replay=<file.json>`: the sessions bench/pollingVsCode.mjs saved (`--save`), run again here in
 * virtual time (each task's estimate, duration and curve, the simulator's levels), beside what the
 * extension read on the real clock: whether this bench says what the extension does.
 */
const replay = process.argv.find((arg) => arg.startsWith('--replay='))?.slice('--replay='.length);
if (replay) {
  interface Saved {
    options: { curve: ProgressCurve };
    tasks: { estimateSeconds: number; durationMs: number; reads: number; delayMs: number; fixedReads: number; fixedDelayMs: number; steps?: readonly StepLevel[]; queueMs?: number }[];
    warmRounds?: { estimateSeconds: number; durationMs: number; steps?: readonly StepLevel[]; queueMs?: number }[][];
  }
  const sessions = (JSON.parse(readFileSync(replay, 'utf8')) as Saved[]).filter((session) => session.tasks.length > 0);
  const real = sessions.flatMap((session) => session.tasks);
  // A session measured after rounds of other tasks (`--warm`) is replayed after them, from what they taught.
  const virtual = sessions.flatMap((session) => {
    const simTasks = (tasks: readonly { estimateSeconds: number; durationMs: number; steps?: readonly StepLevel[]; queueMs?: number }[]): SimTask[] =>
      tasks.map((task) => ({ estimateSeconds: task.estimateSeconds, durationMs: task.durationMs, curve: session.options.curve, ...(task.steps ? { steps: task.steps } : {}), ...(task.queueMs ? { queueMs: task.queueMs } : {}) }));
    const learned = (session.warmRounds ?? []).reduce<Calibration | undefined>((calibration, round) => runTogether(simTasks(round), calibration).calibration, undefined);
    return runTogether(simTasks(session.tasks), learned).outcomes;
  });
  const fixed = summary(real.map((task) => ({ requests: task.fixedReads, delay: task.fixedDelayMs })));
  const line = (label: string, of: Summary): string =>
    `${label.padEnd(34)} ${of.requests.toFixed(1).padStart(5)} ${ratio(of.requests, fixed.requests)}   mean delay ${seconds(of.meanDelay)} s ${ratio(of.meanDelay, fixed.meanDelay)}   p95 ${seconds(of.p95Delay)} s ${ratio(of.p95Delay, fixed.p95Delay)}`;
  console.log(`${real.length} tasks of ${sessions.length} sessions from ${replay}, requests per task against the fixed 3 s poller's ${fixed.requests.toFixed(1)} (mean delay ${seconds(fixed.meanDelay)} s):`);
  console.log(line('the extension, on the real clock', summary(real.map((task) => ({ requests: task.reads, delay: task.delayMs })))));
  console.log(line('this bench, the same tasks', summary(virtual)));
  process.exit(0);
}

console.log(`\nPolling: ${tasksPerSeed} simulated tasks per curve and seed (estimates 45 s and 100 s, durations ${durationRange[0]}x to ${durationRange[1]}x the estimate)`);
console.log('ours beside a fixed 3 s poller on the same tasks; delays are from the end of a task to the read that sees it;');
console.log('"seeds" is how far the ratios of single seeds lie apart (requests, mean delay)');
if (exactJumps) console.log('--exact-jumps: the schedule is told the moment each stepwise level was reached, which no read tells; not a figure of the extension');
/** `--mode=together`: only the tables of that mode (`--mode=rounds`: both tables of rounds). */
const onlyMode = process.argv.find((arg) => arg.startsWith('--mode='))?.slice('--mode='.length);
/** `--tuning`: the fresh sessions on the tuning seeds too (choices are made there; the held-out seeds check them). */
const freshSeeds = process.argv.includes('--tuning') ? seedSets : [seedSets[1]];
const tables: [string, readonly number[], Mode][] = [
  ...seedSets.map(([label, seeds]): [string, readonly number[], Mode] => [`${label}, in sessions of ${sessionTasks} tasks one after the other`, seeds, 'sessions']),
  ...freshSeeds.map(([label, seeds]): [string, readonly number[], Mode] => [`${label}, fresh sessions of ${togetherTasks} tasks started at once (nothing learned before; each end teaches the others' next reads)`, seeds, 'together']),
  [`held-out seeds, in sessions of ${rounds} rounds of ${togetherTasks} tasks started at once, each round after the one before (what a round's ends teach carries over)`, seedSets[1][1], 'rounds'],
  [`held-out seeds, the same sessions without their first round (a model the extension has seen ${togetherTasks} tasks of or more)`, seedSets[1][1], 'later rounds'],
];
for (const [label, seeds, mode] of tables.filter(([, , mode]) => onlyMode === undefined || mode.split(' ').includes(onlyMode))) {
  console.log(`\n${label} (${seeds.join(', ')}), ${seeds.length * tasksPerSeed} tasks per curve`);
  console.log('curve                        requests/task (ours, fixed, ratio)   mean delay s (ours, fixed, ratio)   p95 delay s (ours, fixed, ratio)   seeds        goal');
  for (const row of rows.filter((candidate) => only.length === 0 || only.some((part) => candidate.name.includes(part)))) {
    const { ours, fixed, spread } = measure(row, seeds, mode);
    const requestRatio = ours.requests / fixed.requests;
    const delayRatio = ours.meanDelay / fixed.meanDelay;
    const met = row.strict ? requestRatio <= 0.6 && delayRatio <= 0.7 : requestRatio <= 1 && delayRatio <= 1;
    if (!met) failures++;
    console.log(
      `${row.name.padEnd(28)} ${ours.requests.toFixed(1).padStart(6)} ${fixed.requests.toFixed(1).padStart(6)} ${ratio(ours.requests, fixed.requests)}` +
        `                ${seconds(ours.meanDelay)} ${seconds(fixed.meanDelay)} ${ratio(ours.meanDelay, fixed.meanDelay)}` +
        `                ${seconds(ours.p95Delay)} ${seconds(fixed.p95Delay)} ${ratio(ours.p95Delay, fixed.p95Delay)}` +
        `    ${spread.requests.toFixed(2)} ${spread.delay.toFixed(2)}` +
        `    ${met ? 'met' : 'MISSED'} (${row.strict ? '<= 0.6x requests, <= 0.7x mean delay' : '<= 1x requests, <= 1x mean delay'})`,
    );
    if (ours.phases && fixed.phases) {
      const split = (phases: number[]): string => phases.map((reads) => reads.toFixed(2)).join(' / ');
      console.log(`${''.padEnd(28)} reads before the first level / between levels / after the last / the one that finds it done: ours ${split(ours.phases)}, fixed ${split(fixed.phases)}`);
    }
  }
}
console.log(`\n${failures === 0 ? 'every curve meets its goal' : `${failures} row(s) miss their goal`}`);
