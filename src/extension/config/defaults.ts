/**
 * The defaults of `contributes.configuration`, kept apart from the code that reads settings so
 * that a unit test can compare them with package.json without loading VS Code.
 */
export const settingDefaults = {
  apiBaseUrl: 'https://api.evolink.ai',
  filesApiBaseUrl: 'https://files-api.evolink.ai',
  requestTimeoutSeconds: 30,
  outputFolder: 'images/generated',
  defaultModel: 'gpt-4o-image',
  openResults: 'preview',
  dailyCreditLimit: 0,
  provenance: 'index',
} as const;
