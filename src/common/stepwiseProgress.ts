import type { ProgressLevel } from './ledgerEntry';
import type { PollObservation, PollTuning } from './polling';

/*
 * Stepwise progress: flat levels with jumps between them, as staged services report it. The poll
 * schedule (polling.ts) asks here when each level was reached, whether progress stands on a
 * plateau, and what the stages seen so far say of the time still to go.
 */

/** When a level was reached (ms after submit), give or take `unsure` ms. */
export interface ReachTime {
  at: number;
  unsure: number;
}

/**
 * When each level was reached (ms after submit) and how unsure that is. A level that follows one
 * that was itself new at the read before is a sample of a moving curve: it was crossed shortly
 * before it was read. A level after a flat stretch is a jump: it came anywhere between the two reads.
 * Once progress is known to be stepwise (`stepwise`), every level is such a jump. A curve that
 * stopped on its last level (`stopped`) reached it earlier than a moving one.
 */
export function reachTimes(levels: readonly ProgressLevel[], submittedAt: number, stepwise = false, stopped = false): ReachTime[] {
  return levels.map((level, index) => {
    const before = levels[index - 1];
    const gap = level.at - level.after;
    // Stepwise progress jumps: a level came anywhere between the read that first saw it and the one before.
    if (stepwise) return { at: level.after + gap / 2 - submittedAt, unsure: gap / 2 };
    if (before && before.at === level.after) {
      const step = gap / (level.progress - before.progress);
      if (!stopped || index < levels.length - 1) return { at: level.at - step / 2 - submittedAt, unsure: step / 2 };
      // A curve that stopped on its last level (a hold before the end) came to it as early as its
      // pace before would have brought it there, or any time since the read before.
      const earlier = levels[index - 2];
      const pace = earlier && earlier.at === before.after ? (before.at - before.after) / (before.progress - earlier.progress) : 0;
      const from = Math.min(level.at - step, before.at + Math.max(0, level.progress - before.progress - 0.5) * pace);
      return { at: (from + level.at) / 2 - submittedAt, unsure: (level.at - from) / 2 };
    }
    // A level the curve left at once (the next one was seen at the next read; the levels between the
    // first and the latest are not kept): the curve was moving when it was read.
    const after = levels[index + 1];
    if (!stepwise && after && after.after === level.at) {
      const step = (after.at - level.at) / (after.progress - level.progress);
      return { at: level.at - step / 2 - submittedAt, unsure: step / 2 };
    }
    return { at: level.after + gap / 2 - submittedAt, unsure: gap / 2 };
  });
}

/**
 * Whether progress stands on a plateau: the reads since the last level found it unchanged for
 * longer than the curve, at the pace it rose to that level (`msPerPoint`), needs for a few points.
 * A moving curve does not stand still; a stepwise one does, between its jumps.
 */
export function onPlateau(observation: PollObservation, msPerPoint: number, tuning: PollTuning): boolean {
  const last = observation.levels.at(-1);
  if (!last || observation.polledAt === undefined || last.progress > tuning.plateauBelow) return false;
  // The last read answered another value than the last level (99, which is not kept): no flat.
  if (observation.progress !== undefined && observation.progress !== last.progress) return false;
  const flat = observation.polledAt - last.at;
  // A curve that slows down towards its end stands longer on each point; a plateau is also long against the time the task ran.
  return flat > tuning.plateauPoints * msPerPoint && flat > tuning.plateauShare * (last.at - observation.submittedAt);
}

/**
 * Whether progress stood on a plateau before one of the later levels kept: a level that came after
 * reads found the one before it unchanged for longer than the curve needed for a few points on its
 * way there (the test of {@link onPlateau}). Stepwise progress stays stepwise when later reads
 * happen to find a new level each. Levels are compared from index `from`: the first level and the
 * next one kept may have had others between them once the trail is full.
 */
export function stoodBefore(observation: PollObservation, from: number, tuning: PollTuning): boolean {
  const { levels, submittedAt } = observation;
  for (let i = from; i < levels.length; i++) {
    const level = levels[i - 1]!;
    const before = levels[i - 2] ?? { progress: 0, at: submittedAt };
    const msPerPoint = (level.at - before.at) / (level.progress - before.progress);
    const flat = levels[i]!.after - level.at;
    if (level.progress <= tuning.plateauBelow && flat > tuning.plateauPoints * msPerPoint && flat > tuning.plateauShare * (level.at - submittedAt)) return true;
  }
  return false;
}

/**
 * The time left after the last level of a stepwise task, its doubt (log scale), and how unsure
 * the moment is that it starts from (ms either side: the last level came between two reads). The
 * rate since the earliest level kept (ms per point; since submit when only one is known, or when
 * `sinceSubmit`: a service whose levels count its whole run, queue included) is the centre: it
 * spans several stages, so it varies less than any one of them. How far the rates of
 * the single stages seen lie from it is learned doubt, for the stage still to come, never below
 * `stepSigma`; the centre itself is known only as well as its stages and as the moments the
 * levels were reached.
 */
export function stepwiseLeft(levels: readonly ProgressLevel[], times: readonly ReachTime[], tuning: PollTuning, sinceSubmit = false): { left: number; doubt: number; jump: number } {
  const last = levels.at(-1)!;
  const lastAt = times.at(-1)!;
  const anchors = [{ progress: 0, at: 0, unsure: 0 }, ...levels.map((level, i) => ({ progress: level.progress, ...times[i]! }))];
  // The stages between the levels kept (the time from submit to the first level holds the queue too: it is not a stage).
  const rates = anchors.slice(2).map((anchor, i) => (anchor.at - anchors[i + 1]!.at) / (anchor.progress - anchors[i + 1]!.progress)).filter((rate) => rate > 0);
  const rateSince = (from: (typeof anchors)[number]): number => (lastAt.at - from.at) / (last.progress - from.progress);
  const first = anchors[levels.length >= 2 ? 1 : 0]!;
  const head = sinceSubmit ? anchors[0]! : first;
  const span = lastAt.at - head.at;
  const left = rateSince(head) * (100 - last.progress);
  // How far the single stages lie from the rate over them: the doubt of the stage to come, whichever the centre.
  const logs = rates.map((r) => Math.log(r / rateSince(first)));
  const learned = logs.reduce((sum, x) => sum + x * x, 0) / Math.max(1, logs.length);
  const stage = Math.max(tuning.stepSigma ** 2, learned);
  // How well the rate is known from the moments the levels were reached. When the last level came
  // is not a doubt of the time left but of where it starts (`jump`, the half-width of its window).
  const timing = (head.unsure ** 2 + lastAt.unsure ** 2) / span ** 2;
  return { left, doubt: stage * (1 + 1 / Math.max(1, rates.length)) + timing, jump: lastAt.unsure };
}
