import * as vscode from 'vscode';

/** How long work may take before it is shown in a notification. */
const quietMs = 2000;

/**
 * `work`'s outcome; when it has not settled within {@link quietMs}, a notification titled
 * `title` shows until it does (work that ends at once shows nothing, not a flash).
 */
export function showWhenSlow<T>(work: Promise<T>, title: string): Promise<T> {
  let settled = false;
  const done = work.finally(() => (settled = true));
  const timer = setTimeout(() => {
    if (!settled) void vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title }, () => done.catch(() => undefined));
  }, quietMs);
  return done.finally(() => clearTimeout(timer));
}
