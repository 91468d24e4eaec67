import { pipeline, type Readable, type Transform } from 'node:stream';
import { createBrotliDecompress, createGunzip, createInflate } from 'node:zlib';

/*
 * Every request asks for content as it is (`accept-encoding: identity`), so that the size caps
 * count what arrives. A server may compress all the same: fetch then inflates the body itself,
 * and the paths over undici and Node's `http` module inflate it here, so that every path reads
 * the same bytes. The caps count the inflated bytes as they are read, so a body that inflates
 * far beyond its size is stopped at the cap like any other.
 */

const decoders: Record<string, () => Transform> = { gzip: createGunzip, 'x-gzip': createGunzip, deflate: createInflate, br: createBrotliDecompress };

/** The body, inflated where `encoding` names a compression; as it came otherwise (an unknown coding is left to the reader). */
export function inflated(body: Readable, encoding: string | undefined): Readable {
  const decoder = encoding === undefined ? undefined : decoders[encoding.trim().toLowerCase()]?.();
  if (!decoder) return body;
  // A failure of either side (a cut body, bytes that are no such compression) ends both.
  pipeline(body, decoder, () => undefined);
  return decoder;
}
