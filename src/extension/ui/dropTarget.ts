import * as vscode from 'vscode';

/*
 * Where images may be dropped, and the kinds of edit a drop makes. Activation registers the
 * provider with this alone: the builder and its reading of files load with the services, on the
 * first drop of an image.
 */

/** The languages that take a dropped image as a reference (see `common/reference.ts` for their syntax). */
const languages = ['markdown', 'html', 'css', 'scss', 'less', 'javascript', 'typescript', 'javascriptreact', 'typescriptreact', 'vue', 'svelte', 'astro'];

/**
 * The kind of our edit in each syntax. In Markdown it is a kind of the built-in image link
 * (`markdown.link.image`): the same thing, with the prompt as alt text; elsewhere its own.
 */
export const dropKinds = {
  markdown: vscode.DocumentDropOrPasteEditKind.Empty.append('markdown', 'link', 'image', 'evolink'),
  html: vscode.DocumentDropOrPasteEditKind.Empty.append('html', 'image', 'evolink'),
  jsx: vscode.DocumentDropOrPasteEditKind.Empty.append('jsx', 'image', 'evolink'),
  css: vscode.DocumentDropOrPasteEditKind.Empty.append('css', 'url', 'evolink'),
  script: vscode.DocumentDropOrPasteEditKind.Empty.append('js', 'image', 'evolink'),
  plain: vscode.DocumentDropOrPasteEditKind.Empty.append('text', 'uri', 'evolink'),
};

const imagePath = /\.(png|jpe?g|webp|gif|bmp|tiff?|svg|avif)$/i;

/** The image files named in a `text/uri-list` (one URI a line, `#` starts a comment). */
export function droppedImages(uriList: string): vscode.Uri[] {
  const uris: vscode.Uri[] = [];
  for (const line of uriList.split(/\r?\n/)) {
    const value = line.trim();
    if (!value || value.startsWith('#')) continue;
    try {
      const uri = vscode.Uri.parse(value, true);
      if (imagePath.test(uri.path)) uris.push(uri);
    } catch {
      // Not a URI: nothing of ours to insert.
    }
  }
  return uris;
}

/**
 * Registers the drop provider for every language above; `provider` is asked only when the drop
 * names at least one image file, so that other drops load nothing.
 */
export function registerImageDrop(provider: () => Promise<vscode.DocumentDropEditProvider>): vscode.Disposable {
  return vscode.languages.registerDocumentDropEditProvider(
    languages.map((language) => ({ language })),
    {
      provideDocumentDropEdits: async (document, position, dataTransfer, token) => {
        const list = await dataTransfer.get('text/uri-list')?.asString();
        if (!list || droppedImages(list).length === 0 || token.isCancellationRequested) return undefined;
        return (await provider()).provideDocumentDropEdits(document, position, dataTransfer, token);
      },
    },
    { dropMimeTypes: ['text/uri-list'], providedDropEditKinds: Object.values(dropKinds) },
  );
}
