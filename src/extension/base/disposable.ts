import type * as vscode from 'vscode';

/**
 * The one Disposable base: children are registered with {@link DisposableBase._register} and
 * disposed in reverse order; `dispose` may be called more than once.
 */
export class DisposableBase implements vscode.Disposable {
  private readonly children: { dispose(): unknown }[] = [];
  private disposed = false;

  /** True once {@link dispose} has run. */
  protected get isDisposed(): boolean {
    return this.disposed;
  }

  /** Ties a child's lifetime to this object's; a child registered after disposal is disposed at once. */
  protected _register<T extends { dispose(): unknown }>(child: T): T {
    if (this.disposed) {
      child.dispose();
    } else {
      this.children.push(child);
    }
    return child;
  }

  dispose(): void {
    if (this.disposed) {
      return;
    }
    this.disposed = true;
    for (const child of this.children.splice(0).reverse()) {
      try {
        child.dispose();
      } catch {
        // One failing child must not keep the others alive.
      }
    }
  }
}
