/*
 * The markdown of the agent tool's confirmation. What the user decides on (model, cost, uploads,
 * destination) comes first and cannot be imitated: every value is escaped, and the prompt, which
 * the agent writes and which may carry text made to look like those lines, comes last, on one
 * line, shortened, in a code span where markdown does not format. No `vscode` here: unit tests
 * run it in Node.
 */

/** How many characters of the prompt the confirmation shows. */
export const shownPromptLength = 300;

/** One line of the confirmation: a bold label and a plain value. */
export interface ConfirmationRow {
  label: string;
  value: string;
}

/** Every run of white space (line breaks of any kind included) as one space, without control characters. */
export function oneLine(text: string): string {
  return text.replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029\s]+/g, ' ').trim();
}

/** The prompt as the confirmation shows it: on one line, at most `max` characters with an ellipsis. */
export function promptExcerpt(prompt: string, max = shownPromptLength): string {
  const line = oneLine(prompt);
  const characters = Array.from(line);
  return characters.length <= max ? line : `${characters.slice(0, max - 1).join('').trimEnd()}…`;
}

/** Plain text as markdown that shows it as it is: every ASCII punctuation character is escaped. */
export function escapeMarkdown(text: string): string {
  return oneLine(text).replace(/[!-/:-@[-`{-~]/g, '\\$&');
}

/**
 * Text in a code span, which markdown shows literally: the fence is one backtick longer than the
 * longest run of backticks inside, and spaces on both sides let the text start or end with one.
 */
export function codeSpan(text: string): string {
  const longest = Math.max(0, ...Array.from(text.matchAll(/`+/g), (run) => run[0].length));
  const fence = '`'.repeat(longest + 1);
  return `${fence} ${text} ${fence}`;
}

/** The confirmation: the rows in order, then the prompt, last, shortened and shown literally. */
export function confirmationMarkdown(rows: readonly ConfirmationRow[], prompt: ConfirmationRow): string {
  const lines = rows.map((row) => `**${escapeMarkdown(row.label)}:** ${escapeMarkdown(row.value)}`);
  lines.push(`**${escapeMarkdown(prompt.label)}:** ${codeSpan(promptExcerpt(prompt.value))}`);
  return lines.join('\n\n');
}
