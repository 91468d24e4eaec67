import * as assert from 'node:assert/strict';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { checkTranslations, languages } from '../../scripts/lib/l10n.mjs';

describe('Translations', function () {
  this.timeout(30_000);

  it('cover every string of the code and the manifest in German, Japanese and Simplified Chinese, none stale', async () => {
    assert.deepEqual(languages, ['de', 'ja', 'zh-cn']);
    assert.deepEqual(await checkTranslations('.'), []);
  });

  it('fail when a string is missing in a language, a placeholder is lost, or the English bundle is stale', async () => {
    const root = mkdtempSync(join(tmpdir(), 'evolink-l10n-'));
    try {
      for (const path of ['src', 'l10n', 'package.nls.json', ...languages.map((language) => `package.nls.${language}.json`)]) cpSync(path, join(root, path), { recursive: true });
      const german = join(root, 'l10n', 'bundle.l10n.de.json');
      const bundle = JSON.parse(readFileSync(german, 'utf8')) as Record<string, string>;
      delete bundle['Generate'];
      bundle['{0} credits used'] = 'Credits verbraucht';
      writeFileSync(german, JSON.stringify(bundle));
      writeFileSync(join(root, 'src', 'extension', 'added.ts'), "import * as vscode from 'vscode';\nexport const added = vscode.l10n.t('A string nobody exported');\n");
      const problems = await checkTranslations(root);
      assert.ok(problems.includes('l10n/bundle.l10n.de.json: missing "Generate"'), problems.join('\n'));
      assert.ok(problems.includes('l10n/bundle.l10n.de.json: placeholders differ in "{0} credits used"'), problems.join('\n'));
      assert.ok(problems.some((problem) => problem.startsWith('l10n/bundle.l10n.json') && problem.includes('A string nobody exported')), problems.join('\n'));
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});
