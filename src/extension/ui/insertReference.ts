import * as vscode from 'vscode';
import { savedFiles } from '../../common/taskState';
import type { ProvenanceStore } from '../provenance/store';
import type { TaskService } from '../tasks/taskService';
import { imageFacts, importsEdit, referenceFor } from './imageReference';
import type { Notifier } from './notifier';
import { displayPath } from './paths';
import type { TextEditorInUse } from './textEditorInUse';

/**
 * `EvoLink: Insert Image Reference`: a reference to an image at each cursor, built for the
 * document's language and project (see `common/reference.ts`), with the prompt as alt text
 * selected for editing. Answers the inserted text.
 */
export async function insertImageReference(
  { tasks, notifier, provenance, editors }: { tasks: TaskService; notifier: Notifier; provenance: ProvenanceStore; editors: TextEditorInUse },
  image?: vscode.Uri,
): Promise<string | undefined> {
  // From the Studio or a notification, no text editor is active: the one the user wrote in is meant.
  const editor = await editors.editor();
  if (!editor) {
    notifier.show('info', vscode.l10n.t('Open a file to insert an image reference into.'));
    return undefined;
  }
  let target = image;
  if (!target) {
    const saved = (await tasks.list()).flatMap((entry) => savedFiles(entry).map((uri) => ({ uri: vscode.Uri.parse(uri), prompt: entry.request.prompt })));
    const browse = { label: vscode.l10n.t('$(folder-opened) Choose an image file…'), uri: undefined as vscode.Uri | undefined, description: '' };
    const picked = await vscode.window.showQuickPick(
      [...saved.map((item) => ({ label: displayPath(item.uri), description: item.prompt.slice(0, 80), uri: item.uri })), browse],
      { title: vscode.l10n.t('Insert Image Reference'), matchOnDescription: true },
    );
    if (!picked) return undefined;
    target = picked.uri;
    if (!target) {
      const chosen = await vscode.window.showOpenDialog({ canSelectMany: false, filters: { [vscode.l10n.t('Images')]: ['png', 'jpg', 'jpeg', 'webp', 'avif', 'gif', 'bmp', 'tiff', 'svg'] } });
      target = chosen?.[0];
    }
    if (!target) return undefined;
  }
  const document = editor.document;
  const reference = await referenceFor(document, [await imageFacts(target, provenance)]);
  if ('problem' in reference) {
    notifier.show('warning', reference.problem);
    return undefined;
  }
  const imports = importsEdit(document, reference.imports)?.get(document.uri) ?? [];
  // The imports and the reference are one step to undo.
  if (imports.length > 0) {
    await editor.edit((edit) => {
      for (const item of imports) edit.replace(item.range, item.newText);
    }, { undoStopBefore: true, undoStopAfter: false });
  }
  await editor.insertSnippet(new vscode.SnippetString(reference.snippet), editor.selections, { undoStopBefore: imports.length === 0, undoStopAfter: true });
  return reference.text;
}
