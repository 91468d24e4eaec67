import { createHash } from 'node:crypto';
import type * as vscode from 'vscode';
import { EvoLinkError } from '../../common/errors';
import { imageEndOf, wholeIntegrity } from '../../common/imageEnd';
import { imageFormats, nameAs, readImageSize, sniffImageFormat } from '../../common/imageType';
import type { ImageFormat } from '../../common/models';
import type { LocalImageInfo } from '../../common/request';
import { epochSeconds } from '../../common/wire';
import type { EvoLinkClient } from '../api/client';
import { headBytes, tailBytes } from '../tasks/fileSink';
import type { TaskLedger } from '../tasks/ledger';

/** How long the files API keeps an upload when its answer does not say. */
const uploadLifetimeMs = 72 * 3600 * 1000;

/**
 * A reused link must stay valid at least this long: the service fetches references while the
 * task runs, and a retry may come a while later.
 */
const reuseMarginMs = 6 * 3600 * 1000;

export interface UploadDeps {
  ledger: TaskLedger;
  client: () => EvoLinkClient;
  apiKey: () => Promise<string | undefined>;
  log: vscode.LogOutputChannel;
  now?: () => number;
}

/**
 * Turns local bytes into a URL the service can fetch, through the files API. The same bytes are
 * uploaded once while their link is valid: uploads are recorded in the ledger by their SHA-256.
 */
export class Uploads {
  constructor(private readonly deps: UploadDeps) {}

  /** The URL of these bytes, uploading them unless a valid upload of the same bytes is recorded; `signal` stops an upload under way. */
  async urlFor(bytes: Uint8Array, name: string, format: ImageFormat, signal?: AbortSignal): Promise<{ url: string; reused: boolean }> {
    const now = this.deps.now?.() ?? Date.now();
    const sha256 = createHash('sha256').update(bytes).digest('hex');
    const apiKey = await this.deps.apiKey();
    if (!apiKey) throw new EvoLinkError('auth', 'No API key is set.', { code: 'noKey', notSent: true });
    // An upload is reused only where it was made: another files API, or another key (account), may not have it.
    const account = createHash('sha256').update(`${this.deps.client().filesBase()}\n${apiKey}`).digest('hex').slice(0, 24);
    const known = await this.deps.ledger.getUpload(sha256);
    if (known && known.account === account && known.expiresAt - now > reuseMarginMs) {
      this.deps.log.info(`Reusing the upload of ${name} (valid until ${new Date(known.expiresAt).toISOString()})`);
      return { url: known.fileUrl, reused: true };
    }
    // Named and typed by what the bytes are: the file may have been replaced since it was looked at.
    const sent = sniffImageFormat(bytes) ?? format;
    const { fileUrl, expiresAt } = await this.deps.client().upload(bytes, nameAs(name, sent), imageFormats[sent].mime, signal ? { apiKey, signal } : { apiKey });
    const expires = epochSeconds(expiresAt);
    await this.deps.ledger.putUpload(sha256, {
      fileUrl,
      expiresAt: expires === undefined ? now + uploadLifetimeMs : expires * 1000,
      uploadedAt: now,
      bytes: bytes.length,
      account,
    });
    this.deps.log.info(`Uploaded ${name} (${bytes.length} bytes)`);
    return { url: fileUrl, reused: false };
  }

  /**
   * Forgets the uploads a request sent when the service could not use them (it failed the task
   * for its image, or refused the link): a file deleted in the dashboard, or purged, is uploaded
   * again by the next request instead of being sent dead until it would have expired.
   */
  async forgetAfter(failure: { code?: string; param?: string }, urls: readonly string[]): Promise<void> {
    const unusable = unusableUploadCodes.has(failure.code ?? '') || unusableUploadParams.has(failure.param ?? '');
    if (urls.length === 0 || !unusable) return;
    const forgotten = await this.deps.ledger.forgetUploads(new Set(urls)).catch(() => 0);
    if (forgotten > 0) this.deps.log.info(`Forgot ${forgotten} upload(s) EvoLink could not use (${failure.code ?? failure.param}); they are uploaded again next time`);
  }
}

/**
 * What the bytes about to be uploaded are: their type, size and pixel size, and whether the image
 * in them is whole. Read from those bytes, not from an earlier look at the file, which may have
 * been replaced since (a wizard left open, a confirmation that waited).
 */
export async function describeBytes(bytes: Uint8Array): Promise<LocalImageInfo> {
  const format = sniffImageFormat(bytes);
  const dimensions = readImageSize(bytes);
  const info: LocalImageInfo = { format, bytes: bytes.length, width: dimensions?.width ?? 0, height: dimensions?.height ?? 0 };
  if (format && bytes.length > 0) {
    const head = bytes.subarray(0, headBytes);
    const tail = bytes.subarray(Math.max(0, bytes.length - tailBytes));
    if ((await wholeIntegrity(format, head, tail, bytes.length, () => imageEndOf(bytes))) === 'truncated') info.truncated = true;
  }
  return info;
}

/** Task errors that may mean the service could not fetch an uploaded image. */
const unusableUploadCodes = new Set(['image_processing_error', 'resource_not_found']);
/** Parameters a refusal names when a link it was given does not work. */
const unusableUploadParams = new Set(['image_urls', 'mask_url']);
