import * as vscode from 'vscode';
import { formatReference, relativePath, syntaxFor } from '../../common/reference';
import { provenanceName } from '../../common/naming';
import { savedFiles } from '../../common/taskState';
import type { TaskService } from '../tasks/taskService';
import type { Notifier } from './notifier';

async function promptOf(image: vscode.Uri): Promise<string> {
  const name = image.path.split('/').pop() ?? '';
  try {
    const sidecar = vscode.Uri.joinPath(image, '..', provenanceName(name));
    const json = JSON.parse(new TextDecoder().decode(await vscode.workspace.fs.readFile(sidecar))) as { prompt?: unknown };
    if (typeof json.prompt === 'string') return json.prompt;
  } catch {
    // No provenance: the file name stands in for the description.
  }
  return name.replace(/\.[^.]+$/, '').replace(/[-_]+/g, ' ');
}

/**
 * `EvoLink: Insert Image Reference`: a reference to an image at the cursor, relative to the
 * document, in the syntax of its language, with the prompt as alt text. Answers the inserted text.
 */
export async function insertImageReference({ tasks, notifier }: { tasks: TaskService; notifier: Notifier }, image?: vscode.Uri): Promise<string | undefined> {
  const editor = vscode.window.activeTextEditor;
  if (!editor) {
    notifier.show('info', vscode.l10n.t('Open a file to insert an image reference into.'));
    return undefined;
  }
  let target = image;
  if (!target) {
    const saved = (await tasks.list()).flatMap((entry) => savedFiles(entry).map((uri) => ({ uri: vscode.Uri.parse(uri), prompt: entry.request.prompt })));
    const browse = { label: vscode.l10n.t('$(folder-opened) Choose an image file…'), uri: undefined as vscode.Uri | undefined, description: '' };
    const picked = await vscode.window.showQuickPick(
      [...saved.map((item) => ({ label: vscode.workspace.asRelativePath(item.uri), description: item.prompt.slice(0, 80), uri: item.uri })), browse],
      { title: vscode.l10n.t('Insert Image Reference'), matchOnDescription: true },
    );
    if (!picked) return undefined;
    target = picked.uri;
    if (!target) {
      const chosen = await vscode.window.showOpenDialog({ canSelectMany: false, filters: { [vscode.l10n.t('Images')]: ['png', 'jpg', 'jpeg', 'webp', 'gif', 'bmp', 'tiff', 'svg'] } });
      target = chosen?.[0];
    }
    if (!target) return undefined;
  }
  const document = editor.document;
  const sameRoot = document.uri.scheme === target.scheme && document.uri.authority === target.authority;
  const path = sameRoot && document.uri.scheme !== 'untitled' ? relativePath(document.uri.path.replace(/\/[^/]*$/, ''), target.path) : target.toString();
  const text = formatReference(syntaxFor(document.languageId), path, await promptOf(target));
  await editor.edit((edit) => {
    for (const selection of editor.selections) edit.replace(selection, text);
  });
  return text;
}
