import { rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { EvoLinkError } from '../../common/errors';
import { readImageSize, sniffImageFormat } from '../../common/imageType';
import type { LedgerEntry } from '../../common/ledgerEntry';
import { addressProblem, redirectProblem, resultLinkProblem } from '../../common/urlPolicy';
import { FileSink, fileIntegrity, readHeadAndTail } from './fileSink';
import type { TaskWorkDeps } from './taskWork';
import { flushFile, flushing } from '../base/nodeDisk';

/*
 * One result link into the extension's storage: the link checked against where the extension
 * downloads from, the body streamed to a file, and the file kept only when it is a whole image.
 */

/** What a download of a result needs from the window. */
export type ResultDownloadDeps = Pick<TaskWorkDeps, 'client' | 'downloadsDir' | 'owner' | 'maxDownloadBytes' | 'downloadIdleMs' | 'apiIsLocal' | 'log'>;

/** Whether a file is a whole image (`fileIntegrity`); a file that cannot be read is not. */
export async function wholeImage(path: string): Promise<boolean> {
  try {
    const { head, tail, size } = await readHeadAndTail(path);
    const format = sniffImageFormat(head);
    return format !== undefined && size > 0 && (await fileIntegrity(path, format, head, tail, size)) !== 'truncated';
  } catch {
    return false;
  }
}

/** Downloads one result into storage and checks that it is a whole image. Answers where it is kept. */
export async function downloadResult(deps: ResultDownloadDeps, url: string, entry: LedgerEntry, index: number, signal: AbortSignal): Promise<string> {
  const problem = resultLinkProblem(url, { allowLocal: deps.apiIsLocal() });
  if (problem) throw new EvoLinkError('invalidResponse', `A result link was refused (${problem}).`, { code: 'refusedLink' });
  const part = join(deps.downloadsDir, `${entry.localId}-${index}-${deps.owner}.part`);
  const sink = new FileSink(part);
  let size: number;
  try {
    size = await deps.client().download(url, sink, {
      maxBytes: deps.maxDownloadBytes,
      signal,
      idleMs: deps.downloadIdleMs,
      checkLink: (next, from) => redirectProblem(from, next, { allowLocal: deps.apiIsLocal(), allowPlainHttp: entry.plainHttp === true }),
      checkAddress: (address) => addressProblem(address, { allowLocal: deps.apiIsLocal() }),
    });
    await sink.close();
  } catch (error) {
    await sink.close().catch(() => undefined);
    await rm(part, { force: true });
    throw error;
  }
  const format = sniffImageFormat(sink.head);
  const whole = format ? await fileIntegrity(part, format, sink.head, sink.tail, size) : 'truncated';
  if (!format || size === 0 || whole === 'truncated') {
    await rm(part, { force: true });
    throw new EvoLinkError('invalidResponse', `The result link answered ${size} bytes that are ${format ? 'a cut image' : 'not an image'}.`, { code: 'notImage' });
  }
  // A CDN that converts by the Accept header: kept as it came, under its own extension.
  if (format === 'avif' || format === 'heic') deps.log.warn(`${entry.localId}: result ${index + 1} came as ${format.toUpperCase()}, though the download asked for PNG, JPEG, WebP or GIF; it is saved as it is`);
  const kept = join(deps.downloadsDir, `${entry.localId}-${index}.${format}`);
  try {
    // Flushed before it is recorded kept: a paid result that comes back empty after a power loss would have to be downloaded again, if its link still works.
    await flushFile(part);
    await renameWhenFree(part, kept, signal);
  } catch (error) {
    await rm(part, { force: true }).catch(() => undefined);
    throw keepingError(error);
  }
  await flushing.folder(deps.downloadsDir).catch(() => undefined);
  deps.log.info(`${entry.localId}: downloaded result ${index + 1} (${format}, ${size} bytes${readImageSize(sink.head) ? `, ${readImageSize(sink.head)!.width}x${readImageSize(sink.head)!.height}` : ''})`);
  return kept;
}

/** Codes of a file held for a moment by another program (Windows: an antivirus scan, an indexer): the rename is tried again. */
const heldCodes = new Set(['EPERM', 'EBUSY', 'EACCES']);
/** The waits between tries of a rename of a held file: about 6 s in all. */
export const renameWaitsMs = [100, 200, 400, 800, 1500, 3000];

/** Renames `from` to `to`, again for a few seconds while another program holds the file. */
async function renameWhenFree(from: string, to: string, signal: AbortSignal): Promise<void> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await rename(from, to);
    } catch (error) {
      const wait = renameWaitsMs[attempt];
      if (wait === undefined || signal.aborted || !heldCodes.has((error as NodeJS.ErrnoException).code ?? '')) throw error;
      await new Promise((resolve) => setTimeout(resolve, wait));
    }
  }
}

/** A failure to flush or rename the downloaded file, told as the download's storage failures are (the code only: the path is this machine's). */
function keepingError(error: unknown): EvoLinkError {
  if (error instanceof EvoLinkError) return error;
  const code = (error as NodeJS.ErrnoException | undefined)?.code ?? '';
  return new EvoLinkError('fileSystem', `The downloaded result could not be kept (${code || 'error'}).`, { code: code === 'ENOSPC' || code === 'EDQUOT' ? 'storageFull' : 'storageFailed', cause: error });
}
