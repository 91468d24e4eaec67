import * as vscode from 'vscode';
import { imageFormats, readImageSize, sniffImageFormat } from '../../common/imageType';
import { EvoLinkError } from '../../common/errors';
import { models, type ImageFormat } from '../../common/models';
import type { LocalImageInfo } from '../../common/request';
import { headBytes, readHead } from '../tasks/fileSink';

/** A local image that may become a reference or a mask, with what its bytes say about it. */
export interface LocalImage extends LocalImageInfo {
  uri: vscode.Uri;
  name: string;
}

/** No model takes a larger reference: a bigger file is refused without being read whole. */
export const maxReferenceBytes = Math.max(...models.map((model) => model.references.maxBytes));

/** The file name extensions of every image format a model takes as a reference. */
export const referenceExtensions = [...new Set(models.flatMap((model) => model.references.formats).flatMap((format) => (format === 'jpeg' ? ['jpg', 'jpeg'] : format === 'tiff' ? ['tif', 'tiff'] : [format])))];

function formatFromName(name: string): ImageFormat | undefined {
  const extension = name.split('.').pop()?.toLowerCase();
  return (Object.keys(imageFormats) as ImageFormat[]).find((format) => imageFormats[format].extension === extension || (format === 'jpeg' && extension === 'jpeg') || (format === 'tiff' && extension === 'tif'));
}

/**
 * Reads what a local file is: its type and pixel size from its first bytes, its size from the
 * file system. Local files read only their head; other file systems (remote, virtual) are read
 * through `vscode.workspace.fs`, and not at all when the file is larger than any model takes.
 */
export async function inspectLocalImage(uri: vscode.Uri): Promise<LocalImage> {
  const name = uri.path.split('/').pop() ?? uri.path;
  let size: number;
  let head: Uint8Array;
  try {
    size = (await vscode.workspace.fs.stat(uri)).size;
    if (uri.scheme === 'file') head = await readHead(uri.fsPath);
    else if (size <= maxReferenceBytes) head = (await vscode.workspace.fs.readFile(uri)).subarray(0, headBytes);
    else head = new Uint8Array(0);
  } catch (error) {
    throw new EvoLinkError('fileSystem', `${uri.path}: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
  }
  const format = sniffImageFormat(head) ?? (head.length === 0 ? formatFromName(name) : undefined);
  const dimensions = readImageSize(head);
  return { uri, name, format, bytes: size, width: dimensions?.width ?? 0, height: dimensions?.height ?? 0 };
}

/** Reads a local image's bytes for an upload. */
export async function readLocalImage(uri: vscode.Uri): Promise<Uint8Array> {
  try {
    return await vscode.workspace.fs.readFile(uri);
  } catch (error) {
    throw new EvoLinkError('fileSystem', `${uri.path}: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
  }
}
