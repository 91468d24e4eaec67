import { evolinkBaseUrls } from '../../common/endpoints';

/**
 * The defaults of `contributes.configuration`, kept apart from the code that reads settings so
 * that a unit test can compare them with package.json without loading VS Code.
 */
export const settingDefaults = {
  apiBaseUrl: evolinkBaseUrls.api,
  filesApiBaseUrl: evolinkBaseUrls.files,
  requestTimeoutSeconds: 30,
  outputFolder: 'images/generated',
  defaultModel: 'gpt-4o-image',
  openResults: 'preview',
  dailyCreditLimit: 0,
  provenance: 'index',
} as const;
