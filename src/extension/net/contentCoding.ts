import { pipeline, Transform, type Readable, type TransformCallback } from 'node:stream';
import { constants, createBrotliDecompress, createGunzip, createInflate, createInflateRaw, type ZlibOptions } from 'node:zlib';
import { EvoLinkError } from '../../common/errors';
import { sniffImageFormat } from '../../common/imageType';

/*
 * Every request asks for content as it is (`accept-encoding: identity`), so that the size caps
 * count what arrives. A server may compress all the same: fetch then inflates the body itself,
 * and the paths over undici and Node's `http` module inflate it here, so that every path reads
 * the same bytes. The caps count the inflated bytes as they are read, so a body that inflates
 * far beyond its size is stopped at the cap like any other.
 *
 * The bytes are trusted, not the label: a file stored with a stale `Content-Encoding: gzip` (a
 * known mistake of uploads to S3 or GCS) is served as it is, uncompressed. Where the decoder
 * refuses the very first bytes and they are an image, the body is passed on as it came.
 * `deflate` is the zlib format by the standard, yet some servers send the bare deflate stream
 * (browsers and curl take both): bytes that have no zlib header and are no image are inflated raw.
 */

/*
 * Lenient at the end, as fetch is: a body that ends before its compressed stream does (an empty
 * body under `Content-Encoding: gzip`, a gzip without its trailer) gives what it holds instead of
 * failing, so that every path reads the same answer. A connection that breaks off still fails,
 * by the connection's own error.
 */
const lenient: ZlibOptions = { flush: constants.Z_SYNC_FLUSH, finishFlush: constants.Z_SYNC_FLUSH };
const lenientBrotli = { flush: constants.BROTLI_OPERATION_FLUSH, finishFlush: constants.BROTLI_OPERATION_FLUSH };
const gunzip = (): Transform => createGunzip(lenient);
const decoders: Record<string, () => Transform> = { gzip: gunzip, 'x-gzip': gunzip, deflate: () => createInflate(lenient), br: () => createBrotliDecompress(lenientBrotli) };

/**
 * `details.code` of an `invalidResponse` whose body is not the compression its Content-Encoding
 * names (and not an image sent as it is either): a fault of the server's bytes, not of the
 * connection, so it is not retried as one.
 */
export const badContentCoding = 'badContentCoding';

/** The most bytes kept while the decoder has given nothing yet; past them a refusal is final. */
const probeLimit = 64 * 1024;
/** Enough of the start of a body to tell an image by its magic number. */
const sniffBytes = 32;

/** Codes of a decoder that stopped short of the end (a cut body), rather than refused the bytes. */
const cutShortCodes = new Set(['Z_BUF_ERROR']);

/** The errors along a cause chain (fetch wraps the decoder's error in its own). */
function causes(error: unknown): unknown[] {
  const found: unknown[] = [];
  for (let link = error; link !== null && typeof link === 'object' && found.length < 8 && !found.includes(link); link = (link as { cause?: unknown }).cause) found.push(link);
  return found;
}

/** A zlib or brotli code (`Z_DATA_ERROR`, `ERR__ERROR_FORMAT_…`) in the chain, where there is one. */
function decoderCode(error: unknown): string | undefined {
  for (const link of causes(error)) {
    const code = (link as { code?: unknown }).code;
    if (typeof code === 'string' && /^(Z_|ERR__ERROR_)/.test(code)) return code;
  }
  return undefined;
}

/**
 * The failure to report when `error` is a decoder's refusal of the bytes themselves (a wrong
 * header, bad data): an `invalidResponse` with the code {@link badContentCoding}. `undefined`
 * for anything else, also for a compressed body that stopped short, which is a cut connection.
 */
export function codingFailure(error: unknown, encoding?: string): EvoLinkError | undefined {
  if (error instanceof EvoLinkError) return error.details.code === badContentCoding ? error : undefined;
  const code = decoderCode(error);
  if (code === undefined || cutShortCodes.has(code)) return undefined;
  const named = encoding ? `the ${encoding.trim().toLowerCase()} its Content-Encoding names` : 'the compression its Content-Encoding names';
  return new EvoLinkError('invalidResponse', `The body is not ${named} (${code}).`, { code: badContentCoding, cause: error });
}

/**
 * Decodes a body, or passes it on as it came where the decoder refuses its first bytes before
 * giving any and those bytes are an image. The raw bytes are kept only until the decoder gives
 * its first bytes (at most {@link probeLimit}); a refusal after that, or of bytes that are no
 * image, fails with {@link badContentCoding}.
 */
class Decoding extends Transform {
  private decoder: Transform;
  /** A `deflate` body without the zlib header is read as a bare deflate stream, once. */
  private bareTried = false;
  /** The body's bytes as they came, while the decoder has given nothing yet. */
  private raw: Buffer[] | undefined = [];
  private rawLength = 0;
  /** The decoder refused the first bytes: more are gathered to tell whether they are an image. */
  private refused: unknown;
  /** The body is passed on as it came. */
  private passing = false;
  /** The callback of the chunk (or the end) the decoder is working on. */
  private waiting: TransformCallback | undefined;

  constructor(
    make: () => Transform,
    private readonly encoding: string,
  ) {
    super();
    this.decoder = this.attach(make());
  }

  private attach(decoder: Transform): Transform {
    decoder.on('data', (chunk: Buffer) => {
      this.raw = undefined;
      if (!this.push(chunk)) decoder.pause();
    });
    decoder.on('end', () => this.settle());
    decoder.on('error', (error) => this.decoderFailed(error));
    return decoder;
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    if (this.passing) return callback(null, chunk);
    if (this.raw) {
      this.raw.push(chunk);
      this.rawLength += chunk.length;
      if (this.rawLength > probeLimit && this.refused === undefined) this.raw = undefined;
    }
    if (this.refused !== undefined) return this.rawLength >= sniffBytes ? this.decide(callback, false) : callback();
    this.waiting = callback;
    // On a refusal the decoder reports an error instead (see decoderFailed).
    this.decoder.write(chunk, (error) => {
      if (!error) this.settle();
    });
  }

  override _flush(callback: TransformCallback): void {
    if (this.passing) return callback();
    if (this.refused !== undefined) return this.decide(callback, true);
    this.waiting = callback;
    this.decoder.end();
  }

  override _read(size: number): void {
    this.decoder.resume();
    super._read(size);
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    this.decoder.destroy();
    callback(error);
  }

  private settle(error?: unknown): void {
    const callback = this.waiting;
    this.waiting = undefined;
    if (callback) callback(error as Error | undefined);
    else if (error) this.destroy(error as Error);
  }

  private decoderFailed(error: unknown): void {
    if (this.destroyed) return;
    const failure = codingFailure(error, this.encoding);
    if (!failure || !this.raw) return this.settle(failure ?? error);
    // Refused before it gave a byte: the body may be an image with a stale label.
    this.refused = error;
    const callback = this.waiting;
    this.waiting = undefined;
    if (callback && this.rawLength >= sniffBytes) this.decide(callback, false);
    else callback?.();
  }

  /**
   * Passes the body on as it came when its first bytes are an image; reads a `deflate` body as a
   * bare deflate stream once; fails it otherwise. `ending`: the body has no more bytes.
   */
  private decide(callback: TransformCallback, ending: boolean): void {
    const head = Buffer.concat(this.raw ?? []);
    this.raw = undefined;
    if (head.length > 0 && sniffImageFormat(head) !== undefined) {
      this.passing = true;
      return callback(null, head);
    }
    if (this.encoding !== 'deflate' || this.bareTried) return callback(codingFailure(this.refused, this.encoding));
    this.bareTried = true;
    this.refused = undefined;
    this.decoder.removeAllListeners().on('error', () => undefined);
    this.decoder.destroy();
    this.decoder = this.attach(createInflateRaw(lenient));
    this.waiting = callback;
    // A refusal now is final: no raw bytes are kept for another try (decoderFailed).
    this.decoder.write(head, (error) => {
      if (error) return;
      if (ending) this.decoder.end();
      else this.settle();
    });
  }
}

/** The body, inflated where `encoding` names a compression; as it came otherwise (an unknown coding is left to the reader). */
export function inflated(body: Readable, encoding: string | undefined): Readable {
  const coding = encoding?.trim().toLowerCase();
  const make = coding === undefined ? undefined : decoders[coding];
  if (!make || !coding) return body;
  const decoding = new Decoding(make, coding);
  // A failure of either side (a cut body, bytes that are no such compression) ends both.
  pipeline(body, decoding, () => undefined);
  return decoding;
}
