import * as vscode from 'vscode';
import { dependenciesOf, detectFramework, layoutOf, type ProjectLayout } from '../../common/projectLayout';

/**
 * The layout of the web project a document belongs to: the nearest folder, from the document's
 * own up to its workspace folder, that holds a `package.json` (or a framework's config file)
 * decides. `undefined` outside a workspace folder, or when that project is not a known one.
 */
export async function projectLayoutOf(document: vscode.Uri): Promise<ProjectLayout | undefined> {
  const root = vscode.workspace.getWorkspaceFolder(document)?.uri;
  if (!root) return undefined;
  const top = root.path.replace(/\/+$/, '');
  let folder = vscode.Uri.joinPath(document, '..');
  while (folder.path === top || folder.path.startsWith(`${top}/`)) {
    const entries = await vscode.workspace.fs.readDirectory(folder).then(
      (found) => found,
      () => [] as [string, vscode.FileType][],
    );
    const names = entries.filter(([, type]) => (type & vscode.FileType.File) !== 0).map(([name]) => name);
    const hasPackage = names.includes('package.json');
    const packageText = hasPackage ? await vscode.workspace.fs.readFile(vscode.Uri.joinPath(folder, 'package.json')).then((bytes) => new TextDecoder().decode(bytes), () => '') : '';
    const framework = detectFramework(dependenciesOf(packageText), names);
    if (framework) return layoutOf(framework, folder.path);
    // The nearest package.json is the document's project, known or not.
    if (hasPackage || folder.path === top) return undefined;
    const parent = vscode.Uri.joinPath(folder, '..');
    // A workspace folder at the file system's root ('/'): its top is reached when '..' goes nowhere.
    if (parent.path === folder.path) return undefined;
    folder = parent;
  }
  return undefined;
}
