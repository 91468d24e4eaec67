/*
 * The Image Studio webview. It runs in the panel's iframe, talks to the host only through
 * postMessage, and makes no network call of its own.
 */

interface VsCodeApi {
  postMessage(message: unknown): void;
}

declare function acquireVsCodeApi(): VsCodeApi;

const vscodeApi = acquireVsCodeApi();
vscodeApi.postMessage({ type: 'ready' });
