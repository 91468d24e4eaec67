import * as z from 'zod/mini';

/*
 * zod schemas of what EvoLink answers. They are tolerant of fields they do not name (the
 * service adds fields over time) and strict on the fields the extension uses.
 */

/** The documented JSON error body of a non-2xx answer; `code` may be a number or a string. */
export const apiErrorBodySchema = z.object({
  error: z.object({
    code: z.optional(z.union([z.number(), z.string()])),
    message: z.optional(z.string()),
    type: z.optional(z.string()),
    param: z.nullish(z.string()),
    fallback_suggestion: z.nullish(z.string()),
  }),
});

const creditsBucketSchema = z.object({
  remaining_credits: z.number(),
  used_credits: z.optional(z.number()),
});

/** `GET /v1/credits`: the account's balance (`user`) and this key's own limit (`token`). */
export const creditsResponseSchema = z.object({
  success: z.optional(z.boolean()),
  message: z.optional(z.string()),
  data: z.object({
    user: creditsBucketSchema,
    token: z.optional(z.extend(creditsBucketSchema, { unlimited_credits: z.optional(z.boolean()) })),
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
