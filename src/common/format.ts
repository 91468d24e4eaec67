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

/** A failure's own text as a message may quote it: paths and links of this machine (a codec file it could not load) cut out, and no longer than 200 characters. */
export function withoutPaths(text: string): string {
  // A path's start: a link, a drive, a share (\\server\share) or the root.
  const start = String.raw`(?:[a-z]+://|[A-Za-z]:[\\/]|\\\\|/)`;
  return text
    .replace(new RegExp(String.raw`(['"])${start}[^'"\r\n]*\1`, 'g'), '$1…$1') // quoted: spaces and all (C:\Users\Jane Doe\…)
    .replace(new RegExp(String.raw`${start}[^\s'"()]*`, 'g'), '…')
    .slice(0, 200);
}
