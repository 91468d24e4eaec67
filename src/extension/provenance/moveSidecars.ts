import * as vscode from 'vscode';
import type { Notifier } from '../ui/notifier';
import { findFilesIn } from '../base/search';
import { sidecarGlob, type ProvenanceStore } from './store';

/** The most sidecars one run moves (a run again moves the rest). */
const sidecarLimit = 10_000;

/**
 * `EvoLink: Move Sidecars into the Index`: records the provenance of every `<image>.evolink.json`
 * of the workspace in its folder's index, then, after asking (`confirmed` answers in advance),
 * moves the sidecars to the trash. Sidecars whose image is gone, or that do not read, stay.
 * Answers how many sidecars were moved into the index.
 */
export async function moveSidecarsIntoIndex(deps: { provenance: ProvenanceStore; notifier: Notifier }, confirmed = false): Promise<number> {
  const folders = vscode.workspace.workspaceFolders ?? [];
  if (folders.length === 0) {
    deps.notifier.show('info', vscode.l10n.t('Open a folder first: sidecars are moved into the index of their workspace folder.'));
    return 0;
  }
  const sidecars: vscode.Uri[] = [];
  const unsearched: string[] = [];
  for (const folder of folders) {
    const found = await findFilesIn(folder.uri, sidecarGlob, sidecarLimit);
    if (found) sidecars.push(...found);
    else unsearched.push(folder.name);
  }
  if (unsearched.length > 0) {
    // A folder on a file system VS Code cannot search (another extension's, without a search provider).
    deps.notifier.show('warning', unsearched.length === 1 ? vscode.l10n.t('The workspace folder {0} could not be searched for .evolink.json files: VS Code offers no search of its file system.', unsearched[0]!) : vscode.l10n.t('The workspace folders {0} could not be searched for .evolink.json files: VS Code offers no search of their file systems.', unsearched.join(', ')));
  }
  const moved = await deps.provenance.adoptSidecars(sidecars);
  if (moved.length === 0) {
    if (unsearched.length === folders.length) return 0;
    deps.notifier.show('info', vscode.l10n.t('No .evolink.json files to move: the workspace has none whose image is still there.'));
    return 0;
  }
  const remove = vscode.l10n.t('Move to Trash');
  const answer = confirmed
    ? remove
    : await deps.notifier.ask(
        'info',
        moved.length === 1
          ? vscode.l10n.t('The provenance of 1 image is now in the index (.evolink/history.jsonl). Move its .evolink.json file to the trash?')
          : vscode.l10n.t('The provenance of {0} images is now in the index (.evolink/history.jsonl). Move their .evolink.json files to the trash?', moved.length),
        vscode.l10n.t('The index keeps the prompts and settings; the History and Reuse read it. With the setting evolink.provenance set to "sidecar", new images get a sidecar again.'),
        [remove],
      );
  if (answer !== remove) return moved.length;
  let failed = 0;
  // Where there is no trash, they are deleted for good only when the user says so (once for all).
  let permanently: boolean | undefined = confirmed ? true : undefined;
  for (const sidecar of moved) {
    try {
      await vscode.workspace.fs.delete(sidecar, { useTrash: true });
    } catch {
      if (permanently === undefined) {
        const remove = vscode.l10n.t('Delete');
        permanently = (await deps.notifier.ask('warning', vscode.l10n.t('The .evolink.json files cannot be moved to the trash here. Delete them permanently?'), undefined, [remove])) === remove;
      }
      if (permanently) await Promise.resolve(vscode.workspace.fs.delete(sidecar)).catch(() => failed++);
      else failed++;
    }
  }
  if (failed > 0) deps.notifier.show('warning', failed === 1 ? vscode.l10n.t('1 .evolink.json file could not be deleted; delete it in the Explorer.') : vscode.l10n.t('{0} .evolink.json files could not be deleted; delete them in the Explorer.', failed));
  else deps.notifier.show('info', moved.length === 1 ? vscode.l10n.t('Moved 1 .evolink.json file into the index.') : vscode.l10n.t('Moved {0} .evolink.json files into the index.', moved.length));
  return moved.length;
}
