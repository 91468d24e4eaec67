import * as vscode from 'vscode';
import type { LedgerEntry } from '../../common/ledgerEntry';
import { actionsFor, savedFiles, type TaskAction } from '../../common/taskState';
import { DisposableBase } from '../base/disposable';
import { todayLabel, type Budget } from '../budget/budget';
import { runTaskAction } from '../tasks/taskActions';
import type { TaskService } from '../tasks/taskService';
import type { Notifier } from '../ui/notifier';
import { arrangeTasks, runningCount, taskGroups, type TaskGroup } from './taskItems';
import { fileItem, groupItem, taskItem } from './taskTreeItems';
import type { TasksTree } from './tasksViewHost';

/** An element of the Tasks view: a section, a task, or one saved image of a task with several. */
export type TaskNode = { kind: 'group'; group: TaskGroup } | { kind: 'task'; localId: string } | { kind: 'file'; localId: string; uri: string };

/** What the Tasks view needs from the window. */
export interface TasksViewDeps {
  tasks: TaskService;
  notifier: Notifier;
  /** Opens the before/after view of a saved edit again; false when it cannot be shown. */
  reopen(localId: string): Promise<boolean>;
  budget: Pick<Budget, 'summary' | 'onDidChange'>;
}

/** Progress arrives in bursts (several tasks, several polls): the view is updated once per tick. */
const tickMs = 100;

const sameArrangement = (a: Record<TaskGroup, string[]>, b: Record<TaskGroup, string[]>): boolean =>
  taskGroups.every((group) => a[group].length === b[group].length && a[group].every((id, index) => b[group][index] === id));

/**
 * The Tasks view of the EvoLink side bar: running tasks with their progress, tasks that wait
 * for the user with their actions, and recent results with their images. It follows the task
 * service's events: a task that changes within its section is redrawn alone; only a task that
 * moves between sections (or comes, or goes) redraws the tree.
 */
export class TasksView extends DisposableBase implements TasksTree<TaskNode> {
  private readonly changed = this._register(new vscode.EventEmitter<TaskNode | undefined>());
  readonly onDidChangeTreeData = this.changed.event;
  private readonly badgeChanged = this._register(new vscode.EventEmitter<vscode.ViewBadge | undefined>());
  readonly onDidChangeBadge = this.badgeChanged.event;
  /** How many tasks are running, for the view and its activity bar icon. */
  badge: vscode.ViewBadge | undefined;
  private readonly descriptionChanged = this._register(new vscode.EventEmitter<string | undefined>());
  readonly onDidChangeDescription = this.descriptionChanged.event;
  /** Today's spend on this machine, once anything was spent or a limit is set. */
  description: string | undefined;
  private entries = new Map<string, LedgerEntry>();
  private arranged: Record<TaskGroup, string[]> = { running: [], attention: [], recent: [] };
  private readonly groupNodes = new Map<TaskGroup, TaskNode>(taskGroups.map((group) => [group, { kind: 'group', group }]));
  private readonly taskNodes = new Map<string, TaskNode>();
  private readonly dirty = new Set<string>();
  private pending: ReturnType<typeof setTimeout> | undefined;
  private loaded: Promise<void>;

  constructor(private readonly deps: TasksViewDeps) {
    super();
    this._register({ dispose: () => clearTimeout(this.pending) });
    const changed = (entry: LedgerEntry): void => {
      this.entries.set(entry.localId, entry);
      this.schedule(entry.localId);
    };
    this._register(deps.tasks.onDidChange(changed));
    // A task another window on the same ledger works on (a window with no folder): its section follows.
    this._register(deps.tasks.onDidChangeElsewhere(changed));
    this._register(
      deps.tasks.onDidRemove((localId) => {
        this.entries.delete(localId);
        this.schedule(localId);
      }),
    );
    this._register(deps.budget.onDidChange(() => void this.updateDescription()));
    this.loaded = this.reload();
    void this.updateDescription();
  }

  private async updateDescription(): Promise<void> {
    const summary = await this.deps.budget.summary().catch(() => undefined);
    const description = summary && (summary.spent > 0 || summary.limit > 0) ? todayLabel(summary) : undefined;
    if (description === this.description || this.isDisposed) return;
    this.description = description;
    this.descriptionChanged.fire(description);
  }

  /** Reads the ledger again (tasks changed by another window are seen here) and redraws the tree. */
  async reload(): Promise<void> {
    const entries = await this.deps.tasks.list();
    this.entries = new Map(entries.map((entry) => [entry.localId, entry]));
    this.arranged = arrangeTasks(entries);
    this.dirty.clear();
    this.updateBadge();
    this.changed.fire(undefined);
  }

  /** `EvoLink: Refresh` in the view's title. */
  refresh(): Promise<void> {
    // Other windows' spend is seen here too.
    void this.updateDescription();
    this.loaded = this.reload();
    return this.loaded;
  }

  private schedule(localId: string): void {
    this.dirty.add(localId);
    this.pending ??= setTimeout(() => {
      this.pending = undefined;
      this.flush();
    }, tickMs);
  }

  private flush(): void {
    const next = arrangeTasks([...this.entries.values()]);
    if (sameArrangement(this.arranged, next)) {
      for (const localId of this.dirty) {
        const node = this.taskNodes.get(localId);
        if (node) this.changed.fire(node);
      }
    } else {
      this.arranged = next;
      for (const localId of this.taskNodes.keys()) if (!this.entries.has(localId)) this.taskNodes.delete(localId);
      this.changed.fire(undefined);
    }
    this.dirty.clear();
    this.updateBadge();
  }

  private updateBadge(): void {
    const count = runningCount(this.entries.values());
    if ((this.badge?.value ?? 0) === count) return;
    this.badge = count > 0 ? { value: count, tooltip: count === 1 ? vscode.l10n.t('1 EvoLink task running') : vscode.l10n.t('{0} EvoLink tasks running', count) } : undefined;
    this.badgeChanged.fire(this.badge);
  }

  private taskNode(localId: string): TaskNode {
    let node = this.taskNodes.get(localId);
    if (!node) {
      node = { kind: 'task', localId };
      this.taskNodes.set(localId, node);
    }
    return node;
  }

  /** The sections that hold tasks; nothing at all when the ledger is empty (the welcome view shows). */
  async getChildren(node?: TaskNode): Promise<TaskNode[]> {
    // A first read of the ledger that failed is tried again when the tree is drawn, not kept.
    await this.loaded.catch(() => (this.loaded = this.reload()));
    if (!node) return taskGroups.filter((group) => this.arranged[group].length > 0).map((group) => this.groupNodes.get(group)!);
    if (node.kind === 'group') return this.arranged[node.group].map((localId) => this.taskNode(localId));
    if (node.kind === 'task') {
      const files = savedFiles(this.entries.get(node.localId) ?? {});
      return files.length > 1 ? files.map((uri) => ({ kind: 'file', localId: node.localId, uri })) : [];
    }
    return [];
  }

  getTreeItem(node: TaskNode): vscode.TreeItem {
    if (node.kind === 'group') return groupItem(node.group, this.arranged[node.group].length);
    if (node.kind === 'file') return fileItem(node.localId, node.uri);
    const entry = this.entries.get(node.localId);
    // Removed a moment ago: the redraw that drops it is on its way.
    return entry ? taskItem(entry, Date.now()) : new vscode.TreeItem('');
  }

  getParent(node: TaskNode): TaskNode | undefined {
    if (node.kind === 'file') return this.taskNode(node.localId);
    // The section the tree shows it in, which a change of the last tick may not have moved yet.
    const group = node.kind === 'task' ? taskGroups.find((candidate) => this.arranged[candidate].includes(node.localId)) : undefined;
    return group ? this.groupNodes.get(group) : undefined;
  }

  /** The current entry of the task a menu or a command names (a node of the view, or a task's id). */
  private async entryOf(target: unknown): Promise<LedgerEntry | undefined> {
    const localId = typeof target === 'string' ? target : isNode(target) && target.kind !== 'group' ? target.localId : undefined;
    return localId ? this.deps.tasks.get(localId) : undefined;
  }

  /** The image a menu names: the image itself, or a task's first saved image. */
  private async fileOf(target: unknown): Promise<vscode.Uri | undefined> {
    if (isNode(target) && target.kind === 'file') return vscode.Uri.parse(target.uri);
    const [first] = savedFiles((await this.entryOf(target)) ?? {});
    return first ? vscode.Uri.parse(first) : undefined;
  }

  /**
   * A task action from the view's menus, carried out as Show Tasks does. An item drawn before the
   * task moved on may offer an action it no longer has: then the view is only redrawn.
   */
  async act(action: TaskAction, target: unknown): Promise<void> {
    const entry = await this.entryOf(target);
    if (!entry || !actionsFor(entry).includes(action)) {
      await this.refresh();
      return;
    }
    await runTaskAction(this.deps, action, entry.localId);
  }

  async open(target: unknown): Promise<void> {
    const file = await this.fileOf(target);
    if (file) await vscode.commands.executeCommand('vscode.open', file);
  }

  async reveal(target: unknown): Promise<void> {
    const file = await this.fileOf(target);
    if (file) await vscode.commands.executeCommand('revealInExplorer', file);
  }

  async insertReference(target: unknown): Promise<unknown> {
    const file = await this.fileOf(target);
    return file ? vscode.commands.executeCommand('evolink.insertImageReference', file) : undefined;
  }

  async copyTaskId(target: unknown): Promise<void> {
    const entry = await this.entryOf(target);
    if (entry?.taskId) await vscode.env.clipboard.writeText(entry.taskId);
  }

  /** Opens the compare view of an edit again (the edit feature checks that its files are still there). */
  async compare(target: unknown): Promise<boolean> {
    const entry = await this.entryOf(target);
    return entry ? this.deps.reopen(entry.localId) : false;
  }
}

function isNode(value: unknown): value is TaskNode {
  return typeof value === 'object' && value !== null && 'kind' in value && typeof value.kind === 'string';
}
