import { createHash } from 'node:crypto';
import type * as vscode from 'vscode';
import { EvoLinkError } from '../../common/errors';
import { imageFormats, nameAs } from '../../common/imageType';
import type { ImageFormat } from '../../common/models';
import type { EvoLinkClient } from '../api/client';
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
    const known = await this.deps.ledger.getUpload(sha256);
    if (known && known.expiresAt - now > reuseMarginMs) {
      this.deps.log.info(`Reusing the upload of ${name} (valid until ${new Date(known.expiresAt).toISOString()})`);
      return { url: known.fileUrl, reused: true };
    }
    const apiKey = await this.deps.apiKey();
    if (!apiKey) throw new EvoLinkError('auth', 'No API key is set.');
    const { fileUrl, expiresAt } = await this.deps.client().upload(bytes, nameAs(name, format), imageFormats[format].mime, signal ? { apiKey, signal } : { apiKey });
    const parsed = expiresAt ? Date.parse(expiresAt) : Number.NaN;
    await this.deps.ledger.putUpload(sha256, {
      fileUrl,
      expiresAt: Number.isFinite(parsed) ? parsed : now + uploadLifetimeMs,
      uploadedAt: now,
      bytes: bytes.length,
    });
    this.deps.log.info(`Uploaded ${name} (${bytes.length} bytes)`);
    return { url: fileUrl, reused: false };
  }
}
