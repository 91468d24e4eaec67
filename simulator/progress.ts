import { createHash } from 'node:crypto';
import type { DurationFactor, ProgressCurve, Task } from './types';

/*
 * How long a task runs and how its `progress` moves, so that a polling schedule can be measured
 * against services that report progress well, badly or not at all.
 */

/** Every curve a task can follow. */
export const progressCurves: readonly ProgressCurve[] = ['easeOut', 'linear', 'fastStart', 'slowStart', 'stepwise', 'zeroUntilDone', 'elapsed'];

/** The share of its duration a task spends `pending` before it starts `processing`. */
export const pendingShare = 0.1;

/** A number in [0, 1] that stays the same for the same task id. */
function unitOf(id: string): number {
  return parseInt(createHash('sha256').update(id).digest('hex').slice(0, 8), 16) / 0xffffffff;
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
 */
export function progressOf(task: Task, fraction: number, elapsedMs: number, cap: number): number {
  const x = Math.min(1, (fraction - pendingShare) / (1 - pendingShare));
  const smooth = (value: number): number => Math.min(cap, Math.max(1, Math.round(100 * value)));
  switch (task.curve) {
    case 'easeOut':
      return smooth(1 - (1 - x) ** 2);
    case 'linear':
      return smooth(x);
    case 'fastStart':
      return smooth(1 - (1 - x) ** 4);
    case 'slowStart':
      return smooth(x ** 3);
    case 'stepwise':
      // Flat levels with jumps; the last one comes at 60% of the duration and stays until the end.
      return Math.min(cap, fraction < 0.2 ? 0 : fraction < 0.4 ? 20 : fraction < 0.6 ? 50 : 80);
    case 'zeroUntilDone':
      return 0;
    case 'elapsed': {
      // Time against the estimate, which says nothing about when the task really ends.
      const estimateMs = task.request.rules.estimatedSeconds * 1000;
      return Math.min(cap, Math.floor((elapsedMs / estimateMs) * 100));
    }
  }
}
