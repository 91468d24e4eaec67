import * as vscode from 'vscode';
import { isAnimated } from '../../common/animation';
import { decodableFormats, readImageSize, sniffImageFormat } from '../../common/imageType';
import { plannedFiles, summaryLines, type SummaryWords } from '../../common/fileSummary';
import { uniqueName } from '../../common/naming';
import { followRenamedFiles, hrefOf, planRun, renderSnippets, runFolderPath, servedPublicPath, usesSiteUrl, type PlannedRun, type RenderedSnippet, type WrittenOutput } from '../../common/recipeRender';
import { isRelativePath, placeholdersOf, type Recipe, type RecipeOutput } from '../../common/recipes';
import { exists, fileName, writeWhole } from '../base/disk';
import { fileErrorCode } from '../tasks/taskWork';
import type { Notifier } from '../ui/notifier';
import { displayPath, withoutPaths } from '../ui/paths';
import { insideWorkspace } from '../ui/workspaceFiles';
import { projectLayoutOf } from '../ui/projectLayout';
import { projectRootOf, siteUrlOf } from '../../common/projectLayout';
import { AssetWorkStalled, type AssetWorker } from './assetWorker';
import { isCmykJpeg } from './jpegColour';
import { outputSpecOf } from './outputs';
import { thrownText } from './workerProtocol';

/** What to do when a file the recipe writes is already there. */
export type ExistingChoice = 'replace' | 'keepBoth' | 'cancel';

/** One file a run wrote. */
export interface RecipeRunFile {
  uri: vscode.Uri;
  /** Its size in bytes. */
  size: number;
  /** The output format, or `undefined` for a snippet file. */
  format: RecipeOutput['format'] | undefined;
  width?: number;
  height?: number;
}

/** What a run did: the files written (outputs first, then snippet files) and the snippets filled in. */
export interface RecipeRun {
  folder: vscode.Uri;
  files: RecipeRunFile[];
  snippets: RenderedSnippet[];
  /** The files that were there before, workspace-relative, and what was done about them. */
  existing: string[];
  choice: ExistingChoice | undefined;
  /** Sentences for the user beside the files (where the tags' paths are a guess, what to make absolute). */
  notes: string[];
}

/** A fault the user can act on, with a sentence that says what happened and what to do. */
export class RecipeRunFault extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RecipeRunFault';
  }
}

/** What a run needs from the window. */
export interface RecipeRunDeps {
  worker: AssetWorker;
  notifier: Notifier;
}

/** Answers given in advance (automation, tests); each is asked for when left out. */
export interface RecipeRunOptions {
  onExisting?: ExistingChoice;
  /** What `{slug}` is made from; the source's name unless given (Generate Asset… gives the subject). */
  stem?: string;
  /** The recipe's name as the user reads it (a built-in's translated, see `recipeText`); its own unless given. */
  name?: string;
}

/** The largest source an export decodes, in pixels. */
const maxSourcePixels = 100_000_000;

/** What Export As tells of a source before it runs: its size, and whether it is an animation (of which its first frame is read). */
export interface SourceFacts {
  width: number;
  height: number;
  animated: boolean;
}

/** The source's size, and whether it is animated, from its bytes; a fault names the file when it cannot be used. */
export function inspectSource(source: vscode.Uri, bytes: Uint8Array): SourceFacts {
  const format = sniffImageFormat(bytes);
  const size = readImageSize(bytes);
  if (!format || !decodableFormats.includes(format) || !size) {
    throw new RecipeRunFault(vscode.l10n.t('{0} is not a PNG, JPEG, WebP, BMP or TIFF image that can be read. Export from a file in one of those formats, or convert this one first.', displayPath(source)));
  }
  // MozJPEG reads no print colours; a sentence now, before any question, rather than a failed decode after them.
  if (format === 'jpeg' && isCmykJpeg(bytes)) {
    throw new RecipeRunFault(vscode.l10n.t('{0} is a CMYK JPEG (saved for print), which cannot be read. Save it as an RGB JPEG or a PNG, then export again.', displayPath(source)));
  }
  // Decoded whole in memory (4 bytes a pixel, and the copies resizing makes): past this, the window's memory runs out first.
  if (size.width * size.height > maxSourcePixels) {
    throw new RecipeRunFault(vscode.l10n.t('{0} is {1}x{2} pixels; the extension exports from images of at most {3} megapixels. Scale it down first, then export again.', displayPath(source), size.width, size.height, maxSourcePixels / 1e6));
  }
  return { ...size, animated: isAnimated(bytes) };
}

/**
 * The folder a run writes into, in the source's workspace folder. A value filled into the
 * recipe's folder or file names (typed, or a preset's default) is held to the rule of its
 * patterns: nothing is written outside that folder. A folder that starts with `public` means
 * the folder the site serves at its root: in a project that serves another (`static/` in
 * SvelteKit, Gatsby or Nuxt 2) or lies in a subfolder (`apps/web/` of a monorepo), it is that
 * project's, so that the tags' root-relative links reach the files.
 */
export async function runFolder(source: vscode.Uri, plan: PlannedRun): Promise<vscode.Uri> {
  const root = vscode.workspace.getWorkspaceFolder(source);
  if (!root) throw new RecipeRunFault(vscode.l10n.t('{0} is not in an open workspace folder. Open its folder first, then export it.', displayPath(source)));
  const outside = [...(plan.folder === '' ? [] : [plan.folder]), ...plannedFiles(plan)].find((path) => !isRelativePath(path));
  if (outside !== undefined) {
    throw new RecipeRunFault(vscode.l10n.t('The recipe would write "{0}", which leaves its folder: a value filled into a file or folder name may not contain "..", a backslash, a drive or a leading slash. Change the value, then run it again.', outside));
  }
  const served = plan.folder.split('/').find(Boolean) === 'public' ? (await projectLayoutOf(source))?.servedFolder : undefined;
  return root.uri.with({ path: runFolderPath(plan.folder, root.uri.path, served) });
}

/** How the tags name the run's files: `{href}`'s start, whether the folder is a known served one, and the site's address if stated. */
interface RunSite {
  publicPath: string;
  served: boolean;
  siteUrl: string | undefined;
}

/**
 * `{href}`'s start: root-relative from the served folder (`public/`, `static/`) when the output
 * folder lies in it, else the recipe's own. The site's address is read (only for a recipe whose
 * tags need it) from `homepage` in the project's package.json, or the workspace folder's.
 */
async function siteOf(recipe: Recipe, folder: vscode.Uri): Promise<RunSite> {
  const layout = await projectLayoutOf(vscode.Uri.joinPath(folder, 'file'));
  const fromServed = servedPublicPath(folder.path, layout?.servedFolder);
  let siteUrl: string | undefined;
  const root = layout ? folder.with({ path: projectRootOf(layout) }) : vscode.workspace.getWorkspaceFolder(folder)?.uri;
  if (usesSiteUrl(recipe) && root) {
    const text = await vscode.workspace.fs.readFile(vscode.Uri.joinPath(root, 'package.json')).then((bytes) => new TextDecoder().decode(bytes), () => '');
    siteUrl = siteUrlOf(text);
  }
  return { publicPath: fromServed ?? recipe.output.publicPath, served: fromServed !== undefined, siteUrl };
}

/** What the user is told beside the files: where the tags' paths are a guess, and what to make absolute. */
function runNotes(recipe: Recipe, plan: PlannedRun, site: RunSite, folder: vscode.Uri, firstFile: string | undefined): string[] {
  const notes: string[] = [];
  const segments = plan.folder.split('/').filter(Boolean);
  if (segments[0] === 'public' && !site.served) {
    const served = vscode.Uri.joinPath(folder, ...segments.slice(1).map(() => '..'));
    notes.push(vscode.l10n.t('No web framework was found in package.json, so the tags take {0}/ as the folder the site serves at its root; if it serves another, move the files there.', displayPath(served)));
  }
  if (usesSiteUrl(recipe) && !site.siteUrl && firstFile !== undefined) {
    const href = hrefOf(site.publicPath, firstFile);
    notes.push(vscode.l10n.t('Crawlers need absolute URLs: in the tags, replace {0} with your site\'s address, e.g. https://your-site{0}, or set "homepage" in package.json to that address and export again.', href));
  }
  return notes;
}

/** Renames each taken target to the first free name of its folder (`favicon-2.ico`). */
async function keepBothNames(folder: vscode.Uri, files: string[], taken: ReadonlySet<string>): Promise<string[]> {
  const byFolder = new Map<string, Set<string>>();
  const namesIn = async (directory: string): Promise<Set<string>> => {
    let names = byFolder.get(directory);
    if (!names) {
      const entries = await vscode.workspace.fs.readDirectory(vscode.Uri.joinPath(folder, directory)).then(undefined, () => [] as [string, vscode.FileType][]);
      names = new Set(entries.map(([name]) => name));
      byFolder.set(directory, names);
    }
    return names;
  };
  const renamed: string[] = [];
  for (const file of files) {
    const slash = file.lastIndexOf('/');
    const directory = slash < 0 ? '' : file.slice(0, slash);
    const names = await namesIn(directory);
    let name = file.slice(slash + 1);
    if (taken.has(file)) {
      const dot = name.indexOf('.');
      // A name without an extension (`CNAME`, `.htaccess`) is numbered as a whole: `CNAME-2`.
      name = dot > 0 ? uniqueName(name.slice(0, dot), name.slice(dot + 1), names) : uniqueName(name, '', new Set([...names].map((taken) => `${taken}.`))).replace(/\.$/, '');
    }
    names.add(name);
    renamed.push(directory ? `${directory}/${name}` : name);
  }
  return renamed;
}

/**
 * Keep Both for a recipe whose folder is its run's own (`icons/{name}`): the next folder that is
 * not there yet (`icons/logo-2/`), where every file keeps its name, as the platforms need (Xcode
 * reads only `Contents.json`, Android refuses a `-` in a resource's name). `undefined` for a
 * recipe whose runs share a folder: its files take new names instead.
 */
async function nextFreeFolder(source: vscode.Uri, recipe: Recipe, values: Readonly<Record<string, string>>, plan: PlannedRun): Promise<{ plan: PlannedRun; folder: vscode.Uri; targets: string[] } | undefined> {
  if (!placeholdersOf(recipe.output.folder).includes('name')) return undefined;
  for (let count = 2; count < 100; count++) {
    const next = planRun(recipe, values, `${plan.name}-${count}`);
    if (next.folder === plan.folder) return undefined;
    const folder = await runFolder(source, next);
    if (await exists(folder)) continue;
    const targets = plannedFiles(next);
    await checkInside(folder, targets);
    return { plan: next, folder, targets };
  }
  return undefined;
}

/** Refuses a run whose files a symbolic link on the way (a cloned repository's `public -> ../..`) would lead out of the workspace. */
async function checkInside(folder: vscode.Uri, targets: readonly string[]): Promise<void> {
  for (const file of targets) {
    const target = vscode.Uri.joinPath(folder, file);
    if (!(await insideWorkspace(target))) throw new RecipeRunFault(vscode.l10n.t('{0} leads outside the workspace folder through a symbolic link, so nothing was written. Export into another folder.', displayPath(target)));
  }
}

/** The words of a summary of files, in the user's language. */
export function summaryWords(): SummaryWords {
  return { more: (count) => vscode.l10n.t('and {0} more', count), files: (count) => vscode.l10n.t('{0} files', count) };
}

/** Asks once, in a modal, what to do with the files that are already there. */
async function askExisting(notifier: Notifier, existing: readonly string[]): Promise<ExistingChoice> {
  const replace = vscode.l10n.t('Replace');
  const keepBoth = vscode.l10n.t('Keep Both');
  const shown = summaryLines(existing, 8, summaryWords()).join('\n');
  const answer = await notifier.ask('warning', existing.length === 1 ? vscode.l10n.t('1 file of this export already exists. Replace it?') : vscode.l10n.t('{0} files of this export already exist. Replace them?', existing.length), shown, [replace, keepBoth]);
  return answer === replace ? 'replace' : answer === keepBoth ? 'keepBoth' : 'cancel';
}

/** Writes a file whole (see {@link writeWhole}), saying in the user's words why it could not be. */
async function writeFile(target: vscode.Uri, bytes: Uint8Array, overwrite: boolean): Promise<void> {
  try {
    await writeWhole(target, bytes, overwrite);
  } catch (error) {
    const path = displayPath(target);
    const code = fileErrorCode(error);
    throw new RecipeRunFault(
      code === 'diskFull'
        ? vscode.l10n.t('{0} could not be written: the disk is full. Free some space, then export again.', path)
        : code === 'readOnly'
          ? vscode.l10n.t('{0} could not be written: the folder is read-only. Choose a recipe with another output folder, or make the folder writable.', path)
          : !overwrite && (await exists(target))
            ? vscode.l10n.t('{0} appeared while exporting and was kept. Export again to choose what to do with it.', path)
            : vscode.l10n.t('{0} could not be written. See the output for details, then export again.', path),
    );
  }
}

/** What the user is told when the worker could not make the files of `source`. */
function workFault(error: unknown, source: vscode.Uri): RecipeRunFault {
  if (error instanceof AssetWorkStalled) {
    return new RecipeRunFault(vscode.l10n.t('Making the files from {0} gave no answer for {1} minutes and was stopped. The image may be damaged: open it to check that it is a whole image, then export again.', displayPath(source), Math.round(error.afterMs / 60_000)));
  }
  // The worker's text may name files of this machine (a codec it could not load): those stay in the log.
  const said = thrownText(error);
  return new RecipeRunFault(vscode.l10n.t('{0} could not be decoded ({1}). Open it to check that it is a whole image, then export again.', displayPath(source), withoutPaths(said)));
}

/**
 * Runs a recipe on an image of the workspace, with no model call: decodes the source once in
 * the asset worker, writes every output and snippet file into the recipe's output folder (in
 * the source's workspace folder), and fills the snippets with the names written. Nothing is
 * overwritten without asking: when a target exists, one modal asks Replace / Keep Both (new
 * names, which the snippets then use; for a recipe whose runs each have a folder of their own,
 * the next free folder) / Cancel. Answers `undefined` when the user cancels.
 * Throws {@link RecipeRunFault} with a sentence for the user when a file cannot be read or written.
 */
export async function runRecipe(
  deps: RecipeRunDeps,
  source: vscode.Uri,
  recipe: Recipe,
  values: Readonly<Record<string, string>>,
  token: vscode.CancellationToken,
  options: RecipeRunOptions = {},
): Promise<RecipeRun | undefined> {
  const stem = options.stem ?? fileName(source).replace(/\.[^.]*$/, '');
  let plan = planRun(recipe, values, stem);
  let folder = await runFolder(source, plan);
  let targets = plannedFiles(plan);
  await checkInside(folder, targets);
  // The source itself is never replaced (an Open Graph card of og/hero.jpg made as og/hero.jpg): its output takes the next free name, unasked.
  const own = targets.filter((file) => vscode.Uri.joinPath(folder, file).toString().toLowerCase() === source.toString().toLowerCase());
  const taken = new Set<string>();
  for (const file of targets) if (!own.includes(file) && (await exists(vscode.Uri.joinPath(folder, file)))) taken.add(file);
  const existing = [...taken].map((file) => displayPath(vscode.Uri.joinPath(folder, file)));
  const choice = taken.size > 0 ? (options.onExisting ?? (await askExisting(deps.notifier, existing))) : undefined;
  if (choice === 'cancel' || token.isCancellationRequested) return undefined;
  const fresh = choice === 'keepBoth' ? await nextFreeFolder(source, recipe, values, plan) : undefined;
  if (fresh) ({ plan, folder, targets } = fresh);
  const renamed = fresh ? new Set<string>() : new Set([...own, ...(choice === 'keepBoth' ? taken : [])]);
  const names = renamed.size > 0 ? await keepBothNames(folder, targets, renamed) : targets;
  // Replace overwrites the files the question named, and no other: one that appears meanwhile is kept.
  const overwrite = (file: string): boolean => choice === 'replace' && taken.has(file);

  return vscode.window.withProgress(
    { location: vscode.ProgressLocation.Notification, title: vscode.l10n.t('Exporting {0}', options.name ?? recipe.name), cancellable: true },
    async (progress, progressToken) => {
      const cancelled = (): boolean => token.isCancellationRequested || progressToken.isCancellationRequested;
      let bytes: Uint8Array;
      try {
        bytes = await vscode.workspace.fs.readFile(source);
      } catch {
        throw new RecipeRunFault(vscode.l10n.t('{0} cannot be read. Check that it still exists, then export again.', displayPath(source)));
      }
      inspectSource(source, bytes);
      progress.report({ message: recipe.outputs.length === 1 ? vscode.l10n.t('Making 1 file…') : vscode.l10n.t('Making {0} files…', recipe.outputs.length) });
      // Cancel stops the work under way (a large AVIF takes seconds), not only what follows it.
      const stop = new AbortController();
      const listening = [token, progressToken].map((each) => each.onCancellationRequested(() => stop.abort()));
      if (cancelled()) stop.abort();
      let made: Awaited<ReturnType<AssetWorker['run']>>;
      try {
        made = await deps.worker.run(bytes, recipe.outputs.map(outputSpecOf), undefined, stop.signal);
      } catch (error) {
        if (cancelled()) return undefined;
        throw workFault(error, source);
      } finally {
        for (const listener of listening) listener.dispose();
      }
      if (cancelled()) return undefined;
      const files: RecipeRunFile[] = [];
      const written: WrittenOutput[] = [];
      for (const [index, output] of recipe.outputs.entries()) {
        if (cancelled()) break;
        const result = made[index]!;
        const uri = vscode.Uri.joinPath(folder, names[index]!);
        await writeFile(uri, result.bytes, overwrite(names[index]!));
        files.push({ uri, size: result.bytes.length, format: output.format, width: result.width, height: result.height });
        written.push({ output, file: names[index]!, width: result.width, height: result.height });
      }
      if (cancelled()) {
        // Stopped halfway: what was written stays, and is named.
        if (files.length > 0) deps.notifier.show('info', vscode.l10n.t('Export stopped: {0} of {1} files were written to {2}.', files.length, targets.length, displayPath(folder)));
        return undefined;
      }
      const snippetNames = plan.snippets.map((file, index) => (file === undefined ? undefined : names[plan.outputs.length + plan.snippets.slice(0, index).filter((other) => other !== undefined).length]));
      const site = await siteOf(recipe, folder);
      const { publicPath } = site;
      const snippets = followRenamedFiles(renderSnippets(recipe, written, { ...values, siteUrl: site.siteUrl ?? '' }, publicPath, snippetNames), publicPath, plan.snippets, snippetNames);
      for (const snippet of snippets) {
        if (!snippet.file) continue;
        const uri = vscode.Uri.joinPath(folder, snippet.file);
        const text = new TextEncoder().encode(snippet.text);
        await writeFile(uri, text, overwrite(snippet.file));
        files.push({ uri, size: text.length, format: undefined });
      }
      return { folder, files, snippets, existing, choice, notes: runNotes(recipe, plan, site, folder, names[0]) };
    },
  );
}

/** The largest output's pixels, to warn before a small source is scaled up. */
export function largestOutput(recipe: Recipe): { width: number; height: number } {
  return recipe.outputs.reduce((largest, output) => (output.width * output.height > largest.width * largest.height ? { width: output.width, height: output.height } : largest), { width: 0, height: 0 });
}

