import * as z from 'zod/mini';
import { maskableMinimumPadding } from './imageGeometry';

/*
 * The recipe format: one prompt, one model call, and the files made from its result (resized,
 * converted, packed into an ICO), with the snippets of HTML, JSON, CSS or XML that use them. Recipes
 * are data: the built-in ones (`builtinRecipes.ts`) and a workspace's own use this one schema,
 * and `media/schemas/recipe.schema.json` is generated from it
 * (`npx tsx scripts/recipe-schema.mjs`; a unit test checks that it is current).
 *
 * Patterns use `{name}` placeholders. A prompt template's placeholders are declared in
 * `prompt.placeholders`; file patterns also know `{name}` (the output's base name, from
 * `output.naming`), `{width}`, `{height}` and `{ext}`; snippet lines also know `{href}` (the
 * file's public URL), `{mime}`, `{purpose}`, `{file}` (its path in the output folder) and
 * `{fileName}` (its name alone, as a manifest beside it names it), and `{siteUrl}` (the site's address as
 * the project states it, e.g. `https://example.com`, or empty: `{siteUrl}{href}` is then root-relative).
 */

/** `{word}` placeholders in a pattern. */
export const placeholderPattern = /\{([A-Za-z][A-Za-z0-9]*)\}/g;

/** The placeholders a pattern uses, each once, in order. */
export function placeholdersOf(pattern: string): string[] {
  return [...new Set([...pattern.matchAll(placeholderPattern)].map((match) => match[1]!))];
}

/** The placeholders every file pattern may use besides the prompt's. */
export const filePlaceholders = ['name', 'width', 'height', 'ext'] as const;

/** The placeholders every snippet line may use besides the prompt's and the file's. */
export const snippetPlaceholders = [...filePlaceholders, 'href', 'mime', 'purpose', 'file', 'fileName', 'publicPath', 'siteUrl'] as const;

const text = (max: number, description: string) => z.string().check(z.minLength(1), z.maxLength(max), z.describe(description));
const id = (description: string) => z.string().check(z.regex(/^[a-z0-9]+(?:-[a-z0-9]+)*$/), z.maxLength(64), z.describe(description));
const pixels = (description: string) => z.int().check(z.minimum(1), z.maximum(8192), z.describe(description));

/** A relative path: forward slashes, no `..`, no drive or leading slash. */
const relativePath = /^(?![/\\])(?![A-Za-z]:)(?!.*(?:^|\/)\.\.(?:\/|$))[^\\:*?"<>|]+$/;

/** Whether a path stays inside the folder it is relative to (the rule of a recipe's patterns, also once filled in). */
export const isRelativePath = (path: string): boolean => relativePath.test(path);

/** A relative path pattern: forward slashes, no `..`, no drive or leading slash. */
const relativePattern = (description: string) => z.string().check(z.minLength(1), z.maxLength(200), z.regex(relativePath), z.describe(description));

/** A prompt placeholder the user fills in before the request is sent. */
export const placeholderSchema = z.object({
  label: text(80, 'What the person is asked for.'),
  default: z.optional(z.string().check(z.maxLength(400), z.describe('The value offered first.'))),
  multiline: z.optional(z.boolean().check(z.describe('Whether the value may span lines.'))),
});

/** What one output adds to a snippet: one line (or a few) in one of its slots. */
export const contributionSchema = z.object({
  snippet: id('The snippet this output adds to.'),
  slot: z._default(id('The slot of the snippet (a `{slot:NAME}` marker in its template).'), 'items'),
  text: text(1000, 'What is added, with placeholders such as {href}, {width}, {height}, {mime}.'),
});

export const outputFormats = ['png', 'jpeg', 'webp', 'avif', 'ico'] as const;
export const fits = ['cover', 'contain', 'fill'] as const;
export const purposes = ['any', 'maskable', 'monochrome'] as const;

/** One file made from the generated image. */
export const recipeOutputSchema = z.object({
  file: relativePattern('The file name, relative to the output folder; may use {name}, {width}, {height}, {ext}.'),
  width: pixels('Width in pixels (for an ICO: its largest size).'),
  height: pixels('Height in pixels (for an ICO: its largest size).'),
  fit: z._default(z.enum(fits).check(z.describe('cover: fill and crop around the focal point; contain: show all, pad; fill: stretch.')), 'cover'),
  focal: z.optional(
    z.object({ x: z.number().check(z.minimum(0), z.maximum(1)), y: z.number().check(z.minimum(0), z.maximum(1)) }).check(
      z.describe('The point a cover crop keeps in view, as fractions of width and height; the centre unless given.'),
    ),
  ),
  format: z.enum(outputFormats).check(z.describe('The file format.')),
  quality: z.optional(z.int().check(z.minimum(1), z.maximum(100), z.describe('JPEG, WebP or AVIF quality, 1-100.'))),
  lossless: z.optional(z.boolean().check(z.describe('WebP only: every pixel kept, as Android keeps launcher icons (PNG and ICO always are lossless).'))),
  sizes: z.optional(
    z.array(z.int().check(z.minimum(16), z.maximum(256))).check(z.minLength(1), z.maxLength(8), z.describe('ICO only: the square sizes it holds, e.g. [48, 32, 16].')),
  ),
  purpose: z.optional(z.enum(purposes).check(z.describe('The purpose of this icon in a web app manifest; maskable icons (also the foreground of an Android adaptive icon) are cut by the platform\'s mask: they need padding of at least 0.1, which continues the source\'s edge unless a background is named.'))),
  padding: z.optional(z.number().check(z.minimum(0), z.maximum(0.45), z.describe('Fraction of each side left to the background.'))),
  background: z.optional(z.string().check(z.regex(/^#(?:[0-9a-fA-F]{3,4}|[0-9a-fA-F]{6}|[0-9a-fA-F]{8})$/), z.describe('Hex colour behind the image; an opaque one removes transparency.'))),
  mask: z.optional(z.enum(['circle']).check(z.describe('circle: cut to the circle inscribed in the output, transparent outside (the background where an opaque one is named); a round launcher icon.'))),
  tile: z.optional(z.int().check(z.minimum(2), z.maximum(4), z.describe('Shows the image this many times across and down (a texture preview).'))),
  snippets: z.optional(z.array(contributionSchema).check(z.maxLength(8), z.describe('What this output adds to the recipe\'s snippets.'))),
});

/** A piece of HTML, JSON, CSS, Markdown or XML that uses the outputs, offered to copy or written as a file. */
export const snippetSchema = z.object({
  id: id('How outputs name this snippet.'),
  title: text(80, 'Shown above the snippet.'),
  language: z.enum(['html', 'json', 'css', 'markdown', 'xml']).check(z.describe('For highlighting, and how values are escaped.')),
  file: z.optional(relativePattern('Also written as this file in the output folder, e.g. site.webmanifest.')),
  template: text(8000, 'The snippet, with {slot:NAME} markers where outputs add their lines, and placeholders.'),
  separators: z.optional(z.record(z.string(), z.string().check(z.maxLength(20))).check(z.describe('Between the lines of a slot, by slot name; a newline unless given.'))),
});

const recipeShape = z.object({
  $schema: z.optional(z.string()),
  id: id('Stable identifier, lower-case words joined by hyphens.'),
  name: text(80, 'Shown in pickers.'),
  description: z.optional(z.string().check(z.maxLength(400))),
  prompt: z.object({
    template: text(4000, 'The prompt, with {placeholders} declared below.'),
    placeholders: z._default(z.record(z.string().check(z.regex(/^[A-Za-z][A-Za-z0-9]*$/)), placeholderSchema), {}),
  }),
  model: z.object({
    id: text(100, 'The model, as the model table names it.'),
    options: z._default(z.record(z.string(), z.union([z.string(), z.number(), z.boolean()])).check(z.describe('Request options such as size, n, quality.')), {}),
  }),
  output: z.object({
    folder: relativePattern('Workspace-relative folder for the files; may use placeholders.'),
    naming: relativePattern('The base name {name} of the files; may use the prompt\'s placeholders and {slug} (from the prompt).'),
    publicPath: z._default(z.string().check(z.maxLength(200), z.describe('How a page refers to the folder: {href} is this plus the file.')), '/'),
  }),
  outputs: z.array(recipeOutputSchema).check(z.minLength(1), z.maxLength(64)),
  snippets: z._default(z.array(snippetSchema).check(z.maxLength(8)), []),
});

/** The file extension and MIME type of each output format. */
export const outputFormatFacts: Record<z.output<typeof recipeOutputSchema>['format'], { extension: string; mime: string }> = {
  png: { extension: 'png', mime: 'image/png' },
  jpeg: { extension: 'jpg', mime: 'image/jpeg' },
  webp: { extension: 'webp', mime: 'image/webp' },
  avif: { extension: 'avif', mime: 'image/avif' },
  ico: { extension: 'ico', mime: 'image/x-icon' },
};

/** The extensions a file of a format may end in (lower case). */
const fileExtensions = (format: z.output<typeof recipeOutputSchema>['format']): string[] => (format === 'jpeg' ? ['jpg', 'jpeg'] : [outputFormatFacts[format].extension]);

/** An output's file name as a run fills it (its size and extension; the prompt's values stay patterns), in the case a file system may ignore. */
function filledFile(output: z.output<typeof recipeOutputSchema>): string {
  return output.file.replace(/\{width\}/g, String(output.width)).replace(/\{height\}/g, String(output.height)).replace(/\{ext\}/g, outputFormatFacts[output.format].extension).toLowerCase();
}

/** A recipe, with the checks that span fields. */
export const recipeSchema = recipeShape.check(z.superRefine((recipe, context) => {
  const issue = (path: (string | number)[], message: string, kind: RecipeProblemKind, value = ''): void => {
    context.issues.push({ code: 'custom', path, message, input: recipe, params: { kind, value } });
  };
  const declared = new Set(Object.keys(recipe.prompt.placeholders));
  for (const name of placeholdersOf(recipe.prompt.template)) {
    if (!declared.has(name)) issue(['prompt', 'template'], `The placeholder {${name}} is not declared in prompt.placeholders.`, 'undeclaredPlaceholder', name);
  }
  const snippetIds = new Set(recipe.snippets.map((snippet) => snippet.id));
  const files = new Set<string>();
  recipe.outputs.forEach((output, index) => {
    const at = (...path: (string | number)[]): (string | number)[] => ['outputs', index, ...path];
    // Compared as filled in: `icon-{width}.png` at 192 and at 512 are two files, `a-{width}.png` at 32 and `A-32.png` one.
    const file = filledFile(output);
    if (files.has(file)) issue(at('file'), `Another output already writes ${output.file}.`, 'duplicateFile', output.file);
    files.add(file);
    const extension = /\.([^./]*)$/.exec(file)?.[1];
    // Filled in already: {ext}, {width} and {height}. A placeholder left in the extension is a value a run fills in, which may be anything.
    if (extension === undefined || !fileExtensions(output.format).includes(extension)) {
      issue(at('file'), `The file name does not end in the extension of its format: .${outputFormatFacts[output.format].extension}, or {ext}.`, 'formatExtension', outputFormatFacts[output.format].extension);
    }
    if (output.format === 'ico' && !output.sizes) issue(at('sizes'), 'An ICO output lists its sizes, e.g. [48, 32, 16].', 'icoSizesMissing');
    if (output.format !== 'ico' && output.sizes) issue(at('sizes'), 'Only an ICO output has sizes.', 'sizesNotIco');
    if (output.quality !== undefined && (output.format === 'png' || output.format === 'ico')) issue(at('quality'), 'PNG and ICO outputs are lossless: no quality.', 'losslessQuality');
    if (output.lossless && (output.format !== 'webp' || output.quality !== undefined)) issue(at('lossless'), 'Only a WebP output is made lossless (PNG and ICO always are), and then it has no quality.', 'losslessWebp');
    if (output.purpose === 'maskable' && (output.padding ?? 0) < maskableMinimumPadding) {
      issue(at('padding'), `A maskable icon keeps its subject in the central 80%: padding of at least ${maskableMinimumPadding}.`, 'maskablePadding', String(maskableMinimumPadding));
    }
    output.snippets?.forEach((contribution, place) => {
      if (!snippetIds.has(contribution.snippet)) issue(at('snippets', place, 'snippet'), `No snippet has the id ${contribution.snippet}.`, 'unknownSnippet', contribution.snippet);
    });
  });
  recipe.snippets.forEach((snippet, index) => {
    if (!snippet.file) return;
    if (files.has(snippet.file.toLowerCase())) issue(['snippets', index, 'file'], `Another output already writes ${snippet.file}.`, 'duplicateFile', snippet.file);
    files.add(snippet.file.toLowerCase());
  });
}));

/** A recipe as written (defaults may be left out). */
export type RecipeInput = z.input<typeof recipeSchema>;
/** A checked recipe, defaults filled in. */
export type Recipe = z.output<typeof recipeSchema>;
export type RecipeOutput = Recipe['outputs'][number];
export type RecipeSnippet = Recipe['snippets'][number];

/**
 * The problems the recipe format names itself (the others are the schema's own, in zod's words):
 * the extension says each in the user's language, with its `value`.
 */
export type RecipeProblemKind = 'undeclaredPlaceholder' | 'duplicateFile' | 'icoSizesMissing' | 'sizesNotIco' | 'losslessQuality' | 'losslessWebp' | 'maskablePadding' | 'unknownSnippet' | 'formatExtension' | 'invalidJson' | 'emptyFile';

/** One problem of a recipe: where (a dotted path such as `outputs.2.sizes`) and what (in English; `kind` and `value` for the user's language). */
export interface RecipeProblem {
  path: string;
  message: string;
  kind?: RecipeProblemKind;
  value?: string;
}

/** The kind and value a custom issue of the recipe format carries. */
function kindOf(issue: z.core.$ZodIssue): Pick<RecipeProblem, 'kind' | 'value'> {
  const params = issue.code === 'custom' ? (issue.params as { kind?: RecipeProblemKind; value?: string } | undefined) : undefined;
  return params?.kind ? { kind: params.kind, value: params.value ?? '' } : {};
}

/** Checks a recipe; the problems name the path of each failing field. */
export function parseRecipe(value: unknown): { recipe: Recipe; problems: [] } | { recipe: undefined; problems: RecipeProblem[] } {
  const result = recipeSchema.safeParse(value);
  if (result.success) return { recipe: result.data, problems: [] };
  return {
    recipe: undefined,
    problems: result.error.issues.map((issue) => ({ path: issue.path.map(String).join('.'), message: issue.message, ...kindOf(issue) })),
  };
}
