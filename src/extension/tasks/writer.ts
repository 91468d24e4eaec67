import { open, readFile, stat } from 'node:fs/promises';
import * as vscode from 'vscode';
import { EvoLinkError } from '../../common/errors';
import { imageFormats, readImageSize, sniffImageFormat } from '../../common/imageType';
import type { LedgerEntry } from '../../common/ledgerEntry';
import type { ImageFormat } from '../../common/models';
import { editStem, stemFromPrompt, uniqueName } from '../../common/naming';
import type { Provenance } from '../../common/provenance';
import { sidecarOf, type ProvenanceStore } from '../provenance/store';
import { diskOf, exists, fileName, onLocalDisk } from '../base/disk';
import { sameContent } from '../base/nodeDisk';
import type { Notifier } from '../ui/notifier';
import { displayPath } from '../ui/paths';
import { readHeadAndTail } from './fileSink';
import type { ResultWriter } from './landing';
import { fileErrorCode } from './taskWork';

function fileSystemError(error: unknown, uri: vscode.Uri): EvoLinkError {
  // What the user reads names the folder as they know it; the machine's path stays in the log.
  return new EvoLinkError('fileSystem', `${displayPath(uri)} cannot be written.`, { code: fileErrorCode(error), path: displayPath(uri), cause: error });
}

/** The provenance of a saved result: what made it, without upload links or paths of the machine. */
function provenanceOfResult(entry: LedgerEntry, index: number, format: ImageFormat, size: { width: number; height: number } | undefined, generator: string): Provenance {
  // The prompt and model have their own fields; upload links are private and expire.
  const parameters: Record<string, unknown> = { ...entry.body };
  for (const key of ['prompt', 'model', 'image_urls', 'mask_url']) delete parameters[key];
  const provenance: Provenance = {
    version: 1,
    generator,
    prompt: entry.request.prompt,
    model: entry.body.model,
    parameters,
    resultIndex: index,
    createdAt: new Date(entry.createdAt).toISOString(),
    ...(entry.taskId ? { taskId: entry.taskId } : {}),
    ...(entry.creditsUsed !== undefined ? { creditsUsed: entry.creditsUsed } : {}),
    // Sources by the name the user knows them by: workspace-relative, or a file name.
    sources: (entry.sources ?? []).map((uri) => displayPath(vscode.Uri.parse(uri))),
    format,
  };
  if (entry.completedAt) provenance.completedAt = new Date(entry.completedAt).toISOString();
  if (size) {
    provenance.width = size.width;
    provenance.height = size.height;
  }
  return provenance;
}

/**
 * Writes a verified download into its folder (`base/disk.ts`: Node on the extension host's disk,
 * `vscode.workspace.fs` elsewhere, so remote, WSL and virtual workspaces work): under a temporary
 * name of this window first (two windows never share one), then moved to a new, unique name
 * derived from the prompt, never over an existing file.
 * Its provenance goes to the store (the folder's index, as `evolink.provenance` says).
 */
export function createResultWriter(generator: string, provenance: ProvenanceStore): ResultWriter {
  const write = async (...[kept, entry, index, owner, claim]: Parameters<ResultWriter>): Promise<vscode.Uri | undefined> => {
    const { head } = await readHeadAndTail(kept);
    const format = sniffImageFormat(head);
    if (!format) throw new EvoLinkError('invalidResponse', 'The kept download is not an image.', { code: 'notImage' });
    const folder = vscode.Uri.parse(entry.targetFolder);
    const disk = diskOf(folder);
    try {
      await disk.makeFolder(folder);
    } catch (error) {
      throw fileSystemError(error, folder);
    }
    // An edit is named after its original (`photo.edit-1.png`); anything else after its prompt.
    const original = entry.editOf ? fileName(vscode.Uri.parse(entry.editOf)) : undefined;
    const stem = original ? editStem(original) : stemFromPrompt(entry.request.prompt);
    const extension = imageFormats[format].extension;
    const partial = vscode.Uri.joinPath(folder, `${partialPrefix(entry.localId, index)}${owner}.partial`);
    // A window that held this task before and closed mid-write left its own temporary file.
    await removePartials(folder, entry.localId, index, fileName(partial));
    try {
      await disk.copyIn(kept, partial);
      // On a local disk the bytes reach it before the name does, and before the task is recorded
      // saved and its kept download deleted: else a power loss could leave the name, empty.
      await disk.flush?.(partial);
    } catch (error) {
      await disk.remove(partial);
      throw fileSystemError(error, folder);
    }
    let placed = false;
    try {
      for (let attempt = 0; attempt < 20; attempt++) {
        const taken = new Set(await disk.names(folder));
        const name = uniqueName(stem, extension, taken, original !== undefined);
        const target = vscode.Uri.joinPath(folder, name);
        // Another window took the task over: it writes the result, this one does not.
        if (!(await claim(target))) return undefined;
        try {
          await disk.moveToFree(partial, target);
        } catch (error) {
          if (await disk.exists(target)) continue; // Another writer took the name first.
          throw fileSystemError(error, folder);
        }
        placed = true;
        await provenance.record(target, provenanceOfResult(entry, index, format, readImageSize(head), generator));
        return target;
      }
      throw new EvoLinkError('fileSystem', `No free file name for ${stem}.${extension}.`, { code: 'writeFailed', path: displayPath(folder) });
    } finally {
      // Whatever ended the naming (a claim the ledger could not record, among others), the
      // temporary copy does not stay in the user's folder.
      if (!placed) await disk.remove(partial);
    }
  };
  const recordLanded = async (target: string, kept: string, entry: LedgerEntry, index: number): Promise<void> => {
    const image = vscode.Uri.parse(target);
    if (await provenance.get(image)) return;
    const { head } = await readHeadAndTail(kept);
    const format = sniffImageFormat(head);
    if (format) await provenance.record(image, provenanceOfResult(entry, index, format, readImageSize(head), generator));
  };
  return Object.assign(write, { sameBytes, recordLanded });
}

/** Whether the file at `target` (a URI string) has the bytes of a kept download (a path of this machine); see `landing.ts`. */
async function sameBytes(target: string, kept: string): Promise<boolean> {
  const uri = vscode.Uri.parse(target);
  if (onLocalDisk(uri)) return sameContent(uri.fsPath, kept);
  try {
    // Another file system has no reads in pieces: the file is read whole, as it is only after a save was cut short.
    const [there, own] = await Promise.all([vscode.workspace.fs.readFile(uri), readFile(kept)]);
    return Buffer.from(there.buffer, there.byteOffset, there.length).equals(own);
  } catch {
    return false;
  }
}

/** How the temporary files of a task's result in the workspace begin (hidden, and named for the window that writes it). */
const partialPrefix = (localId: string, index: number): string => `.${localId}-${index}-`;

/** Removes the temporary files a window left beside a result's target (a URI string): {@link removePartials}. */
export function removePartialsBeside(target: string, localId: string, index: number): Promise<void> {
  return removePartials(vscode.Uri.joinPath(vscode.Uri.parse(target), '..'), localId, index);
}

/**
 * Removes the temporary files a window left in `folder` for a task's result (it closed, or
 * crashed, mid-write or between the move and its removal), but `except`.
 */
async function removePartials(folder: vscode.Uri, localId: string, index: number, except?: string): Promise<void> {
  const disk = diskOf(folder);
  const prefix = partialPrefix(localId, index);
  for (const name of await disk.names(folder).catch(() => [])) {
    if (name.startsWith(prefix) && name.endsWith('.partial') && name !== except) await disk.remove(vscode.Uri.joinPath(folder, name));
  }
}

/**
 * Removes a cut copy of a kept download at `target` (a URI string): what a window leaves when it
 * crashes while it copies a result to its name, on a file system without hard links (FAT, some
 * shares; `nodeDisk.ts`). Only a shorter, non-empty file whose bytes all begin the download is
 * taken for one; anything else at the name stays. Answers whether one was removed.
 */
export async function removeCutCopy(target: string, kept: string): Promise<boolean> {
  const uri = vscode.Uri.parse(target);
  try {
    const [there, whole] = await Promise.all([vscode.workspace.fs.stat(uri), stat(kept)]);
    // An empty file may be another writer's, just created where the name was free: only bytes of this download tell.
    if (there.size === 0 || there.size >= whole.size) return false;
    const bytes = await vscode.workspace.fs.readFile(uri);
    const start = await readStart(kept, bytes.length);
    if (Buffer.compare(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length), start) !== 0) return false;
    await vscode.workspace.fs.delete(uri);
    return true;
  } catch {
    return false;
  }
}

/** The first `length` bytes of a file of this machine. */
async function readStart(path: string, length: number): Promise<Buffer> {
  const file = await open(path, 'r');
  try {
    const start = Buffer.alloc(length);
    const { bytesRead } = await file.read(start, 0, length, 0);
    return start.subarray(0, bytesRead);
  } finally {
    await file.close();
  }
}

/** The size of a file (a URI string), or `undefined` when there is none. */
export async function fileSizeOf(uri: string): Promise<number | undefined> {
  try {
    return (await vscode.workspace.fs.stat(vscode.Uri.parse(uri))).size;
  } catch {
    return undefined;
  }
}

/**
 * Moves images and their sidecars to the trash, and records them as gone in the provenance
 * index. Where the file system has no trash, the files stay unless the user agrees (once, for
 * all of them) to delete them for good; `confirmed` answers that question in advance
 * (automation, tests), and `answered` is called as soon as the user answered it (the caller
 * gives the focus back then, not once the files are gone). Answers the images that are gone.
 */
export async function moveToTrash(
  images: readonly vscode.Uri[],
  deps: { provenance: ProvenanceStore; notifier: Pick<Notifier, 'ask'> },
  confirmed = false,
  answered?: () => void,
): Promise<vscode.Uri[]> {
  let permanently: boolean | undefined = confirmed ? true : undefined;
  for (const image of images) {
    for (const uri of [image, sidecarOf(image)]) {
      if (!(await exists(uri))) continue;
      try {
        await vscode.workspace.fs.delete(uri, { useTrash: true });
      } catch {
        if (permanently === undefined) {
          const remove = vscode.l10n.t('Delete');
          const answer = await deps.notifier.ask('warning', vscode.l10n.t('{0} cannot be moved to the trash here. Delete it permanently?', images.map(fileName).join(', ')), undefined, [remove]);
          permanently = answer === remove;
          answered?.();
        }
        if (permanently) await vscode.workspace.fs.delete(uri).then(undefined, () => undefined);
      }
    }
  }
  const gone = (await Promise.all(images.map(async (image) => ((await exists(image)) ? undefined : image)))).filter((image) => image !== undefined);
  await deps.provenance.forget(gone);
  return gone;
}
