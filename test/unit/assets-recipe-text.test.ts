import * as assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { getL10nJson } from '@vscode/l10n-dev';
import { builtinRecipes } from '../../src/common/builtinRecipes';
import { parseRecipe, placeholdersOf, type RecipeInput } from '../../src/common/recipes';
import { recipeWordsOf, type RecipeTranslation } from '../../src/extension/assets/recipeWords';

const favicon = (): RecipeInput => structuredClone(builtinRecipes.find((recipe) => recipe.id === 'favicon-set')!);

const german: RecipeTranslation = {
  name: 'Favicon-Satz',
  description: 'favicon.ico, PNG- und Apple-Touch-Symbole …',
  placeholders: {
    subject: { label: 'Was das Symbol zeigt' },
    background: { label: 'Hintergrund', default: 'weiß' },
    appName: { label: 'Name der Website oder App', default: 'Meine App' },
  },
};

describe('Recipe words', () => {
  it('keeps a preset\'s own words, its defaults included', () => {
    const preset = { ...favicon(), name: 'Our favicons', description: 'As the brand book says' };
    assert.deepEqual(recipeWordsOf(preset), {
      name: 'Our favicons',
      description: 'As the brand book says',
      placeholders: {
        subject: { label: 'What the icon shows' },
        background: { label: 'Background', default: 'white' },
        appName: { label: 'Name of the site or app (for the manifest)', default: 'My App' },
      },
    });
  });

  it('translates a built-in\'s name, description and labels, and offers a translated value only where it never reaches the prompt', () => {
    const words = recipeWordsOf(parseRecipe(favicon()).recipe!, german);
    assert.equal(words.name, 'Favicon-Satz');
    assert.equal(words.description, 'favicon.ico, PNG- und Apple-Touch-Symbole …');
    assert.deepEqual(words.placeholders.subject, { label: 'Was das Symbol zeigt' });
    // {background} is in the prompt, which stays English for the model: `white` is offered as written.
    assert.deepEqual(words.placeholders.background, { label: 'Hintergrund', default: 'white' });
    // {appName} only goes into the manifest and the tags: what the user accepts there is what is written.
    assert.deepEqual(words.placeholders.appName, { label: 'Name der Website oder App', default: 'Meine App' });
  });

  it('keeps what a translation leaves out as written', () => {
    const words = recipeWordsOf(favicon(), { name: 'Favicon-Satz' });
    assert.equal(words.description, favicon().description);
    assert.equal(words.placeholders.appName!.label, 'Name of the site or app (for the manifest)');
    assert.equal(words.placeholders.appName!.default, 'My App');
    assert.equal('default' in words.placeholders.subject!, false);
  });

  it('has a translatable string in recipeText.ts for every word a built-in shows, and none for a value that goes into a prompt', async () => {
    const keys = await getL10nJson([{ extension: '.ts', contents: readFileSync('src/extension/assets/recipeText.ts', 'utf8') }]);
    for (const recipe of builtinRecipes) {
      const inPrompt = new Set(placeholdersOf(recipe.prompt.template));
      const shown = [recipe.name, recipe.description ?? ''];
      for (const [name, placeholder] of Object.entries(recipe.prompt.placeholders ?? {})) {
        shown.push(placeholder.label);
        if (placeholder.default !== undefined && !inPrompt.has(name)) shown.push(placeholder.default);
        if (placeholder.default !== undefined && inPrompt.has(name)) assert.equal(placeholder.default in keys, false, `${recipe.id}: ${placeholder.default}`);
      }
      for (const text of shown.filter(Boolean)) assert.ok(text in keys, `${recipe.id}: ${JSON.stringify(text)} is not translated`);
    }
  });
});
