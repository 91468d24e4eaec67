import type { EncodeOptions } from './codecs';
import type { OutputResult, OutputSpec, ResizeChain } from './outputs';
import type { ResizeRequest } from './resize';
import type { RgbaImage } from './rgba';

/** What the host asks the asset worker. Buffers are transferred, not copied. */
export type WorkerRequest =
  | { op: 'decode'; bytes: Uint8Array }
  | { op: 'resize'; image: RgbaImage; request: ResizeRequest }
  | { op: 'encode'; image: RgbaImage; options: EncodeOptions }
  | { op: 'run'; source: Uint8Array; outputs: OutputSpec[]; chain?: ResizeChain };

/** The answer to each request, by operation. */
export interface WorkerResults {
  decode: RgbaImage;
  resize: RgbaImage;
  encode: Uint8Array;
  run: OutputResult[];
}

/** A request as posted, with its number. */
export type WorkerMessage = WorkerRequest & { id: number };

/** The worker's answer to request `id`. */
export type WorkerReply = { id: number; ok: true; result: unknown } | { id: number; ok: false; name: string; message: string };

/** What the worker is started with. */
export interface WorkerSetup {
  /** The folder of the codecs' `.wasm` files. */
  wasmDirectory: string;
}

/** The buffers of a value that can move to the other thread instead of being copied. */
export function transferables(value: unknown): ArrayBuffer[] {
  const found = new Set<ArrayBuffer>();
  const visit = (item: unknown): void => {
    if (item instanceof Uint8Array) {
      if (item.buffer instanceof ArrayBuffer && item.byteLength === item.buffer.byteLength) found.add(item.buffer);
    } else if (Array.isArray(item)) {
      item.forEach(visit);
    } else if (item && typeof item === 'object') {
      Object.values(item).forEach(visit);
    }
  };
  visit(value);
  return [...found];
}

/**
 * A thrown value as readable text: an Error's message, the `message` of an object that is not an
 * Error (Emscripten's `ExitStatus`, which a codec throws when it stops), else the value itself.
 */
export function thrownText(error: unknown): string {
  if (error instanceof Error) return error.message;
  if (error && typeof error === 'object') {
    const { message, name } = error as { message?: unknown; name?: unknown };
    if (typeof message === 'string' && message !== '') return message;
    if (typeof name === 'string' && name !== '') return name;
    try {
      return JSON.stringify(error) ?? 'unknown error';
    } catch {
      return 'unknown error';
    }
  }
  return String(error);
}
