// Writes media/schemas/recipe.schema.json from the recipe schema in src/common/recipes.ts:
//   npx tsx scripts/recipe-schema.mjs          (writes the file)
//   npx tsx scripts/recipe-schema.mjs --check  (fails when the file is not current)
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { recipeSchemaJson } from '../src/common/recipeJsonSchema.ts';

const target = join(dirname(fileURLToPath(import.meta.url)), '..', 'media', 'schemas', 'recipe.schema.json');
const text = `${JSON.stringify(recipeSchemaJson(), null, 2)}\n`;
if (process.argv.includes('--check')) {
  if (readFileSync(target, 'utf8') !== text) {
    console.error('media/schemas/recipe.schema.json is out of date: run npx tsx scripts/recipe-schema.mjs');
    process.exit(1);
  }
} else {
  writeFileSync(target, text);
}
