/*
 * Text lookup for the webviews. They have no access to `vscode.l10n`: the host localizes every
 * string and sends the table in its `init`, and the views look text up by key.
 */

/** Looks up a string by key and fills its `{0}`, `{1}`… placeholders. */
export type Translate = (key: string, ...args: (string | number)[]) => string;

/** A lookup over one table; a missing key shows as itself, so that a gap is visible, not blank. */
export function translator(strings: Readonly<Record<string, string>>): Translate {
  return (key, ...args) => (strings[key] ?? key).replace(/\{(\d+)\}/g, (whole, index: string) => String(args[Number(index)] ?? whole));
}
