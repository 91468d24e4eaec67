import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { Codecs } from '../../src/extension/assets/codecs';
import { Resizer } from '../../src/extension/assets/resize';
import { WasmLoader, type WasmLocator, type WasmName } from '../../src/extension/assets/wasmLoader';

const root = join(__dirname, '..', '..');
const requireHere = createRequire(join(root, 'package.json'));

/** The codecs' WebAssembly files where npm put them (the build copies them to dist/wasm). */
export const wasmSources = JSON.parse(readFileSync(join(root, 'src/extension/assets/wasm.json'), 'utf8')) as Record<WasmName, string>;

export const wasmInPackages: WasmLocator = (name) => requireHere.resolve(wasmSources[name]);

/** The pipeline in this process, over the files in node_modules. */
export function localPipeline(): { loader: WasmLoader; codecs: Codecs; resizer: Resizer } {
  const loader = new WasmLoader(wasmInPackages);
  return { loader, codecs: new Codecs(loader), resizer: new Resizer(loader) };
}
