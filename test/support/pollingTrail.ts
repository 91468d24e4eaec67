import type { ProgressLevel } from '../../src/common/ledgerEntry';
import type { PollObservation } from '../../src/common/polling';
import { recordProgress } from '../../src/common/progressTrail';

/** When the task of the polling tests was submitted. */
export const start = 1_000_000;
/** The moment `seconds` after {@link start}. */
export const s = (seconds: number): number => start + seconds * 1000;
/** What the schedule knows of a task submitted at {@link start} with an estimate of 100 s. */
export const observation = (over: Partial<PollObservation>): PollObservation => ({ submittedAt: start, estimatedSeconds: 100, polls: 1, levels: [], ...over });

/** The levels a task leaves when it is read at `reads` (seconds) and answers `progress(t)`. */
export function trail(reads: number[], progress: (t: number) => number): ProgressLevel[] {
  let levels: ProgressLevel[] = [];
  let shown = 0;
  let before = start;
  for (const t of reads) {
    const value = progress(t);
    if (value !== shown) levels = recordProgress(levels, value, s(t), before);
    shown = value;
    before = s(t);
  }
  return levels;
}
