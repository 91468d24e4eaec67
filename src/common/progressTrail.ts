import type { LedgerEntry, ProgressLevel } from './ledgerEntry';
import type { PollObservation } from './polling';

/*
 * The levels a task's progress went through, as the poll schedule (polling.ts) keeps them: the
 * first one, for when progress first showed, and the latest few, for its pace.
 */

/** How many levels a task keeps: the first one and the latest three. */
export const trailLength = 4;
/** A level this high is where services wait for the end; it is not kept. */
const topLevel = 99;

/** When the task's progress first showed a level, if it did: between the read that saw it and the one before. */
export function firstShownAt(observation: PollObservation): number | undefined {
  const first = observation.levels[0];
  return observation.shownAt ?? (first ? (first.after + first.at) / 2 : undefined);
}

/**
 * The levels after a read at `at` that answered `progress`; `after` is the read before it. A new
 * level is added (the first one is always kept), a level that went back starts the trail again.
 */
export function recordProgress(levels: readonly ProgressLevel[], progress: number, at: number, after: number): ProgressLevel[] {
  const last = levels.at(-1);
  if (progress <= 0) return last ? [] : [...levels];
  // Many services hold 99 until they finish: the top says the end is near, not when.
  if (progress >= topLevel || progress === last?.progress) return [...levels];
  if (last && progress < last.progress) return [{ progress, at, after }];
  const next = [...levels, { progress, at, after }];
  return next.length > trailLength ? [next[0]!, ...next.slice(1 - trailLength)] : next;
}

/**
 * When the task EvoLink has was made, as far as this machine can tell: its `created`, within the
 * sends of its key and the answer (`madeAt`), else the first send of that key (Submit Again makes
 * a new one). The poll schedule and the time left count from here.
 */
export function startOf(entry: Pick<LedgerEntry, 'sentAt' | 'madeAt'>): number {
  return entry.madeAt ?? entry.sentAt;
}

/**
 * The levels progress went through, for the poll schedule. An entry written before they were kept
 * has only its current level, taken as reached when it was first seen.
 */
export function progressLevels(entry: LedgerEntry): ProgressLevel[] {
  if (entry.progressTrail) return entry.progressTrail;
  const at = entry.progressAt ?? startOf(entry);
  return recordProgress([], entry.progress, at, at);
}
