import { placeholdersOf, type RecipeInput } from '../../common/recipes';

/*
 * What a recipe says to the user — its name, description, the labels of its placeholders and
 * the values offered — apart from what it sends to the model. Plain TypeScript (no vscode), so
 * that the rule of which words may be shown translated is tested without a window.
 */

/** The part of a recipe, as written or checked, that holds its words. */
export type RecipeWordsSource = Pick<RecipeInput, 'id' | 'name' | 'description' | 'prompt'>;

/** A built-in recipe's words in the display language; each one left out stays as written. */
export interface RecipeTranslation {
  name: string;
  description?: string;
  placeholders?: Record<string, { label?: string; default?: string }>;
}

/** A placeholder as the user is asked for it. */
export interface PlaceholderWords {
  label: string;
  /** The value offered first, which is also the value used when the user accepts it. */
  default?: string;
}

/** A recipe's words as the user reads them. */
export interface RecipeWords {
  name: string;
  description?: string;
  placeholders: Record<string, PlaceholderWords>;
}

/**
 * The words of `recipe`, translated where `translation` says (a built-in's; none for a preset,
 * whose file says what it says). A value is offered translated only for a placeholder the prompt
 * does not use (an app's name for its manifest): what the user accepts is what is sent, and the
 * prompt stays English for the model, so `white` is offered as `white`.
 */
export function recipeWordsOf(recipe: RecipeWordsSource, translation?: RecipeTranslation): RecipeWords {
  const inPrompt = new Set(placeholdersOf(recipe.prompt.template));
  const placeholders: Record<string, PlaceholderWords> = {};
  for (const [name, placeholder] of Object.entries(recipe.prompt.placeholders ?? {})) {
    const translated = translation?.placeholders?.[name];
    const value = (inPrompt.has(name) ? undefined : translated?.default) ?? placeholder.default;
    placeholders[name] = { label: translated?.label ?? placeholder.label, ...(value !== undefined ? { default: value } : {}) };
  }
  const description = translation?.description ?? recipe.description;
  return { name: translation?.name ?? recipe.name, ...(description !== undefined ? { description } : {}), placeholders };
}
