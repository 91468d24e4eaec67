import type { ProgressCurve } from './types';

/*
 * The shapes of `progress` a task can follow, in one place: the simulator answers with them and
 * bench/polling.ts measures the polling schedule against them. Pure functions of the task's
 * position in time; nothing here reads a clock or a task.
 */

/** The share of its duration a task spends `pending` (progress 0) before it starts `processing`. */
export const pendingShare = 0.1;

/** A flat level of a stepwise task: from `at` (a share of the whole duration) it says `progress`. */
export interface StepLevel {
  at: number;
  progress: number;
}

/** The simulator's stepwise levels: 0 until 20% of the duration, then 20, 50, and 80 from 60% until the end. */
export const defaultSteps: readonly StepLevel[] = [
  { at: 0.2, progress: 20 },
  { at: 0.4, progress: 50 },
  { at: 0.6, progress: 80 },
];

/** How a stepwise task's levels are drawn (`drawSteps`): shares of planned work, or any rising values. */
export type StepKind = 'planned' | 'arbitrary';

/**
 * Stepwise levels: two to six flat levels; the last one comes anywhere from 50% to 95% of the
 * task's real duration, the jumps before it at random times after the task starts processing.
 * `planned`: a staged service reports the share of its planned work done, and each stage took 0.6
 * to 1.4 times its plan, so a level is only roughly the share of time spent. `arbitrary`: the
 * values are any rising numbers, unrelated to time. `next` draws evenly from [0, 1): the
 * simulator's tasks draw from their id, the polling benchmark from its seeds.
 */
export function drawSteps(next: () => number, kind: StepKind): StepLevel[] {
  const count = 2 + Math.floor(next() * 5);
  const lastAt = 0.5 + 0.45 * next();
  const earlier = Array.from({ length: count - 1 }, () => pendingShare + (lastAt - pendingShare) * next()).sort((a, b) => a - b);
  const times = [...earlier, lastAt];
  let values: number[];
  if (kind === 'planned') {
    // Each stage's plan, from what it really took: the stages before each jump, and the last one.
    const actual = [...times, 1].map((at, i) => at - (i === 0 ? pendingShare : times[i - 1]!));
    const planned = actual.map((share) => share / (0.6 + 0.8 * next()));
    const total = planned.reduce((sum, share) => sum + share, 0);
    let done = 0;
    values = times.map((_, i) => ((done += planned[i]!), (100 * done) / total));
  } else {
    values = times.map(() => 1 + 97 * next()).sort((a, b) => a - b);
  }
  // Whole percents, rising, below 99 (where services wait for the end).
  const levels: StepLevel[] = [];
  for (const [i, at] of times.entries()) {
    const floor = (levels.at(-1)?.progress ?? 0) + 1;
    levels.push({ at, progress: Math.max(floor, Math.min(98 - (count - 1 - i), Math.round(values[i]!))) });
  }
  return levels;
}

/** Where a task is: the share of its duration that has passed, and its time against its estimate. */
export interface CurvePoint {
  /** The share of the task's duration that has passed (0 to 1). */
  fraction: number;
  elapsedMs: number;
  estimateMs: number;
  /** The highest value it may answer before it ends (99; lower for a task that never ends). */
  cap: number;
  /** The levels of a stepwise task ({@link defaultSteps} when absent). */
  steps?: readonly StepLevel[];
  /** Where a `holdNearTop` task stops until it ends ({@link defaultHold} when absent). */
  hold?: number;
}

/** Where the simulator's `holdNearTop` tasks stop: services that show 95 while they store the image. */
export const defaultHold = 95;

/** The progress a processing task reports on `curve` at `point` (0 to `cap`). */
export function curveProgress(curve: ProgressCurve, point: CurvePoint): number {
  const x = Math.min(1, Math.max(0, (point.fraction - pendingShare) / (1 - pendingShare)));
  const cap = point.cap;
  const smooth = (value: number): number => Math.min(cap, Math.max(1, Math.round(100 * value)));
  switch (curve) {
    case 'easeOut':
      return smooth(1 - (1 - x) ** 2);
    case 'linear':
      return smooth(x);
    case 'fastStart':
      return smooth(1 - (1 - x) ** 4);
    case 'slowStart':
      return smooth(x ** 3);
    case 'stepwise': {
      // Flat levels with jumps; the last one stays until the end.
      let level = 0;
      for (const step of point.steps ?? defaultSteps) if (point.fraction >= step.at) level = step.progress;
      return Math.min(cap, level);
    }
    case 'holdNearTop':
      // Eases out, then stops on one level until the end (the last step, an upload, is not shown).
      return Math.min(point.hold ?? defaultHold, smooth(1 - (1 - x) ** 2));
    case 'zeroUntilDone':
      return 0;
    case 'elapsed':
      // Time against the estimate, which says nothing about when the task really ends.
      return Math.min(cap, Math.floor((point.elapsedMs / point.estimateMs) * 100));
  }
}
