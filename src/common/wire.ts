import * as z from 'zod/mini';

/*
 * zod schemas of what EvoLink answers. They are tolerant of fields they do not name (the
 * service adds fields over time) and strict on the fields the extension uses.
 */

/** A field the extension can do without: `null`, or a value of another type, reads as absent. */
const spare = <T extends z.ZodMiniType>(schema: T) => z.catch(z.optional(schema), undefined);

/**
 * The documented JSON error body of a non-2xx answer; `code` may be a number or a string. Each
 * field may be `null` (gateways in the OpenAI style send `"code": null`): the error is still one.
 */
export const apiErrorBodySchema = z.object({
  error: z.object({
    code: spare(z.union([z.number(), z.string()])),
    message: spare(z.string()),
    type: spare(z.string()),
    param: spare(z.string()),
    fallback_suggestion: spare(z.string()),
  }),
});

const creditsBucketSchema = z.object({
  remaining_credits: z.number(),
  used_credits: spare(z.number()),
});

/** `GET /v1/credits`: the account's balance (`user`) and this key's own limit (`token`). */
export const creditsResponseSchema = z.object({
  success: spare(z.boolean()),
  message: spare(z.string()),
  data: z.object({
    user: creditsBucketSchema,
    // `null` is no limit of the key's own; a limit that cannot be read is no answer.
    token: z.nullish(z.extend(creditsBucketSchema, { unlimited_credits: z.nullish(z.boolean()) })),
  }),
});

/** The parsed answer of `GET /v1/credits`. */
export type CreditsResponse = z.infer<typeof creditsResponseSchema>;

/** What a user can spend now: the smaller of the account balance and this key's limit. */
export interface Balance {
  /** Credits left on the account. */
  account: number;
  /** Credits left on this key, or `undefined` when the key is unlimited. */
  key: number | undefined;
  /** The credits this key can spend now. */
  spendable: number;
}

/** Reduces a credits answer to a {@link Balance}. */
export function toBalance(response: CreditsResponse): Balance {
  const account = response.data.user.remaining_credits;
  const token = response.data.token;
  const key = token && !token.unlimited_credits ? token.remaining_credits : undefined;
  return { account, key, spendable: key === undefined ? account : Math.min(account, key) };
}

/**
 * A list of which only some items may be usable: a single item reads as a list of one, and items
 * that are not `item` (a `null` slot of an image the service could not make) are left out, so
 * that one odd entry never makes a paid task's other images unreadable.
 */
const someOf = <T extends z.ZodMiniType>(item: T) =>
  z.pipe(
    spare(z.union([z.array(z.unknown()), item])),
    z.transform((value): z.infer<T>[] => {
      const items: unknown[] = value === undefined ? [] : Array.isArray(value) ? value : [value];
      return items.flatMap((one) => {
        const parsed = item.safeParse(one);
        return parsed.success ? [parsed.data] : [];
      });
    }),
  );

const resultItemSchema = z.object({ image_url: spare(z.string()), url: spare(z.string()) });

/** A task's error: an object with a code and a message, each of which may be missing, or a message alone. */
const taskErrorSchema = z.union([
  z.object({ code: spare(z.union([z.string(), z.number()])), message: spare(z.string()) }),
  z.pipe(z.string(), z.transform((message) => ({ code: undefined, message }))),
]);

/**
 * A task object, as submit and query answer it. Unknown fields are dropped, not refused; of the
 * known ones, only `id` and `status` are needed, the others read as absent when they are `null`
 * or of another type (a read that fails on a field it does not need fails the task's every read).
 */
export const taskSchema = z.object({
  id: z.string(),
  status: z.string(),
  created: spare(z.union([z.number(), z.string()])),
  model: spare(z.string()),
  object: spare(z.string()),
  type: spare(z.string()),
  progress: spare(z.number()),
  task_info: spare(z.object({ can_cancel: spare(z.boolean()), estimated_time: spare(z.number()) })),
  usage: spare(
    z.object({
      billing_rule: spare(z.string()),
      credits_reserved: spare(z.number()),
      credits_used: spare(z.number()),
      cost: spare(z.number()),
      user_group: spare(z.string()),
    }),
  ),
  results: someOf(z.union([z.string(), resultItemSchema])),
  result_data: someOf(resultItemSchema),
  error: spare(taskErrorSchema),
  duration: spare(z.number()),
});

/** The parsed task object. */
export type TaskWire = z.infer<typeof taskSchema>;

/** The states the extension distinguishes; `unknown` keeps polling until the deadline. */
export type TaskState = 'pending' | 'processing' | 'completed' | 'failed' | 'cancelled' | 'unknown';

/** What the extension keeps of a task answer. */
export interface TaskSnapshot {
  id: string;
  state: TaskState;
  /** The status as the service spelled it. */
  rawStatus: string;
  /** 0 to 100; absent when the answer did not say (the progress known before stands). */
  progress: number | undefined;
  estimatedSeconds: number | undefined;
  /** Result URLs from `results` and `result_data`, each once, in order. */
  resultUrls: string[];
  error: { code: string; message: string } | undefined;
  creditsReserved: number | undefined;
  creditsUsed: number | undefined;
  /** When the service made the task (its `created`, in ms since the epoch), where it said. */
  createdAt?: number;
  /** How many result items gave no http(s) link (`data:` URLs, bare file names): absent when none. */
  unusableLinks?: number;
}

const states: Record<string, TaskState> = {
  pending: 'pending',
  queued: 'pending',
  processing: 'processing',
  running: 'processing',
  completed: 'completed',
  succeeded: 'completed',
  failed: 'failed',
  cancelled: 'cancelled',
  canceled: 'cancelled',
};

/**
 * An estimate the poll schedule can stand on: a second to an hour. Anything else (0, negative,
 * days) is no estimate, and the one the extension had is kept.
 */
function plausibleEstimate(seconds: number | undefined): number | undefined {
  return seconds !== undefined && seconds >= 1 && seconds <= 3600 ? seconds : undefined;
}

/** Reduces a task answer to a {@link TaskSnapshot}. */
export function toSnapshot(task: TaskWire): TaskSnapshot {
  const urls: string[] = [];
  // Spaces around a link (a template's stray blank) are no part of it; a link without its scheme
  // (`//cdn.example/a.png`, as CDNs write them for pages) is read over https.
  const link = (url: string | undefined): string | undefined => {
    const trimmed = url?.trim();
    if (trimmed?.startsWith('//') && !trimmed.startsWith('///')) return `https:${trimmed}`;
    return trimmed !== undefined && /^https?:\/\//i.test(trimmed) ? trimmed : undefined;
  };
  // A list item is a link, or an object with one (the first of its fields that is a link).
  let unusable = 0;
  const add = (item: string | z.infer<typeof resultItemSchema>): void => {
    const url = typeof item === 'string' ? link(item) : (link(item.image_url) ?? link(item.url));
    if (url === undefined) unusable++;
    else if (!urls.includes(url)) urls.push(url);
  };
  for (const item of task.results) add(item);
  for (const item of task.result_data) add(item);
  const progress = task.progress === undefined ? undefined : Math.max(0, Math.min(100, task.progress));
  const created = epochSeconds(task.created);
  return {
    id: task.id,
    state: states[task.status.trim().toLowerCase()] ?? 'unknown',
    rawStatus: task.status,
    progress,
    estimatedSeconds: plausibleEstimate(task.task_info?.estimated_time),
    resultUrls: urls,
    error: task.error && (task.error.code || task.error.message) ? { code: String(task.error.code || 'unknown_error'), message: task.error.message ?? '' } : undefined,
    creditsReserved: task.usage?.credits_reserved,
    creditsUsed: task.usage?.credits_used ?? task.usage?.cost,
    // Seconds since the epoch, as documented (milliseconds, or a date, are read as what they are).
    ...(created === undefined ? {} : { createdAt: Math.round(created * 1000) }),
    ...(unusable > 0 ? { unusableLinks: unusable } : {}),
  };
}

/** A list that may come as `null` when it is empty (as Go's JSON encoder writes a nil slice). */
function noneAsEmpty<T extends z.ZodMiniType<unknown[]>>(list: T) {
  return z.pipe(z.nullable(list), z.transform((value): z.infer<T> => value ?? ([] as z.infer<T>)));
}

/** The most task ids `POST /v1/tasks/batch` takes in one request. */
export const maxBatchTaskIds = 50;

/**
 * `POST /v1/tasks/batch` (used by the vendor's own clients, not in the public docs): the task
 * objects of the ids asked for that the service knows; unknown, foreign or expired ids are
 * absent. Items are checked one by one ({@link toBatchSnapshots}), so that one odd item costs
 * only its own task a second read, not the whole batch.
 */
export const taskBatchSchema = z.object({ data: noneAsEmpty(z.array(z.unknown())) });

/**
 * The snapshots of a batch answer by task id: items that are not task objects, and ids that were
 * not asked for, are left out (the first item of an id wins). So are items that say less than
 * the task's own query would, as the task list does: a completed task without its result links,
 * a running one without its progress, a failed one without its error (whose code says whether to
 * change the request or try it again), a status not known. Their own query decides.
 */
export function toBatchSnapshots(batch: z.infer<typeof taskBatchSchema>, asked: readonly string[]): Map<string, TaskSnapshot> {
  const wanted = new Set(asked);
  const found = new Map<string, TaskSnapshot>();
  for (const item of batch.data) {
    const parsed = taskSchema.safeParse(item);
    if (!parsed.success || !wanted.has(parsed.data.id) || found.has(parsed.data.id)) continue;
    const snapshot = toSnapshot(parsed.data);
    const partial =
      snapshot.state === 'unknown' ||
      (snapshot.state === 'completed' && snapshot.resultUrls.length === 0) ||
      (snapshot.state === 'processing' && parsed.data.progress === undefined) ||
      (snapshot.state === 'failed' && snapshot.error === undefined);
    if (!partial) found.set(parsed.data.id, snapshot);
  }
  return found;
}

/** The files API's answer to an upload. `success: false` may come with HTTP 200. */
export const uploadResponseSchema = z.object({
  success: z.boolean(),
  // What the extension does not need may be null or of another type without failing an upload
  // that used one of the account's file slots.
  code: spare(z.union([z.number(), z.string()])),
  msg: spare(z.string()),
  // A refusal may carry `{}` or anything else as its data; only the link is needed of a success.
  data: spare(
    z.object({
      file_id: spare(z.union([z.string(), z.number()])),
      file_url: z.string(),
      download_url: spare(z.string()),
      file_size: spare(z.number()),
      mime_type: spare(z.string()),
      expires_at: spare(z.string()),
    }),
  ),
});

/**
 * `GET /v1/tasks`, the account's recent tasks (used by the vendor's own clients, not in the
 * public docs): items carry no result links.
 */
export const taskListSchema = z.object({
  // An item without an id names no task: it is left out (see `listedTasks`), not the whole list.
  data: noneAsEmpty(
    z.array(
      spare(
        z.object({
          id: z.string(),
          status: spare(z.string()),
          model: spare(z.string()),
          type: spare(z.string()),
          progress: spare(z.number()),
          created_at: spare(z.union([z.number(), z.string()])),
          // What a task object calls it, where a gateway lists task objects.
          created: spare(z.union([z.number(), z.string()])),
        }),
      ),
    ),
  ),
  total: spare(z.number()),
  /** The page size the service used: it may cap the one asked for. */
  page_size: spare(z.number()),
});

/** One task of the recent tasks. */
export interface TaskListItem {
  id: string;
  model: string | undefined;
  status: string | undefined;
  /** Seconds since the epoch. */
  createdAt: number | undefined;
}

/**
 * A moment as services write it, in seconds since the epoch: seconds or milliseconds, as a number
 * or in a string, or a date; a date without a zone is in UTC (as servers keep their clocks), never
 * in this machine's zone, which would move it by hours.
 */
export function epochSeconds(value: number | string | undefined): number | undefined {
  const text = typeof value === 'string' ? value.trim() : undefined;
  const number = typeof value === 'number' ? value : text !== undefined && /^\d+(\.\d+)?$/.test(text) ? Number(text) : undefined;
  if (number !== undefined) return number > 0 ? (number > 1e12 ? number / 1000 : number) : undefined;
  if (!text) return undefined;
  const zoneless = /^\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}(:\d{2}(\.\d+)?)?$/.test(text);
  const parsed = Date.parse(zoneless ? `${text.replace(' ', 'T')}Z` : text);
  return Number.isNaN(parsed) ? undefined : parsed / 1000;
}

/**
 * How far a server's clock is ahead of this machine's (ms; negative: behind), told by the Date
 * header of its answer (`date`) and the moment on this machine the answer was made (`localMs`).
 * `undefined` without a date that can be read.
 */
export function clockAhead(date: string | undefined, localMs: number): number | undefined {
  const at = date === undefined ? Number.NaN : Date.parse(date);
  return Number.isNaN(at) ? undefined : Math.round(at - localMs);
}

/** The items of a page of the task list that name a task, reduced. */
export function listedTasks(page: z.infer<typeof taskListSchema>): TaskListItem[] {
  return page.data.flatMap((item) => (item ? [{ id: item.id, model: item.model, status: item.status, createdAt: epochSeconds(item.created_at ?? item.created) }] : []));
}
