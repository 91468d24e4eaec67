import * as vscode from 'vscode';
import type { Recipe } from '../../common/recipes';
import type { Notifier } from '../ui/notifier';
import { problemSentence, type CatalogEntry, type RecipeCatalog } from './recipeCatalog';
import { RecipeRunFault } from './recipeRunner';
import { recipeText } from './recipeText';
import type { RecipeWords } from './recipeWords';

/*
 * The questions every entry point that runs a recipe asks (Export As…, Generate Asset…): which
 * recipe, and the values of its placeholders. Written once so that both pickers list the same
 * recipes in the same order and name a broken preset the same way.
 */

/** What the recipe picker needs from its caller. */
export interface RecipePickerDeps {
  catalog: RecipeCatalog;
  notifier: Notifier;
  /** Receives the labels of each picker shown, for whoever watches (tests). */
  shown: string[][];
  /** Whether the workspace is trusted (VS Code's workspace trust unless given: tests). */
  trusted?: () => boolean;
}

/** The words of one entry point's picker. */
export interface RecipePickerText {
  title: string;
  placeHolder: string;
}

/** The recipe to run, with its words as the user reads them (a built-in's translated). */
export interface ChosenRecipe {
  recipe: Recipe;
  text: RecipeWords;
}

/** A quick pick item of the recipe picker. */
interface RecipeItem extends vscode.QuickPickItem {
  entry?: CatalogEntry;
}

/**
 * The recipe named in advance (a preset's workspace-relative file, a built-in's id, or a
 * preset's id, in that order), or the one picked: built-ins first, then the workspace's presets;
 * with its words, a built-in's in the user's language.
 * A broken preset is never run: it is opened, with a message that names its file and field.
 * Nor is a preset of a workspace in Restricted Mode: a recipe spends credits and writes files,
 * so one that came with a repository runs only once the workspace is trusted.
 * Throws {@link RecipeRunFault} when the named recipe does not exist.
 */
export async function chooseRecipe(deps: RecipePickerDeps, named: string | undefined, text: RecipePickerText): Promise<ChosenRecipe | undefined> {
  const entries = await deps.catalog.entries();
  if (named !== undefined) {
    const found =
      entries.find((entry) => entry.kind !== 'builtin' && entry.file === named) ??
      entries.find((entry) => entry.kind === 'builtin' && entry.recipe.id === named) ??
      entries.find((entry) => entry.kind === 'preset' && entry.recipe.id === named);
    if (!found) throw new RecipeRunFault(vscode.l10n.t('There is no recipe {0}. Pick one of the list, or add it as a preset in .evolink/presets.', named));
    return runnable(deps, found);
  }
  const trusted = isTrusted(deps);
  const items: RecipeItem[] = [];
  const builtins = entries.filter((entry) => entry.kind === 'builtin');
  const presets = entries.filter((entry) => entry.kind !== 'builtin');
  items.push({ label: vscode.l10n.t('Built-in'), kind: vscode.QuickPickItemKind.Separator });
  for (const entry of builtins) {
    const words = recipeText(entry.recipe, true);
    items.push({ label: words.name, detail: words.description, entry });
  }
  if (presets.length > 0) items.push({ label: vscode.l10n.t('Workspace presets'), kind: vscode.QuickPickItemKind.Separator });
  for (const entry of presets) {
    items.push(
      entry.kind === 'broken'
        ? { label: `$(warning) ${entry.file}`, description: vscode.l10n.t('has problems — open'), detail: problemSentence(entry.file, entry.problems[0]!), entry }
        : { label: entry.recipe.name, description: trusted ? entry.file : vscode.l10n.t('{0} — runs once you trust the workspace', entry.file), detail: entry.recipe.description, entry },
    );
  }
  deps.shown.push(items.filter((item) => item.entry).map((item) => (item.description ? `${item.label} — ${item.description}` : item.label)));
  const picked = await vscode.window.showQuickPick(items, { title: text.title, placeHolder: text.placeHolder, matchOnDetail: true });
  const entry = picked?.entry;
  return entry ? runnable(deps, entry) : undefined;
}

const isTrusted = (deps: RecipePickerDeps): boolean => (deps.trusted ? deps.trusted() : vscode.workspace.isTrusted);

/** The recipe of an entry, where it may run; else says why not and answers `undefined`. */
function runnable(deps: RecipePickerDeps, entry: CatalogEntry): ChosenRecipe | undefined | Promise<undefined> {
  if (entry.kind === 'broken') return showProblems(deps.notifier, entry);
  if (entry.kind === 'preset' && !isTrusted(deps)) {
    deps.notifier.show('warning', vscode.l10n.t('{0} is a preset of this workspace, which is in Restricted Mode: its presets run once you trust the workspace. The built-in recipes work now.', entry.file), [
      { title: vscode.l10n.t('Manage Workspace Trust'), run: () => vscode.commands.executeCommand('workbench.trust.manage') },
    ]);
    return undefined;
  }
  return { recipe: entry.recipe, text: recipeText(entry.recipe, entry.kind === 'builtin') };
}

/** Opens a broken preset and says what is wrong with it, naming the file and the field. */
async function showProblems(notifier: Notifier, entry: Extract<CatalogEntry, { kind: 'broken' }>): Promise<undefined> {
  const first = entry.problems[0]!;
  const more = entry.problems.length - 1;
  notifier.show(
    'error',
    more > 0
      ? vscode.l10n.t('The recipe preset {0} has {1} problems and cannot be run. The first: {2}', entry.file, entry.problems.length, problemSentence(entry.file, first))
      : vscode.l10n.t('The recipe preset {0} cannot be run: {1}', entry.file, problemSentence(entry.file, first)),
  );
  await vscode.window.showTextDocument(entry.uri, { preview: false }).then(undefined, () => undefined);
  return undefined;
}

/**
 * Asks each of `names` (placeholders of the recipe whose words are `text`) that was not given,
 * once, in order, with its label, offering `defaults[name]` or else its default as the user
 * reads it (see {@link recipeText}). Answers `undefined` when the user cancels.
 */
export async function askRecipeValues(
  text: RecipeWords,
  names: readonly string[],
  given: Readonly<Record<string, string>>,
  title: string,
  defaults: Readonly<Record<string, string>> = {},
): Promise<Record<string, string> | undefined> {
  const values = { ...given };
  for (const name of names) {
    if (name in values) continue;
    const placeholder = text.placeholders[name]!;
    const answer = await vscode.window.showInputBox({ title, prompt: placeholder.label, value: defaults[name] ?? placeholder.default ?? '', ignoreFocusOut: true });
    if (answer === undefined) return undefined;
    values[name] = answer;
  }
  return values;
}

/** Keeps the string values of an argument object (automation, tests). */
export const stringRecord = (value: unknown): Record<string, string> =>
  typeof value === 'object' && value !== null ? Object.fromEntries(Object.entries(value).filter((entry): entry is [string, string] => typeof entry[1] === 'string')) : {};
