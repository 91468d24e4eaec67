import * as z from 'zod/mini';
import { models } from '../../common/models';

/*
 * The agent tool's input, checked by the extension itself. VS Code does not check a tool's input
 * against the contributed `inputSchema` for every caller of `vscode.lm.invokeTool`, so a string
 * where a list belongs would be read character by character and a number where a path belongs
 * would throw. This schema mirrors `contributes.languageModelTools[0].inputSchema` in
 * package.json (a unit test holds the two together). No `vscode` here: unit tests run it in Node.
 */

/** The agent tool's input, as the manifest describes it; keys it does not know are dropped. */
export const imageToolInputSchema = z.object({
  prompt: z.string(),
  model: z.optional(z.enum(models.map((model) => model.id) as [string, ...string[]])),
  size: z.optional(z.string()),
  n: z.optional(z.int().check(z.minimum(1), z.maximum(15))),
  quality: z.optional(z.enum(['low', 'medium', 'high', 'auto'])),
  /** A workspace folder path for new images; the output folder setting when absent. */
  folder: z.optional(z.string()),
  /** Workspace paths of images to edit or use as references; results go beside the first. */
  sourceImages: z.optional(z.array(z.string()).check(z.maxLength(16))),
});

/** What an agent passes, once checked. */
export type ImageToolInput = z.infer<typeof imageToolInputSchema>;

/** The checked input, or a sentence for the agent that says what is wrong with it. */
export type ParsedToolInput = { ok: true; input: ImageToolInput } | { ok: false; reason: string };

const typeNames: Record<string, string> = {
  string: 'a string',
  int: 'a whole number',
  number: 'a number',
  array: 'an array of strings',
  object: 'an object',
};

/** What a JSON value is, in words ("a string", "an array", "null"). */
function describeValue(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'number' && !Number.isInteger(value)) return 'a fractional number';
  if (typeof value === 'number') return 'a whole number';
  return typeof value === 'object' ? 'an object' : `a ${typeof value}`;
}

/** The value at a path of the raw input, to say what was given instead. */
function valueAt(raw: unknown, path: readonly PropertyKey[]): unknown {
  let at = raw;
  for (const key of path) at = at !== null && typeof at === 'object' ? (at as Record<PropertyKey, unknown>)[key] : undefined;
  return at;
}

/** One readable sentence per problem, for an agent to correct its call. */
function describeIssue(issue: z.core.$ZodIssue, raw: unknown): string {
  const name = issue.path.length > 0 ? issue.path.map(String).join('.') : 'The input';
  switch (issue.code) {
    case 'invalid_type': {
      const given = valueAt(raw, issue.path);
      return given === undefined ? `${name} is required.` : `${name} must be ${typeNames[issue.expected] ?? issue.expected}, not ${describeValue(given)}.`;
    }
    case 'invalid_value':
      return `${name} must be one of ${issue.values.map(String).join(', ')}.`;
    case 'too_big':
      return `${name} must be at most ${String(issue.maximum)}${issue.origin === 'array' ? ' items long' : ''}.`;
    case 'too_small':
      return `${name} must be at least ${String(issue.minimum)}.`;
    default:
      return `${name} is not valid.`;
  }
}

/** Checks an agent's input against the tool's schema; on failure, says what to change. */
export function parseImageToolInput(raw: unknown): ParsedToolInput {
  const parsed = imageToolInputSchema.safeParse(raw);
  if (parsed.success) return { ok: true, input: parsed.data };
  // One problem per field: a string given for a list fails both its type and its length.
  const seen = new Set<string>();
  const problems: string[] = [];
  for (const issue of parsed.error.issues) {
    const key = issue.path.map(String).join('.');
    if (seen.has(key)) continue;
    seen.add(key);
    problems.push(describeIssue(issue, raw));
  }
  return { ok: false, reason: `The tool's input is not valid, so nothing was done: ${problems.join(' ')}` };
}

/** JSON with the keys of every object in sorted order: the same input always gives the same text. */
export function stableJson(value: unknown): string {
  const sorted = (at: unknown): unknown => {
    if (Array.isArray(at)) return at.map(sorted);
    if (at === null || typeof at !== 'object') return at;
    const object = at as Record<string, unknown>;
    return Object.fromEntries(Object.keys(object).sort().map((key) => [key, sorted(object[key])]));
  };
  return JSON.stringify(sorted(value)) ?? 'undefined';
}

/**
 * What makes two requests the same paid request: the model (the default one when none is given),
 * the prompt, the parameters, the source images and the folder.
 */
export function requestKey(input: ImageToolInput, defaultModel: string): string {
  return stableJson({ ...input, model: input.model ?? defaultModel });
}
