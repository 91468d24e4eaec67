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

/** Options given in advance (automation, tests, the agent); each one skips its question. */
export type PartialRequestOptions = Partial<RequestOptions>;

/** Only the request options of a larger object (arguments that carry more than options): the schema's fields. */
export function pickRequestOptions(from: PartialRequestOptions): PartialRequestOptions {
  const picked: Record<string, unknown> = {};
  for (const key of Object.keys(requestOptionsSchema.shape)) {
    const value = (from as Record<string, unknown>)[key];
    if (value !== undefined) picked[key] = value;
  }
  return picked;
}
