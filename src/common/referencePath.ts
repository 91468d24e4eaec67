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

/** The drive of a Windows path as a URI writes it (`/c:/…` → `c`), `undefined` for other paths. */
function driveOf(path: string): string | undefined {
  return /^\/([A-Za-z]):(\/|$)/.exec(path)?.[1]?.toLowerCase();
}

/** Two segments of the same place: a drive (`C:`, `c:`) is the same in either case. */
const sameSegment = (a: string, b: string, index: number): boolean => a === b || (index === 0 && /^[A-Za-z]:$/.test(a) && a.toLowerCase() === b.toLowerCase());

function joinRelative(fromFolder: string, toFile: string, encode: (segment: string) => string): string {
  const from = segments(fromFolder);
  const to = segments(toFile);
  let common = 0;
  while (common < from.length && common < to.length - 1 && sameSegment(from[common]!, to[common]!, common)) common++;
  const up = from.length - common;
  const rest = to.slice(common).map(encode).join('/');
  return up === 0 ? `./${rest}` : `${'../'.repeat(up)}${rest}`;
}

/** A file or folder as a URI names it (common code knows no URI class). */
export interface UriParts {
  scheme: string;
  authority: string;
  path: string;
}

/** Why no reference leads from a document to an image. */
export type NoRelativePath = 'saveFirst' | 'otherFileSystem' | 'otherDrive';

/** The folder that references are relative to, or why none can be made (`image`: the index of the image it is about). */
export type ReferenceBase = { folder: string } | { problem: NoRelativePath; image: number };

/**
 * The folder (a POSIX path) from which references in a document lead to images: the document's
 * own folder. An untitled document has none: its references start at the workspace folder of the
 * first image (`imageRoot`), as if it were saved there; with the image in no workspace folder it
 * must be saved first. No relative path leads to an image on another file system (another scheme
 * or authority: a remote, a container, a virtual folder) or on another Windows drive; an absolute
 * URL of the machine would be wrong on every other one, so there is no reference then either.
 */
export function referenceBase(document: UriParts, images: readonly UriParts[], imageRoot?: UriParts): ReferenceBase {
  let from: UriParts;
  if (document.scheme === 'untitled') {
    if (!imageRoot) return { problem: 'saveFirst', image: 0 };
    from = imageRoot;
  } else {
    from = { ...document, path: document.path.replace(/\/[^/]*$/, '') || '/' };
  }
  for (const [index, image] of images.entries()) {
    if (image.scheme.toLowerCase() !== from.scheme.toLowerCase() || image.authority.toLowerCase() !== from.authority.toLowerCase()) return { problem: 'otherFileSystem', image: index };
    if (driveOf(image.path) !== driveOf(from.path)) return { problem: 'otherDrive', image: index };
  }
  return { folder: from.path.replace(/(.)\/+$/, '$1') };
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

/** Whether a line ends an import statement: `import x from '…'`, `} from '…'` or `import '…'`. */
const endsImport = (text: string): boolean => /^\s*(import\b.*|\}.*)\bfrom\s*['"][^'"]*['"];?\s*$/.test(text) || /^\s*import\s*['"][^'"]*['"];?\s*$/.test(text);

/** The name of an existing default import of `specifier` among `lines[from, to)`, and its line. */
function existingImport(lines: readonly string[], specifier: string, from: number, to: number): { name: string; line: number } | undefined {
  const existing = new RegExp(`^\\s*import\\s+([A-Za-z_$][\\w$]*)\\s+from\\s+['"]${escapeRegExp(specifier)}['"]`);
  for (let index = from; index < to; index++) {
    const found = existing.exec(lines[index]!);
    if (found) return { name: found[1]!, line: index };
  }
  return undefined;
}

/** A name for the imported image that the document does not use yet, nor `taken`. */
function freshName(documentText: string, fileName: string, taken: readonly string[]): string {
  const base = identifierFor(fileName);
  const used = (name: string): boolean => taken.includes(name) || new RegExp(`(^|[^\\w$])${escapeRegExp(name)}($|[^\\w$])`).test(documentText);
  let name = base;
  for (let count = 2; used(name); count++) name = `${base}${count}`;
  return name;
}

/**
 * How a document imports an image file (`specifier` as the import writes it): the name of an
 * existing default import of it, or a new name that the document does not use yet and the line
 * to add after the imports at its top.
 */
export function planImport(documentText: string, specifier: string, fileName: string, taken: readonly string[] = []): ImageImport {
  const lines = documentText.split(/\r?\n/);
  const found = existingImport(lines, specifier, 0, lines.length);
  if (found) return found;
  let line = 0;
  for (const [index, text] of lines.entries()) {
    // The end of an import statement at the top, or a directive.
    if (endsImport(text) || /^\s*['"]use (client|server|strict)['"];?\s*$/.test(text)) line = index + 1;
  }
  const name = freshName(documentText, fileName, taken);
  return { name, statement: `import ${name} from ${JSON.stringify(specifier)};`, line };
}

/** The component files whose imports live in a block of their own: Svelte's `<script>`, Astro's frontmatter. */
export type ComponentKind = 'svelte' | 'astro';

/** An import planned in a component file; `block` set when the document has no script block yet and the import must bring one. */
export interface ComponentImport extends ImageImport {
  /** What goes before and after the import statements to make the block (`<script>` … `</script>`). */
  block?: readonly [string, string];
}

/** The script block of a component file: the lines of its opening and closing markers; `null` when there is one the imports cannot be put into. */
function scriptBlock(lines: readonly string[], kind: ComponentKind): { open: number; close: number } | null | undefined {
  if (kind === 'astro') {
    // Astro's frontmatter is the first thing in the file, between two `---` lines.
    const open = lines.findIndex((text) => text.trim() !== '');
    if (open < 0 || !lines[open]!.startsWith('---')) return undefined;
    if (!/^---\s*$/.test(lines[open]!)) return null;
    const close = lines.findIndex((text, index) => index > open && /^---\s*$/.test(text));
    return close < 0 ? null : { open, close };
  }
  // The instance script, or else the module script (whose imports the markup sees too); its opening tag alone on its line.
  const opens = lines.flatMap((text, index) => (/<script\b/i.test(text) ? [index] : []));
  if (opens.length === 0) return undefined;
  const open = opens.find((index) => !/\b(context\s*=\s*["']module["']|module)\b/.test(lines[index]!)) ?? opens[0]!;
  if (!/^\s*<script\b[^>]*>\s*$/i.test(lines[open]!)) return null;
  const close = lines.findIndex((text, index) => index > open && /^\s*<\/script\s*>/i.test(text));
  return close < 0 ? null : { open, close };
}

/**
 * How a Svelte or Astro component imports an image file: inside its `<script>` (Svelte) or its
 * frontmatter (Astro), after the imports there, reusing an import of the same file; a new
 * block at the top of a file that has none. `undefined` when the file has a block the import
 * cannot be put into as a line of its own (a one-line `<script>…</script>`, unclosed frontmatter).
 */
export function planComponentImport(documentText: string, kind: ComponentKind, specifier: string, fileName: string, taken: readonly string[] = []): ComponentImport | undefined {
  const lines = documentText.split(/\r?\n/);
  const block = scriptBlock(lines, kind);
  if (block === null) return undefined;
  const defaultIndent = kind === 'svelte' ? '\t' : '';
  if (block === undefined) {
    const name = freshName(documentText, fileName, taken);
    const wrap: readonly [string, string] = kind === 'svelte' ? ['<script>\n', '\n</script>\n'] : ['---\n', '\n---\n'];
    return { name, statement: `${defaultIndent}import ${name} from ${JSON.stringify(specifier)};`, line: 0, block: wrap };
  }
  const found = existingImport(lines, specifier, block.open + 1, block.close);
  if (found) return found;
  let line = block.open + 1;
  for (let index = line; index < block.close; index++) if (endsImport(lines[index]!)) line = index + 1;
  // The statement takes the indentation of the block's first line of code.
  const code = lines.slice(block.open + 1, block.close).find((text) => text.trim() !== '');
  const indent = code === undefined ? defaultIndent : /^\s*/.exec(code)![0];
  const name = freshName(documentText, fileName, taken);
  return { name, statement: `${indent}import ${name} from ${JSON.stringify(specifier)};`, line };
}
