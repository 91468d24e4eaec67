import * as vscode from 'vscode';
import { buildReference, syntaxFor, type ImageReference, type ImageVariant } from '../../common/reference';
import { referenceBase, type ImageImport, type NoRelativePath } from '../../common/referencePath';
import { inspectLocalImage } from '../submit/localImages';
import type { ProvenanceStore } from '../provenance/store';
import { displayPath } from './paths';
import { projectLayoutOf } from './projectLayout';
import { fileName } from '../base/disk';

/*
 * The host's part of the reference builder: it reads what the pure builder cannot (an image's
 * pixel size and prompt, the project's layout) and turns the built reference into edits.
 */

/** What is known of one image file. */
export interface ImageFacts {
  uri: vscode.Uri;
  /** The prompt from the image's provenance; absent for images that are not ours. */
  prompt?: string;
  width?: number;
  height?: number;
}

/** Reads an image's pixel size from its header and its prompt from its provenance; neither is required. */
export async function imageFacts(uri: vscode.Uri, store: ProvenanceStore): Promise<ImageFacts> {
  const [inspected, provenance] = await Promise.all([inspectLocalImage(uri).catch(() => undefined), store.get(uri).catch(() => undefined)]);
  const width = inspected?.width || provenance?.width;
  const height = inspected?.height || provenance?.height;
  return { uri, ...(provenance ? { prompt: provenance.prompt } : {}), ...(width && height ? { width, height } : {}) };
}

/** The description of an image for its alt text: its prompt, or else its file name in words. */
export function describe(facts: ImageFacts): string {
  return facts.prompt ?? fileName(facts.uri).replace(/\.[^.]+$/, '').replace(/[-_]+/g, ' ');
}

/** Why no reference can be inserted: a sentence for the user that says what to do. */
export interface NoReference {
  problem: string;
}

/** The file a document is: a notebook's cell is a part of its notebook, whose folder its references start from. */
function fileOf(document: vscode.TextDocument): vscode.Uri {
  if (document.uri.scheme !== 'vscode-notebook-cell') return document.uri;
  const notebook = vscode.workspace.notebookDocuments.find((candidate) => candidate.getCells().some((cell) => cell.document === document));
  return notebook?.uri ?? document.uri;
}

function problemSentence(problem: NoRelativePath, document: vscode.Uri, image: vscode.Uri): string {
  switch (problem) {
    case 'saveFirst':
      return vscode.l10n.t('Save {0} first, then insert the reference again: {1} is outside the workspace, and its path is made from the folder of the document.', displayPath(document), displayPath(image));
    case 'otherDrive':
      return vscode.l10n.t('{0} is on another drive than {1}, so no relative path leads to it. Copy the image into the project of the document, then insert the reference again.', displayPath(image), displayPath(document));
    case 'otherFileSystem':
      return vscode.l10n.t('{0} is on another file system than {1} (another remote, container or virtual folder), so no relative path leads to it. Copy the image into the project of the document, then insert the reference again.', displayPath(image), displayPath(document));
  }
}

/**
 * Builds the reference to an image (or a responsive set of one image, the first the default)
 * for a document, relative to the document's folder (see `referenceBase` for an untitled
 * document), or says why none can be made. `addedText` is text about to be added (imports),
 * whose names are taken too.
 */
export async function referenceFor(document: vscode.TextDocument, variants: readonly ImageFacts[], placeholder = 1, addedText = ''): Promise<ImageReference | NoReference> {
  const first = variants[0];
  if (!first) throw new Error('referenceFor: no image');
  const file = fileOf(document);
  const imageRoot = vscode.workspace.getWorkspaceFolder(first.uri)?.uri;
  const base = referenceBase(file, variants.map((variant) => variant.uri), imageRoot);
  if ('problem' in base) return { problem: problemSentence(base.problem, file, variants[base.image]!.uri) };
  // An untitled document takes the layout of the project at the root of the image's workspace folder.
  const layout = await projectLayoutOf(file.scheme === 'untitled' && imageRoot ? vscode.Uri.joinPath(imageRoot, 'untitled') : file);
  const built = buildReference({
    syntax: syntaxFor(document.languageId),
    language: document.languageId,
    variants: variants.map((variant): ImageVariant => ({ path: variant.uri.path, ...(variant.width && variant.height ? { width: variant.width, height: variant.height } : {}) })),
    alt: describe(first),
    documentFolder: base.folder,
    ...(layout ? { layout } : {}),
    documentText: addedText ? `${document.getText()}\n${addedText}` : document.getText(),
    placeholder,
  });
  // A Svelte or Astro component with no place for the import: a relative src would not load there.
  if (built.cannotImport) {
    return { problem: vscode.l10n.t('{0} cannot be imported into {1}, which has no place for the import, and a relative path does not load there. Move the image into {2}, then insert the reference again.', displayPath(first.uri), displayPath(file), displayPath(file.with({ path: built.cannotImport.servedFolder }))) };
  }
  return built;
}

/** The edit that adds references' imports to the document, or `undefined` when they need none. */
export function importsEdit(document: vscode.TextDocument, imports: readonly ImageImport[]): vscode.WorkspaceEdit | undefined {
  const statements = imports.filter((item) => item.statement);
  if (statements.length === 0) return undefined;
  const edit = new vscode.WorkspaceEdit();
  const eol = document.eol === vscode.EndOfLine.CRLF ? '\r\n' : '\n';
  // One insertion per line, the statements in order.
  for (const line of [...new Set(statements.map((item) => item.line))]) {
    const text = statements.filter((item) => item.line === line).map((item) => item.statement).join(eol);
    // After a last line without a line break, the statements start a line of their own.
    if (line >= document.lineCount) edit.insert(document.uri, document.lineAt(document.lineCount - 1).range.end, `${eol}${text}`);
    else edit.insert(document.uri, new vscode.Position(line, 0), `${text}${eol}`);
  }
  return edit;
}
