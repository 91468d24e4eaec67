import type { EndBelief, PollObservation } from './polling';
import { silenceOf } from './progressCalibration';

/*
 * Silent progress (still 0) of a model whose tasks were seen to show progress before they ended,
 * or are seen to show it now.
 * The poll schedule (polling.ts) asks here what that silence says of the end.
 */

/** How many durations the chance that a task shows progress late is averaged over. */
const durationSamples = 32;

/**
 * The belief of a task whose progress is still 0, of a model whose tasks were seen to show
 * progress before they ended: a task that is to show progress does not end before it has, so
 * silence makes an end in the next seconds less likely than the prior says. The prior holds for
 * the tasks that end silent (as many as the model's did), and for the others in the measure that
 * they could still be silent now: their first level comes by a share of their duration, evenly up
 * to the latest share seen, and their durations are the prior's. Long silence hands the belief
 * back to the prior. Absent when the model's tasks taught nothing yet.
 */
export function silentBelief(observation: PollObservation, prior: (t: number) => number, low: number, high: number): EndBelief | undefined {
  const silence = silenceOf(observation.calibration, observation.running);
  // Silent is 0 at the last read and no level kept: 99 (not kept as a level) says the end is near.
  if (!silence || observation.polledAt === undefined || observation.levels.length > 0 || (observation.progress ?? 0) > 0) return undefined;
  const at = observation.polledAt - observation.submittedAt;
  const from = Math.max(low, at);
  if (from >= high) return undefined;
  // Among the durations still possible (each sample stands for a slice of them), how likely a task
  // that is to show progress is still silent now: long ones are likelier.
  const slice = (high - from) / durationSamples;
  const durations = Array.from({ length: durationSamples }, (_, k) => from + slice * k);
  const silentFor = durations.map((start) => Math.max(0, 1 - at / ((start + slice / 2) * silence.firstShare)));
  const stillSilent = silentFor.reduce((sum, chance) => sum + chance, 0) / durationSamples;
  const weight = silence.silentChance / (silence.silentChance + (1 - silence.silentChance) * stillSilent);
  // When those tasks end: the prior's durations, weighed by that chance.
  const showing = (t: number): number => durations.reduce((sum, start, k) => sum + silentFor[k]! * Math.min(1, Math.max(0, (t - start) / slice)), 0) / (stillSilent * durationSamples);
  const left = 1 - prior(at);
  return {
    // Ends before the last read are the prior's (they are ruled out anyway); after it, the silent
    // tasks' ends come as the prior's, the others' as those of their durations still possible.
    ended: (t) => (t <= at ? prior(t) : prior(at) + weight * (prior(t) - prior(at)) + (stillSilent > 0 ? (1 - weight) * left * showing(t) : 0)),
    misled: () => weight,
    prior,
    priceShare: 1,
  };
}
