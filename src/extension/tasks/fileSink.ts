import { createWriteStream, type WriteStream } from 'node:fs';
import { open } from 'node:fs/promises';
import { EvoLinkError } from '../../common/errors';
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

function storageError(error: unknown): EvoLinkError {
  const code = (error as NodeJS.ErrnoException | undefined)?.code ?? '';
  // The path is this machine's: only the code goes on.
  return new EvoLinkError('fileSystem', `The download could not be written (${code || 'error'}).`, { code: code === 'ENOSPC' || code === 'EDQUOT' ? 'storageFull' : 'storageFailed', cause: error });
}

/**
 * Writes a download to a local file as it arrives (memory stays flat whatever the size), and
 * keeps its first 256 KB and last 64 bytes, to read the image's type and size and to tell a
 * whole image from a cut one. A failing disk (full, read-only) fails the next write or `close`
 * with a `fileSystem` error; it never goes unhandled.
 */
export class FileSink implements DownloadSink {
  head = new Uint8Array(0);
  tail = new Uint8Array(0);
  private stream!: WriteStream;
  private failure: EvoLinkError | undefined;

  constructor(private readonly path: string) {
    this.openStream();
  }

  private openStream(): void {
    this.failure = undefined;
    // A megabyte in flight: with the default 16 KB, a download waits for the disk after every chunk.
    const stream = createWriteStream(this.path, { highWaterMark: 1 << 20 });
    stream.on('error', (error) => {
      this.failure ??= storageError(error);
    });
    this.stream = stream;
  }

  /** Fails with the disk's error, once the stream has met one. */
  private check(): void {
    const failure: EvoLinkError | undefined = this.failure;
    if (failure) throw failure;
  }

  async write(chunk: Uint8Array): Promise<void> {
    this.check();
    if (this.head.length < headBytes) {
      const head = new Uint8Array(Math.min(headBytes, this.head.length + chunk.length));
      head.set(this.head);
      head.set(chunk.subarray(0, head.length - this.head.length), this.head.length);
      this.head = head;
    }
    const joined = new Uint8Array(Math.min(tailBytes, this.tail.length + chunk.length));
    const fromChunk = Math.min(chunk.length, joined.length);
    joined.set(this.tail.subarray(this.tail.length - (joined.length - fromChunk)), 0);
    joined.set(chunk.subarray(chunk.length - fromChunk), joined.length - fromChunk);
    this.tail = joined;
    if (!this.stream.write(chunk)) {
      await new Promise<void>((resolve) => {
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
    this.check();
  }

  async reset(): Promise<void> {
    await this.close().catch(() => undefined);
    this.head = new Uint8Array(0);
    this.tail = new Uint8Array(0);
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
      this.stream.end();
    });
  }
}
