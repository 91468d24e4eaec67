import * as vscode from 'vscode';
import { plannedFiles, summaryLines } from '../../common/fileSummary';
import { exportPlaceholders, mainSnippet, planRun, snippetTextFor, type RenderedSnippet } from '../../common/recipeRender';
import type { Recipe } from '../../common/recipes';
import { tagPlacement } from '../../common/tagPlacement';
import type { AppContext } from '../context';
import { exportExtensions } from '../submit/localImages';
import { imagesFrom, pickImages } from '../edit/editCommand';
import type { Notifier } from '../ui/notifier';
import { displayPath } from '../ui/paths';
import { AssetWorker } from './assetWorker';
import { RecipeCatalog } from './recipeCatalog';
import { askRecipeValues, chooseRecipe, stringRecord, type ChosenRecipe } from './recipePicker';
import { inspectSource, largestOutput, RecipeRunFault, runFolder, runRecipe, summaryWords, type ExistingChoice, type RecipeRun, type RecipeRunOptions, type SourceFacts } from './recipeRunner';
import { fileName } from '../base/disk';
import { worstCoverCut } from '../../common/imageGeometry';

/** Answers given in advance (automation, tests); each is asked for when left out. */
export interface ExportArgs {
  /** A built-in recipe's id, or a preset's id or workspace-relative file. */
  recipe?: string;
  values?: Record<string, string>;
  onExisting?: ExistingChoice;
  /** Skips the summary of what will be written (and the upscaling warning in it). */
  confirmed?: boolean;
}

/**
 * `EvoLink: Export As…`: runs a recipe on an image that is already in the workspace (no model
 * call, nothing spent): pick a recipe, answer the placeholders its files and snippets use, see
 * what will be written, write it, then insert or copy the tags.
 */
export class ExportAsCommand {
  readonly catalog: RecipeCatalog;
  /** The labels of the last recipe picker shown, for whoever watches (tests). */
  readonly shown: string[][] = [];
  /** Whether the workspace is trusted: VS Code's workspace trust unless set (tests). */
  trusted?: () => boolean;
  private worker: AssetWorker | undefined;

  constructor(private readonly ctx: AppContext) {
    this.catalog = new RecipeCatalog();
  }

  get notifier(): Notifier {
    return this.ctx.notifier;
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
    const source = imagesFrom(clicked, selected)[0] ?? (await pickImages(vscode.l10n.t('Export As: choose the image'), exportExtensions))[0];
    if (!source) return undefined;
    try {
      // A source that cannot be exported (a GIF, a file cut short) is named before any question.
      const bytes = await vscode.workspace.fs.readFile(source).then(undefined, () => {
        throw new RecipeRunFault(vscode.l10n.t('{0} cannot be read. Check that it still exists, then export again.', displayPath(source)));
      });
      const facts = inspectSource(source, bytes);
      const chosen = await chooseRecipe(this, args.recipe, { title: vscode.l10n.t('Export As: choose a recipe'), placeHolder: vscode.l10n.t('What to make from the image (costs nothing)') });
      if (!chosen) return undefined;
      const { recipe, text } = chosen;
      const values = await askRecipeValues(text, exportPlaceholders(recipe), args.values ?? {}, vscode.l10n.t('Export As: {0}', text.name));
      if (!values) return undefined;
      if (!args.confirmed && !(await this.confirm(source, chosen, values, facts))) return undefined;
      const cancellation = new vscode.CancellationTokenSource();
      const options: RecipeRunOptions = { name: text.name, ...(args.onExisting ? { onExisting: args.onExisting } : {}) };
      const run = await this.runRecipe(source, recipe, values, cancellation.token, options).finally(() => cancellation.dispose());
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

  /** Says what will be written, and warns when the source is smaller than the largest output, of another shape than a cropped one, or animated. */
  private async confirm(source: vscode.Uri, { recipe, text }: ChosenRecipe, values: Record<string, string>, facts: SourceFacts): Promise<boolean> {
    const plan = planRun(recipe, values, fileName(source).replace(/\.[^.]*$/, ''));
    const folder = displayPath(await runFolder(source, plan));
    const files = plannedFiles(plan);
    const largest = largestOutput(recipe);
    const warnings: string[] = [];
    if (facts.width < largest.width || facts.height < largest.height) {
      warnings.push(vscode.l10n.t('{0} is {1}×{2} pixels, smaller than the largest file ({3}×{4}): it will be scaled up and look soft.', fileName(source), facts.width, facts.height, largest.width, largest.height));
    }
    // A source of another shape is cropped around its centre (or the focal point): say how much goes.
    const cover = worstCoverCut(facts, recipe.outputs);
    if (cover) {
      warnings.push(
        vscode.l10n.t('{0} is {1}×{2} pixels, another shape than the {3}×{4} file: it will be cropped to {5}×{6}, cutting off {7}% of the image.', fileName(source), facts.width, facts.height, cover.target.width, cover.target.height, cover.crop.width, cover.crop.height, Math.round(cover.cut * 100)),
      );
    }
    if (facts.animated) warnings.push(vscode.l10n.t('{0} is animated: the files are made from its first frame.', fileName(source)));
    const lines = [...warnings, ...(warnings.length > 0 ? [''] : []), ...summaryLines(files, 12, summaryWords())];
    const write = vscode.l10n.t('Export');
    const answer = await this.ctx.notifier.ask(
      warnings.length > 0 ? 'warning' : 'info',
      files.length === 1
        ? vscode.l10n.t('Export {0} from {1}: 1 file into {2}/. This costs nothing.', text.name, fileName(source), folder)
        : vscode.l10n.t('Export {0} from {1}: {2} files into {3}/. This costs nothing.', text.name, fileName(source), files.length, folder),
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
    // What the tags still need (an absolute URL, another served folder) is said here, where the insert is offered.
    const exported = run.files.length === 1 ? vscode.l10n.t('Exported 1 file to {0}/.', folder) : vscode.l10n.t('Exported {0} files to {1}/.', run.files.length, folder);
    this.ctx.notifier.show(run.notes.length > 0 ? 'warning' : 'info', [exported, ...run.notes].join(' '), actions);
  }
}

/**
 * Inserts a snippet at the cursor of an editor, in the form the document's language reads (JSX in
 * React files): as lines of their own, indented as the page around them, where the cursor stands
 * at the start of a line (`tagPlacement`).
 */
async function insertTags(editor: vscode.TextEditor, snippet: RenderedSnippet): Promise<boolean> {
  const shown = await vscode.window.showTextDocument(editor.document, editor.viewColumn);
  const text = snippetTextFor(snippet, shown.document.languageId);
  const { document, selection, options } = shown;
  const lines = Array.from({ length: document.lineCount }, (_, index) => document.lineAt(index).text);
  const unit = options.insertSpaces === false ? '\t' : ' '.repeat(typeof options.indentSize === 'number' ? options.indentSize : typeof options.tabSize === 'number' ? options.tabSize : 2);
  const placed = tagPlacement(lines, selection.active.line, selection.active.character, text, unit, document.eol === vscode.EndOfLine.CRLF ? '\r\n' : '\n');
  return shown.edit((edit) => (placed ? edit.insert(new vscode.Position(placed.line, 0), placed.text) : edit.insert(selection.active, text)));
}
