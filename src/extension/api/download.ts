import { EvoLinkError, errorFromHttpResponse } from '../../common/errors';
import { retryDelay, type RetryPolicy } from '../../common/retry';
import type { Transport } from '../net/transport';
import type { MinRate } from '../net/watchdog';
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
  /** Why a redirect's target may not be followed, or `undefined` when it may. */
  checkLink?: (url: string) => string | undefined;
}

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

/**
 * Downloads a result into `sink`; see `EvoLinkClient.download`. A failed attempt is tried again
 * from the start (`sink.reset()`).
 */
export async function downloadResult(d: Downloader, url: string, sink: DownloadSink, options: DownloadOptions): Promise<number> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await downloadOnce(d, url, sink, options);
    } catch (error) {
      if (!(error instanceof EvoLinkError)) throw error;
      const final = error.reason === 'expired' || error.reason === 'tooLarge' || error.reason === 'fileSystem' || error.details.code === 'redirects' || error.details.code === 'refusedLink';
      const wait = final ? undefined : retryDelay(error, attempt, d.retryPolicy);
      if (wait === undefined || options.signal?.aborted) throw error;
      d.log?.('warn', `Download from ${new URL(url).host} failed (${error.reason}); retrying in ${wait} ms`);
      await sink.reset();
      await d.sleep(wait, options.signal);
    }
  }
}

async function downloadOnce(d: Downloader, url: string, sink: DownloadSink, options: DownloadOptions): Promise<number> {
  // Each exchange's watchdog stops it when no byte comes for `idleMs` (a stalled answer or body)
  // or when its body comes slower than `minRate`; a body that keeps coming has no total time.
  const idleMs = options.idleMs ?? 60_000;
  let link = url;
  for (let hop = 0; ; hop++) {
    const response = await d.transport.send({
      method: 'GET',
      url: link,
      headers: { 'user-agent': d.userAgent, accept: 'image/*' },
      timeoutMs: options.timeoutMs ?? 10 * 60_000,
      untimedBody: true,
      idleMs,
      minRate: options.minRate ?? defaultMinRate,
      ...(options.signal ? { signal: options.signal } : {}),
      bulk: true,
    });
    const location = response.header('location');
    if (response.status >= 300 && response.status < 400 && location !== undefined) {
      await response.discard();
      if (hop >= maxRedirects) throw new EvoLinkError('invalidResponse', `More than ${maxRedirects} redirects.`, { code: 'redirects' });
      const target = resolveLink(location, link);
      const problem = target === undefined ? 'not an address' : options.checkLink?.(target);
      if (problem || target === undefined) throw new EvoLinkError('invalidResponse', `A redirect led to a refused link (${problem}).`, { code: 'refusedLink' });
      link = target;
      continue;
    }
    if (response.status === 403 || response.status === 404 || response.status === 410) {
      await response.discard();
      throw new EvoLinkError('expired', `The result link answered ${response.status}.`, { status: response.status });
    }
    if (response.status < 200 || response.status > 299) {
      throw errorFromHttpResponse(response.status, await response.text(4096), (name) => response.header(name));
    }
    return await receiveResult(response, sink, options.maxBytes);
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
