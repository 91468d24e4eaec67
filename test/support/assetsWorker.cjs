// The asset worker's TypeScript source, run through tsx (the build bundles it as dist/assetsWorker.js).
require('tsx/cjs');
require('../../src/extension/assets/worker.ts');
