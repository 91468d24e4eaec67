import { createWriteStream } from 'node:fs';
import type { DownloadSink } from '../api/client';

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
    if (this.head.length < 256 * 1024) {
      const head = new Uint8Array(Math.min(256 * 1024, this.head.length + chunk.length));
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
