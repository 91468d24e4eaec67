import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import type { EncodeOptions } from './codecs';
import type { OutputSpec, ResizeChain } from './outputs';
import type { ResizeRequest } from './resize';
import type { RgbaImage } from './rgba';
import { transferables, type WorkerMessage, type WorkerReply, type WorkerRequest, type WorkerResults, type WorkerSetup } from './workerProtocol';

/** Where the worker's script and the codecs are; the defaults are the bundle's own folder. */
export interface AssetWorkerOptions {
  script?: string;
  wasmDirectory?: string;
  /** The worker stops after this long without work, giving back its memory; 30 s unless given. */
  idleMs?: number;
  /**
   * The worker is stopped, and every call under way fails with {@link AssetWorkStalled}, when it
   * has had work and answered nothing for this long (a codec caught in a damaged file); 5 min
   * unless given, far beyond the slowest real work (a 4K AVIF takes seconds).
   */
  stallMs?: number;
}

interface Pending {
  resolve(value: unknown): void;
  reject(error: Error): void;
  /** Stops listening to the caller's signal. */
  done(): void;
}

/** The error a call stopped by its signal fails with. */
export class AssetWorkCancelled extends Error {
  constructor() {
    super('The image work was cancelled.');
    this.name = 'AbortError';
  }
}

/** The error calls fail with when the worker answered nothing for {@link AssetWorkerOptions.stallMs}. */
export class AssetWorkStalled extends Error {
  constructor(readonly afterMs: number) {
    super(`The image work gave no answer for ${Math.round(afterMs / 1000)} s and was stopped.`);
    this.name = 'TimeoutError';
  }
}

/**
 * The image pipeline as the extension host uses it: every operation runs in one worker thread,
 * started on first use and stopped when idle, so activation loads none of it. Buffers passed in
 * are transferred to the worker: the caller must not use them afterwards.
 */
export class AssetWorker {
  private worker: Worker | undefined;
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;
  private idleTimer: NodeJS.Timeout | undefined;
  /** Runs while calls are under way; set again by each answer. */
  private stallTimer: NodeJS.Timeout | undefined;

  constructor(private readonly options: AssetWorkerOptions = {}) {}

  /** Decodes a PNG, JPEG, WebP, BMP or TIFF file to RGBA. */
  decode(bytes: Uint8Array): Promise<RgbaImage> {
    return this.call({ op: 'decode', bytes });
  }

  /** Resizes an image (cover, contain or fill, Lanczos3). */
  resize(image: RgbaImage, request: ResizeRequest): Promise<RgbaImage> {
    return this.call({ op: 'resize', image, request });
  }

  /** Encodes an image as PNG, JPEG, WebP or AVIF. */
  encode(image: RgbaImage, options: EncodeOptions): Promise<Uint8Array> {
    return this.call({ op: 'encode', image, options });
  }

  /**
   * Makes every output from one source file, decoding it once. `signal` stops it: where no other
   * call is under way the thread is stopped, which stops a codec mid-run (it starts again on the
   * next call); the call fails with {@link AssetWorkCancelled} at once either way.
   */
  run(source: Uint8Array, outputs: OutputSpec[], chain?: ResizeChain, signal?: AbortSignal): Promise<WorkerResults['run']> {
    return this.call(chain ? { op: 'run', source, outputs, chain } : { op: 'run', source, outputs }, signal);
  }

  /** Whether the thread is started (it stops when idle, disposed or cancelled). */
  get running(): boolean {
    return this.worker !== undefined;
  }

  /** Stops the worker; calls still pending fail. */
  dispose(): void {
    this.stop(new Error('The image worker was stopped.'));
  }

  /** Stops the thread; calls still pending fail with `error`. */
  private stop(error: Error): void {
    clearTimeout(this.idleTimer);
    const worker = this.worker;
    this.worker = undefined;
    this.failAll(error);
    void worker?.terminate();
  }

  /** Watches for an answer from now on while calls are under way; stops watching when none is. */
  private watch(): void {
    clearTimeout(this.stallTimer);
    this.stallTimer = undefined;
    if (this.pending.size === 0) return;
    const stallMs = this.options.stallMs ?? 5 * 60_000;
    this.stallTimer = setTimeout(() => this.stop(new AssetWorkStalled(stallMs)), stallMs);
    this.stallTimer.unref();
  }

  private call<R extends WorkerRequest>(request: R, signal?: AbortSignal): Promise<WorkerResults[R['op']]> {
    if (signal?.aborted) return Promise.reject(new AssetWorkCancelled());
    const worker = this.start();
    clearTimeout(this.idleTimer);
    const id = this.nextId++;
    const message: WorkerMessage = { ...request, id };
    return new Promise<WorkerResults[R['op']]>((resolve, reject) => {
      const abort = (): void => this.cancel(id);
      signal?.addEventListener('abort', abort, { once: true });
      this.pending.set(id, { resolve, reject, done: () => signal?.removeEventListener('abort', abort) });
      // The first call under way starts the watch; a call queued behind others does not restart it.
      if (this.stallTimer === undefined) this.watch();
      worker.postMessage(message, transferables(request));
    });
  }

  /** Fails a call at once; stops the thread when nothing else is under way there. */
  private cancel(id: number): void {
    const pending = this.pending.get(id);
    if (!pending) return;
    this.pending.delete(id);
    pending.done();
    pending.reject(new AssetWorkCancelled());
    if (this.pending.size === 0) this.dispose();
  }

  private start(): Worker {
    if (this.worker) return this.worker;
    const setup: WorkerSetup = { wasmDirectory: this.options.wasmDirectory ?? join(__dirname, 'wasm') };
    const worker = new Worker(this.options.script ?? join(__dirname, 'assetsWorker.js'), {
      workerData: setup,
      // The host's own Node options (an inspector port, for one) are not the worker's.
      execArgv: [],
    });
    worker.on('message', (reply: WorkerReply) => this.settle(reply));
    worker.on('error', (error) => this.stopped(worker, error));
    worker.on('exit', (code) => this.stopped(worker, new Error(`The image worker stopped (exit code ${code}).`)));
    this.worker = worker;
    return worker;
  }

  private settle(reply: WorkerReply): void {
    const pending = this.pending.get(reply.id);
    if (!pending) return;
    this.pending.delete(reply.id);
    pending.done();
    this.watch();
    if (reply.ok) {
      pending.resolve(reply.result);
    } else {
      const error = reply.name === 'TypeError' ? new TypeError(reply.message) : new Error(reply.message);
      pending.reject(error);
    }
    if (this.pending.size === 0) {
      this.idleTimer = setTimeout(() => this.dispose(), this.options.idleMs ?? 30_000);
      this.idleTimer.unref();
    }
  }

  private stopped(worker: Worker, error: Error): void {
    if (this.worker !== worker) return;
    this.worker = undefined;
    this.failAll(error);
  }

  private failAll(error: Error): void {
    for (const pending of this.pending.values()) {
      pending.done();
      pending.reject(error);
    }
    this.pending.clear();
    // Nothing is under way any more: no answer is waited for.
    this.watch();
  }
}
