// Builds the extension with esbuild.
//   node esbuild.mjs                 development build (source maps)
//   node esbuild.mjs --production    minified, what `npm run package` ships
//   node esbuild.mjs --watch         rebuilds on change
//   node esbuild.mjs --tests         also bundles the integration tests into out/
// Type checking is separate: `npm run typecheck` runs tsc per layer.
import * as esbuild from 'esbuild';
import { cpSync, readdirSync, readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';

const production = process.argv.includes('--production');

if (production) {
  // What ships must speak every language it claims: a missing or stale translation stops here.
  const { checkTranslations } = await import('./scripts/lib/l10n.mjs');
  const problems = await checkTranslations('.');
  if (problems.length > 0) {
    console.error(`✘ [ERROR] Translations are incomplete:\n  ${problems.join('\n  ')}`);
    process.exit(1);
  }
}
const watch = process.argv.includes('--watch');
const tests = process.argv.includes('--tests');

/**
 * `main.ts` loads `services.ts` with a dynamic import. This keeps that import pointing at the
 * separate `dist/services.js` instead of inlining it, so activation loads none of it.
 */
const lazyServices = {
  name: 'lazy-services',
  setup(build) {
    build.onResolve({ filter: /^\.\/services$/ }, (args) =>
      args.importer.endsWith(join('src', 'extension', 'main.ts')) ? { path: './services.js', external: true } : undefined,
    );
  },
};

/** Prints errors the way VS Code's problem matchers read them. */
const problems = {
  name: 'problems',
  setup(build) {
    build.onEnd((result) => {
      for (const { text, location } of result.errors) {
        console.error(`✘ [ERROR] ${text}`);
        if (location) console.error(`    ${location.file}:${location.line}:${location.column}:`);
      }
    });
  },
};

const common = {
  bundle: true,
  minify: production,
  sourcemap: production ? false : 'linked',
  sourcesContent: false,
  legalComments: 'none',
  logLevel: 'warning',
  metafile: true,
  plugins: [problems],
};

// jsonc-parser's main build is UMD, whose requires a bundler cannot follow: its ES modules are bundled instead.
const esmAliases = { 'jsonc-parser': 'jsonc-parser/lib/esm/main.js' };

const contexts = [
  await esbuild.context({
    ...common,
    entryPoints: { extension: 'src/extension/main.ts', services: 'src/extension/services.ts' },
    outdir: 'dist',
    format: 'cjs',
    platform: 'node',
    target: 'node20',
    external: ['vscode'],
    alias: esmAliases,
    plugins: [...common.plugins, lazyServices],
  }),
  await esbuild.context({
    ...common,
    entryPoints: { webview: 'src/webview/main.ts', compare: 'src/webview/compare.ts', history: 'src/webview/history/main.ts' },
    outdir: 'dist',
    format: 'iife',
    platform: 'browser',
    target: 'es2022',
  }),
];

// The image pipeline's worker, started on first use. The codecs are ES modules that may build
// URLs from `import.meta.url`, which a CommonJS bundle lacks: it is defined as this file's URL.
contexts.push(
  await esbuild.context({
    ...common,
    entryPoints: { assetsWorker: 'src/extension/assets/worker.ts' },
    outdir: 'dist',
    format: 'cjs',
    platform: 'node',
    target: 'node20',
    define: { 'import.meta.url': '__importMetaUrl' },
    banner: { js: 'var __importMetaUrl = require("url").pathToFileURL(__filename).href;' },
  }),
);

if (tests) {
  // test/integration/*.test.ts run in a one-folder workspace, test/integration/multiroot/* in one
  // of several folders (see .vscode-test.mjs).
  const entries = Object.fromEntries(
    ['', 'multiroot'].flatMap((sub) =>
      readdirSync(join('test/integration', sub))
        .filter((name) => name.endsWith('.ts'))
        .map((name) => [join(sub, name.replace(/\.ts$/, '')), join('test/integration', sub, name)]),
    ),
  );
  contexts.push(
    await esbuild.context({
      ...common,
      minify: false,
      sourcemap: 'inline',
      entryPoints: entries,
      outdir: 'out/test/integration',
      format: 'cjs',
      platform: 'node',
      target: 'node20',
      // sharp is native; mocha is provided by the test runner in the extension host.
      external: ['vscode', 'sharp', 'mocha'],
      alias: esmAliases,
    }),
  );
}

// The codicon font and stylesheet, served to the webview from beside the bundle.
mkdirSync('dist/codicons', { recursive: true });
for (const file of ['codicon.css', 'codicon.ttf']) {
  cpSync(join('node_modules/@vscode/codicons/dist', file), join('dist/codicons', file));
}

// The codecs' WebAssembly, loaded by the asset worker from dist/wasm/<name>.wasm.
mkdirSync('dist/wasm', { recursive: true });
const wasmSources = JSON.parse(readFileSync('src/extension/assets/wasm.json', 'utf8'));
const requireHere = createRequire(import.meta.url);
for (const [name, source] of Object.entries(wasmSources)) {
  cpSync(requireHere.resolve(source), join('dist/wasm', `${name}.wasm`));
}

if (watch) {
  await Promise.all(contexts.map((context) => context.watch()));
} else {
  const results = await Promise.all(contexts.map((context) => context.rebuild()));
  // What ships of other projects, with their licenses: the shipped bundles' inputs, the codecs'
  // WebAssembly and the codicons copied beside them.
  const { thirdPartyNotices } = await import('./scripts/lib/notices.mjs');
  const shipped = results.slice(0, 3).flatMap((result) => Object.keys(result.metafile.inputs));
  const copied = [...Object.values(wasmSources).map((source) => requireHere.resolve(source)), requireHere.resolve('@vscode/codicons/dist/codicon.css')];
  writeFileSync('dist/ThirdPartyNotices.txt', thirdPartyNotices([...shipped, ...copied]));
  mkdirSync('out', { recursive: true });
  writeFileSync('out/meta-extension.json', JSON.stringify(results[0].metafile));
  writeFileSync('out/meta-webview.json', JSON.stringify(results[1].metafile));
  await Promise.all(contexts.map((context) => context.dispose()));
}
