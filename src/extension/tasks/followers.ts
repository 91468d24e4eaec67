import type * as vscode from 'vscode';

/** How a task is followed: who shows its progress, and what happens at its end. */
export interface FollowOptions {
  /** The surface that shows the task: its end is announced there, not in a message. */
  by: 'progress' | 'studio' | 'agent';
  /** Open the saved images when the task ends. */
  open?: boolean;
  /**
   * Whether the surface is in view now (absent: always). A task whose surface is hidden (the
   * Studio behind another tab) has its end announced in a message as well.
   */
  shown?: () => boolean;
}

/**
 * Who follows which task. A follower registers for as long as it shows a task and disposes of
 * the registration when it stops; the announcer reads this to know whether a task's end needs a
 * message of its own. It is the only record of who follows what.
 */
export class Followers {
  private readonly byTask = new Map<string, Set<FollowOptions>>();

  /** Follows a task until the returned Disposable is disposed. */
  follow(localId: string, options: FollowOptions): vscode.Disposable {
    const set = this.byTask.get(localId) ?? new Set<FollowOptions>();
    const mine = { ...options };
    set.add(mine);
    this.byTask.set(localId, set);
    return {
      dispose: () => {
        set.delete(mine);
        if (set.size === 0 && this.byTask.get(localId) === set) this.byTask.delete(localId);
      },
    };
  }

  /**
   * How a task is followed now, merged over its followers; `undefined` when nobody follows it.
   * `studio`: the Studio follows it and is in view.
   */
  get(localId: string): { studio: boolean; open: boolean; by: Set<FollowOptions['by']> } | undefined {
    const set = this.byTask.get(localId);
    if (!set || set.size === 0) return undefined;
    const by = new Set([...set].map((options) => options.by));
    const studio = [...set].some((options) => options.by === 'studio' && (options.shown?.() ?? true));
    return { studio, open: [...set].some((options) => options.open === true), by };
  }
}
