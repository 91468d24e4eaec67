import * as vscode from 'vscode';

/** `evolink.openResults`: how a finished result is opened. */
export type OpenResults = 'none' | 'preview' | 'beside';

/** The file a tab shows, if it shows one. */
function tabUri(tab: vscode.Tab): string | undefined {
  const input = tab.input;
  return input instanceof vscode.TabInputCustom || input instanceof vscode.TabInputText ? input.uri.toString() : undefined;
}

/** Whether VS Code's image preview shows this file (it shows AVIF, not HEIC). */
const shownByVsCode = (uri: vscode.Uri): boolean => !/\.heic$/i.test(uri.path);

/**
 * The one way results are opened, by the announcer when a task is saved and by every Open
 * action. `preview` (the default) reuses one preview editor in one column beside the user's
 * work, without taking focus: five results replace each other instead of opening five
 * columns. `beside` keeps each one open; `none` opens only what the user asks for.
 */
export class ResultOpener {
  /** The column results were last shown in. */
  private column: vscode.ViewColumn | undefined;

  constructor(private readonly setting: () => OpenResults) {}

  /** Opens a result that has just been saved, as the setting says. */
  async saved(uri: vscode.Uri): Promise<void> {
    const how = this.setting();
    if (how !== 'none') await this.show(uri, how);
  }

  /** Opens a result the user asked for (an Open action): in the preview column unless the setting keeps each beside. */
  async requested(uri: vscode.Uri): Promise<void> {
    await this.show(uri, this.setting() === 'beside' ? 'beside' : 'preview');
  }

  private async show(uri: vscode.Uri, how: 'preview' | 'beside'): Promise<void> {
    if (!shownByVsCode(uri)) {
      // A HEIC (a converting CDN sent one): VS Code has no viewer for it; the Explorer shows where it is.
      await vscode.commands.executeCommand('revealInExplorer', uri);
      return;
    }
    if (how === 'beside') {
      await vscode.commands.executeCommand('vscode.open', uri, { preview: false, preserveFocus: true, viewColumn: vscode.ViewColumn.Beside });
      return;
    }
    await vscode.commands.executeCommand('vscode.open', uri, { preview: true, preserveFocus: true, viewColumn: this.previewColumn() });
    const shown = vscode.window.tabGroups.all.find((group) => group.activeTab && tabUri(group.activeTab) === uri.toString());
    if (shown) this.column = shown.viewColumn;
  }

  /** The column of the last result while it is there; else beside the active editor, or the active group when it is empty. */
  private previewColumn(): vscode.ViewColumn {
    const groups = vscode.window.tabGroups;
    if (this.column !== undefined && groups.all.some((group) => group.viewColumn === this.column)) return this.column;
    return groups.activeTabGroup.tabs.length === 0 ? groups.activeTabGroup.viewColumn : vscode.ViewColumn.Beside;
  }
}
