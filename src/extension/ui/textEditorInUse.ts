import * as vscode from 'vscode';
import { DisposableBase } from '../base/disposable';

/** Where the user last worked in a text: the document, its cursors and its editor group. */
interface LastPlace {
  uri: string;
  /** The document's version the cursors belong to: after a change elsewhere (a checkout) they may point anywhere. */
  version: number;
  selections: readonly vscode.Selection[];
  viewColumn: vscode.ViewColumn | undefined;
}

/**
 * The text editor a command means when it starts from a webview or a view (the Studio, a
 * notification): while a webview is the active editor, VS Code has no active text editor, yet
 * the user means the text they were writing in. That is the active text editor, else the one
 * last active where it is still visible, else its document shown again in its group with the
 * cursors it had.
 */
export class TextEditorInUse extends DisposableBase {
  private last: LastPlace | undefined;

  constructor() {
    super();
    this.remember(vscode.window.activeTextEditor);
    this._register(vscode.window.onDidChangeActiveTextEditor((editor) => this.remember(editor)));
    this._register(vscode.window.onDidChangeTextEditorSelection((event) => (event.textEditor === vscode.window.activeTextEditor ? this.remember(event.textEditor) : undefined)));
  }

  private remember(editor: vscode.TextEditor | undefined): void {
    // The Output panel and other read-only views are editors too; they are not where references go.
    if (!editor || editor.document.uri.scheme === 'output') return;
    this.last = { uri: editor.document.uri.toString(), version: editor.document.version, selections: editor.selections, viewColumn: editor.viewColumn };
  }

  async editor(): Promise<vscode.TextEditor | undefined> {
    const active = vscode.window.activeTextEditor;
    if (active) return active;
    const last = this.last;
    // Nothing seen yet (the window reloaded with a webview in front): the one text editor in view, if one.
    if (!last) return vscode.window.visibleTextEditors.length === 1 ? vscode.window.visibleTextEditors[0] : undefined;
    const visible = vscode.window.visibleTextEditors.find((editor) => editor.document.uri.toString() === last.uri);
    if (visible) return visible;
    // Hidden behind a tab, not closed: a tab of it is still open.
    const open = vscode.window.tabGroups.all.some((group) => group.tabs.some((tab) => tab.input instanceof vscode.TabInputText && tab.input.uri.toString() === last.uri));
    const document = vscode.workspace.textDocuments.find((candidate) => candidate.uri.toString() === last.uri && !candidate.isClosed);
    if (!open || !document) return undefined;
    const shown = await vscode.window.showTextDocument(document, { ...(last.viewColumn !== undefined ? { viewColumn: last.viewColumn } : {}), preview: false });
    if (document.version === last.version) shown.selections = [...last.selections];
    return shown;
  }
}
