/*
 * The webview's side of the channel to the extension host, typed by the messages of each view.
 * `acquireVsCodeApi` may be called once per page, so every view goes through this one wrapper.
 */

interface VsCodeApi {
  postMessage(message: unknown): void;
  getState(): unknown;
  setState(state: unknown): void;
}

declare function acquireVsCodeApi(): VsCodeApi;

/** What a view may do with its host: `In` is what the host sends, `Out` what the view sends. */
export interface WebviewHost<In, Out, State> {
  /** Sends a message to the host; the types keep a view from sending what the host cannot parse. */
  post(message: Out): void;
  /** Listens to the host's messages for the life of the page. */
  listen(handler: (message: In) => void): void;
  /**
   * What the view kept with {@link WebviewHost.keep} before a reload. It may come from an
   * earlier version of the extension, so its fields are read with care.
   */
  kept(): Partial<State> | undefined;
  /** Keeps state across reloads of the webview (VS Code stores it with the panel). */
  keep(state: State): void;
}

/** Connects a view to its host. Call it once per page. */
export function connectToHost<In, Out, State = never>(): WebviewHost<In, Out, State> {
  const api = acquireVsCodeApi();
  return {
    post: (message) => api.postMessage(message),
    listen: (handler) => window.addEventListener('message', (event: MessageEvent<In>) => handler(event.data)),
    kept: () => api.getState() as Partial<State> | undefined,
    keep: (state) => api.setState(state),
  };
}
