/*
 * What a JPEG's frame header says of its colour, read before any decoder runs: MozJPEG (as the
 * codecs build it) converts only greyscale and YCbCr/RGB to RGBA, and stops the whole codec on a
 * four-component (CMYK or YCCK, as print workflows and Photoshop save them) file.
 */

/** Start-of-frame markers: every SOFn but DHT (C4), JPG (C8) and DAC (CC). */
const isStartOfFrame = (marker: number): boolean => marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc;

/**
 * The number of colour components of a JPEG's frame (1 grey, 3 YCbCr or RGB, 4 CMYK or YCCK),
 * from its SOF segment; `undefined` when the bytes are not a JPEG or end before the frame header.
 */
export function jpegComponents(bytes: Uint8Array): number | undefined {
  if (bytes.length < 4 || bytes[0] !== 0xff || bytes[1] !== 0xd8) return undefined;
  let at = 2;
  while (at + 4 <= bytes.length) {
    if (bytes[at] !== 0xff) return undefined;
    const marker = bytes[at + 1]!;
    // Fill bytes, and markers that stand alone (TEM, RSTn).
    if (marker === 0xff) {
      at++;
      continue;
    }
    if (marker === 0x01 || (marker >= 0xd0 && marker <= 0xd7)) {
      at += 2;
      continue;
    }
    // Start of scan or end of image before a frame header: nothing to tell.
    if (marker === 0xda || marker === 0xd9) return undefined;
    const length = (bytes[at + 2]! << 8) | bytes[at + 3]!;
    if (isStartOfFrame(marker)) return at + 9 < bytes.length ? bytes[at + 9] : undefined;
    if (length < 2) return undefined;
    at += 2 + length;
  }
  return undefined;
}

/** Whether the bytes are a JPEG in CMYK or YCCK (four components), which the decoder cannot read. */
export function isCmykJpeg(bytes: Uint8Array): boolean {
  return jpegComponents(bytes) === 4;
}
