import * as z from 'zod/mini';
import type { LedgerEntry } from './ledgerEntry';
import { findModel } from './models';
import { isOutcomeUnknown, isRefunded } from './taskState';

/*
 * The budget guard's arithmetic: what today's requests cost, what a new request is likely to
 * cost, and whether it stays within the user's daily credit limit. Plain data and a clock passed
 * in, so that every case (midnight included) is tested without VS Code.
 */

/** What one task costs, as the machine-wide day log keeps it (one small file per task). */
export const spendRecordSchema = z.object({
  localId: z.string().check(z.regex(/^[A-Za-z0-9._-]{16,96}$/)),
  /** When the request was made: the day it counts for. */
  at: z.number(),
  /** Credits: used when known, else reserved; 0 once refunded. */
  credits: z.number().check(z.gte(0)),
  model: z.string(),
  /** Credits EvoLink reserved per requested image, when it said. */
  perImage: z.optional(z.number()),
  /** EvoLink's id of the task, once known: a task of this machine that no other request may take for its own. */
  taskId: z.optional(z.string()),
});

/** What one task costs, as the machine-wide day log keeps it. */
export type SpendRecord = z.infer<typeof spendRecordSchema>;

/** What the user's daily credit limit says about a request. */
export type BudgetDecision =
  /** No limit is set. */
  | { kind: 'noLimit'; spent: number }
  | { kind: 'within'; spent: number; estimate: number | undefined; limit: number }
  /** The request would pass the limit (or the limit is reached and its cost is unknown): ask first. */
  | { kind: 'over'; spent: number; estimate: number | undefined; after: number; limit: number };

const dayMs = 24 * 60 * 60 * 1000;

/** Credits are shown and added with four decimals at most, as the service answers them. */
const round = (value: number): number => Math.round(value * 10_000) / 10_000;

/** Midnight that begins the user's local day of `now` (daylight saving changes included). */
export function startOfDay(now: number): number {
  const date = new Date(now);
  return new Date(date.getFullYear(), date.getMonth(), date.getDate()).getTime();
}

/** Whether `at` falls on the same local day as `now`. */
export function isToday(at: number, now: number): boolean {
  const start = startOfDay(now);
  // The next midnight is found from the calendar, not by adding 24 h, so that a 23 h or 25 h day counts right.
  return at >= start && at < startOfDay(start + dayMs + dayMs / 2);
}

/**
 * What a task costs now: nothing once it failed (reserved credits return), the credits EvoLink
 * says it used once it says so, else the credits it reserved.
 */
export function taskCredits(entry: Pick<LedgerEntry, 'state' | 'error' | 'creditsReserved' | 'creditsUsed'>): number {
  if (isRefunded(entry)) return 0;
  return entry.creditsUsed ?? entry.creditsReserved ?? 0;
}

/**
 * Whether EvoLink may have charged for a task: it answered with a task id, or its answer was lost.
 * A request refused before or at submit never reaches the day log.
 */
export function mayBeCharged(entry: Pick<LedgerEntry, 'state' | 'taskId'>): boolean {
  return entry.taskId !== undefined || isOutcomeUnknown(entry.state);
}

/** The day log's record of a task. */
export function spendRecord(entry: Pick<LedgerEntry, 'localId' | 'state' | 'error' | 'createdAt' | 'creditsReserved' | 'creditsUsed' | 'body' | 'taskId'>): SpendRecord {
  const record: SpendRecord = { localId: entry.localId, at: entry.createdAt, credits: taskCredits(entry), model: entry.body.model };
  if (entry.creditsReserved !== undefined && entry.body.n > 0) record.perImage = round(entry.creditsReserved / entry.body.n);
  if (entry.taskId !== undefined) record.taskId = entry.taskId;
  return record;
}

/**
 * Every task once: the day log's records (other windows and workspaces of the machine, and tasks
 * forgotten since), replaced by this window's ledger where it has the task, which is newer.
 */
export function mergeRecords(logged: readonly SpendRecord[], entries: readonly Parameters<typeof spendRecord>[0][]): SpendRecord[] {
  const merged = new Map(logged.map((record) => [record.localId, record]));
  for (const entry of entries) merged.set(entry.localId, spendRecord(entry));
  return [...merged.values()];
}

/** Credits spent on requests made today (the user's local day of `now`). */
export function spentToday(records: readonly SpendRecord[], now: number): number {
  return round(records.filter((record) => isToday(record.at, now)).reduce((sum, record) => sum + record.credits, 0));
}

/** The credits per image EvoLink reserved for a model most recently, if any record says. */
export function lastPricePerImage(records: readonly SpendRecord[], model: string): number | undefined {
  let latest: SpendRecord | undefined;
  for (const record of records) {
    if (record.model === model && record.perImage !== undefined && (!latest || record.at > latest.at)) latest = record;
  }
  return latest?.perImage;
}

/**
 * The credits a request is likely to cost before it is sent. The contract prices a request per
 * requested image (`n`), whatever its size or quality; the model table holds that price, and the
 * simulator charges the same. When EvoLink reserved another price for the model recently, its
 * word wins over the table. A model known to neither has no estimate.
 */
export function estimateCredits(request: { model: string; n: number }, records: readonly SpendRecord[]): number | undefined {
  const perImage = lastPricePerImage(records, request.model) ?? findModel(request.model)?.creditsPerImage;
  return perImage === undefined ? undefined : round(perImage * request.n);
}

/**
 * Whether a request stays within the daily limit (0 or less means no limit). A request whose
 * cost is unknown is over only when the limit is already reached.
 */
export function decideBudget(input: { limit: number; spent: number; estimate: number | undefined }): BudgetDecision {
  const { limit, spent, estimate } = input;
  if (!(limit > 0)) return { kind: 'noLimit', spent };
  const after = round(spent + (estimate ?? 0));
  const over = estimate === undefined ? spent >= limit : after > limit;
  return over ? { kind: 'over', spent, estimate, after, limit } : { kind: 'within', spent, estimate, limit };
}

/** Records older than this are dropped from the day log: yesterday stays for a user past midnight. */
export function isStale(record: Pick<SpendRecord, 'at'>, now: number): boolean {
  return record.at < startOfDay(now) - 2 * dayMs;
}
