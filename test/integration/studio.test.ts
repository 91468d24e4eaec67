import * as assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as vscode from 'vscode';
import { activateExtension } from './support';

/** The extension's log, as written so far. */
function log(dir: string): string {
  try {
    return readdirSync(dir).map((name) => readFileSync(join(dir, name), 'utf8')).join('\n');
  } catch {
    return ''; // not written yet
  }
}

describe('The Image Studio panel', function () {
  this.timeout(60_000);
  let logDir: string;

  before(async () => {
    logDir = (await activateExtension()).logUri.fsPath;
  });

  after(() => vscode.commands.executeCommand('workbench.action.closeAllEditors'));

  it('opens once per window, and its webview completes the ready / init handshake', async () => {
    const before = (log(logDir).match(/Studio: first paint with init/g) ?? []).length;
    await vscode.commands.executeCommand('evolink.openStudio');
    await vscode.commands.executeCommand('evolink.openStudio');
    const studios = () => vscode.window.tabGroups.all.flatMap((group) => group.tabs).filter((tab) => tab.input instanceof vscode.TabInputWebview && tab.input.viewType.endsWith('evolink.studio'));
    const deadline = Date.now() + 30_000;
    // The window learns of the new tab a moment after the panel is created.
    while (studios().length === 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 100));
    assert.equal(studios().length, 1, 'one Studio per window');
    // The host logs the webview's `ready`, then the first paint after `init`.
    while ((log(logDir).match(/Studio: first paint with init/g) ?? []).length === before) {
      assert.ok(Date.now() < deadline, 'the webview never painted after init');
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    assert.match(log(logDir), /Studio: webview ready \d+ ms after opening/);
    assert.doesNotMatch(log(logDir), /Studio: dropped a malformed message/);
  });
});
