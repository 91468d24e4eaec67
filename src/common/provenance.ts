import * as z from 'zod/mini';

/**
 * The provenance of a saved image: enough to regenerate or trace it, and what the Studio's
 * history is read from. Kept in the workspace folder's index (`provenanceIndex.ts`), and, when
 * `evolink.provenance` asks for it, in a file beside the image (`<image>.evolink.json`, the only
 * place versions before the index kept it). Documented in the README; `version` changes when a
 * field changes meaning.
 */
export const provenanceSchema = z.object({
  version: z.literal(1),
  generator: z.optional(z.string()),
  prompt: z.string(),
  model: z.string(),
  parameters: z.record(z.string(), z.unknown()),
  taskId: z.optional(z.string()),
  resultIndex: z.optional(z.number()),
  creditsUsed: z.optional(z.number()),
  createdAt: z.string(),
  completedAt: z.optional(z.string()),
  sources: z.optional(z.array(z.string())),
  format: z.string(),
  width: z.optional(z.number()),
  height: z.optional(z.number()),
});

/** A provenance record. */
export type Provenance = z.infer<typeof provenanceSchema>;

/** Reads a provenance file's text; `undefined` when it is not one. */
export function parseProvenance(text: string): Provenance | undefined {
  try {
    const parsed = provenanceSchema.safeParse(JSON.parse(text));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}
