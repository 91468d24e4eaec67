import { createWriteStream, type WriteStream } from 'node:fs';
import { open } from 'node:fs/promises';
import { EvoLinkError } from '../../common/errors';
import { ImageEndScanner, wholeIntegrity } from '../../common/imageEnd';
import type { ImageIntegrity } from '../../common/imageType';
import type { ImageFormat } from '../../common/models';
import type { DownloadSink } from '../api/client';

/** How much of the start of an image is kept to read its type and size from. */
export const headBytes = 256 * 1024;
/** How much of the end of an image is kept to tell a whole file from a cut one. */
export const tailBytes = 64;

/** Reads the start and the end of a file, whatever its size. */
export async function readHeadAndTail(path: string): Promise<{ head: Uint8Array; tail: Uint8Array; size: number }> {
  const file = await open(path, 'r');
  try {
    const size = (await file.stat()).size;
    const head = new Uint8Array(Math.min(headBytes, size));
    const { bytesRead } = await file.read(head, 0, head.length, 0);
    const tail = new Uint8Array(Math.min(tailBytes, size));
    await file.read(tail, 0, tail.length, size - tail.length);
    return { head: head.subarray(0, bytesRead), tail, size };
  } finally {
    await file.close();
  }
}

/** Whether a file is a whole image (`wholeIntegrity`): its structure is walked from the disk, in pieces. */
export function fileIntegrity(path: string, format: ImageFormat, head: Uint8Array, tail: Uint8Array, size: number): Promise<ImageIntegrity> {
  return wholeIntegrity(format, head, tail, size, async () => {
    const scanner = new ImageEndScanner();
    const file = await open(path, 'r');
    try {
      const piece = new Uint8Array(256 * 1024);
      for (let position = 0; position < size && scanner.result === 'open'; ) {
        const { bytesRead } = await file.read(piece, 0, piece.length, position);
        if (bytesRead === 0) break;
        scanner.push(piece.subarray(0, bytesRead));
        position += bytesRead;
      }
    } finally {
      await file.close();
    }
    return scanner.result;
  });
}

function storageError(error: unknown): EvoLinkError {
  const code = (error as NodeJS.ErrnoException | undefined)?.code ?? '';
  // The path is this machine's: only the code goes on.
  return new EvoLinkError('fileSystem', `The download could not be written (${code || 'error'}).`, { code: code === 'ENOSPC' || code === 'EDQUOT' ? 'storageFull' : 'storageFailed', cause: error });
}

/** How many bytes are gathered before they go to the disk in one write (a `writev` of the chunks). */
export const batchBytes = 512 * 1024;
/** How many bytes may wait for the disk before a write waits for it (backpressure). */
const inFlightBytes = 1 << 20;

/**
 * Writes a download to a local file as it arrives (memory stays flat whatever the size), and
 * keeps its first 256 KB and last 64 bytes, to read the image's type and size and to tell a
 * whole image from a cut one. A failing disk (full, read-only) fails the next write or `close`
 * with a `fileSystem` error; it never goes unhandled.
 *
 * The cost per chunk is kept constant and small, because a TLS connection delivers a body in
 * pieces of 16 KB or less and a slow link in smaller ones: the head and the tail are filled in
 * place (no buffer grows or is allocated per chunk), and chunks are handed to the disk together,
 * one `writev` for each {@link batchBytes} instead of one write each, without being copied.
 */
export class FileSink implements DownloadSink {
  private readonly headBuffer = new Uint8Array(headBytes);
  private headLength = 0;
  private readonly tailBuffer = new Uint8Array(tailBytes);
  private tailLength = 0;
  /** Bytes written since the stream was last uncorked. */
  private batched = 0;
  private stream!: WriteStream;
  private failure: EvoLinkError | undefined;

  constructor(private readonly path: string) {
    this.openStream();
  }

  /** The first bytes of the download (at most {@link headBytes}). */
  get head(): Uint8Array {
    return this.headBuffer.subarray(0, this.headLength);
  }

  /** The last bytes of the download (at most {@link tailBytes}). */
  get tail(): Uint8Array {
    return this.tailBuffer.subarray(0, this.tailLength);
  }

  private openStream(): void {
    this.failure = undefined;
    this.batched = 0;
    // With the default 16 KB, a download would wait for the disk after every chunk.
    const stream = createWriteStream(this.path, { highWaterMark: inFlightBytes });
    stream.on('error', (error) => {
      this.failure ??= storageError(error);
    });
    stream.cork();
    this.stream = stream;
  }

  /** Fails with the disk's error, once the stream has met one. */
  private check(): void {
    const failure: EvoLinkError | undefined = this.failure;
    if (failure) throw failure;
  }

  private keep(chunk: Uint8Array): void {
    if (this.headLength < headBytes) {
      const part = chunk.subarray(0, headBytes - this.headLength);
      this.headBuffer.set(part, this.headLength);
      this.headLength += part.length;
    }
    if (chunk.length >= tailBytes) {
      this.tailBuffer.set(chunk.subarray(chunk.length - tailBytes));
      this.tailLength = tailBytes;
    } else {
      const kept = Math.min(this.tailLength, tailBytes - chunk.length);
      this.tailBuffer.copyWithin(0, this.tailLength - kept, this.tailLength);
      this.tailBuffer.set(chunk, kept);
      this.tailLength = kept + chunk.length;
    }
  }

  async write(chunk: Uint8Array): Promise<void> {
    this.check();
    this.keep(chunk);
    // Corked, the stream only queues the chunk (a reference, not a copy); uncorked, it hands all
    // it queued to one `writev`. Past the high-water mark the stream stays uncorked until the
    // disk has taken everything, so that a corked queue never waits for a drain that cannot come.
    const more = this.stream.write(chunk);
    this.batched += chunk.length;
    if (this.batched >= batchBytes || !more) {
      this.batched = 0;
      this.stream.uncork();
      if (!more) await this.drained();
      this.stream.cork();
    }
    this.check();
  }

  /** Waits until the disk has taken what is in flight (or the stream failed or closed). */
  private drained(): Promise<void> {
    return new Promise<void>((resolve) => {
      const done = (): void => {
        this.stream.off('drain', done);
        this.stream.off('error', done);
        this.stream.off('close', done);
        resolve();
      };
      this.stream.on('drain', done);
      this.stream.on('error', done);
      this.stream.on('close', done);
    });
  }

  async reset(): Promise<void> {
    await this.close().catch(() => undefined);
    this.headLength = 0;
    this.tailLength = 0;
    this.openStream();
  }

  /** Ends the file; fails when anything could not be written. May be called more than once. */
  close(): Promise<void> {
    return new Promise((resolve, reject) => {
      const settle = (): void => (this.failure ? reject(this.failure) : resolve());
      if (this.stream.closed || this.stream.destroyed) {
        settle();
        return;
      }
      this.stream.once('close', settle);
      // `end` writes what is still corked first.
      this.stream.end();
    });
  }
}
