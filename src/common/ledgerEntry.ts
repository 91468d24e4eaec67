import * as z from 'zod/mini';
import { requestOptionsSchema } from './requestOptions';

/*
 * One task of the ledger, as it is written to disk: every paid request from before it is sent
 * until its results are saved. Every read is parsed with this schema; a file that does not parse
 * is set aside, never silently dropped (see the ledger in the extension). Entries written by
 * version 1 of the ledger (no `version` field) are read and upgraded. An entry of a newer version
 * than {@link ledgerVersion} (a newer extension in another window) is not this code's to read: it
 * is told apart from a broken one, and left as it is. Fields this version does not know survive
 * a read and a rewrite (a newer release may add optional ones without a new version).
 */

/** The version of the entries this code writes, and the newest it reads. */
export const ledgerVersion = 2;

/** Every state a task can be in. The transitions between them are in `lifecycle.ts`, and only there. */
export const entryStates = [
  /** Recorded, and the submit is being sent. */
  'submitting',
  /** The submit's answer was lost: it is asked again with the same Idempotency-Key, within the replay window. */
  'unknownOutcome',
  /** No answer, and past the replay window (or no longer watched): EvoLink may have the request. Never re-sent on its own. */
  'unconfirmed',
  /** Accepted by EvoLink; being polled. */
  'running',
  /** Accepted, but no longer polled (the user stopped watching, or it ran past its deadline). */
  'stopped',
  /** Completed at EvoLink; its results wait for a window to save them. */
  'completed',
  /** Results are being downloaded and written by the window that holds the lease. */
  'saving',
  /** Downloading or writing failed; what was downloaded is kept, and the user can try again or elsewhere. */
  'saveFailed',
  'saved',
  /**
   * The task failed at EvoLink, or EvoLink refused the request (nothing is charged), or it
   * completed without an image (`no_results`: EvoLink may have charged it).
   */
  'failed',
  /** Cancelled at EvoLink. */
  'cancelled',
  /** The result links expired (24 h) before every result was saved. */
  'expired',
] as const;

/** Where a task is in its life. */
export type EntryState = (typeof entryStates)[number];

/** The wire body of the submit, kept so that a replay sends exactly the same bytes. */
export const submitBodySchema = z.object({
  model: z.string(),
  prompt: z.string(),
  size: z.string(),
  n: z.int(),
  quality: z.optional(z.string()),
  prompt_priority: z.optional(z.string()),
  image_urls: z.optional(z.array(z.string())),
  mask_url: z.optional(z.string()),
});

/**
 * Why a task needs attention or failed. `reason` is an error reason of the taxonomy
 * (`errors.ts`); `code` is the service's code or one of the extension's own (`no_results`,
 * `notImage`, `diskFull`, …); `path` is workspace-relative, never a path of the machine.
 */
export const entryErrorSchema = z.object({
  reason: z.string(),
  code: z.optional(z.string()),
  message: z.optional(z.string()),
  status: z.optional(z.number()),
  path: z.optional(z.string()),
  requestId: z.optional(z.string()),
  /** The parameter a refusal names, and what EvoLink suggests instead (`fallback_suggestion`). */
  param: z.optional(z.string()),
  suggestion: z.optional(z.string()),
  /** How long the service asked to wait before the next request (`Retry-After`), in ms. */
  retryAfterMs: z.optional(z.number()),
  /** No connection was made: the request never left this machine. */
  notSent: z.optional(z.literal(true)),
  /** Whose credits a 402 said were too few: the key's own limit or the account's balance. */
  creditsScope: z.optional(z.enum(['account', 'key'])),
  /** Where a redirect that was not followed led: its origin, at most with its path; never a query. */
  location: z.optional(z.string()),
});

/** Why a task needs attention or failed. */
export type EntryError = z.infer<typeof entryErrorSchema>;

/** One result of a task: the saved file, or the verified download kept until it is saved. */
export const resultSlotSchema = z.object({
  /** The saved image (a URI string). */
  saved: z.optional(z.string()),
  /** The downloaded image waiting in extension storage (a local path). */
  kept: z.optional(z.string()),
  /** The link had expired before this result was downloaded. */
  expired: z.optional(z.boolean()),
  /**
   * The file the result is being renamed to, recorded just before the rename: a window that takes
   * over after a crash finds the file there and records it, instead of writing it a second time.
   */
  target: z.optional(z.string()),
});

/**
 * A level of progress the task reported: first read at `at`; the read before (`after`) still
 * answered less, so the task reached it between the two. The polling schedule reads rates from these.
 */
export const progressLevelSchema = z.object({ progress: z.number(), at: z.number(), after: z.number() });

/** A level of progress the task reported, and when it was reached. */
export type ProgressLevel = z.infer<typeof progressLevelSchema>;

/** Which window works on an active task, and since when (on that window's clock; informative only). */
export const leaseSchema = z.object({ owner: z.string(), at: z.number() });

/** A local id or an Idempotency-Key: letters, digits, '.', '_' and '-'. */
const idSchema = z.string().check(z.regex(/^[A-Za-z0-9._-]{16,96}$/));

/** One task of the ledger. */
export const ledgerEntrySchema = z.object({
  version: z.literal(ledgerVersion),
  localId: idSchema,
  idempotencyKey: idSchema,
  /** Goes up by one with every write; a write that expects another revision is refused. */
  revision: z.int().check(z.nonnegative()),
  /**
   * Which write made this revision, and which made the revision it was based on (absent in
   * records of 0.5.0 and before): a revision built on a write tells that write it stood.
   */
  writeId: z.optional(z.string()),
  parentWriteId: z.optional(z.string()),
  state: z.enum(entryStates),
  createdAt: z.number(),
  updatedAt: z.number(),
  request: requestOptionsSchema,
  body: submitBodySchema,
  /** The folder the results go to (a URI string). */
  targetFolder: z.string(),
  /** Local images the request was made from (URI strings), for lineage and retries. */
  sources: z.optional(z.array(z.string())),
  /** The painted mask the request was made with (a URI string), for a retry. */
  maskSource: z.optional(z.string()),
  /** An edit of this image (a URI string): results go beside it as `<name>.edit-N.<ext>`. */
  editOf: z.optional(z.string()),
  /** Another task EvoLink made for the request of the entry named here (it did not recognise the request when it was sent again): found in its task list, and saved as well. */
  siblingOf: z.optional(idSchema),
  /** When the submit with this Idempotency-Key was first sent; the replay window counts from here, and the poll schedule times the task from here (Submit Again makes a new task with a new key). */
  sentAt: z.number(),
  /**
   * When the request was first sent, under the first of its keys, where Submit Again sent it
   * under another since (absent: `sentAt`). The old key may no longer be sent, but a task its
   * sends made is looked for in EvoLink's task list from then on.
   */
  firstSentAt: z.optional(z.number()),
  /** When EvoLink made the task: its `created`, kept within `sentAt` and the answer (absent: not said; `sentAt`). */
  madeAt: z.optional(z.number()),
  /** How many times the submit was sent with this key (replays included). */
  sends: z.int(),
  /**
   * The key (and its first send) that Submit Again replaced, until the new key's first send is
   * answered: a send that made nothing for sure (never left, or refused) goes back to it.
   */
  replaced: z.optional(z.object({ idempotencyKey: idSchema, sentAt: z.number(), sends: z.int() })),
  /** False once the user stopped watching: nothing is sent or polled for it on its own any more. */
  watch: z.boolean(),
  taskId: z.optional(z.string()),
  estimatedSeconds: z.number(),
  progress: z.number(),
  progressAt: z.optional(z.number()),
  /** The levels above 0 progress went through: the first and the latest few (absent in older entries: none). */
  progressTrail: z.optional(z.array(progressLevelSchema)),
  /** When progress first showed a level (between the reads around it), kept when it went back and started over. */
  progressShownAt: z.optional(z.number()),
  polls: z.int(),
  /** When the task was last read (absent in older entries). */
  polledAt: z.optional(z.number()),
  /** How many reads in a row failed past the poll deadline (absent: none, or the last read answered). */
  failedReads: z.optional(z.int()),
  /** How many quiet looks a task that stopped at its deadline had on its own (absent: none, or watched again since). */
  lateLooks: z.optional(z.int()),
  /** How many reads in a row answered the task completed without a result link (absent: none). */
  emptyReads: z.optional(z.int()),
  /** The poll deadline counts from here: the submit, or the last "Check Again". */
  watchedSince: z.optional(z.number()),
  creditsReserved: z.optional(z.number()),
  creditsUsed: z.optional(z.number()),
  resultUrls: z.optional(z.array(z.string())),
  completedAt: z.optional(z.number()),
  results: z.optional(z.array(resultSlotSchema)),
  /** How many times saving was tried again on its own after a failure that may pass (absent: none). */
  saveRetries: z.optional(z.int()),
  /**
   * The user agreed that this task's results may be downloaded where their https link redirects
   * to plain http ("Download Over HTTP…"); absent: such a redirect is refused.
   */
  plainHttp: z.optional(z.literal(true)),
  lease: z.optional(leaseSchema),
  /**
   * The task moved to the ledger in `ledger` (a window on the same folders under another workspace
   * identity took it over, `tasks/adoption.ts`), at `at`; `done` once it is there. This ledger no
   * longer shows it; the record stays a while, so that no other window can take it a second time.
   */
  movedTo: z.optional(z.object({ ledger: z.string(), at: z.number(), done: z.optional(z.literal(true)) })),
  error: z.optional(entryErrorSchema),
  /** Why a task that is not active waits for the user: it ran past its deadline, was stopped, … */
  attention: z.optional(z.enum(['deadline', 'userStopped', 'windowPassed', 'replayRefused', 'notFound', 'listAmbiguous', 'listUnavailable', 'unread'])),
});

/** One task of the ledger. */
export type LedgerEntry = z.infer<typeof ledgerEntrySchema>;

/** An entry as version 1 of the ledger wrote it; only what the upgrade needs is checked. */
const legacyEntrySchema = z.looseObject({
  localId: z.string(),
  idempotencyKey: z.string(),
  createdAt: z.number(),
  state: z.enum(['submitting', 'unknownOutcome', 'running', 'stopped', 'completed', 'saved', 'saveFailed', 'failed', 'expired']),
  request: requestOptionsSchema,
  body: submitBodySchema,
  targetFolder: z.string(),
  estimatedSeconds: z.number(),
  progress: z.number(),
  polls: z.int(),
  saved: z.optional(z.array(z.nullable(z.string()))),
  pending: z.optional(z.array(z.nullable(z.string()))),
});

function upgrade(legacy: z.infer<typeof legacyEntrySchema>): unknown {
  const { saved, pending, ...rest } = legacy;
  const results = (legacy.resultUrls as string[] | undefined)?.map((_, index) => {
    const slot: Record<string, string> = {};
    if (saved?.[index]) slot.saved = saved[index];
    if (pending?.[index]) slot.kept = pending[index];
    return slot;
  });
  const upgraded: Record<string, unknown> = {
    ...rest,
    version: 2,
    revision: 0,
    updatedAt: typeof legacy.updatedAt === 'number' ? legacy.updatedAt : legacy.createdAt,
    sentAt: legacy.createdAt,
    sends: 1,
    watch: legacy.state !== 'stopped',
    ...(results ? { results } : {}),
  };
  // Version 1 kept `imageUrls`/`maskUrl` in the request; they live in the body now.
  const request = { ...(upgraded.request as Record<string, unknown>) };
  delete request.imageUrls;
  delete request.maskUrl;
  upgraded.request = request;
  return upgraded;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * `parsed` with the fields of `raw` that the schema does not know put back, at every depth: the
 * schema drops them, and a window of this version that rewrites an entry must not lose what a
 * newer release added to it. What the schema read (`parsed`) wins over the raw value.
 */
function withUnknownFields(raw: unknown, parsed: unknown): unknown {
  if (Array.isArray(raw) && Array.isArray(parsed)) return parsed.map((item: unknown, index) => withUnknownFields(raw[index], item));
  if (!isRecord(raw) || !isRecord(parsed)) return parsed;
  const merged: Record<string, unknown> = { ...raw };
  for (const [key, value] of Object.entries(parsed)) merged[key] = withUnknownFields(raw[key], value);
  return merged;
}

/** What reading an entry's JSON text answers (see {@link parseLedgerEntry}). */
export type ParsedLedgerEntry = { ok: true; entry: LedgerEntry } | { ok: false; problem: string; newer?: number };

/**
 * Reads an entry from its JSON text: the entry, or why it cannot be read (for the log). `newer`
 * is the version of an entry a newer release wrote: not broken, only not this code's to read.
 */
export function parseLedgerEntry(text: string): ParsedLedgerEntry {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    return { ok: false, problem: `not JSON (${error instanceof Error ? error.message : String(error)})` };
  }
  if (isRecord(json) && typeof json.version === 'number' && json.version > ledgerVersion) {
    return { ok: false, problem: `written by a newer version of the extension (ledger version ${json.version})`, newer: json.version };
  }
  if (isRecord(json) && !('version' in json)) {
    const legacy = legacyEntrySchema.safeParse(json);
    if (legacy.success) json = upgrade(legacy.data);
  }
  const parsed = ledgerEntrySchema.safeParse(json);
  if (parsed.success) return { ok: true, entry: withUnknownFields(json, parsed.data) as LedgerEntry };
  const issue = parsed.error.issues[0];
  return { ok: false, problem: issue ? `${issue.path.join('.') || 'entry'}: ${issue.message}` : 'not a task entry' };
}
