import * as vscode from 'vscode';
import { builtinRecipes } from '../../common/builtinRecipes';
import { parsePresetText, type PresetProblem } from '../../common/presetFile';
import { problemMessage } from './recipeProblems';
import { parseRecipe, type Recipe } from '../../common/recipes';
import { DisposableBase } from '../base/disposable';
import { displayPath } from '../ui/paths';

/** Where a workspace folder keeps its recipe presets. */
export const presetFolder = '.evolink/presets';
const presetGlob = `${presetFolder}/*.json`;

/** A recipe the user can run: one that comes with the extension, or a workspace's preset file. */
export type CatalogEntry =
  | { kind: 'builtin'; recipe: Recipe }
  | { kind: 'preset'; recipe: Recipe; uri: vscode.Uri; file: string }
  /** A preset file with problems: listed so that the user learns of them, never run. */
  | { kind: 'broken'; uri: vscode.Uri; file: string; problems: PresetProblem[] };

/** The recipes that come with the extension, checked (they are tested to pass). */
export function builtinCatalog(): CatalogEntry[] {
  return builtinRecipes.flatMap((input) => {
    const { recipe } = parseRecipe(input);
    return recipe ? [{ kind: 'builtin' as const, recipe }] : [];
  });
}

/** A problem as the user reads it: the file, workspace-relative, the field and what is wrong. */
export function problemSentence(file: string, problem: PresetProblem): string {
  return problem.path ? vscode.l10n.t('{0}: {1}: {2}', file, problem.path, problemMessage(problem)) : vscode.l10n.t('{0}: {1}', file, problemMessage(problem));
}

function rangeOf(document: string, offset: number, length: number): vscode.Range {
  const position = (at: number): vscode.Position => {
    const before = document.slice(0, at);
    const line = before.split('\n').length - 1;
    return new vscode.Position(line, at - (before.lastIndexOf('\n') + 1));
  };
  return new vscode.Range(position(offset), position(Math.min(document.length, offset + length)));
}

/**
 * The recipes of a window: the built-in ones and every `.evolink/presets/*.json` of each
 * workspace folder. A broken preset is listed with its problems and shown in the Problems view
 * on its file (the field's own range); the list is read again when a preset is created, saved
 * or deleted.
 */
export class RecipeCatalog extends DisposableBase {
  private readonly diagnostics = this._register(vscode.languages.createDiagnosticCollection('evolink.recipes'));
  private presets: Promise<CatalogEntry[]> | undefined;
  private watching = false;

  /** Every recipe, built-ins first, then the presets by file; broken presets included. */
  async entries(): Promise<CatalogEntry[]> {
    this.watch();
    this.presets ??= this.readPresets();
    return [...builtinCatalog(), ...(await this.presets)];
  }

  /** Forgets what was read; the next {@link entries} reads the files again. */
  refresh(): void {
    this.presets = undefined;
  }

  private watch(): void {
    if (this.watching) return;
    this.watching = true;
    const watcher = this._register(vscode.workspace.createFileSystemWatcher(`**/${presetGlob}`));
    const changed = (): void => {
      this.refresh();
      // The Problems view follows the files even when no command asks.
      void this.entries().catch(() => undefined);
    };
    this._register(watcher.onDidCreate(changed));
    this._register(watcher.onDidChange(changed));
    this._register(watcher.onDidDelete(changed));
    this._register(vscode.workspace.onDidSaveTextDocument((document) => (document.uri.path.includes(`/${presetFolder}/`) ? changed() : undefined)));
    this._register(vscode.workspace.onDidChangeWorkspaceFolders(changed));
  }

  private async readPresets(): Promise<CatalogEntry[]> {
    const entries: CatalogEntry[] = [];
    this.diagnostics.clear();
    for (const folder of vscode.workspace.workspaceFolders ?? []) {
      const directory = vscode.Uri.joinPath(folder.uri, presetFolder);
      const names = await vscode.workspace.fs.readDirectory(directory).then(
        (found) => found.filter(([name, type]) => name.endsWith('.json') && (type & vscode.FileType.File) !== 0).map(([name]) => name).sort(),
        () => [] as string[],
      );
      for (const name of names) entries.push(await this.readPreset(vscode.Uri.joinPath(directory, name)));
    }
    return entries;
  }

  private async readPreset(uri: vscode.Uri): Promise<CatalogEntry> {
    const file = displayPath(uri);
    let text: string;
    try {
      text = new TextDecoder().decode(await vscode.workspace.fs.readFile(uri));
    } catch {
      const problems = [{ path: '', message: vscode.l10n.t('The file cannot be read.'), offset: 0, length: 1 }];
      return { kind: 'broken', uri, file, problems };
    }
    const parsed = parsePresetText(text);
    if (parsed.recipe) return { kind: 'preset', recipe: parsed.recipe, uri, file };
    this.diagnostics.set(
      uri,
      parsed.problems.map((problem) => {
        const diagnostic = new vscode.Diagnostic(rangeOf(text, problem.offset, problem.length), problem.path ? `${problem.path}: ${problemMessage(problem)}` : problemMessage(problem), vscode.DiagnosticSeverity.Error);
        diagnostic.source = 'EvoLink';
        return diagnostic;
      }),
    );
    return { kind: 'broken', uri, file, problems: parsed.problems };
  }
}
