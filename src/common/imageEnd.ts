import { imageIntegrity, type ImageIntegrity } from './imageType';
import type { ImageFormat } from './models';

/*
 * Where an image ends by its own structure, not by its last bytes: a PNG's chunks up to IEND, a
 * JPEG's segments and entropy-coded scans up to the end-of-image marker, a GIF's blocks up to its
 * trailer. Files often carry bytes after that end (a phone's Motion Photo appends a video to its
 * JPEG, a gain map or depth image follows the primary one, a CDN or a tool pads with a newline),
 * and such a file is whole. Fed in pieces as they come, so a file of any size is walked in a
 * flat amount of memory; the bytes between the structures are skipped, not looked at.
 */

/**
 * What the walk found: `ended` at the format's end, `open` when the bytes stopped before it
 * (a cut file), `lost` when they do not follow the format's structure (nothing is said then).
 */
export type ImageEnd = 'ended' | 'open' | 'lost';

type State =
  | 'signature'
  | 'pngChunk'
  | 'pngCrc'
  | 'jpegMarker'
  | 'jpegCode'
  | 'jpegLength'
  | 'jpegScan'
  | 'jpegScanMarker'
  | 'gifScreen'
  | 'gifBlock'
  | 'gifLabel'
  | 'gifImage'
  | 'gifSubBlock'
  | 'done';

const iend = [0x49, 0x45, 0x4e, 0x44];

/** Walks an image's structure through its bytes, piece by piece, to where the format says it ends. */
export class ImageEndScanner {
  private state: State = 'signature';
  private end: ImageEnd = 'open';
  /** Bytes to pass over before the next structure is read. */
  private skip = 0;
  /** A structure's fixed-size header, gathered across pieces. */
  private readonly gathered = new Uint8Array(9);
  private gatheredLength = 0;
  /** Whether the JPEG segment being skipped is a start of scan (entropy-coded data follows it). */
  private scanFollows = false;

  /** The walk's finding so far (after the last piece: the file's). */
  get result(): ImageEnd {
    return this.end;
  }

  push(bytes: Uint8Array): void {
    let index = 0;
    while (index < bytes.length && this.state !== 'done') {
      if (this.skip > 0) {
        const step = Math.min(this.skip, bytes.length - index);
        this.skip -= step;
        index += step;
        // IEND's checksum is its last part.
        if (this.skip === 0 && this.state === 'pngCrc') this.stop('ended');
        continue;
      }
      if (this.state === 'jpegScan') {
        // Entropy-coded data: only a 0xFF byte can begin a marker (a data 0xFF is followed by 0x00).
        const at = bytes.indexOf(0xff, index);
        if (at < 0) return;
        index = at + 1;
        this.state = 'jpegScanMarker';
        continue;
      }
      this.read(bytes[index++]!);
    }
  }

  /** Gathers `count` bytes of a header; answers it when complete. */
  private gather(byte: number, count: number): Uint8Array | undefined {
    this.gathered[this.gatheredLength++] = byte;
    if (this.gatheredLength < count) return undefined;
    this.gatheredLength = 0;
    return this.gathered;
  }

  private stop(end: ImageEnd): void {
    this.end = end;
    this.state = 'done';
  }

  private read(byte: number): void {
    switch (this.state) {
      case 'signature':
        return this.signature(byte);
      case 'pngChunk': {
        const header = this.gather(byte, 8);
        if (!header) return;
        const length = ((header[0]! << 24) >>> 0) + (header[1]! << 16) + (header[2]! << 8) + header[3]!;
        if (length > 0x7fffffff) return this.stop('lost');
        this.skip = length + 4;
        if (iend.every((code, index) => header[4 + index] === code)) this.state = 'pngCrc';
        return;
      }
      case 'jpegMarker':
        if (byte !== 0xff) return this.stop('lost');
        this.state = 'jpegCode';
        return;
      case 'jpegCode':
      case 'jpegScanMarker':
        return this.jpegCode(byte);
      case 'jpegLength': {
        const length = this.gather(byte, 2);
        if (!length) return;
        const value = (length[0]! << 8) + length[1]!;
        if (value < 2) return this.stop('lost');
        this.skip = value - 2;
        this.state = this.scanFollows ? 'jpegScan' : 'jpegMarker';
        return;
      }
      case 'gifScreen': {
        const screen = this.gather(byte, 7);
        if (!screen) return;
        this.skip = colourTable(screen[4]!);
        this.state = 'gifBlock';
        return;
      }
      case 'gifBlock':
        if (byte === 0x3b) return this.stop('ended');
        if (byte === 0x21) this.state = 'gifLabel';
        else if (byte === 0x2c) this.state = 'gifImage';
        else this.stop('lost');
        return;
      case 'gifLabel':
        this.state = 'gifSubBlock';
        return;
      case 'gifImage': {
        const descriptor = this.gather(byte, 9);
        if (!descriptor) return;
        // The local colour table, then the LZW code size, then the data's sub-blocks.
        this.skip = colourTable(descriptor[8]!) + 1;
        this.state = 'gifSubBlock';
        return;
      }
      case 'gifSubBlock':
        if (byte === 0) this.state = 'gifBlock';
        else this.skip = byte;
        return;
      case 'pngCrc':
      case 'done':
        return;
    }
  }

  /** The first bytes tell the format; anything else is not walked. */
  private signature(byte: number): void {
    const first = this.gather(byte, 6);
    if (!first) return;
    if (first[0] === 0x89 && first[1] === 0x50 && first[2] === 0x4e && first[3] === 0x47) {
      this.skip = 2;
      this.state = 'pngChunk';
    } else if (first[0] === 0xff && first[1] === 0xd8) {
      // The start-of-image marker was two of the six bytes: the other four are read again.
      this.state = 'jpegMarker';
      for (const next of first.slice(2, 6)) this.readJpegRest(next);
    } else if (first[0] === 0x47 && first[1] === 0x49 && first[2] === 0x46) {
      this.state = 'gifScreen';
    } else {
      this.stop('lost');
    }
  }

  /** Replays a byte gathered for the signature through the JPEG walk (including any skip it sets). */
  private readJpegRest(byte: number): void {
    if (this.state === 'done') return;
    if (this.skip > 0) {
      this.skip--;
      return;
    }
    this.read(byte);
  }

  /** A JPEG marker's code, after its 0xFF: the end, a marker alone, or a segment with a length. */
  private jpegCode(byte: number): void {
    const inScan = this.state === 'jpegScanMarker';
    if (byte === 0xff) return; // fill bytes before a marker
    if (byte === 0xd9) return this.stop('ended');
    if (inScan && byte === 0x00) {
      this.state = 'jpegScan'; // a data byte 0xFF, stuffed
      return;
    }
    if ((byte >= 0xd0 && byte <= 0xd7) || byte === 0x01) {
      // Restart markers sit inside scans; they have no length.
      this.state = inScan ? 'jpegScan' : 'jpegMarker';
      return;
    }
    if (byte === 0x00 || byte === 0xd8) return this.stop('lost');
    this.scanFollows = byte === 0xda;
    this.state = 'jpegLength';
  }
}

/** The bytes of a GIF colour table its packed field announces (none without its flag). */
function colourTable(packed: number): number {
  return packed & 0x80 ? 3 * 2 ** ((packed & 0x07) + 1) : 0;
}

/** Walks `bytes` (a whole file) to the end its structure gives. */
export function imageEndOf(bytes: Uint8Array): ImageEnd {
  const scanner = new ImageEndScanner();
  scanner.push(bytes);
  return scanner.result;
}

/** Whether `format` has an end its structure gives ({@link ImageEndScanner} walks it). */
const walksToEnd = (format: string): boolean => format === 'png' || format === 'jpeg' || format === 'gif';

/**
 * Whether an image is whole: by its last bytes (`imageIntegrity`), and where they say it is cut,
 * by `walk`ing its structure to its end (bytes after that end do not make it cut).
 */
export async function wholeIntegrity(format: ImageFormat, head: Uint8Array, tail: Uint8Array, size: number, walk: () => ImageEnd | Promise<ImageEnd>): Promise<ImageIntegrity> {
  const quick = imageIntegrity(format, head, tail, size);
  if (quick !== 'truncated' || size === 0 || !walksToEnd(format)) return quick;
  return (await walk()) === 'ended' ? 'complete' : 'truncated';
}
