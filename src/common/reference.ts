/**
 * A reference to an image, in the form a document's language wants: Markdown, HTML, CSS, JSX.
 */

/** The syntaxes an image reference can take. */
export type ReferenceSyntax = 'markdown' | 'html' | 'css' | 'jsx' | 'plain';

const byLanguage: Record<string, ReferenceSyntax> = {
  markdown: 'markdown',
  mdx: 'jsx',
  html: 'html',
  vue: 'html',
  svelte: 'html',
  php: 'html',
  css: 'css',
  scss: 'css',
  sass: 'css',
  less: 'css',
  javascriptreact: 'jsx',
  typescriptreact: 'jsx',
};

/** The syntax for a VS Code language id. */
export function syntaxFor(languageId: string): ReferenceSyntax {
  return byLanguage[languageId] ?? 'plain';
}

/**
 * A path from one folder to a file, with forward slashes, both given as POSIX paths (URI
 * paths). Prefixed with `./` when it does not climb, as bundlers want.
 */
export function relativePath(fromFolder: string, toFile: string): string {
  const from = fromFolder.split('/').filter(Boolean);
  const to = toFile.split('/').filter(Boolean);
  let common = 0;
  while (common < from.length && common < to.length - 1 && from[common] === to[common]) common++;
  const up = from.length - common;
  const rest = to.slice(common).map(encodeSegment).join('/');
  return up === 0 ? `./${rest}` : `${'../'.repeat(up)}${rest}`;
}

function encodeSegment(segment: string): string {
  return segment.replace(/ /g, '%20').replace(/\(/g, '%28').replace(/\)/g, '%29');
}

const escapeHtml = (text: string): string => text.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/** Alt text from a prompt: one line, at most 120 characters. */
export function altText(prompt: string): string {
  const line = prompt.replace(/\s+/g, ' ').trim();
  return line.length > 120 ? `${line.slice(0, 117).trimEnd()}…` : line;
}

/** The reference text to insert. */
export function formatReference(syntax: ReferenceSyntax, path: string, prompt: string): string {
  const alt = altText(prompt);
  switch (syntax) {
    case 'markdown':
      return `![${alt.replace(/[[\]]/g, '')}](${path})`;
    case 'html':
      return `<img src="${escapeHtml(path)}" alt="${escapeHtml(alt)}">`;
    case 'jsx':
      return `<img src="${escapeHtml(path)}" alt="${escapeHtml(alt)}" />`;
    case 'css':
      return `url("${path.replace(/"/g, '\\"')}")`;
    case 'plain':
      return path;
  }
}
