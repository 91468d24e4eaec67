import * as z from 'zod/mini';

/*
 * What a person (or an agent) asks for, the same for every entry point: the palette, the Studio,
 * Edit Image from the explorer, the agent tool. It is checked against the model table by
 * `checkRequest` and only then turned into the wire body; the bounds here only keep absurd
 * input out (a prompt of megabytes), the model table holds the real limits.
 */

const text = (max: number) => z.string().check(z.maxLength(max));

/** The options of one request, before any image is uploaded. */
export const requestOptionsSchema = z.object({
  model: text(100),
  prompt: text(20_000),
  /** A size value of the model; the model's default when absent. */
  size: z.optional(text(32)),
  /** How many images; the model's default when absent. */
  n: z.optional(z.int()),
  quality: z.optional(text(32)),
  promptPriority: z.optional(text(32)),
});

/** The options of one request, before any image is uploaded. */
export type RequestOptions = z.infer<typeof requestOptionsSchema>;

/** The same options, each optional: what automation passes to skip questions. */
export const partialRequestOptionsSchema = z.partial(requestOptionsSchema);

/** Options given in advance (automation, tests, the agent); each one skips its question. */
export type PartialRequestOptions = z.infer<typeof partialRequestOptionsSchema>;

/** Only the request options of a larger object (arguments that carry more than options). */
export function pickRequestOptions(from: PartialRequestOptions): PartialRequestOptions {
  const picked: PartialRequestOptions = {};
  if (from.model !== undefined) picked.model = from.model;
  if (from.prompt !== undefined) picked.prompt = from.prompt;
  if (from.size !== undefined) picked.size = from.size;
  if (from.n !== undefined) picked.n = from.n;
  if (from.quality !== undefined) picked.quality = from.quality;
  if (from.promptPriority !== undefined) picked.promptPriority = from.promptPriority;
  return picked;
}
