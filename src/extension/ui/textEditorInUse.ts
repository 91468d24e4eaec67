import * as vscode from 'vscode';
import { DisposableBase } from '../base/disposable';

/** Where the user last worked in a text: the document, its cursors and its editor group. */
interface LastPlace {
  uri: string;
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
    this.last = { uri: editor.document.uri.toString(), selections: editor.selections, viewColumn: editor.viewColumn };
  }

  async editor(): Promise<vscode.TextEditor | undefined> {
    const active = vscode.window.activeTextEditor;
    if (active) return active;
    const last = this.last;
    if (!last) return undefined;
    const visible = vscode.window.visibleTextEditors.find((editor) => editor.document.uri.toString() === last.uri);
    if (visible) return visible;
    const document = vscode.workspace.textDocuments.find((candidate) => candidate.uri.toString() === last.uri && !candidate.isClosed);
    if (!document) return undefined;
    const shown = await vscode.window.showTextDocument(document, { ...(last.viewColumn !== undefined ? { viewColumn: last.viewColumn } : {}), preview: false });
    shown.selections = [...last.selections];
    return shown;
  }
}
