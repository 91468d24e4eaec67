/*
 * Numbers and prompts as the user reads them, the same in the host's messages and in the Studio.
 */

/** Credits in the user's language: at most two decimals (prices like 1.8 and 2.5). */
export function formatCredits(value: number, locale: string): string {
  return value.toLocaleString(locale, { maximumFractionDigits: 2 });
}

/** A prompt as messages quote it: cut between whole characters after 60. */
export function quotedPrompt(prompt: string): string {
  const chars = [...prompt];
  return chars.length > 60 ? `${chars.slice(0, 59).join('')}…` : prompt;
}
