import * as assert from 'node:assert/strict';
import { heifIntegrity, heifKind, readHeifSize } from '../../src/common/heif';
import { imageFormats, imageIntegrity, readImageSize, sniffImageFormat } from '../../src/common/imageType';
import { localPipeline } from '../support/wasm';

/** One ISO-BMFF box: a 32-bit length, the type, the payload. */
function box(type: string, payload: Uint8Array = new Uint8Array()): Uint8Array {
  const bytes = new Uint8Array(8 + payload.length);
  new DataView(bytes.buffer).setUint32(0, bytes.length);
  bytes.set(Buffer.from(type, 'latin1'), 4);
  bytes.set(payload, 8);
  return bytes;
}

const ftyp = (major: string, ...compatible: string[]): Uint8Array => box('ftyp', Buffer.from(`${major}\0\0\0\0${compatible.join('')}`, 'latin1'));

/** An `ispe` property: version and flags, then width and height. */
function ispe(width: number, height: number): Uint8Array {
  const payload = new Uint8Array(12);
  new DataView(payload.buffer).setUint32(4, width);
  new DataView(payload.buffer).setUint32(8, height);
  return box('ispe', payload);
}

const concat = (...parts: Uint8Array[]): Uint8Array => new Uint8Array(Buffer.concat(parts));

/** A HEIC as phones write it: a grid of 512x512 tiles whose own `ispe` is the whole picture's. */
const heic = concat(ftyp('heic', 'mif1', 'heic'), box('meta', concat(ispe(512, 512), ispe(4032, 3024), ispe(512, 512))), box('mdat', new Uint8Array(300)));

describe('AVIF and HEIC results (HEIF boxes)', () => {
  it('tells AVIF from HEIC by the brands of the ftyp box, major brand first', () => {
    assert.equal(heifKind(heic), 'heic');
    assert.equal(heifKind(concat(ftyp('avif', 'mif1', 'miaf'), box('mdat'))), 'avif');
    assert.equal(heifKind(concat(ftyp('mif1', 'miaf', 'avif'), box('mdat'))), 'avif');
    assert.equal(heifKind(concat(ftyp('mif1', 'heic'), box('mdat'))), 'heic');
    // A HEIF of another codec, an MP4, and anything that is not ISO-BMFF.
    assert.equal(heifKind(concat(ftyp('mif1', 'miaf'), box('mdat'))), undefined);
    assert.equal(heifKind(concat(ftyp('isom', 'mp41'), box('mdat'))), undefined);
    assert.equal(heifKind(Buffer.from('<!DOCTYPE html><html></html>')), undefined);
    assert.equal(sniffImageFormat(heic), 'heic');
    assert.equal(imageFormats.heic.extension, 'heic');
  });

  it("reads the picture's size: the largest ispe, not a tile's", () => {
    assert.deepEqual(readHeifSize(heic), { width: 4032, height: 3024 });
    assert.deepEqual(readImageSize(heic), { width: 4032, height: 3024 });
    assert.equal(readHeifSize(concat(ftyp('heic'), box('mdat', new Uint8Array(40)))), undefined);
  });

  it('tells a whole file from a cut one by its top-level boxes', () => {
    assert.equal(heifIntegrity(heic, heic.length), 'complete');
    assert.equal(imageIntegrity('heic', heic, heic.subarray(-64), heic.length), 'complete');
    // Cut inside the media data, or before it: the boxes run past the end, or never reach mdat.
    assert.equal(heifIntegrity(heic.subarray(0, heic.length - 100), heic.length - 100), 'truncated');
    const beforeMedia = heic.length - 308;
    assert.equal(heifIntegrity(heic.subarray(0, beforeMedia), beforeMedia), 'unknown');
  });

  it('follows a media box past the bytes read, by its stated length (32- or 64-bit, or to the end)', () => {
    const head = concat(ftyp('avif', 'mif1'), box('meta', ispe(1024, 1024)));
    const mdat = (length: number): Uint8Array => {
      const header = new Uint8Array(8);
      new DataView(header.buffer).setUint32(0, length);
      header.set(Buffer.from('mdat', 'latin1'), 4);
      return header;
    };
    const fileSize = head.length + 5_000_000;
    // The download keeps only its first 256 KB: the media box's header is in it, its end is not.
    assert.equal(heifIntegrity(concat(head, mdat(5_000_000)), fileSize), 'complete');
    assert.equal(heifIntegrity(concat(head, mdat(5_000_000)), fileSize - 1), 'truncated');
    assert.equal(heifIntegrity(concat(head, mdat(0)), fileSize), 'complete');
    const large = new Uint8Array(16);
    const view = new DataView(large.buffer);
    view.setUint32(0, 1);
    large.set(Buffer.from('mdat', 'latin1'), 4);
    view.setBigUint64(8, 5_000_000n);
    assert.equal(heifIntegrity(concat(head, large), fileSize), 'complete');
    // A length shorter than its own header is no box.
    assert.equal(heifIntegrity(concat(head, mdat(4)), fileSize), 'truncated');
  });

  it('reads an AVIF the pipeline wrote: kind, size and a whole file', async () => {
    const { codecs } = localPipeline();
    const data = new Uint8Array(48 * 32 * 4).fill(200);
    const avif = await codecs.encode({ width: 48, height: 32, data }, { format: 'avif', quality: 50, speed: 8 });
    assert.equal(sniffImageFormat(avif), 'avif');
    assert.deepEqual(readImageSize(avif), { width: 48, height: 32 });
    assert.equal(imageIntegrity('avif', avif, avif.subarray(-64), avif.length), 'complete');
    assert.equal(imageIntegrity('avif', avif.subarray(0, avif.length - 10), avif.subarray(-74, -10), avif.length - 10), 'truncated');
  });
});
