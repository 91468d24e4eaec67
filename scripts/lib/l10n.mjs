// The translations: every string the extension shows, in every language it ships, and none stale.
// Used by the unit tests and by the production build, so that a missing translation fails the
// build, not the user.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { getL10nJson } from '@vscode/l10n-dev';

/** The languages shipped besides English. */
export const languages = ['de', 'ja', 'zh-cn'];

const readJson = (path) => JSON.parse(readFileSync(path, 'utf8'));

function sources(dir) {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory() ? sources(join(dir, entry.name)) : entry.name.endsWith('.ts') ? [join(dir, entry.name)] : [],
  );
}

/** What a translation must keep: `{0}`, `{name}`, `$(icon)`, backticked code and command links. */
function tokens(text) {
  return [...text.matchAll(/\{\w+\}|\$\([\w~-]+\)|`[^`]+`|\(command:[\w.]+\)/g)].map((match) => match[0]).sort();
}

function compare(problems, what, english, translated) {
  for (const key of Object.keys(english)) {
    if (!(key in translated)) problems.push(`${what}: missing ${JSON.stringify(key)}`);
    else if (typeof translated[key] !== 'string' || translated[key].trim() === '') problems.push(`${what}: empty ${JSON.stringify(key)}`);
    else if (tokens(english[key]).join('\u0000') !== tokens(translated[key]).join('\u0000')) problems.push(`${what}: placeholders differ in ${JSON.stringify(key)}`);
  }
  for (const key of Object.keys(translated)) if (!(key in english)) problems.push(`${what}: stale ${JSON.stringify(key)}`);
}

/** Every problem of the translations under `root`; none when all is well. */
export async function checkTranslations(root = '.') {
  const problems = [];
  const extracted = await getL10nJson(sources(join(root, 'src')).map((file) => ({ extension: '.ts', contents: readFileSync(file, 'utf8') })));
  const bundle = readJson(join(root, 'l10n', 'bundle.l10n.json'));
  // The English bundle is what the code says: a string added or changed in the code and not
  // exported (`npm run l10n`) shows up here.
  compare(problems, 'l10n/bundle.l10n.json (run npm run l10n)', extracted, bundle);
  const nls = readJson(join(root, 'package.nls.json'));
  for (const language of languages) {
    compare(problems, `l10n/bundle.l10n.${language}.json`, bundle, readJson(join(root, 'l10n', `bundle.l10n.${language}.json`)));
    compare(problems, `package.nls.${language}.json`, nls, readJson(join(root, `package.nls.${language}.json`)));
  }
  return problems;
}
