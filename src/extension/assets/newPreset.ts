import * as vscode from 'vscode';
import { builtinRecipes } from '../../common/builtinRecipes';
import { uniqueName } from '../../common/naming';
import type { RecipeInput } from '../../common/recipes';
import type { Notifier } from '../ui/notifier';
import { displayPath } from '../ui/paths';
import { presetFolder } from './recipeCatalog';
import { recipeText } from './recipeText';

/**
 * `EvoLink: New Recipe Preset…`: copies a built-in recipe into `.evolink/presets/<id>.json` of a
 * workspace folder (a new name when that file exists: nothing is overwritten) and opens it, so
 * that the team can change it and share it through git. Answers the file written.
 */
export async function newRecipePreset(notifier: Notifier, args: { recipe?: string } = {}): Promise<vscode.Uri | undefined> {
  const folder = vscode.workspace.workspaceFolders?.length === 1
    ? vscode.workspace.workspaceFolders[0]
    : await vscode.window.showWorkspaceFolderPick({ placeHolder: vscode.l10n.t('Where the preset is kept') });
  if (!folder) {
    if (!vscode.workspace.workspaceFolders?.length) notifier.show('warning', vscode.l10n.t('Recipe presets live in a workspace folder. Open a folder first.'));
    return undefined;
  }
  const recipe = args.recipe
    ? builtinRecipes.find((input) => input.id === args.recipe)
    : await pickBuiltin();
  if (!recipe) return undefined;
  const directory = vscode.Uri.joinPath(folder.uri, ...presetFolder.split('/'));
  await vscode.workspace.fs.createDirectory(directory);
  const taken = new Set((await vscode.workspace.fs.readDirectory(directory)).map(([name]) => name));
  const target = vscode.Uri.joinPath(directory, uniqueName(recipe.id, 'json', taken));
  const text = `${JSON.stringify(recipe, null, 2)}\n`;
  try {
    await vscode.workspace.fs.writeFile(target, new TextEncoder().encode(text));
  } catch {
    notifier.show('error', vscode.l10n.t('{0} could not be written. Check that the folder is writable, then try again.', displayPath(target)));
    return undefined;
  }
  await vscode.window.showTextDocument(target, { preview: false });
  return target;
}

/** Asks which built-in recipe the preset starts from, each named in the user's language (the file written keeps its English). */
async function pickBuiltin(): Promise<RecipeInput | undefined> {
  const items = builtinRecipes.map((input) => {
    const words = recipeText(input, true);
    return { label: words.name, detail: words.description, input };
  });
  return (await vscode.window.showQuickPick(items, { title: vscode.l10n.t('New Recipe Preset: start from') }))?.input;
}
