/**
 * The images the Studio has shown, and those deleted from it. The webview may only name files
 * it was shown (a compromised webview cannot open, reveal or delete anything else), and a
 * deleted result is not shown again from a task that still lists it.
 */
export class ShownImages {
  private readonly shown = new Set<string>();
  private readonly deleted = new Set<string>();

  /** Records that the webview is shown this file. */
  show(uri: string): void {
    this.shown.add(uri);
  }

  /** True when the webview was shown this file. */
  wasShown(uri: string): boolean {
    return this.shown.has(uri);
  }

  markDeleted(uri: string): void {
    this.deleted.add(uri);
  }

  isDeleted(uri: string): boolean {
    return this.deleted.has(uri);
  }

  /** A file was written anew under a name deleted before: it is a new image, shown again. */
  written(uri: string): void {
    this.deleted.delete(uri);
  }
}
