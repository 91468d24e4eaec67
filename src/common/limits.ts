/*
 * Bounds of what the Studio's webview may send the host, kept apart from the schemas that check
 * them so that the webview's bundle needs no schema library to know them.
 */

/** The largest pasted image the webview sends (no model takes more). */
export const maxPastedBytes = 50 * 1024 * 1024;
/** The largest mask the webview sends (the limit of every model that takes one). */
export const maxMaskBytes = 4 * 1024 * 1024;
/** The most reference images a request may carry (the largest model limit). */
export const maxReferences = 16;
