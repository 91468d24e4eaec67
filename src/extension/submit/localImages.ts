import * as vscode from 'vscode';
import { EvoLinkError } from '../../common/errors';
import { imageEndOf, wholeIntegrity } from '../../common/imageEnd';
import { decodableFormats, extensionsOf, imageFormats, imageIntegrity, readImageSize, sniffImageFormat, type ImageIntegrity } from '../../common/imageType';
import { models, type ImageFormat } from '../../common/models';
import type { LocalImageInfo } from '../../common/request';
import { fileIntegrity, headBytes, readHeadAndTail, tailBytes } from '../tasks/fileSink';
import { displayPath } from '../ui/paths';

/** A local image that may become a reference or a mask, with what its bytes say about it. */
export interface LocalImage extends LocalImageInfo {
  uri: vscode.Uri;
  name: string;
}

/** No model takes a larger reference: a bigger file is refused without being read whole. */
export const maxReferenceBytes = Math.max(...models.map((model) => model.references.maxBytes));

/** The file name extensions of every image format a model takes as a reference. */
export const referenceExtensions = extensionsOf(models.flatMap((model) => model.references.formats));

/** The file name extensions of every format Export As reads. */
export const exportExtensions = extensionsOf(decodableFormats);

function formatFromName(name: string): ImageFormat | undefined {
  const extension = name.split('.').pop()?.toLowerCase() ?? '';
  return (Object.keys(imageFormats) as ImageFormat[]).find((format) => imageFormats[format].extensions.includes(extension));
}

function readFailed(uri: vscode.Uri, error: unknown): EvoLinkError {
  // The message names the file as the user knows it; the machine's path stays in the cause.
  return new EvoLinkError('fileSystem', `${displayPath(uri)} cannot be read.`, { code: 'readFailed', path: displayPath(uri), cause: error });
}

/**
 * Reads what a local file is: its type and pixel size from its first bytes, whether it is whole
 * from its last bytes, its size from the file system. Local files read only their head and
 * tail; other file systems (remote, virtual) are read through `vscode.workspace.fs`, and not at
 * all when the file is larger than any model takes.
 */
export async function inspectLocalImage(uri: vscode.Uri): Promise<LocalImage> {
  const name = uri.path.split('/').pop() ?? uri.path;
  let size: number;
  let head: Uint8Array = new Uint8Array(0);
  let tail: Uint8Array = new Uint8Array(0);
  let whole: Uint8Array | undefined;
  try {
    size = (await vscode.workspace.fs.stat(uri)).size;
    if (size > 0 && uri.scheme === 'file') ({ head, tail } = await readHeadAndTail(uri.fsPath));
    else if (size > 0 && size <= maxReferenceBytes) {
      whole = await vscode.workspace.fs.readFile(uri);
      head = whole.subarray(0, headBytes);
      tail = whole.subarray(Math.max(0, whole.length - tailBytes));
    }
  } catch (error) {
    throw readFailed(uri, error);
  }
  // A file too large to read here is named by its extension; the model's byte limit refuses it.
  const format = sniffImageFormat(head) ?? (head.length === 0 && size > 0 ? formatFromName(name) : undefined);
  // A JPEG's frame header after a large profile or preview, or a TIFF's directory at its end (as
  // libtiff writes it), lies past the head: the file, no larger than a model takes, is read whole.
  let dimensions = readImageSize(head);
  if (!dimensions && format && head.length < size && size <= maxReferenceBytes) {
    try {
      dimensions = readImageSize(await vscode.workspace.fs.readFile(uri));
    } catch (error) {
      throw readFailed(uri, error);
    }
  }
  const image: LocalImage = { uri, name, format, bytes: size, width: dimensions?.width ?? 0, height: dimensions?.height ?? 0 };
  if (format && tail.length > 0 && (await integrity(uri, format, { head, tail, size, whole })) === 'truncated') image.truncated = true;
  return image;
}

/** Whether a local image is whole (bytes after its end, as a phone's Motion Photo has, do not make it cut). */
async function integrity(uri: vscode.Uri, format: ImageFormat, read: { head: Uint8Array; tail: Uint8Array; size: number; whole: Uint8Array | undefined }): Promise<ImageIntegrity> {
  const { head, tail, size, whole } = read;
  if (whole) return wholeIntegrity(format, head, tail, size, () => imageEndOf(whole));
  return fileIntegrity(uri.fsPath, format, head, tail, size).catch(() => imageIntegrity(format, head, tail, size));
}

/** Reads a local image's bytes for an upload. */
export async function readLocalImage(uri: vscode.Uri): Promise<Uint8Array> {
  try {
    return await vscode.workspace.fs.readFile(uri);
  } catch (error) {
    throw readFailed(uri, error);
  }
}
