import * as assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { builtinRecipes } from '../../src/common/builtinRecipes';
import { maskablePadding } from '../../src/common/imageGeometry';
import { recipeSchemaJson } from '../../src/common/recipeJsonSchema';
import { parseRecipe, placeholdersOf, type RecipeInput } from '../../src/common/recipes';

const favicon = (): RecipeInput => structuredClone(builtinRecipes.find((recipe) => recipe.id === 'favicon-set')!);

describe('Recipes', () => {
  it('accepts every built-in recipe and fills in the defaults', () => {
    for (const input of builtinRecipes) {
      const { recipe, problems } = parseRecipe(input);
      assert.deepEqual(problems, [], input.id);
      assert.ok(recipe!.outputs.every((output) => output.fit));
    }
  });

  it('describes the modern favicon set: ICO 48/32/16, 96, 180, and separate any and maskable icons', () => {
    const { recipe } = parseRecipe(favicon());
    const files = recipe!.outputs.map((output) => output.file);
    assert.deepEqual(files, [
      'favicon.ico',
      'favicon-96x96.png',
      'apple-touch-icon.png',
      'web-app-manifest-192x192.png',
      'web-app-manifest-512x512.png',
      'web-app-manifest-maskable-192x192.png',
      'web-app-manifest-maskable-512x512.png',
    ]);
    assert.deepEqual(recipe!.outputs[0]!.sizes, [48, 32, 16]);
    assert.ok(recipe!.outputs.filter((output) => output.purpose === 'maskable').every((output) => output.padding === maskablePadding && output.background === undefined));
    assert.equal(recipe!.snippets.find((snippet) => snippet.id === 'manifest')!.file, 'site.webmanifest');
  });

  it('names the path of a field of the wrong type', () => {
    const broken = favicon() as unknown as { outputs: { width: unknown }[] };
    broken.outputs[1]!.width = 'ninety-six';
    assert.deepEqual(parseRecipe(broken).problems.map((problem) => problem.path), ['outputs.1.width']);
  });

  it('refuses an ICO without sizes, a PNG with a quality and a maskable icon without padding', () => {
    const broken = favicon();
    delete broken.outputs[0]!.sizes;
    broken.outputs[1]!.quality = 80;
    delete broken.outputs[5]!.padding;
    const paths = parseRecipe(broken).problems.map((problem) => problem.path);
    assert.deepEqual(paths, ['outputs.0.sizes', 'outputs.1.quality', 'outputs.5.padding']);
  });

  it('makes only a WebP lossless, and then without a quality', () => {
    const broken = favicon();
    broken.outputs[1]!.lossless = true;
    broken.outputs[3]!.format = 'webp';
    broken.outputs[3]!.file = 'icon-192.webp';
    broken.outputs[3]!.lossless = true;
    broken.outputs[3]!.quality = 90;
    broken.outputs[4]!.format = 'webp';
    broken.outputs[4]!.file = 'icon-512.webp';
    broken.outputs[4]!.lossless = true;
    const { problems } = parseRecipe(broken);
    assert.deepEqual(problems.map((problem) => [problem.path, problem.kind]), [['outputs.1.lossless', 'losslessWebp'], ['outputs.3.lossless', 'losslessWebp']]);
  });

  it('refuses an undeclared prompt placeholder, an unknown snippet, a repeated file and a path that climbs out', () => {
    const broken = favicon();
    broken.prompt.template += ' {mood}';
    broken.outputs[1]!.snippets = [{ snippet: 'nowhere', text: 'x' }];
    broken.outputs[2]!.file = 'favicon-96x96.png';
    broken.output.folder = '../outside';
    const paths = parseRecipe(broken).problems.map((problem) => problem.path);
    assert.deepEqual(paths.sort(), ['output.folder', 'outputs.1.snippets.0.snippet', 'outputs.2.file', 'prompt.template'].sort());
  });

  it('compares output files as a run fills them in, in any case, snippets included', () => {
    const sized = favicon();
    // One pattern for two sizes is two files.
    sized.outputs[3]!.file = 'icon-{width}.png';
    sized.outputs[4]!.file = 'icon-{width}.png';
    assert.deepEqual(parseRecipe(sized).problems, []);
    const clashing = favicon();
    clashing.outputs[1]!.file = 'A-{width}.png';
    clashing.outputs[2]!.file = 'a-96.png';
    clashing.snippets!.find((snippet) => snippet.id === 'manifest')!.file = 'Favicon.ICO';
    const paths = parseRecipe(clashing).problems.map((problem) => problem.path);
    assert.deepEqual(paths.sort(), ['outputs.2.file', `snippets.${clashing.snippets!.findIndex((snippet) => snippet.id === 'manifest')}.file`].sort());
  });

  it('refuses an output whose file name does not end in the extension of its format', () => {
    const named = favicon();
    named.outputs[1]!.file = 'icon.webp';
    named.outputs[2]!.file = 'apple-touch-icon';
    named.outputs[3]!.format = 'jpeg';
    named.outputs[3]!.file = 'icon-192.JPEG';
    named.outputs[4]!.format = 'jpeg';
    named.outputs[4]!.file = 'icon-512.jpg';
    named.outputs[5]!.file = 'maskable-192.{ext}';
    named.outputs[6]!.format = 'webp';
    // A value filled in by a run could make the extension anything.
    named.outputs[0]!.file = 'favicon.{name}';
    const { problems } = parseRecipe(named);
    assert.deepEqual(problems.map((problem) => problem.path), ['outputs.0.file', 'outputs.1.file', 'outputs.2.file', 'outputs.6.file']);
    assert.deepEqual(problems.map((problem) => [problem.kind, problem.value]), [['formatExtension', 'ico'], ['formatExtension', 'png'], ['formatExtension', 'png'], ['formatExtension', 'webp']]);
  });

  it('finds the placeholders of a pattern once each', () => {
    assert.deepEqual(placeholdersOf('{name}-{width}x{height}.{ext} {name} {not valid} {1x}'), ['name', 'width', 'height', 'ext']);
  });

  it('ships a JSON schema that is generated from the current recipe schema', () => {
    const shipped = readFileSync(join(__dirname, '../../media/schemas/recipe.schema.json'), 'utf8');
    assert.equal(shipped, `${JSON.stringify(recipeSchemaJson(), null, 2)}\n`, 'run: npx tsx scripts/recipe-schema.mjs');
  });
});
