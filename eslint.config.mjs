// Lint: typescript-eslint with type information, plus the fences between the source layers
// (src/common, src/extension, src/webview; see CONTRIBUTING.md). tsc already refuses a DOM or
// Node type where a layer's tsconfig leaves it out; these rules also refuse the imports themselves.
import tseslint from 'typescript-eslint';

const nodeBuiltins = ['node:*', 'fs', 'path', 'os', 'crypto', 'http', 'https', 'net', 'child_process', 'stream', 'util', 'url', 'buffer', 'events'];

/** Every layer uses zod's mini build: the classic one brings all of zod's locales into the bundle. */
const zodClassic = { regex: '^zod(/v4(/classic)?)?$', message: "zod/mini only: zod's classic build brings all of its locales into the bundle." };

export default tseslint.config(
  {
    ignores: ['dist/**', 'out/**', 'node_modules/**', 'tools/**', '.vscode-test/**', '**/*.mjs', '**/*.cjs', '**/*.d.ts'],
  },
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: {
        project: ['./src/common/tsconfig.json', './src/extension/tsconfig.json', './src/webview/tsconfig.json', './tsconfig.tools.json'],
        tsconfigRootDir: import.meta.dirname,
      },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'inline-type-imports' }],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
      'no-restricted-syntax': ['error', { selector: 'ExportDefaultDeclaration', message: 'Use named exports.' }],
    },
  },
  {
    // No god files: a file is one concern, a function fits on a screen.
    files: ['src/**/*.ts'],
    rules: {
      'max-lines': ['error', { max: 400, skipBlankLines: false, skipComments: false }],
      'max-lines-per-function': ['error', { max: 80, skipBlankLines: true, skipComments: true, IIFEs: true }],
    },
  },
  {
    files: ['src/common/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', { patterns: [
        { group: ['vscode', 'undici', ...nodeBuiltins], message: 'src/common is plain TypeScript: no vscode, Node built-ins or undici.' },
        { group: ['**/extension/**', '**/webview/**'], message: 'src/common imports nothing from the other layers.' },
        zodClassic,
      ] }],
    },
  },
  {
    files: ['src/webview/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', { patterns: [
        { group: ['vscode', 'undici', ...nodeBuiltins], message: 'The webview runs in a browser.' },
        { group: ['**/extension/**'], message: 'The webview imports src/common only.' },
        zodClassic,
      ] }],
    },
  },
  {
    files: ['src/extension/**/*.ts'],
    ignores: ['src/extension/net/transport.ts'],
    rules: {
      'no-restricted-imports': ['error', { patterns: [
        { group: ['undici'], message: 'undici is imported in exactly one adapter: src/extension/net/transport.ts.' },
        { group: ['**/webview/**'], message: 'The host does not import webview code.' },
        zodClassic,
      ] }],
    },
  },
  {
    // Activation loads only main.ts and what it imports: the services arrive lazily.
    files: ['src/extension/main.ts', 'src/extension/commands/table.ts', 'src/extension/auth/apiKeyStore.ts', 'src/extension/base/disposable.ts'],
    rules: {
      'no-restricted-imports': ['error', { patterns: [
        { group: ['undici', 'zod', 'zod/*'], message: 'Nothing heavy at activation.' },
        { group: ['./services', '../services', './api/*', '../api/*', './net/*', '../net/*', './config/*', '../config/*'], allowTypeImports: true, message: 'Activation imports services only as types; they load on first use.' },
      ] }],
    },
  },
  {
    files: ['test/**/*.ts', 'simulator/**/*.ts', 'bench/**/*.ts'],
    rules: {
      '@typescript-eslint/no-non-null-assertion': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
    },
  },
  {
    // The simulator stays in files small enough to read whole: one origin or concern each.
    files: ['simulator/**/*.ts'],
    rules: {
      'max-lines': ['error', { max: 400, skipBlankLines: false, skipComments: false }],
      'max-lines-per-function': ['error', { max: 80, skipBlankLines: true, skipComments: true, IIFEs: true }],
    },
  },
);
