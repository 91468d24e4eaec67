import * as z from 'zod/mini';
import { recipeSchema } from './recipes';

/**
 * The JSON schema of a recipe file, for editors: what a person writes (defaults may be left
 * out). The checks that span fields (declared placeholders, snippet ids, ICO sizes) live in the
 * zod schema only; the editor shows the rest as you type.
 */
export function recipeSchemaJson(): Record<string, unknown> {
  const schema = z.toJSONSchema(recipeSchema, { io: 'input', unrepresentable: 'any' }) as Record<string, unknown>;
  return {
    ...schema,
    $id: 'https://evolink.ai/schemas/image-studio/recipe.schema.json',
    title: 'EvoLink Image Studio recipe',
    description: 'A prompt, a model, and the files made from the generated image, with the snippets that use them.',
  };
}
