import { createWriteStream } from 'node:fs';
import { open } from 'node:fs/promises';
import type { DownloadSink } from '../api/client';

/** How much of the start of an image is kept to read its type and size from. */
export const headBytes = 256 * 1024;

/** Reads only the start of a file already downloaded, whatever its size. */
export async function readHead(path: string): Promise<Uint8Array> {
  const file = await open(path, 'r');
  try {
    const buffer = new Uint8Array(headBytes);
    const { bytesRead } = await file.read(buffer, 0, headBytes, 0);
    return buffer.subarray(0, bytesRead);
  } finally {
    await file.close();
  }
}

/**
 * Writes a download to a local file as it arrives (memory stays flat whatever the size), and
 * keeps the first 256 KB to read the image's type and size from.
 */
export class FileSink implements DownloadSink {
  head = new Uint8Array(0);
  private stream: ReturnType<typeof createWriteStream>;

  constructor(private readonly path: string) {
    this.stream = createWriteStream(path);
  }

  async write(chunk: Uint8Array): Promise<void> {
    if (this.head.length < headBytes) {
      const head = new Uint8Array(Math.min(headBytes, this.head.length + chunk.length));
      head.set(this.head);
      head.set(chunk.subarray(0, head.length - this.head.length), this.head.length);
      this.head = head;
    }
    if (!this.stream.write(chunk)) {
      await new Promise<void>((resolve) => this.stream.once('drain', () => resolve()));
    }
  }

  async reset(): Promise<void> {
    await this.close();
    this.head = new Uint8Array(0);
    this.stream = createWriteStream(this.path);
  }

  close(): Promise<void> {
    return new Promise((resolve, reject) => this.stream.end((error?: Error | null) => (error ? reject(error) : resolve())));
  }
}
