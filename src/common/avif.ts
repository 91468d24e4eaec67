/**
 * Recognises an AVIF file (an ISO-BMFF `ftyp` box naming the `avif` brand) and reads its size
 * from the first image spatial extent (`ispe`) property, without decoding.
 */

const ascii = (bytes: Uint8Array, from: number, to: number): string => String.fromCharCode(...bytes.subarray(from, to));

/** Whether the bytes start an AVIF file. */
export function isAvif(bytes: Uint8Array): boolean {
  if (bytes.length < 16 || ascii(bytes, 4, 8) !== 'ftyp') return false;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const boxEnd = Math.min(view.getUint32(0), bytes.length);
  // The major brand, then the compatible brands after the minor version.
  for (let at = 8; at + 4 <= boxEnd; at += at === 8 ? 8 : 4) {
    const brand = ascii(bytes, at, at + 4);
    if (brand === 'avif' || brand === 'avis') return true;
  }
  return false;
}

/** The width and height an AVIF file declares, or undefined when it is not one. */
export function readAvifSize(bytes: Uint8Array): { width: number; height: number } | undefined {
  if (!isAvif(bytes)) return undefined;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const end = Math.min(bytes.length - 16, 64 * 1024);
  for (let at = 8; at < end; at++) {
    // "ispe", then version and flags (4 bytes), then width and height.
    if (bytes[at] === 0x69 && bytes[at + 1] === 0x73 && bytes[at + 2] === 0x70 && bytes[at + 3] === 0x65) {
      return { width: view.getUint32(at + 8), height: view.getUint32(at + 12) };
    }
  }
  return undefined;
}
