// The parts of the `vscode` API that activation touches, so that activation can be timed in a
// bare Node process. Every call is cheap and synchronous, as in the real host's first moments.
'use strict';
class EventEmitter {
  constructor() { this.listeners = []; this.event = (listener) => { this.listeners.push(listener); return { dispose() {} }; }; }
  fire(value) { for (const listener of this.listeners) listener(value); }
  dispose() { this.listeners = []; }
}
const disposable = { dispose() {} };
const channel = { logLevel: 3, trace() {}, debug() {}, info() {}, warn() {}, error() {}, show() {}, dispose() {} };
const statusBarItem = { show() {}, hide() {}, dispose() {} };
const treeView = { badge: undefined, description: undefined, dispose() {} };
// Drop edit kinds are values of their own; `append` makes a longer one.
class DropKind {
  constructor(value) { this.value = value; }
  append(...parts) { return new DropKind([this.value, ...parts].filter(Boolean).join('.')); }
}
module.exports = {
  EventEmitter,
  l10n: { t: (message) => message },
  window: {
    createOutputChannel: () => channel,
    createStatusBarItem: () => statusBarItem,
    showErrorMessage: async () => undefined,
    registerWebviewPanelSerializer: () => disposable,
    registerWebviewViewProvider: () => disposable,
    createTreeView: () => treeView,
    onDidChangeActiveTextEditor: () => disposable,
    onDidChangeVisibleTextEditors: () => disposable,
    onDidChangeTextEditorSelection: () => disposable,
    tabGroups: { all: [], onDidChangeTabs: () => disposable, onDidChangeTabGroups: () => disposable },
    visibleTextEditors: [],
  },
  languages: {
    registerDocumentDropEditProvider: () => disposable,
    createDiagnosticCollection: () => ({ set() {}, delete() {}, clear() {}, dispose() {} }),
  },
  DocumentDropOrPasteEditKind: { Empty: new DropKind('') },
  lm: { registerTool: () => disposable },
  StatusBarAlignment: { Left: 1, Right: 2 },
  LogLevel: { Off: 0, Trace: 1, Debug: 2, Info: 3, Warning: 4, Error: 5 },
  commands: { registerCommand: () => disposable, executeCommand: async () => undefined },
  workspace: {
    getConfiguration: () => ({ get: () => undefined }),
    onDidChangeConfiguration: () => disposable,
    onDidOpenTextDocument: () => disposable,
    onDidRenameFiles: () => disposable,
    onDidDeleteFiles: () => disposable,
    onDidChangeWorkspaceFolders: () => disposable,
    createFileSystemWatcher: () => ({ onDidCreate: () => disposable, onDidChange: () => disposable, onDidDelete: () => disposable, dispose() {} }),
    textDocuments: [],
    fs: { readDirectory: () => Promise.reject(new Error('ENOENT')) },
  },
  ProgressLocation: { Notification: 15 },
  ExtensionMode: { Production: 1, Development: 2, Test: 3 },
  CancellationError: class CancellationError extends Error {},
  Uri: {
    parse: (value) => ({ toString: () => value }),
    joinPath: (base, ...parts) => ({ fsPath: require('node:path').join(base.fsPath, ...parts) }),
  },
  env: { language: 'en' },
};
