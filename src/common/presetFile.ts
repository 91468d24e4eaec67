import { findNodeAtLocation, parseTree, printParseErrorCode, type Node, type ParseError } from 'jsonc-parser';
import { parseRecipe, type Recipe, type RecipeProblem } from './recipes';

/*
 * A workspace's recipe preset file (`.evolink/presets/*.json`): its text checked as a recipe,
 * each problem with the dotted path of its field and the part of the text that holds it, so that
 * the editor can underline exactly that field.
 */

/** One problem of a preset file: the field (`outputs.2.sizes`, or empty for the file), what, and where in the text. */
export interface PresetProblem extends RecipeProblem {
  /** The offset and length of the text to underline. */
  offset: number;
  length: number;
}

/** A preset file as read: a recipe, or its problems. */
export type PresetParse = { recipe: Recipe; problems: [] } | { recipe: undefined; problems: PresetProblem[] };

/** The first line of a text, as the place of a problem that has no field of its own. */
function firstLine(text: string): { offset: number; length: number } {
  const end = text.indexOf('\n');
  return { offset: 0, length: Math.max(1, end < 0 ? text.length : end) };
}

/**
 * Where a field lies in the text: the field itself; for a missing field, the key of the nearest
 * field that holds it (the whole object would underline too much).
 */
function placeOf(root: Node | undefined, path: readonly (string | number)[], text: string): { offset: number; length: number } {
  if (!root) return firstLine(text);
  for (let depth = path.length; depth >= 0; depth--) {
    const node = findNodeAtLocation(root, path.slice(0, depth));
    if (!node) continue;
    const key = node.parent?.type === 'property' ? node.parent.children?.[0] : undefined;
    if (depth < path.length && key) return { offset: key.offset, length: key.length };
    if (depth < path.length && node === root) return firstLine(text);
    return { offset: node.offset, length: node.length };
  }
  return firstLine(text);
}

/**
 * Reads a preset file's text: JSON (comments and trailing commas are refused, as the JSON editor
 * does), then checked against the recipe format. Problems name the dotted path of the field.
 */
export function parsePresetText(text: string): PresetParse {
  const errors: ParseError[] = [];
  const root = parseTree(text, errors, { allowTrailingComma: false, disallowComments: true });
  if (errors.length > 0 || !root) {
    const problems = errors.map((error) => ({ path: '', message: `Not valid JSON: ${printParseErrorCode(error.error)}.`, kind: 'invalidJson' as const, value: printParseErrorCode(error.error), offset: error.offset, length: Math.max(1, error.length) }));
    return { recipe: undefined, problems: problems.length > 0 ? problems : [{ path: '', message: 'The file is empty.', kind: 'emptyFile', ...firstLine(text) }] };
  }
  const checked = parseRecipe(JSON.parse(text));
  if (checked.recipe) return checked;
  return {
    recipe: undefined,
    problems: checked.problems.map((problem) => {
      const path = problem.path === '' ? [] : problem.path.split('.').map((part) => (/^\d+$/.test(part) ? Number(part) : part));
      return { ...problem, ...placeOf(root, path, text) };
    }),
  };
}
