import * as vscode from 'vscode';
import { inlineNames, plannedFiles } from '../../common/fileSummary';
import type { LedgerEntry } from '../../common/ledgerEntry';
import { checkRequest, type CheckedRequest } from '../../common/request';
import type { RequestOptions } from '../../common/requestOptions';
import { assetStem, generatePlaceholders, planRun, recipeRequest } from '../../common/recipeRender';
import { placeholdersOf } from '../../common/recipes';
import { savedFiles } from '../../common/taskState';
import type { ApiKeyCommands } from '../auth/apiKeyCommands';
import type { AppContext } from '../context';
import { refusal, submitPlan } from '../submit/submit';
import { showProgress } from '../tasks/progress';
import { displayPath } from '../ui/paths';
import { credits } from '../ui/pickers';
import { chooseTargetFolder } from '../ui/target';
import type { ExportAsCommand } from './exportCommand';
import { askRecipeValues, chooseRecipe, stringRecord, type ChosenRecipe } from './recipePicker';
import { RecipeRunFault, runFolder, type ExistingChoice, type RecipeRun } from './recipeRunner';

/** Answers given in advance (automation, tests, the Studio); each is asked for when left out. */
export interface GenerateAssetArgs {
  /** A built-in recipe's id, or a preset's id or workspace-relative file. */
  recipe?: string;
  values?: Record<string, string>;
  /** Offered as the default of the first placeholder of the recipe's prompt (the Studio's prompt). */
  prompt?: string;
  /** Skips the summary of what will be spent and made. */
  confirmed?: boolean;
  onExisting?: ExistingChoice;
  /** Do not open the generated image (tests, batch use). */
  quiet?: boolean;
}

/** What a run made: the task, the generated image, and the files made from it. */
export interface GeneratedAsset {
  entry: LedgerEntry;
  original: vscode.Uri;
  run: RecipeRun;
}

function parseArgs(rawArgs: unknown): GenerateAssetArgs {
  const raw = typeof rawArgs === 'object' && rawArgs !== null ? (rawArgs as Record<string, unknown>) : {};
  return {
    ...(typeof raw.recipe === 'string' ? { recipe: raw.recipe } : {}),
    values: stringRecord(raw.values),
    ...(typeof raw.prompt === 'string' && raw.prompt.trim() ? { prompt: raw.prompt.trim() } : {}),
    confirmed: raw.confirmed === true,
    ...(raw.onExisting === 'replace' || raw.onExisting === 'keepBoth' || raw.onExisting === 'cancel' ? { onExisting: raw.onExisting } : {}),
    quiet: raw.quiet === true,
  };
}

/** A prompt shortened for a dialog, cut at a word where it can be. */
function shorten(prompt: string, max = 240): string {
  if ([...prompt].length <= max) return prompt;
  const cut = [...prompt].slice(0, max).join('');
  const space = cut.lastIndexOf(' ');
  return `${space > max / 2 ? cut.slice(0, space) : cut}…`;
}

/**
 * `EvoLink: Generate Asset…`: pick a recipe, answer its placeholders, see what it spends and
 * makes, then one image is generated through the usual submit path and saved as usual, and the
 * recipe makes its files from it (the same run as Export As…), with the tags to insert or copy.
 */
export class GenerateAssetCommand {
  /** The labels of the last recipe picker shown, for whoever watches (tests). */
  readonly shown: string[][] = [];
  /** Whether the workspace is trusted: VS Code's workspace trust unless set (tests). */
  trusted?: () => boolean;
  /** Each summary shown before spending, its message and detail (tests). */
  readonly summaries: string[] = [];

  constructor(
    private readonly ctx: AppContext,
    private readonly apiKey: ApiKeyCommands,
    private readonly exportAs: ExportAsCommand,
  ) {}

  get catalog(): ExportAsCommand['catalog'] {
    return this.exportAs.catalog;
  }

  get notifier(): AppContext['notifier'] {
    return this.ctx.notifier;
  }

  async run(rawArgs: unknown = {}): Promise<GeneratedAsset | undefined> {
    const args = parseArgs(rawArgs);
    // The editor the tags go into is the one in use when the command started.
    const editor = vscode.window.activeTextEditor ?? (vscode.window.visibleTextEditors.length === 1 ? vscode.window.visibleTextEditors[0] : undefined);
    try {
      const chosen = await chooseRecipe(this, args.recipe, { title: vscode.l10n.t('Generate Asset: choose a recipe'), placeHolder: vscode.l10n.t('What to generate: one image, then the files made from it') });
      if (!chosen) return undefined;
      const { recipe, text } = chosen;
      const main = placeholdersOf(recipe.prompt.template)[0];
      const defaults = main && args.prompt ? { [main]: args.prompt } : {};
      const values = await askRecipeValues(text, generatePlaceholders(recipe), args.values ?? {}, vscode.l10n.t('Generate Asset: {0}', text.name), defaults);
      if (!values) return undefined;
      const options = recipeRequest(recipe, values);
      // Refused before anything is asked or sent: a preset may name a model or size that does not exist.
      const checked = checkRequest(options);
      if (!checked.ok) throw refusal(checked.issues);
      if (!(await this.apiKey.getOrPrompt())) return undefined;
      const target = await chooseTargetFolder();
      if (!target) return undefined;
      // Where the recipe's files go is checked before anything is paid (a value may lead out of the folder).
      await runFolder(vscode.Uri.joinPath(target, 'image'), planRun(recipe, values, assetStem(recipe, values)));
      if (!args.confirmed && !(await this.confirm(chosen, values, options, checked.checked, target))) return undefined;
      const entry = await this.generate(options, checked.checked.model.label, target, args.quiet === true);
      const saved = entry?.state === 'saved' ? savedFiles(entry)[0] : undefined;
      // A task that did not end with its image saved has been told of by its progress.
      if (!entry || !saved) return undefined;
      const original = vscode.Uri.parse(saved);
      const run = await this.make(original, chosen, values, args.onExisting);
      if (!run) return undefined;
      this.exportAs.announce(run, editor);
      return { entry, original, run };
    } catch (error) {
      if (!(error instanceof RecipeRunFault)) throw error;
      this.ctx.log.warn(`Generate Asset failed: ${error.message}`);
      this.ctx.notifier.show('error', error.message);
      return undefined;
    }
  }

  /** Submits the one image through the submit path and follows it until it ends. */
  private async generate(options: RequestOptions, label: string, target: vscode.Uri, quiet: boolean): Promise<LedgerEntry | undefined> {
    const entry = await submitPlan(this.ctx, { options, references: [], target });
    const final = await showProgress(this.ctx, entry, vscode.l10n.t('Generating with {0}', label), { open: !quiet });
    if (!final) this.ctx.notifier.show('info', vscode.l10n.t('When its image is saved, choose Export As… on it to make the recipe\'s files.'));
    return final;
  }

  /** Runs the recipe on the generated image; a fault says that the image is kept. */
  private async make(original: vscode.Uri, { recipe, text }: ChosenRecipe, values: Record<string, string>, onExisting: ExistingChoice | undefined): Promise<RecipeRun | undefined> {
    const cancellation = new vscode.CancellationTokenSource();
    try {
      return await this.exportAs.runRecipe(original, recipe, values, cancellation.token, { stem: assetStem(recipe, values), name: text.name, ...(onExisting ? { onExisting } : {}) });
    } catch (error) {
      if (!(error instanceof RecipeRunFault)) throw error;
      this.ctx.log.warn(`Generate Asset: the recipe failed: ${error.message}`);
      this.ctx.notifier.show('error', vscode.l10n.t('{0} The generated image is kept at {1}.', error.message, displayPath(original)), [
        { title: vscode.l10n.t('Export As…'), run: () => vscode.commands.executeCommand('evolink.exportAs', original, [original]) },
      ]);
      return undefined;
    } finally {
      cancellation.dispose();
    }
  }

  /** Says, before anything is spent, what is sent, what it reserves, and which files it makes where. */
  private async confirm({ recipe, text }: ChosenRecipe, values: Record<string, string>, options: RequestOptions, checked: CheckedRequest, target: vscode.Uri): Promise<boolean> {
    const plan = planRun(recipe, values, assetStem(recipe, values));
    const folder = displayPath(await runFolder(vscode.Uri.joinPath(target, 'image'), plan));
    const files = plannedFiles(plan);
    const names = inlineNames(files, 3);
    const size = checked.width !== undefined && checked.height !== undefined ? `${checked.width}×${checked.height}` : checked.body.size;
    const detail = [
      vscode.l10n.t('Prompt: {0}', shorten(options.prompt)),
      '',
      files.length === 1
        ? vscode.l10n.t('The image is saved in {0}/, then {1} into {2}/.', displayPath(target), names, folder)
        : vscode.l10n.t('The image is saved in {0}/, then {1} ({2} files) into {3}/.', displayPath(target), names, files.length, folder),
    ].join('\n');
    const go = vscode.l10n.t('Generate');
    const message = vscode.l10n.t('Generate {0} with {1} at {2}? This reserves {3} credits.', text.name, checked.model.label, size, credits(checked.reservedCredits));
    this.summaries.push(`${message}\n${detail}`);
    const answer = await this.ctx.notifier.ask('info', message, detail, [go]);
    return answer === go;
  }
}
