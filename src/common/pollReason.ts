import { readProgress, type PollObservation } from './polling';
import { silenceOf } from './progressCalibration';

/*
 * Why the poll schedule (polling.ts) reads a task when it does, in a few words for the log: what
 * the task's progress told it, and what the model's other tasks did. A user who wonders why a
 * task is read as often (or as rarely) as it is finds the answer at the log's trace level.
 */

/** What the schedule rested the next read of a task on, at `now` (on the schedule's clock). */
export function pollReason(observation: PollObservation, now: number): string {
  if (observation.polls === 0) return 'the first look, for a request refused at once';
  const reading = readProgress(observation);
  const parts: string[] = [];
  if (reading.kind === 'end') {
    const seconds = Math.round((observation.submittedAt + reading.endMs - now) / 1000);
    const by = reading.stepwise ? 'its stages' : 'its progress curve';
    const when = seconds > 0 ? `about ${seconds} s away` : seconds < 0 ? `${-seconds} s ago, but it runs on` : 'now';
    parts.push(`${by} put the end ${when}${reading.calibrated ? ", as the model's earlier tasks corrected" : ''}`);
  } else if (reading.kind === 'elapsed') {
    parts.push('its progress only counts time against the estimate: the estimate alone holds');
  } else if (observation.levels.length === 0 && silenceOf(observation.calibration, observation.running)) {
    parts.push("still at 0, where the model's tasks show progress before they end");
  } else {
    parts.push('its progress says nothing yet: the estimate alone holds');
  }
  const running = observation.running;
  if (running) parts.push(`${running.shown} other task${running.shown === 1 ? '' : 's'} of the model showed progress${running.stepwise > 0 ? `, ${running.stepwise} on plateaus` : ''}`);
  return parts.join('; ');
}
