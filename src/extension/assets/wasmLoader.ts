import { readFile } from 'node:fs/promises';
import { join } from 'node:path';

/**
 * The WebAssembly modules of the codecs. `esbuild.mjs` copies each file listed in `wasm.json`
 * (name -> file in node_modules) to `dist/wasm/<name>.wasm`; nothing else names them.
 */
export type WasmName = 'png' | 'resize' | 'jpegDecoder' | 'jpegEncoder' | 'webpDecoder' | 'webpEncoder' | 'avifEncoder';

export const wasmNames: readonly WasmName[] = ['png', 'resize', 'jpegDecoder', 'jpegEncoder', 'webpDecoder', 'webpEncoder', 'avifEncoder'];

/** A compiled WebAssembly module (typed here: the extension's libraries leave out the DOM's types). */
export interface WasmModule {
  readonly wasmModule?: never;
}

/** The part of the WebAssembly API the codecs use. */
export interface WebAssemblyApi {
  compile(bytes: Uint8Array): Promise<WasmModule>;
  Instance: new (module: WasmModule, imports: object) => { exports: object };
}

export const webAssembly = (globalThis as unknown as { WebAssembly: WebAssemblyApi }).WebAssembly;

/** Finds the file of a module. */
export type WasmLocator = (name: WasmName) => string;

/** The shipped layout: `<dir>/<name>.wasm` (dir is `dist/wasm` in the package). */
export function wasmInDirectory(directory: string): WasmLocator {
  return (name) => join(directory, `${name}.wasm`);
}

/**
 * Compiles each module once, on first use: the AVIF encoder alone is 3.5 MB of WebAssembly and
 * must cost nothing until an AVIF is written.
 */
export class WasmLoader {
  private readonly compiled = new Map<WasmName, Promise<WasmModule>>();
  /** How long each compilation took (read and compile), in milliseconds. */
  readonly compileMs = new Map<WasmName, number>();

  constructor(private readonly locate: WasmLocator) {}

  module(name: WasmName): Promise<WasmModule> {
    let pending = this.compiled.get(name);
    if (!pending) {
      pending = this.compile(name);
      this.compiled.set(name, pending);
      // A failed read may succeed later (a file being replaced): do not keep the failure.
      pending.catch(() => this.compiled.delete(name));
    }
    return pending;
  }

  private async compile(name: WasmName): Promise<WasmModule> {
    const started = performance.now();
    const bytes = await readFile(this.locate(name));
    const module = await webAssembly.compile(bytes);
    this.compileMs.set(name, performance.now() - started);
    return module;
  }
}
