import * as assert from 'node:assert/strict';
import { builtinRecipes } from '../../src/common/builtinRecipes';
import { filesByFolder, inlineNames, plannedFiles, summaryLines } from '../../src/common/fileSummary';
import { planRun } from '../../src/common/recipeRender';
import { parseRecipe } from '../../src/common/recipes';

const words = { more: (count: number) => `and ${count} more`, files: (count: number) => `${count} files` };
const planOf = (id: string) => planRun(parseRecipe(builtinRecipes.find((input) => input.id === id)).recipe!, {}, 'logo');

describe('The summary of the files a recipe writes', () => {
  it('names a few files one by one, outputs first, then the snippet files', () => {
    const files = plannedFiles(planOf('favicon-set'));
    assert.equal(files.at(-1), 'site.webmanifest');
    assert.deepEqual(summaryLines(files, 12, words), files);
    assert.equal(inlineNames(files, 3), 'favicon.ico, favicon-96x96.png, apple-touch-icon.png, …');
  });

  it('names many files in several folders by folder, so that the whole layout shows: the app icon set in 8 lines', () => {
    const files = plannedFiles(planOf('app-icon-set'));
    assert.equal(files.length, 32);
    const lines = summaryLines(files, 12, words);
    assert.deepEqual(lines, [
      'ios/AppIcon.appiconset/: AppIcon-1024.png, AppIcon-180.png … Contents.json (14 files)',
      'android/res/mipmap-mdpi/: ic_launcher.webp, ic_launcher_round.webp, ic_launcher_foreground.png',
      'android/res/mipmap-hdpi/: ic_launcher.webp, ic_launcher_round.webp, ic_launcher_foreground.png',
      'android/res/mipmap-xhdpi/: ic_launcher.webp, ic_launcher_round.webp, ic_launcher_foreground.png',
      'android/res/mipmap-xxhdpi/: ic_launcher.webp, ic_launcher_round.webp, ic_launcher_foreground.png',
      'android/res/mipmap-xxxhdpi/: ic_launcher.webp, ic_launcher_round.webp, ic_launcher_foreground.png',
      'android/: ic_launcher-playstore.png',
      'android/res/mipmap-anydpi-v26/: ic_launcher.xml, ic_launcher_round.xml',
    ]);
    assert.equal(inlineNames(files, 3), 'ios/AppIcon.appiconset/, android/res/mipmap-mdpi/, android/res/mipmap-hdpi/, …');
  });

  it('keeps files of the run\'s own folder on a line of their own, and falls back to the first files when the folders do not fit', () => {
    assert.deepEqual(filesByFolder(['a.png', 'x/b.png', 'c.png']), [{ folder: '', names: ['a.png', 'c.png'] }, { folder: 'x/', names: ['b.png'] }]);
    assert.deepEqual(summaryLines(['a.png', 'x/b.png', 'c.png'], 2, words), ['a.png, c.png', 'x/: b.png']);
    assert.equal(inlineNames(['a.png', 'b.png', 'c.png', 'd.png', 'x/e.png'], 3), 'a.png, b.png, c.png, …');
    const scattered = ['a/1.png', 'b/2.png', 'c/3.png', 'd/4.png'];
    assert.deepEqual(summaryLines(scattered, 3, words), ['a/1.png', 'b/2.png', 'c/3.png', 'and 1 more']);
    const flat = Array.from({ length: 10 }, (_, index) => `icon-${index}.png`);
    assert.deepEqual(summaryLines(flat, 8, words), [...flat.slice(0, 8), 'and 2 more']);
  });
});
