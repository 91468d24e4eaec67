import { originOf } from '../../common/endpoints';
import { EvoLinkError, errorFromHttpResponse } from '../../common/errors';
import { retryDelay, type RetryPolicy } from '../../common/retry';
import type { HttpResponse, Transport } from '../net/transport';
import type { MinRate } from '../net/watchdog';
import { errorBodyText } from './errorAnswer';
import { receiveResult, type DownloadSink } from './resultBody';

/** How a result is downloaded. */
export interface DownloadOptions {
  maxBytes: number;
  signal?: AbortSignal;
  /**
   * The longest each link may take to answer (its head; default 10 minutes). The body then has
   * no total time: it may take as long as it keeps coming (`idleMs`, `minRate`).
   */
  timeoutMs?: number;
  /** Gives up a body that sends nothing for this long (default 60 s). */
  idleMs?: number;
  /** Gives up a body that comes slower than this (default {@link defaultMinRate}). */
  minRate?: MinRate;
  /** Why a redirect's target may not be followed from the link that led there (`from`), or `undefined` when it may. */
  checkLink?: (url: string, from: string) => string | undefined;
  /** Why an address a link's host name resolves to may not be connected to (where the transport resolves names). */
  checkAddress?: (address: string) => string | undefined;
}

/**
 * What a result may come as: the types the extension saves and reads. A CDN that converts images
 * by the Accept header (to AVIF or HEIC where a client says `image/*`) sends one of these instead.
 */
export const resultAccept = 'image/png, image/jpeg, image/webp, image/gif;q=0.9, image/*;q=0.5';

/** The most redirects a result link may take to reach its file. */
export const maxRedirects = 5;

/**
 * The slowest a result's body may come: 1 KB/s over each minute it is on the network. Slower, a
 * 30 MB image would take more than eight hours; a byte now and then (a middlebox that keeps a
 * dead transfer alive) would hold the task for ever, idle watchdog or not.
 */
export const defaultMinRate: MinRate = { bytes: 60 * 1024, perMs: 60_000 };

/** What a download needs from the client. */
export interface Downloader {
  transport: Transport;
  userAgent: string;
  retryPolicy: RetryPolicy;
  sleep: (ms: number, signal?: AbortSignal) => Promise<void>;
  log?: (level: 'debug' | 'warn', message: string) => void;
}

/** Where a download stands between its attempts. */
interface Progress {
  /** Bytes in the sink. */
  written: number;
  /** The validator (`If-Range`) of the answer the bytes are from, where the server takes ranges; `undefined`: start again. */
  validator: string | undefined;
  /** The whole file's length, where an answer said it: every later range must be of a file that long. */
  total?: number;
}

/** An attempt that moved a download on by at least this much starts the retries over ... */
const resumeProgressBytes = 256 * 1024;
/** ... but never past this many attempts in all: a body that creeps is given up. */
const maxAttempts = 12;

/**
 * Downloads a result into `sink`; see `EvoLinkClient.download`. An attempt that fails after
 * bytes came goes on from where it stopped (`Range: bytes=N-` with `If-Range`), where the
 * server said it takes byte ranges (`Accept-Ranges: bytes`) and gave a validator (a strong ETag
 * or Last-Modified) for bytes as they are stored (no Content-Encoding); otherwise, or where the
 * server does not honour the range, from the start (`sink.reset()`). An attempt that moved such
 * a download on does not count against the retries.
 */
export async function downloadResult(d: Downloader, url: string, sink: DownloadSink, options: DownloadOptions): Promise<number> {
  const progress: Progress = { written: 0, validator: undefined };
  const counted: DownloadSink = {
    write: async (chunk) => {
      await sink.write(chunk);
      progress.written += chunk.length;
    },
    reset: async () => {
      await sink.reset();
      progress.written = 0;
    },
  };
  for (let attempt = 1, tries = 1; ; attempt++, tries++) {
    const before = progress.written;
    try {
      return await downloadOnce(d, url, counted, options, progress);
    } catch (error) {
      if (!(error instanceof EvoLinkError)) throw error;
      const final = error.reason === 'expired' || error.reason === 'tooLarge' || error.reason === 'fileSystem' || error.details.code === 'redirects' || error.details.code === 'refusedLink';
      const resumes = progress.validator !== undefined && progress.written > 0;
      if (resumes && progress.written - before >= resumeProgressBytes) attempt = 1;
      const wait = final || tries >= maxAttempts ? undefined : retryDelay(error, attempt, d.retryPolicy);
      if (wait === undefined || options.signal?.aborted) throw error;
      d.log?.('warn', `Download from ${new URL(url).host} failed (${error.reason}); ${resumes ? `going on from byte ${progress.written}` : 'retrying'} in ${wait} ms`);
      if (!resumes) await counted.reset();
      await d.sleep(wait, options.signal);
    }
  }
}

/**
 * Whether a result link's answer refuses the link itself: a CDN's 4xx (a signed link past its
 * time answers 400, 401 or 403 as the CDN likes) is about the link, never about the API key or
 * the credits, which a result link does not carry. A timeout or a rate limit may pass.
 */
function refusesLink(status: number): boolean {
  return status >= 400 && status < 500 && status !== 408 && status !== 429;
}

async function downloadOnce(d: Downloader, url: string, sink: DownloadSink, options: DownloadOptions, progress: Progress): Promise<number> {
  // Each exchange's watchdog stops it when no byte comes for `idleMs` (a stalled answer or body)
  // or when its body comes slower than `minRate`; a body that keeps coming has no total time.
  const idleMs = options.idleMs ?? 60_000;
  let link = url;
  for (let hop = 0; ; hop++) {
    const ranged = progress.validator !== undefined && progress.written > 0;
    const response = await d.transport.send({
      method: 'GET',
      url: link,
      headers: { 'user-agent': d.userAgent, accept: resultAccept, ...(ranged ? { range: `bytes=${progress.written}-`, 'if-range': progress.validator! } : {}) },
      timeoutMs: options.timeoutMs ?? 10 * 60_000,
      untimedBody: true,
      idleMs,
      minRate: options.minRate ?? defaultMinRate,
      ...(options.signal ? { signal: options.signal } : {}),
      ...(options.checkAddress ? { refuseAddress: options.checkAddress } : {}),
      bulk: true,
    });
    const location = response.header('location');
    if (response.status >= 300 && response.status < 400 && location !== undefined) {
      await response.discard();
      if (hop >= maxRedirects) throw new EvoLinkError('invalidResponse', `More than ${maxRedirects} redirects.`, { code: 'redirects' });
      const target = resolveLink(location, link);
      const problem = target === undefined ? 'not an address' : options.checkLink?.(target, link);
      // Why, in `param` (as a refusal names what it blames): the ledger keeps it, and a link that left https is told in words of its own.
      // Where it led, by its origin alone (a result link's path and query are the service's signature):
      // the user who is asked to allow plain http is told which server it goes to.
      if (problem || target === undefined) {
        const origin = problem === 'downgrade' && target !== undefined ? originOf(target) : undefined;
        const where = origin !== undefined ? { location: origin } : {};
        throw new EvoLinkError('invalidResponse', `A redirect led to a refused link (${problem}).`, { code: 'refusedLink', ...(problem ? { param: problem } : {}), ...where });
      }
      link = target;
      continue;
    }
    if (response.status === 416 && ranged) {
      // Nothing left past the bytes kept: they were the whole file, where its length says so;
      // else the file is asked for whole again.
      const whole = /^bytes\s+\*\/(\d+)$/i.exec(response.header('content-range')?.trim() ?? '');
      await response.discard();
      if (whole && Number(whole[1]) === progress.written && (progress.total === undefined || progress.total === progress.written)) return progress.written;
      progress.validator = undefined;
      await sink.reset();
      hop--;
      continue;
    }
    if (refusesLink(response.status)) {
      await response.discard();
      throw new EvoLinkError('expired', `The result link answered ${response.status}.`, { status: response.status });
    }
    if (response.status < 200 || response.status > 299) {
      // The status decides; a body that breaks off or stalls only loses the server's words.
      throw errorFromHttpResponse(response.status, await errorBodyText(response, 4096, options.signal), (name) => response.header(name));
    }
    if (response.status === 206 && !ranged) {
      // Asked for whole and answered as a part: the whole file as a part (some CDNs always
      // answer ranges) is the file; a part of it is not.
      if (progress.written > 0) await sink.reset();
      progress.validator = undefined;
      progress.total = undefined;
      if (!continues(response, progress)) {
        await response.discard();
        throw new EvoLinkError('invalidResponse', 'The result link answered part of a file that was asked for whole.', { status: 206 });
      }
      progress.validator = validatorOf(response);
    } else if (response.status === 206) {
      if (!continues(response, progress)) {
        // Not the rest of these bytes: the whole file is asked for again, at once.
        await response.discard();
        progress.validator = undefined;
        await sink.reset();
        hop--;
        continue;
      }
    } else {
      // The whole file (a server that ignored the range, or a file that changed meanwhile).
      if (progress.written > 0) await sink.reset();
      progress.validator = validatorOf(response);
      const length = Number(response.header('content-length'));
      progress.total = progress.validator !== undefined && Number.isSafeInteger(length) && length > 0 ? length : undefined;
    }
    await receiveResult(response, sink, options.maxBytes, progress.written);
    // Pieced together from ranges, the file is whole only at the length every part said: a part
    // whose body ran past its range (or stopped short of it, unsaid) would make another image.
    if (progress.total !== undefined && progress.written !== progress.total) {
      const short = progress.written < progress.total;
      if (!short) progress.validator = undefined; // Past its end: what is kept cannot be trusted; asked for whole again.
      throw new EvoLinkError('network', `The result came as ${progress.written} bytes of a file of ${progress.total}.`);
    }
    return progress.written;
  }
}

/** Where a redirect leads, as an absolute address; undefined when its Location is no address. */
function resolveLink(location: string, from: string): string | undefined {
  try {
    return new URL(location, from).toString();
  } catch {
    return undefined;
  }
}

/** Whether the answer's bytes are as stored (no Content-Encoding): only those can be asked for by range. */
function asStored(response: HttpResponse): boolean {
  return (response.header('content-encoding') ?? 'identity').trim().toLowerCase() === 'identity';
}

/**
 * The `If-Range` validator of a whole answer whose rest can be asked for later: the server takes
 * byte ranges and gave a strong ETag (a weak one may not stand in `If-Range`) or a Last-Modified.
 */
function validatorOf(response: HttpResponse): string | undefined {
  if (!/\bbytes\b/i.test(response.header('accept-ranges') ?? '') || !asStored(response)) return undefined;
  const etag = response.header('etag')?.trim();
  // A weak ETag rules Last-Modified out too (RFC 9110 13.1.5): the file may change within a second.
  if (etag) return etag.startsWith('W/') ? undefined : etag;
  return response.header('last-modified')?.trim() || undefined;
}

/**
 * Whether a 206 carries the rest of the bytes kept: from the next byte on to the file's end, of a
 * file as long as the first answer said, as stored. A part that stops short, or of a file of
 * another length, is no rest: the file is asked for whole again.
 */
function continues(response: HttpResponse, progress: Progress): boolean {
  const range = /^bytes\s+(\d+)-(\d+)\/(\d+)$/i.exec(response.header('content-range')?.trim() ?? '');
  if (!range || Number(range[1]) !== progress.written || !asStored(response)) return false;
  const total = Number(range[3]);
  if (Number(range[2]) + 1 !== total || (progress.total !== undefined && total !== progress.total)) return false;
  const etag = response.header('etag')?.trim();
  if (etag !== undefined && progress.validator?.startsWith('"') && etag !== progress.validator) return false;
  progress.total = total;
  return true;
}
