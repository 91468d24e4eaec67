import * as vscode from 'vscode';
import { recipeWordsOf, type RecipeTranslation, type RecipeWords, type RecipeWordsSource } from './recipeWords';

/*
 * The built-in recipes in the user's language. `builtinRecipes.ts` stays English, in src/common
 * (no vscode there), because its prompts go to the model as written; what the pickers, input
 * boxes, progress and dialogs show of a built-in is looked up here by its id, each string a
 * literal `vscode.l10n.t` so that `npm run l10n` finds it. The background values (`white`,
 * `soft gradient`) go into the prompt and are offered as written: they have no entry.
 */

/** Each built-in recipe's words in the display language, by the recipe's id. */
function builtinTranslations(): Record<string, RecipeTranslation> {
  const subject = vscode.l10n.t('What the icon shows');
  const background = vscode.l10n.t('Background');
  return {
    'favicon-set': {
      name: vscode.l10n.t('Favicon set'),
      description: vscode.l10n.t('favicon.ico, PNG and Apple touch icons, web app manifest icons (any and maskable), the manifest and the <link> tags.'),
      placeholders: {
        subject: { label: subject },
        background: { label: background },
        appName: { label: vscode.l10n.t('Name of the site or app (for the manifest)'), default: vscode.l10n.t('My App') },
      },
    },
    'open-graph-card': {
      name: vscode.l10n.t('Open Graph card'),
      description: vscode.l10n.t('A 1200x630 sharing image for social networks and chat previews, with its meta tags.'),
      placeholders: { title: { label: vscode.l10n.t('Page title') }, about: { label: vscode.l10n.t('What the page is about') } },
    },
    'app-icon-set': {
      name: vscode.l10n.t('App icon set'),
      description: vscode.l10n.t("An Xcode AppIcon.appiconset (20 to 1024 px, with its Contents.json) and Android's res folder: adaptive launcher icons with their XML, square and round legacy ones from mdpi to xxxhdpi, and the 512 px Play Store icon."),
      placeholders: { subject: { label: subject }, background: { label: background } },
    },
    'responsive-image': {
      name: vscode.l10n.t('Responsive image'),
      description: vscode.l10n.t('WebP at 640, 1280 and 1920 px wide with a JPEG fallback, and the <picture> element that picks one.'),
      placeholders: { subject: { label: vscode.l10n.t('What the image shows') }, alt: { label: vscode.l10n.t('Alternative text') } },
    },
    'seamless-texture': {
      name: vscode.l10n.t('Seamless texture'),
      description: vscode.l10n.t('A tileable texture, and a 2x2 preview that shows whether its edges meet.'),
      placeholders: { material: { label: vscode.l10n.t('Material or pattern') } },
    },
  };
}

/**
 * A recipe's words as the user reads them: a built-in's in the display language, a preset's as
 * its file writes them (even a copy of a built-in: the team may have changed any of it).
 */
export function recipeText(recipe: RecipeWordsSource, builtin: boolean): RecipeWords {
  return recipeWordsOf(recipe, builtin ? builtinTranslations()[recipe.id] : undefined);
}
