/** The agent tool's name, as contributed in `languageModelTools` (light: activation imports it). */
export const imageToolName = 'evolink_generate_image';
