import * as vscode from 'vscode';
import { imageFormats } from '../../common/imageType';
import type { ImageFormat } from '../../common/models';
import { editStem, provenanceName, stemFromPrompt, uniqueName } from '../../common/naming';
import { EvoLinkError } from '../../common/errors';
import type { Provenance } from '../../common/provenance';
import type { LedgerEntry } from './ledger';

/** The output folder of a workspace folder: `evolink.outputFolder` relative to it. */
export function outputFolderOf(workspaceFolder: vscode.Uri, setting: string): vscode.Uri {
  const parts = setting.split(/[\\/]+/).filter((part) => part && part !== '.');
  if (parts.some((part) => part === '..')) {
    throw new EvoLinkError('configuration', vscode.l10n.t('The setting evolink.outputFolder must stay inside the workspace folder.'), { param: 'evolink.outputFolder' });
  }
  return vscode.Uri.joinPath(workspaceFolder, ...parts);
}

/** The last segment of a URI's path: the file's name. */
export function fileName(uri: vscode.Uri): string {
  return uri.path.split('/').pop() ?? '';
}

/** The provenance file beside an image (`<image>.evolink.json`). */
export function provenanceOf(image: vscode.Uri): vscode.Uri {
  return vscode.Uri.joinPath(image, '..', provenanceName(fileName(image)));
}

/** Whether a file or folder exists, through `vscode.workspace.fs`. */
export async function exists(uri: vscode.Uri): Promise<boolean> {
  try {
    await vscode.workspace.fs.stat(uri);
    return true;
  } catch {
    return false;
  }
}

function fileSystemError(error: unknown, uri: vscode.Uri): EvoLinkError {
  const detail = error instanceof Error ? error.message : String(error);
  return new EvoLinkError('fileSystem', `${uri.path}: ${detail}`, { cause: error });
}

/**
 * Saves a downloaded image into its folder through `vscode.workspace.fs` (so remote, WSL and
 * virtual workspaces work): under a temporary name first, then renamed to a new, unique name
 * derived from the prompt, never over an existing file. The provenance file is written beside it.
 */
export async function saveImage(
  downloaded: vscode.Uri,
  format: ImageFormat,
  folder: vscode.Uri,
  entry: LedgerEntry,
  index: number,
  size: { width: number; height: number } | undefined,
  generator: string,
): Promise<vscode.Uri> {
  try {
    await vscode.workspace.fs.createDirectory(folder);
  } catch (error) {
    throw fileSystemError(error, folder);
  }
  // An edit is named after its original (`photo.edit-1.png`); anything else after its prompt.
  const original = entry.editOf ? fileName(vscode.Uri.parse(entry.editOf)) : undefined;
  const stem = original ? editStem(original) : stemFromPrompt(entry.request.prompt);
  const extension = imageFormats[format].extension;
  const partial = vscode.Uri.joinPath(folder, `.${entry.localId}-${index}.partial`);
  try {
    await vscode.workspace.fs.copy(downloaded, partial, { overwrite: true });
  } catch (error) {
    throw fileSystemError(error, partial);
  }
  for (let attempt = 0; attempt < 20; attempt++) {
    const taken = new Set((await vscode.workspace.fs.readDirectory(folder)).map(([name]) => name));
    const name = uniqueName(stem, extension, taken, original !== undefined);
    const target = vscode.Uri.joinPath(folder, name);
    try {
      await vscode.workspace.fs.rename(partial, target, { overwrite: false });
    } catch (error) {
      if (await exists(target)) continue; // Another writer took the name first.
      await vscode.workspace.fs.delete(partial).then(undefined, () => undefined);
      throw fileSystemError(error, target);
    }
    const provenance: Provenance = {
      version: 1,
      generator,
      prompt: entry.request.prompt,
      model: entry.body.model,
      parameters: Object.fromEntries(Object.entries(entry.body).filter(([key]) => key !== 'prompt' && key !== 'model')),
      resultIndex: index,
      createdAt: new Date(entry.createdAt).toISOString(),
      ...(entry.taskId ? { taskId: entry.taskId } : {}),
      ...(entry.creditsUsed !== undefined ? { creditsUsed: entry.creditsUsed } : {}),
      sources: entry.sources ?? [],
      format,
    };
    if (entry.completedAt) provenance.completedAt = new Date(entry.completedAt).toISOString();
    if (size) {
      provenance.width = size.width;
      provenance.height = size.height;
    }
    const provenanceUri = vscode.Uri.joinPath(folder, provenanceName(name));
    await vscode.workspace.fs.writeFile(provenanceUri, new TextEncoder().encode(`${JSON.stringify(provenance, null, 2)}\n`)).then(undefined, () => undefined);
    return target;
  }
  throw new EvoLinkError('fileSystem', `No free file name for ${stem}.${extension} in ${folder.path}`);
}

/**
 * Moves images and their provenance files to the trash. Where the file system has no trash, the
 * files stay unless the user agrees (once, for all of them) to delete them for good; `confirmed`
 * answers that question in advance (automation, tests).
 */
export async function moveToTrash(images: readonly vscode.Uri[], confirmed = false): Promise<void> {
  let permanently: boolean | undefined = confirmed ? true : undefined;
  for (const image of images) {
    for (const uri of [image, provenanceOf(image)]) {
      if (!(await exists(uri))) continue;
      try {
        await vscode.workspace.fs.delete(uri, { useTrash: true });
      } catch {
        if (permanently === undefined) {
          const remove = vscode.l10n.t('Delete');
          const answer = await vscode.window.showWarningMessage(
            vscode.l10n.t('{0} cannot be moved to the trash here. Delete it permanently?', images.map(fileName).join(', ')),
            { modal: true },
            remove,
          );
          permanently = answer === remove;
        }
        if (permanently) await vscode.workspace.fs.delete(uri).then(undefined, () => undefined);
      }
    }
  }
}
