/**
 * Where a reference points: the path from a document to an image, as a URL (for Markdown, HTML
 * and CSS), as a file path (for a bundler's `import`), or from the root of a served folder.
 * All paths here are POSIX paths (URI paths), never paths of the machine.
 */

const segments = (path: string): string[] => path.split('/').filter(Boolean);

/** Whether `path` lies inside `folder` (both POSIX paths). */
export function isInsideFolder(path: string, folder: string): boolean {
  const root = folder.replace(/\/+$/, '');
  return path.startsWith(`${root}/`);
}

/**
 * The relative path from a folder to a file, with forward slashes and unencoded: `./` before a
 * path that does not climb, as bundlers want.
 */
export function relativeFilePath(fromFolder: string, toFile: string): string {
  return joinRelative(fromFolder, toFile, (segment) => segment);
}

/**
 * One path segment as a URL writes it: everything but letters, digits and `-_.!~*'` is
 * percent-encoded (UTF-8), so spaces, `#`, `?`, `%`, parentheses and non-ASCII letters survive
 * Markdown, HTML attributes and CSS `url()` alike.
 */
export function encodeSegment(segment: string): string {
  return encodeURIComponent(segment).replace(/[()]/g, (char) => `%${char.charCodeAt(0).toString(16).toUpperCase()}`);
}

/** The relative URL from a folder to a file: {@link relativeFilePath}, each segment encoded. */
export function relativePath(fromFolder: string, toFile: string): string {
  return joinRelative(fromFolder, toFile, encodeSegment);
}

/** The root-relative URL of a file inside a served folder (`public/img/a.png` → `/img/a.png`). */
export function rootRelativeUrl(servedFolder: string, file: string): string {
  return `/${segments(file).slice(segments(servedFolder).length).map(encodeSegment).join('/')}`;
}

function joinRelative(fromFolder: string, toFile: string, encode: (segment: string) => string): string {
  const from = segments(fromFolder);
  const to = segments(toFile);
  let common = 0;
  while (common < from.length && common < to.length - 1 && from[common] === to[common]) common++;
  const up = from.length - common;
  const rest = to.slice(common).map(encode).join('/');
  return up === 0 ? `./${rest}` : `${'../'.repeat(up)}${rest}`;
}

/** A JavaScript identifier for an imported image, from its file name: `my-fox.png` → `myFoxImage`. */
function identifierFor(fileName: string): string {
  const words = fileName
    .replace(/\.[^.]*$/, '')
    .normalize('NFKD')
    .replace(/[^A-Za-z0-9]+/g, ' ')
    .trim()
    .split(' ')
    .filter(Boolean)
    .slice(0, 6);
  const camel = words.map((word, index) => (index === 0 ? word.charAt(0).toLowerCase() : word.charAt(0).toUpperCase()) + word.slice(1)).join('');
  const base = /^[A-Za-z]/.test(camel) ? camel : `image${camel}`;
  return `${base.slice(0, 40)}Image`.replace(/^imageImage$/, 'image');
}

const escapeRegExp = (text: string): string => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** An `import` of an image that a document needs: its name, and the line to add (absent when the document imports it already). */
export interface ImageImport {
  name: string;
  statement?: string;
  /** The line (0-based) before which the statement goes: after the document's last import. */
  line: number;
}

/**
 * How a document imports an image file (`specifier` as the import writes it): the name of an
 * existing default import of it, or a new name that the document does not use yet and the line
 * to add after the imports at its top.
 */
export function planImport(documentText: string, specifier: string, fileName: string, taken: readonly string[] = []): ImageImport {
  const lines = documentText.split(/\r?\n/);
  const quoted = `['"]${escapeRegExp(specifier)}['"]`;
  const existing = new RegExp(`^\\s*import\\s+([A-Za-z_$][\\w$]*)\\s+from\\s+${quoted}`);
  let line = 0;
  for (const [index, text] of lines.entries()) {
    const found = existing.exec(text);
    if (found) return { name: found[1]!, line: index };
    // The end of an import statement at the top: `import x from '…'`, `} from '…'`, `import '…'`, or a directive.
    if (/^\s*(import\b.*|\}.*)\bfrom\s*['"][^'"]*['"];?\s*$/.test(text) || /^\s*import\s*['"][^'"]*['"];?\s*$/.test(text) || /^\s*['"]use (client|server|strict)['"];?\s*$/.test(text)) line = index + 1;
  }
  const base = identifierFor(fileName);
  const used = (name: string): boolean => taken.includes(name) || new RegExp(`(^|[^\\w$])${escapeRegExp(name)}($|[^\\w$])`).test(documentText);
  let name = base;
  for (let count = 2; used(name); count++) name = `${base}${count}`;
  return { name, statement: `import ${name} from ${JSON.stringify(specifier)};`, line };
}
