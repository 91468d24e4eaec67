/**
 * The one state store of a view: the state is replaced, never mutated in place, and every change
 * tells the listeners, which render the view again. Rendering reads the state; only the store's
 * methods (called from event handlers and host messages) change it.
 */
export class Store<State extends object> {
  private current: State;
  private readonly listeners = new Set<() => void>();

  constructor(initial: State) {
    this.current = initial;
  }

  get state(): Readonly<State> {
    return this.current;
  }

  /** Applies a change and tells the listeners. */
  update(change: Partial<State>): void {
    this.current = { ...this.current, ...change };
    this.changed();
  }

  /**
   * Tells the listeners that something they render changed outside the state (the mask painter's
   * canvas keeps its own pixels).
   */
  changed(): void {
    for (const listener of this.listeners) listener();
  }

  subscribe(listener: () => void): void {
    this.listeners.add(listener);
  }
}
