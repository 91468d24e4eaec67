import { EvoLinkError } from '../../common/errors';
import type { HttpResponse } from '../net/transport';

/** Where a download goes, chunk by chunk. */
export interface DownloadSink {
  write(chunk: Uint8Array): Promise<void>;
  /** Drops what was written, before a retry. */
  reset(): Promise<void>;
}

/**
 * Streams a result's body into the sink, within `maxBytes` (a declared length over it is refused
 * before a byte is read, and the bytes are counted as they come, also where they are inflated),
 * and fails a body that ended before its declared length. That length is of the bytes as sent:
 * where the server compressed them (a stored encoding), a cut body fails in the decoder instead,
 * and the image may come out shorter than its packing. `kept` bytes of the result are in the
 * sink already (the body is the rest of it): they count towards `maxBytes`. Answers the bytes
 * of this body written.
 */
export async function receiveResult(response: HttpResponse, sink: DownloadSink, maxBytes: number, kept = 0): Promise<number> {
  const declared = Number(response.header('content-length') ?? NaN);
  if (kept + declared > maxBytes) {
    await response.discard();
    throw new EvoLinkError('tooLarge', `The result is ${kept + declared} bytes; the limit is ${maxBytes}.`);
  }
  let received = 0;
  for await (const chunk of response.body) {
    received += chunk.length;
    if (kept + received > maxBytes) throw new EvoLinkError('tooLarge', `The result is larger than ${maxBytes} bytes.`);
    await sink.write(chunk);
  }
  const coded = (response.header('content-encoding') ?? 'identity').trim().toLowerCase() !== 'identity';
  if (!coded && Number.isFinite(declared) && received < declared) {
    throw new EvoLinkError('network', `The connection ended after ${received} of ${declared} bytes.`);
  }
  return received;
}
