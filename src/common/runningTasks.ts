import { defaultPollTuning, uncalibratedReading, type PollObservation, type PollTuning } from './polling';
import { firstShownAt } from './progressTrail';
import type { RunningModel } from './progressCalibration';

/*
 * What a model's tasks running side by side show of its progress, before any of them ends. A
 * user who starts several images of one model at once, after an install or with a model new to
 * them, has no calibration yet (`progressCalibration.ts`), but the tasks beside each other
 * already tell whether the model shows progress at all, and whether its levels stand on plateaus.
 * The poll schedule (polling.ts) reads the silence and the stages of each task with it.
 */

/**
 * What the model's other tasks (`others`, as the schedule knows them) show at `now`, on the
 * schedule's clock; absent when none showed a level yet. Each level's first moment is bounded
 * by the share of the run so far: the task's duration is longer than that.
 */
export function runningOf(others: readonly PollObservation[], now: number, tuning: PollTuning = defaultPollTuning): RunningModel | undefined {
  const running: RunningModel = { shown: 0, firstShare: 0, stepwise: 0, moving: 0 };
  for (const other of others) {
    const shown = firstShownAt(other);
    if (shown === undefined || now <= other.submittedAt) continue;
    running.shown++;
    running.firstShare = Math.max(running.firstShare, Math.min(1, (shown - other.submittedAt) / (now - other.submittedAt)));
    const reading = uncalibratedReading(other, tuning);
    if (reading.kind !== 'end') continue;
    if (reading.stepwise) running.stepwise++;
    else if (other.levels.length >= 3) running.moving++;
  }
  return running.shown > 0 ? running : undefined;
}
