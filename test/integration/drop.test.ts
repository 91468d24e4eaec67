import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import type { Services } from '../../src/extension/services';
import { activateExtension } from './support';

/*
 * Drops of image files into editors, through the extension's own drop provider (VS Code offers no
 * command to drop), applied to real documents the way the editor applies a drop; and the Insert
 * Image Reference command, which builds the same references.
 */

const encoder = new TextEncoder();
const root = (): vscode.Uri => vscode.Uri.joinPath(vscode.workspace.workspaceFolders![0]!.uri, 'drop-fixture');
const at = (...parts: string[]): vscode.Uri => vscode.Uri.joinPath(root(), ...parts);

async function write(uri: vscode.Uri, text: string | Uint8Array): Promise<vscode.Uri> {
  await vscode.workspace.fs.writeFile(uri, typeof text === 'string' ? encoder.encode(text) : text);
  return uri;
}

/** A sidecar beside an image, as versions before the index wrote it: the image is one of ours. */
function ours(image: vscode.Uri, prompt: string): Promise<vscode.Uri> {
  const record = { version: 1, prompt, model: 'gpt-4o-image', parameters: {}, createdAt: new Date(0).toISOString(), format: 'png' };
  return write(vscode.Uri.joinPath(image, '..', `${image.path.split('/').pop()!}.evolink.json`), JSON.stringify(record));
}

describe('Dropping images into editors', function () {
  this.timeout(60_000);
  let services: Services;
  let png: Uint8Array;
  const images: Record<string, vscode.Uri> = {};

  before(async () => {
    services = await (await activateExtension()).testing!.services();
    // The sample photo: a 1024 x 1024 PNG.
    png = await vscode.workspace.fs.readFile(vscode.Uri.joinPath(vscode.workspace.workspaceFolders![0]!.uri, 'photos', 'hillside.png'));
    images.fox = await write(at('images', 'red fox.png'), png);
    await ours(images.fox, 'A red fox on a [green] hill');
    images.plain = await write(at('images', 'plain.png'), png);
    // A small Vite project: public/ is served at the root, other images are imported.
    await write(at('app', 'package.json'), JSON.stringify({ name: 'app', private: true, devDependencies: { vite: '^5.0.0' } }));
    images.logo = await write(at('app', 'public', 'img', 'logo.png'), png);
    images.asset = await write(at('app', 'src', 'assets', 'hero-shot.png'), png);
    await ours(images.asset, 'A hero shot');
  });

  afterEach(() => vscode.commands.executeCommand('workbench.action.closeAllEditors'));
  after(() => vscode.workspace.fs.delete(root(), { recursive: true }).then(undefined, () => undefined));

  /**
   * Drops images at the end of a new file with this text, as the editor would apply our edit;
   * answers the text after. (A new file each time: a closed document's text may linger.)
   */
  async function drop(file: vscode.Uri, text: string, dropped: vscode.Uri[], language?: string): Promise<{ text: string; edit?: vscode.DocumentDropEdit }> {
    await write(file, text);
    let document = await vscode.workspace.openTextDocument(file);
    if (language && document.languageId !== language) document = await vscode.languages.setTextDocumentLanguage(document, language);
    const editor = await vscode.window.showTextDocument(document);
    const position = document.lineAt(document.lineCount - 1).range.end;
    const data = new vscode.DataTransfer();
    data.set('text/uri-list', new vscode.DataTransferItem(dropped.map((uri) => uri.toString()).join('\r\n')));
    const answer = await services.features.drop.provideDocumentDropEdits(document, position, data, new vscode.CancellationTokenSource().token);
    const edit = Array.isArray(answer) ? answer[0] : (answer ?? undefined);
    if (!edit) return { text: document.getText() };
    const snippet = typeof edit.insertText === 'string' ? new vscode.SnippetString().appendText(edit.insertText) : edit.insertText;
    assert.ok(await editor.insertSnippet(snippet, position), 'the snippet is inserted');
    // The additional edit (imports) lies before the drop position: applied after, its positions still hold.
    if (edit.additionalEdit) assert.ok(await vscode.workspace.applyEdit(edit.additionalEdit), 'the imports are added');
    const result = document.getText();
    await vscode.commands.executeCommand('workbench.action.revertAndCloseActiveEditor');
    return { text: result, edit };
  }

  it('offers, in Markdown, our image link with the prompt as alt text, as a kind of the built-in image link', async () => {
    const { text, edit } = await drop(at('docs', 'page.md'), '# Page\n', [images.fox!]);
    assert.equal(text, '# Page\n![A red fox on a \\[green\\] hill](../images/red%20fox.png)');
    assert.equal(edit?.kind?.value, 'markdown.link.image.evolink');
    assert.ok(vscode.DocumentDropOrPasteEditKind.Empty.append('markdown', 'link', 'image').contains(edit.kind), 'a kind of markdown.link.image');
  });

  it('leaves a Markdown drop of an image without a prompt to the built-in link', async () => {
    const { edit } = await drop(at('docs', 'other.md'), '', [images.plain!]);
    assert.equal(edit, undefined);
  });

  it('inserts one link per image, each alt text its own placeholder', async () => {
    const { text, edit } = await drop(at('docs', 'two.md'), '', [images.fox!, images.asset!]);
    assert.equal(text, '![A red fox on a \\[green\\] hill](../images/red%20fox.png)\n![A hero shot](../app/src/assets/hero-shot.png)');
    assert.match((edit!.insertText as vscode.SnippetString).value, /^!\[\$\{1:.*\n!\[\$\{2:A hero shot\}\]/);
  });

  it('inserts an <img> with the size read from the file into HTML', async () => {
    const { text } = await drop(at('index.html'), '<body>\n', [images.plain!]);
    assert.equal(text, '<body>\n<img src="./images/plain.png" alt="plain" width="1024" height="1024">');
  });

  it('inserts url() into CSS, SCSS and Less', async () => {
    for (const name of ['style.css', 'style.scss', 'style.less']) {
      const { text } = await drop(at('styles', name), 'a { background: ', [images.fox!]);
      assert.equal(text, 'a { background: url("../images/red%20fox.png")', name);
    }
  });

  it('refers to an image in the public folder of a Vite project from the site root', async () => {
    assert.equal((await drop(at('app', 'index.html'), '', [images.logo!])).text, '<img src="/img/logo.png" alt="logo" width="1024" height="1024">');
    assert.equal((await drop(at('app', 'src', 'main.css'), '', [images.logo!])).text, 'url("/img/logo.png")');
    assert.equal((await drop(at('app', 'src', 'Logo.tsx'), '', [images.logo!])).text, '<img src="/img/logo.png" alt="logo" width={1024} height={1024} />');
  });

  it('imports an image from outside the public folder in TSX and JSX, after the existing imports', async () => {
    const tsx = await drop(at('app', 'src', 'App.tsx'), "import React from 'react';\n\nexport const App = () => (\n  ", [images.asset!]);
    assert.equal(tsx.text, 'import React from \'react\';\nimport heroShotImage from "./assets/hero-shot.png";\n\nexport const App = () => (\n  <img src={heroShotImage} alt="A hero shot" width={1024} height={1024} />');
    const jsx = await drop(at('app', 'src', 'Card.jsx'), 'const heroShotImage = 1;\n', [images.asset!]);
    assert.equal(jsx.text, 'import heroShotImage2 from "./assets/hero-shot.png";\nconst heroShotImage = 1;\n<img src={heroShotImage2} alt="A hero shot" width={1024} height={1024} />');
  });

  it('writes the imported name in a script module of the project, and a quoted URL elsewhere', async () => {
    assert.equal((await drop(at('app', 'src', 'images.ts'), 'export const hero = ', [images.asset!])).text, 'import heroShotImage from "./assets/hero-shot.png";\nexport const hero = heroShotImage');
    assert.equal((await drop(at('scripts', 'gallery.js'), 'const src = ', [images.fox!])).text, 'const src = "../images/red%20fox.png"');
  });

  it('uses the component syntax of Vue, Svelte and Astro files where their languages are known', async function () {
    const known = await vscode.languages.getLanguages();
    const languages = ['vue', 'svelte', 'astro'].filter((language) => known.includes(language));
    if (languages.length === 0) this.skip();
    for (const language of languages) {
      const { text } = await drop(at('app', 'src', `Card.${language}`), '', [images.logo!], language);
      assert.equal(text, '<img src="/img/logo.png" alt="logo" width="1024" height="1024">', language);
    }
  });

  it('ignores drops that name no image', async () => {
    const { edit } = await drop(at('none.html'), '', [at('app', 'package.json')]);
    assert.equal(edit, undefined);
  });

  it('gives Insert Image Reference in HTML the width and height of the file, with the prompt as alt text', async () => {
    const file = await write(at('page.html'), '');
    const editor = await vscode.window.showTextDocument(file);
    const inserted = await vscode.commands.executeCommand<string>('evolink.insertImageReference', images.fox);
    assert.equal(inserted, '<img src="./images/red%20fox.png" alt="A red fox on a [green] hill" width="1024" height="1024">');
    assert.equal(editor.document.getText(), inserted);
    // The alt text is selected, ready to be edited.
    assert.equal(editor.document.getText(editor.selection), 'A red fox on a [green] hill');
    await vscode.commands.executeCommand('workbench.action.revertAndCloseActiveEditor');
  });

  it('inserts from the Image Studio (no text editor is active then) where the cursor was in the text last used', async () => {
    const file = await write(at('studio-page.html'), '<p>\n</p>');
    const editor = await vscode.window.showTextDocument(file);
    editor.selection = new vscode.Selection(1, 0, 1, 0);
    await vscode.commands.executeCommand('evolink.openStudio');
    for (let tries = 0; tries < 50 && vscode.window.activeTextEditor; tries++) await new Promise((resolve) => setTimeout(resolve, 100));
    assert.equal(vscode.window.activeTextEditor, undefined, 'the Studio is in front');
    const inserted = await vscode.commands.executeCommand<string>('evolink.insertImageReference', images.fox);
    assert.match(inserted ?? '', /^<img src="\.\/images\/red%20fox\.png"/);
    assert.equal(editor.document.getText(), `<p>\n${inserted}</p>`);
    await vscode.window.showTextDocument(editor.document);
    await vscode.commands.executeCommand('workbench.action.revertAndCloseActiveEditor');
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    await vscode.workspace.fs.delete(file).then(undefined, () => undefined);
  });
});
