import * as assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { ImageEndScanner, imageEndOf, type ImageEnd } from '../../src/common/imageEnd';
import { fileIntegrity, readHeadAndTail } from '../../src/extension/tasks/fileSink';

/** A noisy picture (so that its compressed data is long and holds every byte value). */
function noise(width: number, height: number, channels: 3 | 4): ReturnType<typeof sharp> {
  const data = Buffer.alloc(width * height * channels);
  let state = 12345;
  for (let index = 0; index < data.length; index++) {
    state = (state * 1103515245 + 12345) >>> 0;
    data[index] = state >>> 24;
  }
  return sharp(data, { raw: { width, height, channels } });
}

/** The walk's finding when `bytes` come in pieces of `size`. */
function inPieces(bytes: Uint8Array, size: number): ImageEnd {
  const scanner = new ImageEndScanner();
  for (let at = 0; at < bytes.length; at += size) scanner.push(bytes.subarray(at, at + size));
  return scanner.result;
}

/** What a phone appends to a Motion Photo: a video (here, bytes that hold JPEG and PNG markers too). */
const video = Buffer.concat([Buffer.from('\0\0\0\x18ftypmp42'), Buffer.from([0xff, 0xd8, 0xff, 0xd9, 0x3b]), Buffer.from('IEND'), Buffer.alloc(200_000, 7)]);

describe('Where an image ends by its structure (imageEnd.ts)', () => {
  let images: Record<string, Buffer>;

  before(async () => {
    images = {
      png: await noise(64, 48, 4).png().toBuffer(),
      jpeg: await noise(64, 48, 3).jpeg({ quality: 90 }).toBuffer(),
      progressive: await noise(64, 48, 3).jpeg({ quality: 90, progressive: true }).toBuffer(),
      exif: await noise(64, 48, 3).withMetadata().jpeg({ quality: 90 }).toBuffer(),
      gif: await noise(40, 30, 3).gif().toBuffer(),
      animated: await sharp([await noise(20, 20, 4).png().toBuffer(), await noise(20, 20, 3).png().toBuffer()], { join: { animated: true } })
        .gif({ loop: 0, delay: [100, 100] })
        .toBuffer(),
    };
  });

  it('finds the end of whole PNG, JPEG (baseline and progressive) and GIF files, in any pieces', () => {
    for (const [name, bytes] of Object.entries(images)) {
      assert.equal(imageEndOf(bytes), 'ended', name);
      for (const size of [1, 3, 7, 4096]) assert.equal(inPieces(bytes, size), 'ended', `${name} in pieces of ${size}`);
    }
  });

  it('takes bytes after the end (a Motion Photo video, a newline, padding) for more than the image', () => {
    for (const [name, bytes] of Object.entries(images)) {
      for (const after of [video, Buffer.from('\n'), Buffer.from('\r\n'), Buffer.alloc(16)]) {
        assert.equal(imageEndOf(Buffer.concat([bytes, after])), 'ended', `${name} + ${after.length} bytes`);
        assert.equal(inPieces(Buffer.concat([bytes, after]), 5), 'ended', `${name} + ${after.length} bytes, in pieces`);
      }
    }
  });

  it('tells a file cut anywhere before its end', () => {
    for (const [name, bytes] of Object.entries(images)) {
      for (const share of [0, 0.01, 0.3, 0.6, 0.95]) {
        const cut = bytes.subarray(0, Math.floor(bytes.length * share));
        assert.notEqual(imageEndOf(cut), 'ended', `${name} cut at ${share}`);
      }
      assert.notEqual(imageEndOf(bytes.subarray(0, bytes.length - 1)), 'ended', `${name} without its last byte`);
    }
  });

  it('says nothing of bytes that are not such an image', () => {
    assert.equal(imageEndOf(Buffer.from('<!doctype html><html></html>')), 'lost');
    assert.equal(imageEndOf(Buffer.from([0xff, 0xd8, 0x12, 0x34, 0, 0, 0, 0])), 'lost');
  });

  it('makes a whole file with more after its end whole, and a cut one cut (fileIntegrity)', async () => {
    const folder = await mkdtemp(join(tmpdir(), 'image-end-'));
    try {
      for (const [name, bytes] of Object.entries(images)) {
        const format = name === 'png' ? 'png' : name === 'gif' || name === 'animated' ? 'gif' : 'jpeg';
        for (const [label, file, expected] of [
          ['whole', bytes, 'complete'],
          ['with a video after it', Buffer.concat([bytes, video]), 'complete'],
          ['with a newline after it', Buffer.concat([bytes, Buffer.from('\n')]), 'complete'],
          ['cut', bytes.subarray(0, Math.floor(bytes.length * 0.7)), 'truncated'],
        ] as const) {
          const path = join(folder, `${name}-${label}`);
          await writeFile(path, file);
          const { head, tail, size } = await readHeadAndTail(path);
          assert.equal(await fileIntegrity(path, format, head, tail, size), expected, `${name} ${label}`);
        }
      }
    } finally {
      await rm(folder, { recursive: true, force: true });
    }
  });
});
