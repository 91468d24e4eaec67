import { createHash } from 'node:crypto';
import { curveProgress } from './curves';
import type { DurationFactor, ProgressCurve, Task } from './types';

/*
 * How long a task runs and how its `progress` moves, so that a polling schedule can be measured
 * against services that report progress well, badly or not at all.
 */

/** Every curve a task can follow. */
export const progressCurves: readonly ProgressCurve[] = ['easeOut', 'linear', 'fastStart', 'slowStart', 'stepwise', 'holdNearTop', 'zeroUntilDone', 'elapsed'];

export { pendingShare } from './curves';

/** A number in [0, 1] that stays the same for the same task id. */
function unitOf(id: string): number {
  return hashOf(id) / 0xffffffff;
}

/** Numbers in [0, 1), one after the other, the same sequence for the same task id. */
export function unitsOf(id: string): () => number {
  let drawn = 0;
  return () => hashOf(`${id}#${drawn++}`) / 0x100000000;
}

/** The first 32 bits of a text's SHA-256, as a number. */
function hashOf(text: string): number {
  return parseInt(createHash('sha256').update(text).digest('hex').slice(0, 8), 16);
}

/**
 * The duration of a task from its estimate. Without a factor, durations scatter between 0.45 and
 * 1.15 times the estimate, the same way for the same id.
 */
export function durationOf(id: string, estimateMs: number, factor: DurationFactor | undefined): number {
  if (factor === undefined) {
    return Math.round(estimateMs * (unitOf(id) * 0.7 + 0.45));
  }
  const [low, high] = typeof factor === 'number' ? [factor, factor] : factor;
  return Math.max(1, Math.round(estimateMs * (low + (high - low) * unitOf(id))));
}

/**
 * The progress of a processing task. `fraction` is the share of its duration that has passed,
 * `cap` the highest value it may answer before it ends (a task that never finishes stops lower).
 * The shapes are in curves.ts, shared with the polling benchmark.
 */
export function progressOf(task: Task, fraction: number, elapsedMs: number, cap: number): number {
  return curveProgress(task.curve, { fraction, elapsedMs, estimateMs: task.request.rules.estimatedSeconds * 1000, cap, ...(task.steps ? { steps: task.steps } : {}) });
}
