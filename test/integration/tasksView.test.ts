import * as assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as vscode from 'vscode';
import type { EvoLinkSimulator } from '../../simulator/server';
import type { LedgerEntry } from '../../src/common/ledgerEntry';
import { actionsFor, isActive, taskActions } from '../../src/common/taskState';
import type { Services } from '../../src/extension/services';
import { actionIcon } from '../../src/extension/tasks/taskActions';
import type { TaskNode, TasksView } from '../../src/extension/views/tasksView';
import { printLogOnFailure, services, settle, until } from './matrix';
import { demoKey, resetSettings, startSimulator } from './support';

const workspace = () => vscode.workspace.workspaceFolders![0]!.uri;
const folder = () => vscode.Uri.joinPath(workspace(), 'tasks-view');

/** One task as the view shows it. */
interface ShownTask {
  group: string;
  item: vscode.TreeItem;
  node: TaskNode;
  children: vscode.TreeItem[];
}

/** What the view shows: each section's tasks with their items, and each task's children. */
interface Shown {
  groups: string[];
  items: Map<string, ShownTask>;
}

async function shown(view: TasksView): Promise<Shown> {
  const result: Shown = { groups: [], items: new Map() };
  for (const group of await view.getChildren()) {
    assert.equal(group.kind, 'group');
    if (group.kind !== 'group') continue;
    result.groups.push(group.group);
    for (const node of await view.getChildren(group)) {
      assert.equal(node.kind, 'task');
      if (node.kind !== 'task') continue;
      const children = (await view.getChildren(node)).map((child) => view.getTreeItem(child));
      result.items.set(node.localId, { group: group.group, item: view.getTreeItem(node), node, children });
      assert.deepEqual(view.getParent(node), group, 'a task knows its section (for reveal)');
    }
  }
  return result;
}

/** Waits until the view shows a task in a section (the view redraws once per tick). */
async function shownIn(view: TasksView, localId: string, group: string): Promise<ShownTask> {
  return until(`${localId} under ${group}`, async () => {
    const item = (await shown(view)).items.get(localId);
    return item?.group === group ? item : undefined;
  });
}

const tokens = (item: vscode.TreeItem): string[] => (item.contextValue ?? '').split(' ');
const offeredActions = (item: vscode.TreeItem): string[] => tokens(item).filter((token) => token.startsWith('a:')).map((token) => token.slice(2));

/** Starts a generation without waiting for its end; answers the new task once it is recorded. */
async function start(app: Services, args: Record<string, unknown>): Promise<LedgerEntry> {
  const before = new Set((await app.ctx.tasks.list()).map((entry) => entry.localId));
  const done = vscode.commands.executeCommand('evolink.generateImage', { quiet: true, model: 'gpt-4o-image', size: '1:1', folder: folder().toString(), ...args });
  void Promise.resolve(done).catch(() => undefined);
  return until('the task to be recorded', async () => (await app.ctx.tasks.list()).find((entry) => !before.has(entry.localId)));
}

async function forgetAll(app: Services): Promise<void> {
  for (const entry of await app.ctx.tasks.list()) {
    if (isActive(entry.state)) await app.ctx.tasks.stopWatching(entry.localId).catch(() => undefined);
    const now = await app.ctx.tasks.get(entry.localId);
    if (now && actionsFor(now).includes('forget')) await app.ctx.tasks.forget(entry.localId);
  }
}

describe('The Tasks view of the EvoLink side bar', function () {
  this.timeout(90_000);
  let simulator: EvoLinkSimulator;
  let app: Services;
  let view: TasksView;
  printLogOnFailure();

  before(async () => {
    app = await services();
    view = app.features.tasksView;
    simulator = await startSimulator({ taskDurationMs: 1500 });
    await vscode.commands.executeCommand('evolink.setApiKey', { apiKey: demoKey });
    await forgetAll(app);
    await view.refresh();
  });

  after(async () => {
    await forgetAll(app);
    await vscode.workspace.fs.delete(folder(), { recursive: true }).then(undefined, () => undefined);
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    await vscode.commands.executeCommand('evolink.clearApiKey');
    await resetSettings();
    await simulator.stop();
  });

  beforeEach(() => simulator.reset());

  it('is a view of its own activity bar container, drawn by the extension', async () => {
    await vscode.commands.executeCommand('workbench.view.extension.evolink');
    await vscode.commands.executeCommand('evolink.tasks.focus');
    const extension = vscode.extensions.getExtension('evolink.evolink-image-studio')!;
    const manifest = JSON.parse(readFileSync(join(extension.extensionPath, 'package.json'), 'utf8')) as { contributes: { commands: { command: string; icon?: string }[] } };
    // The view's menus show the same icons as Show Tasks and the Studio.
    for (const action of taskActions) {
      assert.equal(manifest.contributes.commands.find((command) => command.command === `evolink.task.${action}`)?.icon, `$(${actionIcon(action)})`, action);
    }
  });

  it('is empty without tasks, so that the welcome view shows; its context key follows the API key', async () => {
    assert.deepEqual(await view.getChildren(), []);
    const set: [string, unknown][] = [];
    const commands = vscode.commands as { executeCommand: (command: string, ...rest: unknown[]) => Thenable<unknown> };
    const original = commands.executeCommand;
    commands.executeCommand = (command: string, ...rest: unknown[]) => {
      if (command === 'setContext') set.push([rest[0] as string, rest[1]]);
      return original.call(vscode.commands, command, ...rest);
    };
    const hasApiKey = () => set.filter(([key]) => key === 'evolink.hasApiKey').at(-1)?.[1];
    try {
      await vscode.commands.executeCommand('evolink.clearApiKey');
      assert.equal(hasApiKey(), false, 'without a key, the welcome view offers Set API Key');
      await vscode.commands.executeCommand('evolink.setApiKey', { apiKey: demoKey });
      assert.equal(hasApiKey(), true, 'with a key, it offers Generate Image');
    } finally {
      commands.executeCommand = original;
    }
  });

  it('shows a running task with its progress and time left, counts it in the badge, and moves it on when it is stopped and checked again', async () => {
    simulator.addTaskOutcome({ kind: 'neverFinish' });
    const entry = await start(app, { prompt: 'a lighthouse that never finishes' });
    await until('progress', async () => ((await app.ctx.tasks.get(entry.localId))?.state === 'running' ? true : undefined));
    const running = await shownIn(view, entry.localId, 'running');
    await until('the time left', () => (/\d+% · about \d+ s left/.test(String(view.getTreeItem(running.node).description)) ? true : undefined));
    assert.deepEqual(offeredActions(running.item), ['stopWatching']);
    assert.equal(running.item.label, 'a lighthouse that never finishes');
    assert.ok(running.item.accessibilityInformation?.label.startsWith('a lighthouse that never finishes, '));
    assert.ok(running.item.tooltip instanceof vscode.MarkdownString);
    assert.equal(view.badge?.value, 1);

    await vscode.commands.executeCommand('evolink.task.stopWatching', running.node);
    const stopped = await shownIn(view, entry.localId, 'attention');
    assert.deepEqual(offeredActions(stopped.item), actionsFor((await app.ctx.tasks.get(entry.localId))!));
    assert.deepEqual(offeredActions(stopped.item), ['checkAgain', 'forget']);
    await until('the badge to clear', () => (view.badge === undefined ? true : undefined));

    await vscode.commands.executeCommand('evolink.task.checkAgain', stopped.node);
    await shownIn(view, entry.localId, 'running');
    assert.equal(view.badge?.value, 1);
    await vscode.commands.executeCommand('evolink.task.stopWatching', entry.localId);
    // EvoLink may still finish it: asked first.
    const since = Date.now();
    app.ctx.notifier.answerNextQuestion('Remove');
    await vscode.commands.executeCommand('evolink.task.forget', entry.localId);
    assert.deepEqual(
      app.ctx.notifier.notices().filter((notice) => notice.at >= since).map((notice) => notice.message),
      ['Remove "a lighthouse that never finishes" from the list?'],
    );
    await until('the task to leave the view', async () => ((await shown(view)).items.has(entry.localId) ? undefined : true));
  });

  it('shows a saved result with its image as the icon, opened by a click, with the file actions', async () => {
    const entry = await start(app, { prompt: 'a red kite over the dunes' });
    const saved = await settle(app.ctx.tasks, entry.localId);
    assert.equal(saved?.state, 'saved');
    const { item, node, children } = await shownIn(view, entry.localId, 'recent');
    const file = vscode.Uri.parse(saved.results![0]!.saved!);
    assert.equal((item.iconPath as vscode.Uri).toString(), file.toString());
    assert.equal(item.command?.command, 'vscode.open');
    assert.equal((item.command?.arguments?.[0] as vscode.Uri).toString(), file.toString());
    assert.deepEqual(children, []);
    assert.deepEqual(tokens(item).sort(), ['a:forget', 'file', 'task', 'taskId']);
    assert.match(String(item.description), /gpt-4o-image/);

    await vscode.commands.executeCommand('evolink.task.open', node);
    await until('the image to open', () => (vscode.window.tabGroups.activeTabGroup.activeTab?.label === file.path.split('/').pop() ? true : undefined));
    await vscode.commands.executeCommand('evolink.task.copyTaskId', node);
    assert.equal(await vscode.env.clipboard.readText(), saved.taskId);
  });

  it('shows each image of a task with several as a child with its own icon', async () => {
    const entry = await start(app, { prompt: 'two foxes in the snow', n: 2 });
    const saved = await settle(app.ctx.tasks, entry.localId);
    const { item, children } = await shownIn(view, entry.localId, 'recent');
    assert.equal(item.collapsibleState, vscode.TreeItemCollapsibleState.Collapsed);
    assert.equal(item.command, undefined);
    assert.deepEqual(
      children.map((child) => (child.iconPath as vscode.Uri).toString()),
      saved!.results!.map((slot) => slot.saved),
    );
    assert.ok(children.every((child) => child.command?.command === 'vscode.open' && child.contextValue === 'file' && child.accessibilityInformation));
  });

  it('shows a failed task under Recent with its reason, and Retry when trying again can help', async () => {
    simulator.addTaskOutcome({ kind: 'fail', code: 'content_policy_violation' });
    const refused = await start(app, { prompt: 'a forbidden picture' });
    await settle(app.ctx.tasks, refused.localId);
    const failed = await shownIn(view, refused.localId, 'recent');
    assert.deepEqual(offeredActions(failed.item), ['forget']);
    assert.ok(failed.item.iconPath instanceof vscode.ThemeIcon && failed.item.iconPath.id === 'error');
    assert.match(failed.item.accessibilityInformation!.label, /content_policy_violation.*Change the prompt or the image/);

    simulator.addTaskOutcome({ kind: 'fail', code: 'service_error' });
    const passing = await start(app, { prompt: 'a picture on a bad day' });
    await settle(app.ctx.tasks, passing.localId);
    const retryable = await shownIn(view, passing.localId, 'recent');
    assert.deepEqual(offeredActions(retryable.item), ['retry', 'forget']);
    const before = (await app.ctx.tasks.list()).length;
    await vscode.commands.executeCommand('evolink.task.retry', retryable.node);
    assert.equal((await app.ctx.tasks.list()).length, before + 1, 'Retry made a new task');
  });

  it('shows a result that could not be saved under Needs Attention with Check Again and Save to Another Folder', async () => {
    // Every save of it, the first and the three tried again on their own, meets a page.
    simulator.addFault('cdn', { kind: 'html' }, 4);
    const entry = await start(app, { prompt: 'a page instead of an image' });
    await settle(app.ctx.tasks, entry.localId);
    const attention = await shownIn(view, entry.localId, 'attention');
    assert.deepEqual(offeredActions(attention.item), ['checkAgain', 'saveElsewhere', 'forget']);
    assert.ok(attention.item.iconPath instanceof vscode.ThemeIcon && attention.item.iconPath.id === 'warning');
    await vscode.commands.executeCommand('evolink.task.checkAgain', attention.node);
    await settle(app.ctx.tasks, entry.localId);
    await shownIn(view, entry.localId, 'recent');
  });

  it('shows a request EvoLink may have received, with Check for It and Submit Again, and forgets it on request', async () => {
    simulator.addFault('submit', { kind: 'reset' }, 50);
    const entry = await start(app, { prompt: 'a request whose answer is lost' });
    await until('the outcome to be unknown', async () => ((await app.ctx.tasks.get(entry.localId))?.state === 'unknownOutcome' ? true : undefined));
    const unknown = await shownIn(view, entry.localId, 'running');
    assert.deepEqual(offeredActions(unknown.item), ['stopWatching', 'checkForIt']);
    await vscode.commands.executeCommand('evolink.task.stopWatching', unknown.node);
    const unconfirmed = await shownIn(view, entry.localId, 'attention');
    assert.deepEqual(offeredActions(unconfirmed.item), ['checkForIt', 'submitAgain', 'forget']);
    // An item drawn before the task moved on offers what it no longer has: nothing happens.
    await vscode.commands.executeCommand('evolink.task.stopWatching', unconfirmed.node);
    assert.equal((await app.ctx.tasks.get(entry.localId))?.state, 'unconfirmed');
    app.ctx.notifier.answerNextQuestion('Remove');
    await vscode.commands.executeCommand('evolink.task.forget', unconfirmed.node);
    await until('the task to leave the view', async () => ((await shown(view)).items.has(entry.localId) ? undefined : true));
  });

  it('opens the compare view of an edit again, and says so when the edit is gone', async () => {
    const original = vscode.Uri.joinPath(folder(), 'hillside.png');
    await vscode.workspace.fs.copy(vscode.Uri.joinPath(workspace(), 'photos', 'hillside.png'), original, { overwrite: true });
    const entry = await vscode.commands.executeCommand<LedgerEntry | undefined>('evolink.editImage', original, [original], { prompt: 'add a red barn', model: 'gpt-4o-image', size: '1:1', n: 1 });
    assert.equal(entry?.state, 'saved');
    const edited = await shownIn(view, entry.localId, 'recent');
    assert.ok(tokens(edited.item).includes('a:compare'));
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    assert.equal(await vscode.commands.executeCommand('evolink.task.compare', edited.node), true);
    await until('the compare view', () => (vscode.window.tabGroups.all.some((group) => group.tabs.some((tab) => tab.label === 'Compare: hillside.png')) ? true : undefined));
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');

    await vscode.workspace.fs.delete(vscode.Uri.parse(entry.results![0]!.saved!));
    const since = Date.now();
    assert.equal(await vscode.commands.executeCommand('evolink.task.compare', edited.node), false);
    const said = app.ctx.notifier.notices().filter((notice) => notice.at >= since).map((notice) => notice.message);
    assert.deepEqual(said, ['This edit cannot be compared any more: hillside.edit-1.png is no longer there (replaced, discarded or moved).']);
  });
});
