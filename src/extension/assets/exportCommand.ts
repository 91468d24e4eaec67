import * as vscode from 'vscode';
import { exportPlaceholders, mainSnippet, planRun, type RenderedSnippet } from '../../common/recipeRender';
import type { Recipe } from '../../common/recipes';
import type { AppContext } from '../context';
import { imagesFrom, pickImages } from '../edit/editCommand';
import { fileName } from '../tasks/writer';
import { displayPath } from '../ui/paths';
import { AssetWorker } from './assetWorker';
import { problemSentence, RecipeCatalog, type CatalogEntry } from './recipeCatalog';
import { inspectSource, largestOutput, RecipeRunFault, runFolder, runRecipe, type ExistingChoice, type RecipeRun, type RecipeRunOptions } from './recipeRunner';

/** Answers given in advance (automation, tests); each is asked for when left out. */
export interface ExportArgs {
  /** A built-in recipe's id, or a preset's id or workspace-relative file. */
  recipe?: string;
  values?: Record<string, string>;
  onExisting?: ExistingChoice;
  /** Skips the summary of what will be written (and the upscaling warning in it). */
  confirmed?: boolean;
}

/** A quick pick item of the recipe picker. */
interface RecipeItem extends vscode.QuickPickItem {
  entry?: CatalogEntry;
}

const stringRecord = (value: unknown): Record<string, string> =>
  typeof value === 'object' && value !== null ? Object.fromEntries(Object.entries(value).filter((entry): entry is [string, string] => typeof entry[1] === 'string')) : {};

/**
 * `EvoLink: Export As…`: runs a recipe on an image that is already in the workspace (no model
 * call, nothing spent): pick a recipe, answer the placeholders its files and snippets use, see
 * what will be written, write it, then insert or copy the tags.
 */
export class ExportAsCommand {
  readonly catalog: RecipeCatalog;
  /** The labels of the last recipe picker shown, for whoever watches (tests). */
  readonly shown: string[][] = [];
  private worker: AssetWorker | undefined;

  constructor(private readonly ctx: AppContext) {
    this.catalog = new RecipeCatalog();
  }

  /** The asset worker, started on first use (never at activation). */
  private get assets(): AssetWorker {
    this.worker ??= new AssetWorker();
    return this.worker;
  }

  dispose(): void {
    this.worker?.dispose();
    this.catalog.dispose();
  }

  async run(clicked?: unknown, selected?: unknown, rawArgs: unknown = {}): Promise<RecipeRun | undefined> {
    const raw = typeof rawArgs === 'object' && rawArgs !== null ? (rawArgs as Record<string, unknown>) : {};
    const args: ExportArgs = {
      ...(typeof raw.recipe === 'string' ? { recipe: raw.recipe } : {}),
      values: stringRecord(raw.values),
      ...(raw.onExisting === 'replace' || raw.onExisting === 'keepBoth' || raw.onExisting === 'cancel' ? { onExisting: raw.onExisting } : {}),
      confirmed: raw.confirmed === true,
    };
    // The editor the tags go into is the one in use when the command started.
    const editor = vscode.window.activeTextEditor ?? (vscode.window.visibleTextEditors.length === 1 ? vscode.window.visibleTextEditors[0] : undefined);
    const source = imagesFrom(clicked, selected)[0] ?? (await pickImages(vscode.l10n.t('Export As: choose the image')))[0];
    if (!source) return undefined;
    const recipe = await this.chooseRecipe(args.recipe);
    if (!recipe) return undefined;
    const values = await this.askValues(recipe, args.values ?? {});
    if (!values) return undefined;
    try {
      const bytes = await vscode.workspace.fs.readFile(source).then(undefined, () => {
        throw new RecipeRunFault(vscode.l10n.t('{0} cannot be read. Check that it still exists, then export again.', displayPath(source)));
      });
      const size = inspectSource(source, bytes);
      if (!args.confirmed && !(await this.confirm(source, recipe, values, size))) return undefined;
      const cancellation = new vscode.CancellationTokenSource();
      const run = await this.runRecipe(source, recipe, values, cancellation.token, args.onExisting ? { onExisting: args.onExisting } : {}).finally(() => cancellation.dispose());
      if (run) this.announce(run, editor);
      return run;
    } catch (error) {
      if (!(error instanceof RecipeRunFault)) throw error;
      this.ctx.log.warn(`Export As failed: ${error.message}`);
      this.ctx.notifier.show('error', error.message);
      return undefined;
    }
  }

  /**
   * Runs a recipe on an image of the workspace with this window's asset worker: the API that
   * every entry point (Export As…, Generate Asset… once the image is generated) calls. See
   * {@link runRecipe}: answers `undefined` when the user cancels, throws {@link RecipeRunFault}
   * with a sentence for the user.
   */
  runRecipe(source: vscode.Uri, recipe: Recipe, values: Readonly<Record<string, string>>, token: vscode.CancellationToken, options: RecipeRunOptions = {}): Promise<RecipeRun | undefined> {
    return runRecipe({ worker: this.assets, notifier: this.ctx.notifier }, source, recipe, values, token, options);
  }

  /** The recipe named in advance, or the one picked: built-ins first, then the workspace's presets. */
  private async chooseRecipe(named: string | undefined): Promise<Recipe | undefined> {
    const entries = await this.catalog.entries();
    if (named !== undefined) {
      // A preset's file first, then a built-in's id, then a preset's id.
      const found =
        entries.find((entry) => entry.kind !== 'builtin' && entry.file === named) ??
        entries.find((entry) => entry.kind === 'builtin' && entry.recipe.id === named) ??
        entries.find((entry) => entry.kind === 'preset' && entry.recipe.id === named);
      if (!found) throw new RecipeRunFault(vscode.l10n.t('There is no recipe {0}. Pick one of the list, or add it as a preset in .evolink/presets.', named));
      if (found.kind === 'broken') return this.showProblems(found);
      return found.recipe;
    }
    const items: RecipeItem[] = [];
    const builtins = entries.filter((entry) => entry.kind === 'builtin');
    const presets = entries.filter((entry) => entry.kind !== 'builtin');
    items.push({ label: vscode.l10n.t('Built-in'), kind: vscode.QuickPickItemKind.Separator });
    for (const entry of builtins) items.push({ label: entry.recipe.name, detail: entry.recipe.description, entry });
    if (presets.length > 0) items.push({ label: vscode.l10n.t('Workspace presets'), kind: vscode.QuickPickItemKind.Separator });
    for (const entry of presets) {
      items.push(
        entry.kind === 'broken'
          ? { label: `$(warning) ${entry.file}`, description: vscode.l10n.t('has problems — open'), detail: problemSentence(entry.file, entry.problems[0]!), entry }
          : { label: entry.recipe.name, description: entry.file, detail: entry.recipe.description, entry },
      );
    }
    this.shown.push(items.filter((item) => item.entry).map((item) => (item.description ? `${item.label} — ${item.description}` : item.label)));
    const picked = await vscode.window.showQuickPick(items, { title: vscode.l10n.t('Export As: choose a recipe'), placeHolder: vscode.l10n.t('What to make from the image (costs nothing)'), matchOnDetail: true });
    const entry = picked?.entry;
    if (!entry) return undefined;
    return entry.kind === 'broken' ? this.showProblems(entry) : entry.recipe;
  }

  /** Opens a broken preset and says what is wrong with it, naming the file and the field. */
  private async showProblems(entry: Extract<CatalogEntry, { kind: 'broken' }>): Promise<undefined> {
    const first = entry.problems[0]!;
    const more = entry.problems.length - 1;
    this.ctx.notifier.show(
      'error',
      more > 0
        ? vscode.l10n.t('The recipe preset {0} has {1} problem(s) and cannot be run. The first: {2}', entry.file, entry.problems.length, problemSentence(entry.file, first))
        : vscode.l10n.t('The recipe preset {0} cannot be run: {1}', entry.file, problemSentence(entry.file, first)),
    );
    await vscode.window.showTextDocument(entry.uri, { preview: false }).then(undefined, () => undefined);
    return undefined;
  }

  /** Asks each placeholder the files and snippets use and that was not given, offering its default. */
  private async askValues(recipe: Recipe, given: Record<string, string>): Promise<Record<string, string> | undefined> {
    const values = { ...given };
    for (const name of exportPlaceholders(recipe)) {
      if (name in values) continue;
      const placeholder = recipe.prompt.placeholders[name]!;
      const answer = await vscode.window.showInputBox({ title: vscode.l10n.t('Export As: {0}', recipe.name), prompt: placeholder.label, value: placeholder.default ?? '', ignoreFocusOut: true });
      if (answer === undefined) return undefined;
      values[name] = answer;
    }
    return values;
  }

  /** Says what will be written, and warns when the source is smaller than the largest output. */
  private async confirm(source: vscode.Uri, recipe: Recipe, values: Record<string, string>, size: { width: number; height: number }): Promise<boolean> {
    const plan = planRun(recipe, values, fileName(source).replace(/\.[^.]*$/, ''));
    const folder = displayPath(runFolder(source, plan));
    const files = [...plan.outputs, ...plan.snippets.filter((file): file is string => file !== undefined)];
    const largest = largestOutput(recipe);
    const lines: string[] = [];
    if (size.width < largest.width || size.height < largest.height) {
      lines.push(vscode.l10n.t('{0} is {1}×{2} pixels, smaller than the largest file ({3}×{4}): it will be scaled up and look soft.', fileName(source), size.width, size.height, largest.width, largest.height), '');
    }
    lines.push(...files.slice(0, 12), ...(files.length > 12 ? [vscode.l10n.t('and {0} more', files.length - 12)] : []));
    const write = vscode.l10n.t('Export');
    const answer = await this.ctx.notifier.ask(
      lines[0] && lines[1] === '' ? 'warning' : 'info',
      vscode.l10n.t('Export {0} from {1}: {2} file(s) into {3}/. This costs nothing.', recipe.name, fileName(source), files.length, folder),
      lines.join('\n'),
      [write],
    );
    return answer === write;
  }

  /**
   * Says what was written, with the tags to insert into `editor` (the text editor in use when
   * the command started) or copy, and the folder to reveal: two actions at most.
   */
  announce(run: RecipeRun, editor: vscode.TextEditor | undefined): void {
    const tags = mainSnippet(run.snippets);
    const folder = displayPath(run.folder);
    const insert = tags && editor && !editor.document.isClosed ? { title: vscode.l10n.t('Insert Tags'), run: () => insertTags(editor, tags) } : undefined;
    const copy = tags ? { title: vscode.l10n.t('Copy Tags'), run: () => vscode.env.clipboard.writeText(tags.text) } : undefined;
    const reveal = { title: vscode.l10n.t('Reveal'), run: () => vscode.commands.executeCommand('revealInExplorer', run.files[0]?.uri ?? run.folder) };
    const actions = [insert, copy, reveal].filter((action) => action !== undefined).slice(0, 2);
    this.ctx.notifier.show('info', vscode.l10n.t('Exported {0} file(s) to {1}/.', run.files.length, folder), actions);
  }
}

/** Inserts a snippet at the cursor of an editor, as its own lines. */
async function insertTags(editor: vscode.TextEditor, snippet: RenderedSnippet): Promise<boolean> {
  const shown = await vscode.window.showTextDocument(editor.document, editor.viewColumn);
  return shown.edit((edit) => edit.insert(shown.selection.active, snippet.text));
}
