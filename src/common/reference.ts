/**
 * The reference builder: a reference to an image in the form a document's language wants
 * (Markdown, HTML, JSX, CSS, a script's string or import, plain text), with its alt text as the
 * first snippet placeholder. Every "insert" (the command, the Studio, drag and drop) builds its
 * text here; the host only gathers the facts (sizes, prompt, project layout).
 */
import { projectRootOf, type ProjectLayout } from './projectLayout';
import { isInsideFolder, planComponentImport, planImport, relativeFilePath, relativePath, rootRelativeUrl, type ComponentImport, type ComponentKind, type ImageImport } from './referencePath';

/** The syntaxes an image reference can take. */
export type ReferenceSyntax = 'markdown' | 'html' | 'jsx' | 'css' | 'script' | 'plain';

const byLanguage: Record<string, ReferenceSyntax> = {
  markdown: 'markdown',
  mdx: 'jsx',
  html: 'html',
  vue: 'html',
  svelte: 'html',
  astro: 'html',
  php: 'html',
  css: 'css',
  scss: 'css',
  sass: 'css',
  less: 'css',
  javascriptreact: 'jsx',
  typescriptreact: 'jsx',
  javascript: 'script',
  typescript: 'script',
};

/**
 * The languages whose templates read `{…}` inside a quoted attribute value as an expression:
 * Svelte (`alt="a cat named {name}"` names a variable). Vue reads plain attributes as text, Astro
 * and JSX read a quoted value as a string; only a bound or an unquoted value is an expression.
 */
const bracesInAttributes = new Set(['svelte']);

/** The syntax for a VS Code language id. */
export function syntaxFor(languageId: string): ReferenceSyntax {
  return byLanguage[languageId] ?? 'plain';
}

/** One file of the image: the image itself, or one of several widths or formats of it (a responsive set). */
export interface ImageVariant {
  /** A POSIX path (the URI's path); with no `documentFolder`, a URL written as it is. */
  path: string;
  width?: number;
  height?: number;
  /** `image/webp`, …: variants of several types make a `<picture>`. */
  mime?: string;
}

/** What a reference is built from. */
export interface ReferenceRequest {
  syntax: ReferenceSyntax;
  /** The document's VS Code language id, for what its templates read beyond the syntax (Svelte's braces). */
  language?: string;
  /** At least one; the first is the default (`src`, and the only one Markdown and CSS name). */
  variants: readonly ImageVariant[];
  /** The description (the prompt): made one line and short for the alt text. */
  alt: string;
  /** The document's folder (POSIX path); absent when the image is not on the document's file system. */
  documentFolder?: string;
  /** The project the document belongs to, when it is a known one. */
  layout?: ProjectLayout;
  /** The document's text: the names it uses and the images it imports. */
  documentText?: string;
  /** The number of the alt text's placeholder in the snippet (1 unless several references are inserted at once). */
  placeholder?: number;
}

/** A built reference. */
export interface ImageReference {
  /** The text as inserted (the placeholder's default in place). */
  text: string;
  /** The same as a snippet (`SnippetString` syntax), the alt text its first placeholder. */
  snippet: string;
  /** Imports to add to the document (JSX/TSX and scripts in projects whose bundler imports images, Svelte and Astro components). */
  imports: readonly ImageImport[];
  /**
   * Set when the image had to be imported (a Svelte or Astro component, which does not rewrite
   * a relative `src`) but the document has no place for the import: the text then names the
   * file by a relative URL that will not load; the image belongs in the served folder instead.
   */
  cannotImport?: { servedFolder: string };
}

type Part = string | { placeholder: string };

const maxAlt = 120;

/** Alt text from a prompt: one line, at most 120 characters, cut at a word when one is near. */
export function altText(prompt: string): string {
  const line = prompt.replace(/\s+/g, ' ').trim();
  if (line.length <= maxAlt) return line;
  const cut = line.slice(0, maxAlt - 3);
  const space = cut.lastIndexOf(' ');
  return `${(space > maxAlt * 0.6 ? cut.slice(0, space) : cut).trimEnd()}…`;
}

/** Text as a snippet shows it literally: `$`, `}` and `\` escaped. */
export function escapeSnippet(text: string): string {
  return text.replace(/[$}\\]/g, '\\$&');
}

/** How elements are written: JSX (React's names, numbers as `{640}`, `/>`), or a template with `{…}` values (Svelte, Astro), and whether braces in a quoted value must be entities. */
interface Markup {
  jsx: boolean;
  braces: boolean;
  /** Attribute values may be expressions, `src={fox}` (JSX, Svelte, Astro). */
  expressions?: boolean;
  /** Void elements end with ` />` (JSX, Astro). */
  selfClose?: boolean;
}

const html: Markup = { jsx: false, braces: false };

/** An attribute value between double quotes: `&"<>` as entities, and `{}` too where the template reads them. */
function escapeAttribute(text: string, markup: Markup = html): string {
  const escaped = text.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
  return markup.braces ? escaped.replace(/\{/g, '&#123;').replace(/\}/g, '&#125;') : escaped;
}
const escapeMarkdownText = (text: string): string => text.replace(/[\\[\]]/g, '\\$&');
const escapeCssString = (text: string): string => text.replace(/["\\]/g, '\\$&');

/** How one variant is named in the document: a URL, or a script expression (an imported image). */
interface Source {
  url: string;
  expression?: string;
  /** The imported image object that also knows its size (Astro's `fox.width`). */
  sized?: string;
  variant: ImageVariant;
}

/**
 * The components that name an image outside the served folder by importing it: neither Svelte
 * nor Astro rewrites a relative `src` (Vue does), which the browser would resolve against the
 * page's URL. Svelte's import (Vite) is the URL; Astro's an object with `src`, `width`, `height`.
 */
const componentImports: Readonly<Record<string, ComponentKind>> = { svelte: 'svelte', astro: 'astro' };

/**
 * The folders of a project whose Markdown the site builds into its pages (Astro's `src/content`
 * and `src/pages`, Gatsby's `src/pages`, mdsvex routes, Nuxt Content's `content/`): there an image
 * of the served folder is named from the site's root, as the page will find it.
 */
const siteContentFolders = ['src', 'content'];

/**
 * Whether a root-relative URL serves this document: always, but in Markdown outside the site's
 * content (a README, notes, docs beside the code), which VS Code's preview and GitHub show from
 * the file itself, where `/hero.png` leads nowhere: that Markdown names the file relative to itself.
 */
function readsSiteRoot(request: ReferenceRequest, layout: ProjectLayout, documentFolder: string): boolean {
  if (request.syntax !== 'markdown') return true;
  const projectRoot = projectRootOf(layout);
  return siteContentFolders.some((folder) => {
    const content = `${projectRoot}/${folder}`;
    return documentFolder === content || isInsideFolder(documentFolder, content);
  });
}

/** The specifier a component imports an image by: SvelteKit's `$lib/…` for its library folder, else the relative path. */
function componentSpecifier(request: ReferenceRequest, layout: ProjectLayout, documentFolder: string, path: string): string {
  const lib = `${projectRootOf(layout)}/src/lib`;
  if (layout.framework === 'sveltekit' && isInsideFolder(path, lib)) return `$lib/${path.slice(lib.length + 1)}`;
  return relativeFilePath(documentFolder, path);
}

/** What {@link sourcesOf} gathers beside the sources: the imports, and whether one could not be placed. */
interface Gathered {
  imports: ImageImport[];
  cannotImport?: { servedFolder: string };
}

function sourcesOf(request: ReferenceRequest, gathered: Gathered): Source[] {
  const { documentFolder, layout } = request;
  const { imports } = gathered;
  const component = componentImports[request.language ?? ''];
  return request.variants.map((variant) => {
    if (documentFolder === undefined) return { url: variant.path, variant };
    const served = layout !== undefined && isInsideFolder(variant.path, layout.servedFolder) && readsSiteRoot(request, layout, documentFolder);
    const url = served ? rootRelativeUrl(layout.servedFolder, variant.path) : relativePath(documentFolder, variant.path);
    if (served || layout === undefined) return { url, variant };
    const fileName = variant.path.split('/').pop() ?? '';
    const taken = imports.map((item) => item.name);
    if (component !== undefined && request.syntax === 'html') {
      const planned = planComponentImport(request.documentText ?? '', component, componentSpecifier(request, layout, documentFolder, variant.path), fileName, taken);
      if (!planned) {
        gathered.cannotImport = { servedFolder: layout.servedFolder };
        return { url, variant };
      }
      if (!imports.some((item) => item.name === planned.name)) imports.push(planned);
      return component === 'astro' ? { url, variant, expression: `${planned.name}.src`, sized: planned.name } : { url, variant, expression: planned.name };
    }
    if (!layout.imports || (request.syntax !== 'jsx' && request.syntax !== 'script')) return { url, variant };
    const planned = planImport(request.documentText ?? '', relativeFilePath(documentFolder, variant.path), fileName, taken);
    if (!imports.some((item) => item.name === planned.name)) imports.push(planned);
    return { url, variant, expression: layout.imports === 'object' ? `${planned.name}.src` : planned.name };
  });
}

/**
 * The imports as the document receives them: those that bring a new block (a Svelte `<script>`,
 * Astro frontmatter) are made one block, so that several images of one reference share it.
 */
function finalImports(imports: readonly ComponentImport[]): ImageImport[] {
  const added = imports.filter((item) => item.statement !== undefined);
  const block = added.find((item) => item.block)?.block;
  if (!block) return added.map(({ name, statement, line }) => ({ name, statement, line }));
  const statements = added.map((item) => item.statement).join('\n');
  return [{ name: added[0]!.name, statement: `${block[0]}${statements}${block[1]}`, line: 0 }];
}

/** An attribute: `name="value"`, or `name={expression}` for an expression (and in JSX for a number). */
function attribute(markup: Markup, name: string, value: string | number, expression = false): string {
  if ((markup.expressions && expression) || (markup.jsx && typeof value === 'number')) return `${name}={${value}}`;
  return `${name}="${escapeAttribute(String(value), markup)}"`;
}

/** A `srcset`: the variants with a known width, as a template literal when they are expressions. */
function srcset(markup: Markup, sources: readonly Source[]): string | undefined {
  const sized = sources.filter((source) => source.variant.width !== undefined);
  if (sized.length < 2) return undefined;
  const name = markup.jsx ? 'srcSet' : 'srcset';
  if (markup.expressions && sized.some((source) => source.expression)) {
    return `${name}={\`${sized.map((source) => `${source.expression ? `\${${source.expression}}` : source.url.replace(/[`$\\]/g, '\\$&')} ${source.variant.width}w`).join(', ')}\`}`;
  }
  return attribute({ ...markup, jsx: false }, name, sized.map((source) => `${source.url} ${source.variant.width}w`).join(', '));
}

function sizesOf(sources: readonly Source[]): string {
  const widest = Math.max(...sources.map((source) => source.variant.width ?? 0));
  return `sizes="(max-width: ${widest}px) 100vw, ${widest}px"`;
}

/** The `width` and `height` of an `<img>`: the imported image's own (Astro), else the file's when known. */
function sizeAttributes(markup: Markup, first: Source): string {
  if (first.sized) return ` ${attribute(markup, 'width', `${first.sized}.width`, true)} ${attribute(markup, 'height', `${first.sized}.height`, true)}`;
  const { width, height } = first.variant;
  return width !== undefined && height !== undefined ? ` ${attribute(markup, 'width', width)} ${attribute(markup, 'height', height)}` : '';
}

/** `<img …>` (or `<img … />` in JSX and Astro) for these sources of one type, the first the default. */
function imgTag(markup: Markup, sources: readonly Source[], alt: string): Part[] {
  const [first] = sources as [Source, ...Source[]];
  const attributes = [first.expression ? attribute(markup, 'src', first.expression, true) : attribute(markup, 'src', first.url)];
  const set = srcset(markup, sources);
  if (set) attributes.push(set, sizesOf(sources));
  return [`<img ${attributes.join(' ')} alt="`, { placeholder: escapeAttribute(alt, markup) }, `"${sizeAttributes(markup, first)}${markup.selfClose ? ' />' : '>'}`];
}

/** `<img>`, or a `<picture>` with a `<source>` for each further type when the variants are of several types. */
function htmlReference(markup: Markup, sources: readonly Source[], alt: string): Part[] {
  const { jsx, selfClose } = markup;
  const types = [...new Set(sources.map((source) => source.variant.mime ?? ''))];
  if (types.length < 2) return imgTag(markup, sources, alt);
  const fallback = sources.filter((source) => (source.variant.mime ?? '') === types[0]);
  const lines = types.slice(1).map((type) => {
    const ofType = sources.filter((source) => (source.variant.mime ?? '') === type);
    const set = srcset(markup, ofType)?.replace(/^srcSet=|^srcset=/, '');
    const value = set ?? (ofType[0]!.expression ? `{${ofType[0]!.expression}}` : `"${escapeAttribute(ofType[0]!.url, markup)}"`);
    const sizes = set ? ` ${sizesOf(ofType)}` : '';
    return `  <source type="${escapeAttribute(type, markup)}" ${jsx ? 'srcSet' : 'srcset'}=${value}${sizes}${selfClose ? ' />' : '>'}\n`;
  });
  return ['<picture>\n', ...lines, '  ', ...imgTag(markup, fallback, alt), '\n</picture>'];
}

/** How a template language writes elements: Svelte and Astro take `{…}` values (Astro closes void elements), Svelte reads braces in quoted values. */
function templateMarkup(language: string | undefined): Markup {
  return { jsx: false, braces: bracesInAttributes.has(language ?? ''), expressions: language === 'svelte' || language === 'astro', selfClose: language === 'astro' };
}

function partsFor(syntax: ReferenceSyntax, sources: readonly Source[], alt: string, language: string | undefined): Part[] {
  const first = sources[0]!;
  switch (syntax) {
    case 'markdown':
      return ['![', { placeholder: escapeMarkdownText(alt) }, `](${first.url})`];
    case 'html':
      return htmlReference(templateMarkup(language), sources, alt);
    case 'jsx':
      return htmlReference({ jsx: true, braces: false, expressions: true, selfClose: true }, sources, alt);
    case 'css':
      return [`url("${escapeCssString(first.url)}")`];
    case 'script':
      return [first.expression ?? JSON.stringify(first.url)];
    case 'plain':
      return [first.url];
  }
}

/**
 * Builds the reference to an image for a document. Paths are relative to the document, or
 * root-relative for an image in the folder its project serves (in Markdown only when the document
 * is the site's content, see {@link readsSiteRoot}); URLs are encoded, attributes
 * escaped (braces too, for templates that read them, see {@link bracesInAttributes}); JSX in a project whose bundler imports images gets an `import` (reused when the
 * document has it already), and so does a Svelte or Astro component in a known project for an
 * image outside its served folder, in its `<script>` or frontmatter (see {@link componentImports}).
 */
export function buildReference(request: ReferenceRequest): ImageReference {
  if (request.variants.length === 0) throw new Error('buildReference: no image');
  const gathered: Gathered = { imports: [] };
  const sources = sourcesOf(request, gathered);
  // Plain text names the file as a path, not as a URL.
  if (request.syntax === 'plain' && request.documentFolder !== undefined) sources[0] = { ...sources[0]!, url: relativeFilePath(request.documentFolder, request.variants[0]!.path) };
  const parts = partsFor(request.syntax, sources, altText(request.alt), request.language);
  const text = parts.map((part) => (typeof part === 'string' ? part : part.placeholder)).join('');
  const tabstop = request.placeholder ?? 1;
  const snippet = parts.map((part) => (typeof part === 'string' ? escapeSnippet(part) : part.placeholder ? `\${${tabstop}:${escapeSnippet(part.placeholder)}}` : `$${tabstop}`)).join('');
  return { text, snippet, imports: finalImports(gathered.imports), ...(gathered.cannotImport ? { cannotImport: gathered.cannotImport } : {}) };
}
