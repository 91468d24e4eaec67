import * as vscode from 'vscode';
import type { GalleryImageAction } from '../../common/galleryProtocol';
import type { ProvenanceStore } from '../provenance/store';
import { historyItemOf, type HistoryRecord } from '../studio/history';
import type { StudioPreload } from '../studio/studioPanel';
import { moveToTrash } from '../tasks/writer';
import type { Notifier } from '../ui/notifier';
import { displayPath } from '../ui/paths';
import { fileName } from '../base/disk';

/** What the gallery's actions need from the window. */
export interface ImageActionDeps {
  notifier: Notifier;
  openStudio: (preload: StudioPreload) => Promise<void>;
  /** Where a deleted image's provenance is recorded as gone. */
  history: { readonly provenance: ProvenanceStore };
}

/**
 * Carries out what the user asked for one image of the gallery, through the commands and
 * services that already do it (open, reveal, insert a reference, edit, the Studio's reuse, the
 * writer's trash). Answers true when the image is gone. `answered`: see {@link deleteImage}.
 */
export async function runImageAction(deps: ImageActionDeps, action: GalleryImageAction, record: HistoryRecord, confirmed: boolean, answered?: () => void): Promise<boolean> {
  const image = record.image;
  switch (action) {
    case 'open':
      await vscode.commands.executeCommand('vscode.open', image, { preview: true });
      return false;
    case 'reveal':
      await vscode.commands.executeCommand('revealInExplorer', image);
      return false;
    case 'insertReference':
      await vscode.commands.executeCommand('evolink.insertImageReference', image);
      return false;
    case 'edit':
      await vscode.commands.executeCommand('evolink.editImage', image, [image]);
      return false;
    case 'export':
      await vscode.commands.executeCommand('evolink.exportAs', image, [image]);
      return false;
    case 'reuse':
      await deps.openStudio({ reuse: historyItemOf(record, undefined) });
      return false;
    case 'delete':
      return deleteImage(deps, image, confirmed, answered);
  }
}

/**
 * Moves an image (and its sidecar, if it has one) to the trash and its provenance out of the
 * index, after a modal question (`confirmed` answers it in advance). `answered` is called as soon
 * as the user answered a question (the dialog took the focus: the caller gives it back then, not
 * once a slow move to the trash is over). Answers true when the image is gone.
 */
export async function deleteImage(deps: Pick<ImageActionDeps, 'notifier' | 'history'>, image: vscode.Uri, confirmed: boolean, answered?: () => void): Promise<boolean> {
  if (!confirmed) {
    const remove = vscode.l10n.t('Move to Trash');
    const detail = vscode.l10n.t('The image is moved to the trash, and its prompt and settings leave the history.');
    const answer = await deps.notifier.ask('warning', vscode.l10n.t('Delete {0}?', fileName(image)), detail, [remove]);
    answered?.();
    if (answer !== remove) return false;
  }
  return (await moveToTrash([image], { provenance: deps.history.provenance, notifier: deps.notifier }, confirmed, answered)).length > 0;
}

/**
 * The webview could not put the image on the clipboard (the browser refused it): the
 * workspace-relative path goes there instead, and the user is told so.
 */
export async function copyPathInstead(notifier: Notifier, image: vscode.Uri): Promise<void> {
  const path = displayPath(image);
  await vscode.env.clipboard.writeText(path);
  notifier.show('info', vscode.l10n.t('The image itself cannot be copied here, so its path was copied instead: {0}', path));
}
