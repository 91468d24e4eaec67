/**
 * The Image Studio's HTML: one small pure function, so that its security can be tested without
 * VS Code. Scripts load only with the nonce; styles, fonts and images only from the webview's
 * own source; nothing inline, nothing remote, no eval.
 */
export interface StudioHtmlOptions {
  /** `webview.cspSource`. */
  cspSource: string;
  /** A fresh random nonce for this page. */
  nonce: string;
  scriptUri: string;
  styleUri: string;
  codiconsUri: string;
  /** The page title (localized). */
  title: string;
  /** The UI language, for `lang`. */
  language: string;
}

const escapeAttribute = (value: string): string =>
  value.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/** Renders the page. */
export function renderStudioHtml(options: StudioHtmlOptions): string {
  const { cspSource, nonce } = options;
  const csp = [
    "default-src 'none'",
    `img-src ${cspSource} blob:`,
    `style-src ${cspSource}`,
    `font-src ${cspSource}`,
    `script-src 'nonce-${nonce}'`,
  ].join('; ');
  return `<!DOCTYPE html>
<html lang="${escapeAttribute(options.language)}">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${escapeAttribute(csp)}">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<link rel="stylesheet" href="${escapeAttribute(options.codiconsUri)}" id="vscode-codicon-stylesheet">
<link rel="stylesheet" href="${escapeAttribute(options.styleUri)}">
<title>${escapeAttribute(options.title)}</title>
</head>
<body>
<main id="app" aria-busy="true"></main>
<script nonce="${escapeAttribute(nonce)}" src="${escapeAttribute(options.scriptUri)}"></script>
</body>
</html>
`;
}
