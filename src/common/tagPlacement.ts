/*
 * Where tags inserted into a page go, and how far they are indented. Tags inserted at the start
 * of a line (the cursor in a line's indentation, or on an empty line) become lines of their own
 * at the depth of the page around them: inside the element a closing tag on the cursor's line
 * ends, or the one the line before opens, else beside the line before. A cursor after text on
 * its line is left to insert the text where it is.
 */

/** A line that opens an element and does not close it on the same line (`<head>`, `<div class="a">`, JSX's `<>`). */
const opensElement = /^\s*<([A-Za-z][\w:.-]*)?(?:\s[^>]*)?(?<!\/)>\s*$/;
/** HTML elements that have no closing tag: a line of one opens nothing (`<meta charset="utf-8">`). */
const voidElements = new Set(['area', 'base', 'br', 'col', 'embed', 'hr', 'img', 'input', 'link', 'meta', 'source', 'track', 'wbr']);

/** Whether a line opens an element that its next lines are inside of. */
function opens(line: string): boolean {
  const match = opensElement.exec(line);
  return match !== null && !/<\//.test(line) && !voidElements.has((match[1] ?? '').toLowerCase());
}

/** A line that starts with a closing tag (`</head>`). */
const closesElement = /^\s*<\//;

const indentOf = (line: string): string => /^\s*/.exec(line)![0];

/**
 * The text to insert at the start of line `line` (0-based) of `lines` for the snippet `text`,
 * each of its lines indented as the page around it and ended by `eol`; `undefined` when the
 * cursor (`column`) stands after text on its line. `unit` is one level of indentation.
 */
export function tagPlacement(lines: readonly string[], line: number, column: number, text: string, unit: string, eol: string): { line: number; text: string } | undefined {
  const current = lines[line] ?? '';
  if (current.slice(0, column).trim() !== '') return undefined;
  const before = lines.slice(0, line).reverse().find((candidate) => candidate.trim() !== '');
  let indent: string;
  if (current.trim() !== '' && closesElement.test(current)) indent = indentOf(current) + unit;
  else if (before === undefined) indent = current.trim() === '' ? '' : indentOf(current);
  else if (opens(before)) indent = indentOf(before) + unit;
  else indent = indentOf(before);
  const body = text.replace(/\r\n/g, '\n').replace(/\n+$/, '').split('\n');
  return { line, text: body.map((part) => (part.trim() === '' ? '' : indent + part) + eol).join('') };
}
