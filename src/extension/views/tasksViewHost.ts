import * as vscode from 'vscode';
import { DisposableBase } from '../base/disposable';

/** The id of the Tasks view, as `package.json` declares it. */
export const tasksViewId = 'evolink.tasks';

/** What the Tasks view shows once the services are loaded (`TasksView`). */
export interface TasksTree<T> extends vscode.TreeDataProvider<T> {
  readonly onDidChangeTreeData: vscode.Event<T | undefined>;
  readonly onDidChangeBadge: vscode.Event<vscode.ViewBadge | undefined>;
  readonly badge: vscode.ViewBadge | undefined;
  /** A line beside the view's title (today's spend). */
  readonly onDidChangeDescription?: vscode.Event<string | undefined>;
  readonly description?: string | undefined;
  getParent(element: T): T | undefined;
}

/**
 * The Tasks view as activation registers it: a light shell, so that VS Code never shows "no
 * data provider", that loads the services only when the view is first drawn. Once the services
 * exist (for whatever reason they were loaded), `attach` hands it the real tree, whose changes
 * and badge it passes on.
 */
export class TasksViewHost<T> extends DisposableBase {
  private readonly changed = this._register(new vscode.EventEmitter<T | undefined>());
  private tree: TasksTree<T> | undefined;
  readonly view: vscode.TreeView<T>;

  constructor(private readonly load: () => Promise<TasksTree<T>>) {
    super();
    this.view = this._register(
      vscode.window.createTreeView<T>(tasksViewId, {
        treeDataProvider: {
          onDidChangeTreeData: this.changed.event,
          getChildren: async (element) => (await this.loaded()).getChildren(element),
          getTreeItem: (element) => this.tree!.getTreeItem(element),
          getParent: (element) => this.tree?.getParent(element),
        },
      }),
    );
  }

  private async loaded(): Promise<TasksTree<T>> {
    if (!this.tree) this.attach(await this.load());
    return this.tree!;
  }

  /** Hands over the real tree; later calls change nothing. */
  attach(tree: TasksTree<T>): void {
    if (this.tree || this.isDisposed) return;
    this.tree = tree;
    this._register(tree.onDidChangeTreeData((element) => this.changed.fire(element)));
    this._register(tree.onDidChangeBadge((badge) => (this.view.badge = badge)));
    this.view.badge = tree.badge;
    if (tree.onDidChangeDescription) this._register(tree.onDidChangeDescription((description) => (this.view.description = description)));
    this.view.description = tree.description;
    this.changed.fire(undefined);
  }
}
