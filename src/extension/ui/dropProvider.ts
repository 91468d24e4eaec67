import * as vscode from 'vscode';
import { syntaxFor, type ImageReference, type ReferenceSyntax } from '../../common/reference';
import type { ProvenanceStore } from '../provenance/store';
import { dropKinds, droppedImages } from './dropTarget';
import { imageFacts, importsEdit, referenceFor } from './imageReference';
import { droppedWorkspaceFile } from './workspaceFiles';

/** What stands between several references dropped at once. */
const separators: Record<ReferenceSyntax, string> = { markdown: '\n', html: '\n', jsx: '\n', css: ', ', script: ', ', plain: '\n' };

/**
 * Drops of image files (from the Explorer, an editor tab or our views) into Markdown, HTML,
 * CSS, script and component files: the same reference that *Insert Image Reference* makes, one
 * per image, each alt text a placeholder to edit, imports added where the project wants them.
 *
 * In Markdown, VS Code's own drop already inserts an image link. Ours is offered only when an
 * image has a prompt (it is one of ours): then it is the default, and the built-in link stays
 * one choice away in the drop widget. An image without a prompt would give the same link twice.
 */
export class ImageDropProvider implements vscode.DocumentDropEditProvider {
  constructor(private readonly provenance: ProvenanceStore) {}

  async provideDocumentDropEdits(document: vscode.TextDocument, _position: vscode.Position, dataTransfer: vscode.DataTransfer, token: vscode.CancellationToken): Promise<vscode.DocumentDropEdit[] | undefined> {
    const uris = droppedImages((await dataTransfer.get('text/uri-list')?.asString()) ?? '');
    if (uris.length === 0) return undefined;
    const facts = await Promise.all(uris.map(async (uri) => imageFacts((await droppedWorkspaceFile(uri)) ?? uri, this.provenance)));
    const syntax = syntaxFor(document.languageId);
    if (token.isCancellationRequested || (syntax === 'markdown' && !facts.some((image) => image.prompt !== undefined))) return undefined;
    const references: ImageReference[] = [];
    for (const [index, image] of facts.entries()) {
      // Names imported for the images before this one are taken.
      const added = references.flatMap((reference) => reference.imports.map((item) => item.statement ?? '')).join('\n');
      const reference = await referenceFor(document, [image], index + 1, added);
      // No path leads from this document to the image: our drop inserts nothing rather than a wrong link.
      if ('problem' in reference) return undefined;
      references.push(reference);
    }
    const separator = separators[syntax];
    const edit = new vscode.DocumentDropEdit(
      new vscode.SnippetString(references.map((reference) => reference.snippet).join(separator)),
      syntax === 'markdown' ? vscode.l10n.t('Insert Image with Its Prompt as Alt Text') : vscode.l10n.t('Insert Image Reference'),
      dropKinds[syntax],
    );
    const imports = importsEdit(document, references.flatMap((reference) => reference.imports));
    if (imports) edit.additionalEdit = imports;
    return [edit];
  }
}
