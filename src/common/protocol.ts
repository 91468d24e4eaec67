import * as z from 'zod/mini';
import type { ModelSpec } from './models';

/*
 * The messages between the Image Studio webview and the host, both ways: discriminated unions on
 * `type`. What comes from the webview is `unknown` until {@link parseWebviewMessage} accepts it.
 */

const text = (max: number) => z.string().check(z.maxLength(max));
const id = z.string().check(z.regex(/^[A-Za-z0-9._-]{1,128}$/));
const uri = text(4096);

/** The request the compose form sends; it is checked again on the host against the model table. */
export const studioRequestSchema = z.object({
  model: text(100),
  prompt: text(20_000),
  size: z.optional(text(32)),
  n: z.optional(z.int()),
  quality: z.optional(text(32)),
  promptPriority: z.optional(text(32)),
});

/** Every message the webview may send. */
export const webviewMessageSchema = z.discriminatedUnion('type', [
  /** The webview has loaded and listens: the host answers `init`. */
  z.object({ type: z.literal('ready') }),
  /** The first render after `init` is on screen (for the timing in the log). */
  z.object({ type: z.literal('painted') }),
  /** Generate with these options. */
  z.object({ type: z.literal('submit'), request: studioRequestSchema }),
  z.object({ type: z.literal('stopWatching'), localId: id }),
  z.object({ type: z.literal('checkAgain'), localId: id }),
  /** Submit again with the original parameters of a task. */
  z.object({ type: z.literal('retry'), localId: id }),
  z.object({ type: z.literal('openImage'), uri }),
  z.object({ type: z.literal('revealImage'), uri }),
  z.object({ type: z.literal('insertReference'), uri }),
  z.object({ type: z.literal('copyPrompt'), localId: id }),
  z.object({ type: z.literal('setApiKey') }),
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

/** One task as the webview shows it. */
export interface StudioTask {
  localId: string;
  prompt: string;
  model: string;
  size: string;
  n: number;
  state: string;
  progress: number;
  /** Seconds left, when it can be told. */
  etaSeconds: number | undefined;
  creditsReserved: number | undefined;
  creditsUsed: number | undefined;
  error: string | undefined;
  createdAt: number;
  images: StudioImage[];
}

/** One image of the history, read from its provenance file. */
export interface StudioHistoryItem extends StudioImage {
  prompt: string;
  model: string;
  size: string | undefined;
  n: number | undefined;
  quality: string | undefined;
  promptPriority: string | undefined;
  createdAt: string;
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
  | { type: 'balance'; spendable: number | undefined }
  /** A submit was refused or failed before it became a task. */
  | { type: 'problem'; message: string }
  /** A submit became a task. */
  | { type: 'submitted'; localId: string };
