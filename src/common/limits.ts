/*
 * Bounds of what the Studio's webview may send the host, kept apart from the schemas that check
 * them so that the webview's bundle needs no schema library to know them.
 */

/**
 * A megabyte as the vendor's limits count it ("10MB", "4MB"): read as a million bytes, the safe
 * reading, so that nothing the service could refuse after the wait is sent. Sizes are shown in it.
 */
export const megabyte = 1_000_000;

/** The largest pasted image the webview sends (no model takes more). */
export const maxPastedBytes = 50 * megabyte;
/** The largest mask the webview sends (the limit of every model that takes one). */
export const maxMaskBytes = 4 * megabyte;
/** The most reference images a request may carry (the largest model limit). */
export const maxReferences = 16;
