import { stemFromPrompt } from './naming';
import type { RequestOptions } from './requestOptions';
import { outputFormatFacts, placeholdersOf, snippetPlaceholders, type Recipe, type RecipeOutput, type RecipeSnippet } from './recipes';

/*
 * What a recipe makes when it is run on an image that is already there (Export As…): the file
 * names its patterns give, the prompt placeholders it needs for them, and its snippets filled in
 * with the files actually written. Pure, so that the same rules serve every entry point.
 */

/** `{slot:NAME}` markers and `{word}` placeholders, matched in one pass so that no value is expanded twice. */
const markerPattern = /\{slot:([a-z0-9]+(?:-[a-z0-9]+)*)\}|\{([A-Za-z][A-Za-z0-9]*)\}/g;

/**
 * Fills a pattern's `{word}` placeholders from `values`; a placeholder without a value stays as
 * it is written. Values are inserted as given (see {@link escapeFor}).
 */
export function fillPattern(pattern: string, values: Readonly<Record<string, string>>): string {
  return pattern.replace(markerPattern, (whole, slot: string | undefined, name: string | undefined) => (slot === undefined && name !== undefined && name in values ? values[name]! : whole));
}

/** A value made safe for a snippet's language: HTML or XML attribute text, a JSON string's content, a CSS string's. */
export function escapeFor(language: RecipeSnippet['language'], value: string): string {
  switch (language) {
    case 'html':
    case 'xml':
      return value.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/'/g, '&#39;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
    case 'json':
      return JSON.stringify(value).slice(1, -1);
    case 'css':
      return value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\a ');
    case 'markdown':
      return value.replace(/[\\[\]()<>]/g, (character) => `\\${character}`);
  }
}

/** A page's URL of a file: `publicPath` and the file's path, each segment URL-encoded. */
export function hrefOf(publicPath: string, file: string): string {
  const path = file.split('/').map((segment) => encodeURIComponent(segment)).join('/');
  if (publicPath === '') return path;
  return publicPath.endsWith('/') ? `${publicPath}${path}` : `${publicPath}/${path}`;
}

/**
 * The prompt placeholders a run without a prompt needs: those that the output folder, the files
 * and the snippets use (never the prompt template's own), each once, in the order declared.
 * `{name}`, `{slug}` and the file and snippet placeholders are filled by the run itself.
 */
export function exportPlaceholders(recipe: Recipe): string[] {
  const builtIn = new Set<string>([...snippetPlaceholders, 'slug']);
  const used = new Set<string>();
  const add = (pattern: string): void => placeholdersOf(pattern).forEach((name) => used.add(name));
  add(recipe.output.folder);
  add(recipe.output.naming);
  for (const output of recipe.outputs) {
    add(output.file);
    output.snippets?.forEach((contribution) => add(contribution.text));
  }
  for (const snippet of recipe.snippets) {
    add(snippet.template);
    if (snippet.file) add(snippet.file);
  }
  return Object.keys(recipe.prompt.placeholders).filter((name) => used.has(name) && !builtIn.has(name));
}

/**
 * The placeholders a run that generates its image needs: the prompt template's and those of
 * {@link exportPlaceholders}, each once, in the order declared.
 */
export function generatePlaceholders(recipe: Recipe): string[] {
  const used = new Set([...placeholdersOf(recipe.prompt.template), ...exportPlaceholders(recipe)]);
  return Object.keys(recipe.prompt.placeholders).filter((name) => used.has(name));
}

/**
 * What a generated asset's `{slug}` is made from: the value of the prompt's first placeholder
 * (the subject: "a fox" gives `a-fox`), or the whole prompt when that is empty.
 */
export function assetStem(recipe: Recipe, values: Readonly<Record<string, string>>): string {
  const main = placeholdersOf(recipe.prompt.template)[0];
  const value = main === undefined ? '' : (values[main] ?? '').trim();
  return value || fillPattern(recipe.prompt.template, values);
}

/**
 * The request a recipe makes: its template filled in, its model, and the model options it names
 * (`size`, `quality`, `promptPriority`); always one image, since one image makes the files.
 */
export function recipeRequest(recipe: Recipe, values: Readonly<Record<string, string>>): RequestOptions {
  const options = recipe.model.options;
  const text = (key: string): string | undefined => (options[key] === undefined ? undefined : String(options[key]));
  const size = text('size');
  const quality = text('quality');
  const promptPriority = text('promptPriority') ?? text('prompt_priority');
  return {
    model: recipe.model.id,
    prompt: fillPattern(recipe.prompt.template, values),
    n: 1,
    ...(size !== undefined ? { size } : {}),
    ...(quality !== undefined ? { quality } : {}),
    ...(promptPriority !== undefined ? { promptPriority } : {}),
  };
}

/** The files a run writes, relative to its output folder, before any is renamed to keep an existing one. */
export interface PlannedRun {
  /** The output folder, relative to the workspace folder. */
  folder: string;
  /** The base name `{name}` of the files. */
  name: string;
  /** Each output's file, in the recipe's order. */
  outputs: string[];
  /** Each snippet's file (`undefined` for a snippet that is only shown), in the recipe's order. */
  snippets: (string | undefined)[];
}

/**
 * Where a run writes. The naming pattern's `{slug}` is the source's stem; when the pattern needs
 * a value nobody gave, `{name}` is the source's stem.
 */
export function planRun(recipe: Recipe, values: Readonly<Record<string, string>>, sourceStem: string): PlannedRun {
  const stem = stemFromPrompt(sourceStem);
  const naming = fillPattern(recipe.output.naming, { ...values, slug: stem });
  const name = placeholdersOf(naming).length > 0 ? stem : naming;
  const folder = fillPattern(recipe.output.folder, { ...values, name });
  const outputs = recipe.outputs.map((output) =>
    fillPattern(output.file, { ...values, name, width: String(output.width), height: String(output.height), ext: outputFormatFacts[output.format].extension }),
  );
  const snippets = recipe.snippets.map((snippet) => (snippet.file ? fillPattern(snippet.file, { ...values, name }) : undefined));
  return { folder, name, outputs, snippets };
}

/**
 * The folder a run writes into (a POSIX path), from the recipe's folder (`plan.folder`): inside
 * the workspace folder `workspaceRoot`, except that a folder that starts with `public` means the
 * folder the site serves at its root, which in a known project is that project's (`servedFolder`:
 * `static/` in SvelteKit, `apps/web/public` in a monorepo), so that the tags' root-relative links
 * reach the files. With no known project it stays `public/` of the workspace folder.
 */
export function runFolderPath(folder: string, workspaceRoot: string, servedFolder?: string): string {
  const segments = folder.split('/').filter(Boolean);
  const trim = (path: string): string => path.replace(/\/+$/, '');
  if (segments[0] === 'public' && servedFolder !== undefined) return [trim(servedFolder), ...segments.slice(1)].join('/');
  return [trim(workspaceRoot), ...segments].join('/');
}

/**
 * `{href}`'s start for files in `folderPath`: root-relative from the served folder when the
 * folder lies in it (`/images/`), else `undefined` (the recipe's own `publicPath` is then a guess).
 */
export function servedPublicPath(folderPath: string, servedFolder: string | undefined): string | undefined {
  const served = servedFolder?.replace(/\/+$/, '');
  if (served === undefined || (folderPath !== served && !folderPath.startsWith(`${served}/`))) return undefined;
  return `${folderPath.slice(served.length)}/`;
}

/** Whether a recipe's snippets name `{siteUrl}` (the site's address, for tags that need absolute URLs). */
export function usesSiteUrl(recipe: Recipe): boolean {
  const texts = [...recipe.snippets.map((snippet) => snippet.template), ...recipe.outputs.flatMap((output) => (output.snippets ?? []).map((contribution) => contribution.text))];
  return texts.some((text) => placeholdersOf(text).includes('siteUrl'));
}

/** One file a run wrote: which output, its name relative to the output folder, its pixels. */
export interface WrittenOutput {
  output: RecipeOutput;
  file: string;
  width: number;
  height: number;
}

/** A snippet with the files filled in. */
export interface RenderedSnippet {
  id: string;
  title: string;
  language: RecipeSnippet['language'];
  text: string;
  /** The file it is also written as, relative to the output folder. */
  file?: string;
}

/**
 * Fills each snippet: each `{slot:NAME}` with the contributions of the written outputs to that
 * slot (joined by the slot's separator, a newline unless given), every placeholder with its
 * value escaped for the snippet's language. `{href}` is `publicPath` plus the file; `{siteUrl}` is
 * the value of that name (the site's address, without a trailing slash), empty when not given.
 */
export function renderSnippets(
  recipe: Recipe,
  written: readonly WrittenOutput[],
  values: Readonly<Record<string, string>>,
  publicPath: string,
  snippetFiles: readonly (string | undefined)[] = [],
): RenderedSnippet[] {
  return recipe.snippets.map((snippet, index) => {
    const escape = (raw: Readonly<Record<string, string>>): Record<string, string> =>
      Object.fromEntries(Object.entries(raw).map(([key, value]) => [key, escapeFor(snippet.language, value)]));
    const slots = new Map<string, string[]>();
    for (const file of written) {
      const facts = outputFormatFacts[file.output.format];
      const fileValues = escape({
        // The site's address, when the project states it; empty leaves `{siteUrl}{href}` root-relative.
        siteUrl: '',
        ...values,
        publicPath,
        href: hrefOf(publicPath, file.file),
        mime: facts.mime,
        purpose: file.output.purpose ?? 'any',
        width: String(file.width),
        height: String(file.height),
        file: file.file,
        fileName: file.file.slice(file.file.lastIndexOf('/') + 1),
        ext: facts.extension,
      });
      for (const contribution of file.output.snippets ?? []) {
        if (contribution.snippet !== snippet.id) continue;
        const lines = slots.get(contribution.slot) ?? [];
        lines.push(fillPattern(contribution.text, fileValues));
        slots.set(contribution.slot, lines);
      }
    }
    const templateValues = escape({ siteUrl: '', ...values, publicPath });
    const text = snippet.template.replace(markerPattern, (whole, slot: string | undefined, name: string | undefined) => {
      if (slot !== undefined) return (slots.get(slot) ?? []).join(snippet.separators?.[slot] ?? '\n');
      return name !== undefined && name in templateValues ? templateValues[name]! : whole;
    });
    const file = snippetFiles[index] ?? snippet.file;
    return { id: snippet.id, title: snippet.title, language: snippet.language, text, ...(file ? { file } : {}) };
  });
}

/**
 * Points the snippets at the snippet files as they were written: a snippet file kept under a new
 * name (`site-2.webmanifest`) is named by the other snippets as `publicPath` plus its planned
 * name (`{publicPath}site.webmanifest`); that reference takes the new name.
 */
export function followRenamedFiles(snippets: readonly RenderedSnippet[], publicPath: string, planned: readonly (string | undefined)[], written: readonly (string | undefined)[]): RenderedSnippet[] {
  const renames = planned.flatMap((file, index) => (file !== undefined && written[index] !== undefined && written[index] !== file ? [[file, written[index]] as const] : []));
  if (renames.length === 0) return [...snippets];
  return snippets.map((snippet) => {
    let text = snippet.text;
    for (const [from, to] of renames) {
      const old = escapeFor(snippet.language, hrefOf(publicPath, from));
      text = text.split(old).join(escapeFor(snippet.language, hrefOf(publicPath, to)));
    }
    return { ...snippet, text };
  });
}

/** The snippet to insert into a page: the first one that is not written as a file of its own. */
export function mainSnippet(snippets: readonly RenderedSnippet[]): RenderedSnippet | undefined {
  return snippets.find((snippet) => snippet.file === undefined);
}

/** The languages whose markup is JSX: React components, and MDX, which reads its HTML as JSX. */
const jsxLanguages = new Set(['javascriptreact', 'typescriptreact', 'mdx']);

/**
 * HTML attributes as React spells them (the DOM property names), for those a recipe's tags may
 * carry; `data-*`, `aria-*` and lower-case names React shares with HTML are left as they are.
 */
const reactAttributeNames: Readonly<Record<string, string>> = {
  class: 'className',
  for: 'htmlFor',
  srcset: 'srcSet',
  crossorigin: 'crossOrigin',
  referrerpolicy: 'referrerPolicy',
  fetchpriority: 'fetchPriority',
  imagesrcset: 'imageSrcSet',
  imagesizes: 'imageSizes',
  hreflang: 'hrefLang',
  'http-equiv': 'httpEquiv',
  charset: 'charSet',
  tabindex: 'tabIndex',
  usemap: 'useMap',
  itemprop: 'itemProp',
  accesskey: 'accessKey',
  contenteditable: 'contentEditable',
  spellcheck: 'spellCheck',
  autocomplete: 'autoComplete',
  maxlength: 'maxLength',
  readonly: 'readOnly',
  enctype: 'encType',
  nomodule: 'noModule',
  playsinline: 'playsInline',
  autoplay: 'autoPlay',
  colspan: 'colSpan',
  rowspan: 'rowSpan',
};

/** The elements that have no content and no end tag: JSX wants them closed with `/>`. */
const voidElements = new Set(['area', 'base', 'br', 'col', 'embed', 'hr', 'img', 'input', 'link', 'meta', 'param', 'source', 'track', 'wbr']);

/** A comment, a start tag (its name, its attributes, its `/`) or an end tag. */
const tagPattern = /<!--([\s\S]*?)-->|<([A-Za-z][\w:.-]*)((?:\s+[^\s"'>/=]+(?:\s*=\s*(?:"[^"]*"|'[^']*'|[^\s"'=<>`]+))?)*)\s*(\/?)>|<\/[A-Za-z][\w:.-]*\s*>/g;
const attributePattern = /([^\s"'>/=]+)(?:\s*=\s*("[^"]*"|'[^']*'|[^\s"'=<>`]+))?/g;

function jsxStartTag(name: string, attributes: string): string {
  const converted = attributes.replace(attributePattern, (_whole, attribute: string, value: string | undefined) => {
    const renamed = reactAttributeNames[attribute.toLowerCase()] ?? attribute;
    if (value === undefined) return renamed;
    // JSX takes double- and single-quoted strings; an unquoted HTML value is quoted.
    return `${renamed}=${/^["']/.test(value) ? value : `"${value}"`}`;
  });
  return `<${name}${converted}${voidElements.has(name.toLowerCase()) ? ' />' : '>'}`;
}

/** Text between tags as JSX reads it literally: a brace would start an expression. */
const jsxText = (text: string): string => text.replace(/[{}]/g, (brace) => `{'${brace}'}`);

/**
 * HTML tags written the way JSX wants them (`class` → `className`, `srcset` → `srcSet`, void
 * elements closed with `/>`, comments as `{/* … *\/}`), so that tags inserted into a React
 * component or an MDX page compile and type-check.
 */
export function htmlToJsx(html: string): string {
  let result = '';
  let last = 0;
  for (const match of html.matchAll(tagPattern)) {
    result += jsxText(html.slice(last, match.index));
    const [whole, comment, name, attributes, selfClosing] = match;
    if (comment !== undefined) result += `{/*${comment.replace(/\*\//g, '* /')}*/}`;
    else if (name !== undefined) result += selfClosing ? jsxStartTag(name, attributes ?? '').replace(/ ?\/?>$/, ' />') : jsxStartTag(name, attributes ?? '');
    else result += whole;
    last = match.index + whole.length;
  }
  return result + jsxText(html.slice(last));
}

/**
 * A snippet's text as it goes into a document of this language (a VS Code language id): HTML
 * snippets become JSX in React and MDX files; every other language takes them as written (Vue,
 * Svelte and Astro templates read HTML).
 */
export function snippetTextFor(snippet: Pick<RenderedSnippet, 'language' | 'text'>, languageId: string): string {
  return snippet.language === 'html' && jsxLanguages.has(languageId) ? htmlToJsx(snippet.text) : snippet.text;
}
