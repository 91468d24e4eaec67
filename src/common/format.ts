/*
 * Numbers as the user reads them, the same in the host's messages and in the Studio.
 */

/** Credits in the user's language: at most two decimals (prices like 1.8 and 2.5). */
export function formatCredits(value: number, locale: string): string {
  return value.toLocaleString(locale, { maximumFractionDigits: 2 });
}
