import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createReadStream, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FileSink, headBytes, tailBytes } from '../../src/extension/tasks/fileSink';

/** Settles with whether the promise settled within `ms`. */
function settlesWithin(promise: Promise<unknown>, ms: number): Promise<boolean> {
  return Promise.race([promise.then(() => true), new Promise<boolean>((resolve) => setTimeout(() => resolve(false), ms))]);
}

describe('The file sink of a download', () => {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'evolink-sink-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('writes the whole body and keeps its first 256 KB and last 64 bytes, whatever the sizes of the chunks', async () => {
    const body = randomBytes(1_300_000);
    const sink = new FileSink(join(dir, 'result'));
    // Pieces from one byte (a slow link) to more than the tail and the batch, in an uneven order.
    const sizes = [1, 3, 63, 64, 65, 1000, 16_384, 70_000, 2, 600_000];
    let offset = 0;
    for (let index = 0; offset < body.length; index++) {
      const end = Math.min(body.length, offset + sizes[index % sizes.length]!);
      await sink.write(body.subarray(offset, end));
      offset = end;
    }
    await sink.close();
    assert.ok(readFileSync(join(dir, 'result')).equals(body));
    assert.ok(Buffer.from(sink.head).equals(body.subarray(0, headBytes)));
    assert.ok(Buffer.from(sink.tail).equals(body.subarray(body.length - tailBytes)));
  });

  it('keeps a body shorter than the tail whole, byte by byte, and starts again empty after a reset', async () => {
    const sink = new FileSink(join(dir, 'result'));
    for (const byte of [1, 2, 3, 4, 5]) await sink.write(Uint8Array.of(byte));
    assert.deepEqual([...sink.head], [1, 2, 3, 4, 5]);
    assert.deepEqual([...sink.tail], [1, 2, 3, 4, 5]);
    await sink.reset();
    assert.equal(sink.head.length, 0);
    assert.equal(sink.tail.length, 0);
    await sink.write(Uint8Array.of(9, 8));
    await sink.close();
    assert.deepEqual([...readFileSync(join(dir, 'result'))], [9, 8]);
    assert.deepEqual([...sink.tail], [9, 8]);
  });

  it('holds at most about a megabyte and a half for a disk that does not keep up, then writes it all', async function () {
    if (process.platform === 'win32') this.skip();
    // A named pipe that nobody reads yet stands for a disk that takes nothing.
    const pipe = join(dir, 'slow-disk');
    execFileSync('mkfifo', [pipe]);
    const reader = createReadStream(pipe);
    const sink = new FileSink(pipe);
    const chunk = new Uint8Array(64 * 1024);
    let accepted = 0;
    let pending: Promise<void> | undefined;
    for (let index = 0; index < 100; index++) {
      const write = sink.write(chunk);
      if (!(await settlesWithin(write, 200))) {
        pending = write;
        break;
      }
      accepted += chunk.length;
    }
    assert.ok(pending, 'a write waits for the disk');
    // The in-flight limit (1 MB), one batch (512 KB), the pipe's own buffer (64 KB) and a chunk.
    assert.ok(accepted <= 1.7 * 1024 * 1024, `accepted ${accepted} bytes without waiting`);
    let read = 0;
    reader.on('data', (data) => (read += data.length));
    const ended = new Promise<void>((resolve) => reader.on('end', () => resolve()));
    await pending;
    await sink.write(chunk);
    await sink.close();
    await ended;
    assert.equal(read, accepted + 2 * chunk.length);
  });
});
