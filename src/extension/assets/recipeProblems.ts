import * as vscode from 'vscode';
import { config } from 'zod/mini';
import de from 'zod/v4/locales/de.js';
import ja from 'zod/v4/locales/ja.js';
import zhCN from 'zod/v4/locales/zh-CN.js';
import type { RecipeProblem } from '../../common/recipes';

/*
 * A recipe preset's problems in the user's language: the recipe format's own problems are
 * translated here, the schema's (a missing field, a number too large) are worded by zod, which
 * ships these languages, the ones the extension is translated into.
 */

const zodLocales: Record<string, () => Parameters<typeof config>[0]> = { de, ja, 'zh-cn': zhCN };

/** Has zod word its problems in VS Code's display language, where the extension is translated into it. */
export function useDisplayLanguage(language: string = vscode.env.language): void {
  const locale = zodLocales[language.toLowerCase()];
  if (locale) config(locale());
}

/** What is wrong, as a sentence in the user's language. */
export function problemMessage(problem: RecipeProblem): string {
  const value = problem.value ?? '';
  switch (problem.kind) {
    case 'undeclaredPlaceholder':
      return vscode.l10n.t('The placeholder {0} is not declared in prompt.placeholders.', `{${value}}`);
    case 'duplicateFile':
      return vscode.l10n.t('Another output already writes {0}.', value);
    case 'icoSizesMissing':
      return vscode.l10n.t('An ICO output lists its sizes, e.g. [48, 32, 16].');
    case 'sizesNotIco':
      return vscode.l10n.t('Only an ICO output has sizes.');
    case 'losslessQuality':
      return vscode.l10n.t('PNG and ICO outputs are lossless: no quality.');
    case 'losslessWebp':
      return vscode.l10n.t('Only a WebP output is made lossless (PNG and ICO always are), and then it has no quality.');
    case 'maskablePadding':
      return vscode.l10n.t('A maskable icon keeps its subject in the central 80%: padding of at least {0}.', value);
    case 'unknownSnippet':
      return vscode.l10n.t('No snippet has the id {0}.', value);
    case 'formatExtension':
      return vscode.l10n.t('The file name does not end in the extension of its format: .{0}, or {1}.', value, '{ext}');
    case 'invalidJson':
      return vscode.l10n.t('Not valid JSON: {0}.', value);
    case 'emptyFile':
      return vscode.l10n.t('The file is empty.');
    default:
      return problem.message;
  }
}
