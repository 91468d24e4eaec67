import * as z from 'zod/mini';
import { maxMaskBytes, maxPastedBytes, maxReferences } from './limits';
import type { ModelSpec } from './models';
import { requestOptionsSchema } from './requestOptions';
import { taskActions, type TaskAction } from './taskState';
import { base64Schema as base64, thumbnailMessageSchemas, uriSchema as uri, type ThumbnailStored } from './thumbnailMessages';

/*
 * The messages between the Image Studio webview and the host, both ways: discriminated unions on
 * `type`. What comes from the webview is `unknown` until {@link parseWebviewMessage} accepts it.
 */

const text = (max: number) => z.string().check(z.maxLength(max));
const id = z.string().check(z.regex(/^[A-Za-z0-9._-]{1,128}$/));


/** The request the compose form sends: the one request-options schema; checked again on the host. */
export const studioRequestSchema = requestOptionsSchema;

/** Every message the webview may send. */
export const webviewMessageSchema = z.discriminatedUnion('type', [
  /** The webview has loaded and listens: the host answers `init`. */
  z.object({ type: z.literal('ready') }),
  /** The first render after `init` is on screen (for the timing in the log). */
  z.object({ type: z.literal('painted') }),
  /** Generate with these options. */
  z.object({
    type: z.literal('submit'),
    request: studioRequestSchema,
    /** The reference images, in order: URIs the host listed in `references`. */
    references: z.optional(z.array(uri).check(z.maxLength(maxReferences))),
    /** The painted mask for the one reference, a PNG. */
    mask: z.optional(base64(maxMaskBytes)),
    /** Where the results go: the output folder, or beside the (one) reference as its edits. */
    destination: z.optional(z.enum(['output', 'beside'])),
  }),
  /** Add references from the workspace with a file picker. */
  z.object({ type: z.literal('pickReferences') }),
  /** Add references dropped from the explorer (URIs). */
  z.object({ type: z.literal('addReferences'), uris: z.array(uri).check(z.maxLength(maxReferences)) }),
  /** Add a pasted or dropped image file's bytes. */
  z.object({ type: z.literal('pasteReference'), name: text(255), data: base64(maxPastedBytes) }),
  z.object({ type: z.literal('removeReference'), uri }),
  /** Use a result or history image as a reference. */
  z.object({ type: z.literal('useAsReference'), uri }),
  /** Move a result to the trash (its provenance leaves the index), after confirming. */
  z.object({ type: z.literal('deleteImage'), uri }),
  /** One of the actions the host offered for a task (stop watching, check again, retry, …). */
  z.object({ type: z.literal('taskAction'), localId: id, action: z.enum(taskActions) }),
  z.object({ type: z.literal('openImage'), uri }),
  z.object({ type: z.literal('revealImage'), uri }),
  z.object({ type: z.literal('insertReference'), uri }),
  z.object({ type: z.literal('copyPrompt'), localId: id }),
  z.object({ type: z.literal('setApiKey') }),
  /** Run Generate Asset…, offering the draft's prompt as the recipe's subject. */
  z.object({ type: z.literal('generateAsset'), prompt: text(20_000) }),
  /** A history image's thumbnail, made for the cache the History gallery shares. */
  ...thumbnailMessageSchemas,
]);

/** A message from the webview, once parsed. */
export type WebviewMessage = z.infer<typeof webviewMessageSchema>;

/** Parses a message from the webview; `undefined` for anything malformed or unknown. */
export function parseWebviewMessage(raw: unknown): WebviewMessage | undefined {
  const parsed = webviewMessageSchema.safeParse(raw);
  return parsed.success ? parsed.data : undefined;
}

/** One saved image as the webview shows it. */
export interface StudioImage {
  /** The file's URI, to name it in messages back. */
  uri: string;
  /** The same file as the webview may load it. */
  src: string;
  name: string;
}

/** One reference image as the webview shows it, with what the model limits are checked against. */
export interface StudioReference extends StudioImage {
  format: string | undefined;
  bytes: number;
  width: number;
  height: number;
  /** True when the file is in the workspace, so that results may go beside it. */
  inWorkspace: boolean;
}

/** One task as the webview shows it. */
export interface StudioTask {
  localId: string;
  prompt: string;
  model: string;
  size: string;
  n: number;
  /** The lifecycle state, for styling only: what to show and offer comes below. */
  state: string;
  /** The extension is working on it: a progress bar is shown. */
  active: boolean;
  /** What is happening, in the user's language (progress and time left included). */
  status: string;
  /** The progress bar's value, when it is known (otherwise the bar is indeterminate). */
  progress: number | undefined;
  creditsReserved: number | undefined;
  creditsUsed: number | undefined;
  /** Why it failed or waits for the user, in the user's language. */
  error: string | undefined;
  /** What the user can do now, with each button's title and codicon. */
  actions: { action: TaskAction; title: string; icon: string }[];
  createdAt: number;
  images: StudioImage[];
  /**
   * The Studio follows this task (it was started or retried here): its end is told in the
   * Studio. Another task's end is told in a message, and only there.
   */
  toldHere: boolean;
}

/** One image of the history, read from its provenance (the index, or an old sidecar). */
export interface StudioHistoryItem extends StudioImage {
  prompt: string;
  model: string;
  size: string | undefined;
  n: number | undefined;
  quality: string | undefined;
  promptPriority: string | undefined;
  createdAt: string;
  /** The thumbnail's cache key (the image's URI, size and modification time). */
  key: string;
  /** The cached thumbnail's address, when there is one; the webview makes it otherwise. */
  thumb: string | undefined;
}

/** Every message the host sends. */
export type HostMessage =
  | {
      type: 'init';
      models: readonly ModelSpec[];
      /** Localized strings, by key; the webview has no other source of text. */
      strings: Record<string, string>;
      defaultModel: string;
      hasApiKey: boolean;
      /** The locale for numbers. */
      locale: string;
    }
  | { type: 'tasks'; tasks: StudioTask[] }
  /** Past generations of this workspace, newest first. */
  | { type: 'history'; items: StudioHistoryItem[] }
  | { type: 'apiKey'; hasApiKey: boolean }
  /** The reference images, in order. */
  /** `picturesOnly`: only what a reference shows changed (its preview came); what the Studio says stays. */
  | { type: 'references'; items: StudioReference[]; picturesOnly?: boolean }
  /** Prepare an edit (from the explorer): choose this model, send results beside the reference, offer the mask. */
  | { type: 'edit'; model: string | undefined; paintMask: boolean }
  /** Fill the form with the settings of this past image (from the History gallery). */
  | { type: 'reuse'; item: StudioHistoryItem }
  /** Continue a prompt begun in the palette, with its model. */
  | { type: 'draft'; prompt: string; model: string }
  | { type: 'balance'; spendable: number | undefined }
  /** Today's spend on this machine and the daily credit limit (0: none). */
  | { type: 'spend'; today: number; limit: number }
  /** A submit was refused or failed before it became a task. */
  | { type: 'problem'; message: string }
  /** A submit became a task. */
  | { type: 'submitted'; localId: string }
  | ThumbnailStored;

/** Every message the before/after compare view may send. */
export const compareMessageSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('ready') }),
  /** Keep the original and every edit. */
  z.object({ type: z.literal('keepBoth') }),
  /** Replace the original with the edit shown (the original is kept to restore). */
  z.object({ type: z.literal('replace'), variant: z.int().check(z.minimum(0), z.maximum(15)) }),
  /** Delete the edits. */
  z.object({ type: z.literal('discard') }),
]);

/** A message from the compare view, once parsed. */
export type CompareMessage = z.infer<typeof compareMessageSchema>;

/** Parses a message from the compare view; `undefined` for anything malformed or unknown. */
export function parseCompareMessage(raw: unknown): CompareMessage | undefined {
  const parsed = compareMessageSchema.safeParse(raw);
  return parsed.success ? parsed.data : undefined;
}

/** An image of the compare view. */
export interface CompareImage extends StudioImage {
  width: number | undefined;
  height: number | undefined;
}

/** What the host sends the compare view. */
export type CompareHostMessage =
  | { type: 'init'; localId: string; strings: Record<string, string>; prompt: string; before: CompareImage; after: CompareImage[] }
  /** The decision was carried out (or the edits are gone): the view shows it and offers nothing more. */
  | { type: 'done'; message: string }
  /** The decision was declined or failed: the decisions are offered again. */
  | { type: 'idle' };
