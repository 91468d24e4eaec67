import { createHash } from 'node:crypto';
import * as vscode from 'vscode';
import { provenanceName } from '../../common/naming';
import { parseProvenance, type Provenance } from '../../common/provenance';
import { indexFileName, indexFolderName, isImageName, isIndexPath, privateProvenance, type IndexLine } from '../../common/provenanceIndex';
import { displayPath } from '../ui/paths';
import { IndexFile } from './indexFile';

/** Where provenance is kept (`evolink.provenance`). */
export type ProvenanceMode = 'index' | 'sidecar' | 'off';
const modes: readonly ProvenanceMode[] = ['index', 'sidecar', 'off'];

/** The last segment of a URI's path. */
const nameOf = (uri: vscode.Uri): string => uri.path.split('/').pop() ?? '';

/** The provenance file beside an image (`<image>.evolink.json`): written on request, and read as a fallback. */
export function sidecarOf(image: vscode.Uri): vscode.Uri {
  return vscode.Uri.joinPath(image, '..', provenanceName(nameOf(image)));
}

/** The image a sidecar describes. */
export function imageOfSidecar(sidecar: vscode.Uri): vscode.Uri {
  return sidecar.with({ path: sidecar.path.replace(/\.evolink\.json$/, '') });
}

/** The sidecars of a folder, for the history's first search and for moving them into the index. */
export const sidecarGlob = '**/*.evolink.json';
/** The index files of the workspace, watched for changes made by other windows or by version control. */
export const indexGlob = `**/${indexFolderName}/${indexFileName}`;

/** An image's place in the workspace: its folder and its path there, with `/`. */
interface Place {
  folder: vscode.WorkspaceFolder;
  path: string;
}

/**
 * The provenance of the workspace's images: the one place every reader asks (`get`) and every
 * writer tells (`record`, `forget`, `move`). Records live in the workspace folder's index
 * (`.evolink/history.jsonl`), or, with `evolink.provenance` set to `off`, in an index of the same
 * shape in the extension's storage for the workspace; a sidecar beside the image is written only
 * with `sidecar`, and read when no index knows the image (files from before the index).
 */
export class ProvenanceStore {
  private readonly files = new Map<string, IndexFile>();

  constructor(
    /** The extension's storage for this workspace. */
    private readonly storage: vscode.Uri,
    private readonly warn: (message: string) => void,
  ) {}

  /** `evolink.provenance` as it applies to a file (a folder's own setting wins). */
  mode(uri: vscode.Uri): ProvenanceMode {
    const value = vscode.workspace.getConfiguration('evolink', uri).get<unknown>('provenance');
    return modes.find((mode) => mode === value) ?? 'index';
  }

  /** The image's workspace folder and its path there; `undefined` outside the workspace. */
  private place(image: vscode.Uri): Place | undefined {
    const folder = vscode.workspace.getWorkspaceFolder(image);
    if (!folder) return undefined;
    const base = folder.uri.path.endsWith('/') ? folder.uri.path : `${folder.uri.path}/`;
    if (!image.path.startsWith(base)) return undefined;
    const path = image.path.slice(base.length);
    return isIndexPath(path) ? { folder, path } : undefined;
  }

  private file(uri: vscode.Uri, label: string): IndexFile {
    const key = uri.toString();
    let file = this.files.get(key);
    if (!file) {
      file = new IndexFile(uri, this.warn, label);
      this.files.set(key, file);
    }
    return file;
  }

  /** The index in the workspace folder. */
  workspaceIndex(folder: vscode.WorkspaceFolder): IndexFile {
    const uri = vscode.Uri.joinPath(folder.uri, indexFolderName, indexFileName);
    return this.file(uri, displayPath(uri));
  }

  /** The index of a folder in the extension's storage (`evolink.provenance: off`), named by a hash of the folder. */
  privateIndex(folder: vscode.WorkspaceFolder): IndexFile {
    const name = createHash('sha256').update(folder.uri.toString()).digest('hex').slice(0, 16);
    return this.file(vscode.Uri.joinPath(this.storage, 'provenance', `${name}.jsonl`), `of ${folder.name} in the extension's storage`);
  }

  private indexes(folder: vscode.WorkspaceFolder): IndexFile[] {
    return [this.workspaceIndex(folder), this.privateIndex(folder)];
  }

  /** Where new records of this folder go. */
  private target(image: vscode.Uri, folder: vscode.WorkspaceFolder): IndexFile {
    return this.mode(image) === 'off' ? this.privateIndex(folder) : this.workspaceIndex(folder);
  }

  /** The provenance of an image: its folder's index first, then an old sidecar; `undefined` when none. */
  async get(image: vscode.Uri): Promise<Provenance | undefined> {
    const place = this.place(image);
    if (place) {
      for (const file of this.indexes(place.folder)) {
        const record = (await file.read()).records.get(place.path);
        if (record) return record;
      }
    }
    return this.readSidecar(image);
  }

  /** The provenance in an image's sidecar, if it has one. */
  async readSidecar(image: vscode.Uri): Promise<Provenance | undefined> {
    try {
      const record = parseProvenance(new TextDecoder().decode(await vscode.workspace.fs.readFile(sidecarOf(image))));
      return record && privateProvenance(record);
    } catch {
      return undefined;
    }
  }

  /** The images a folder's indexes know. */
  async images(folder: vscode.WorkspaceFolder): Promise<vscode.Uri[]> {
    const paths = new Set<string>();
    for (const file of this.indexes(folder)) for (const path of (await file.read()).records.keys()) paths.add(path);
    return [...paths].map((path) => vscode.Uri.joinPath(folder.uri, ...path.split('/')));
  }

  /** Records a saved image's provenance where `evolink.provenance` says. */
  async record(image: vscode.Uri, provenance: Provenance): Promise<void> {
    const record = privateProvenance(provenance);
    const place = this.place(image);
    // The image is saved whatever happens here: a record that cannot be kept is reported, not thrown.
    try {
      if (place) await this.target(image, place.folder).append([{ path: place.path, record }]);
      else this.warn(`No provenance index for ${displayPath(image)}: it is outside the workspace folders.`);
      if (this.mode(image) === 'sidecar') {
        await vscode.workspace.fs.writeFile(sidecarOf(image), new TextEncoder().encode(`${JSON.stringify(record, null, 2)}\n`));
      }
    } catch (error) {
      this.warn(`The provenance of ${displayPath(image)} cannot be recorded: ${error instanceof Error ? error.message : String(error)}`);
    }
  }

  /** Records every image as gone from the indexes that know it (its sidecar is the caller's). */
  async forget(images: readonly vscode.Uri[]): Promise<void> {
    for (const image of images) {
      const place = this.place(image);
      if (!place) continue;
      for (const file of this.indexes(place.folder)) {
        try {
          if ((await file.read()).records.has(place.path)) await file.append([{ path: place.path, deleted: true }]);
        } catch (error) {
          this.warn(`The provenance of ${displayPath(image)} cannot be removed: ${error instanceof Error ? error.message : String(error)}`);
        }
      }
    }
  }

  /**
   * Records that the image at `from` now lives at `to` (replaced with an edit, restored): `to`
   * takes `from`'s provenance, or loses its own when `from` had none. The sidecars follow.
   */
  async move(from: vscode.Uri, to: vscode.Uri): Promise<void> {
    const source = this.place(from);
    const target = this.place(to);
    if (source && target && source.folder.uri.toString() === target.folder.uri.toString()) {
      for (const file of this.indexes(target.folder)) {
        const { records } = await file.read();
        if (records.has(source.path) || records.has(target.path)) await file.append([{ path: target.path, from: source.path }]);
      }
    } else {
      const record = source ? await this.get(from) : undefined;
      await this.forget([from, to]);
      if (record && target) await this.target(to, target.folder).append([{ path: target.path, record }]);
    }
    if (await this.exists(sidecarOf(from))) await vscode.workspace.fs.rename(sidecarOf(from), sidecarOf(to), { overwrite: true });
    else await vscode.workspace.fs.delete(sidecarOf(to)).then(undefined, () => undefined);
  }

  /**
   * Files or folders renamed or deleted in VS Code (the Explorer, a refactoring): the records of
   * the images they were or held follow them, or leave the index. Moves between workspace
   * folders are not followed.
   */
  async followFiles(changes: readonly { oldUri: vscode.Uri; newUri?: vscode.Uri }[]): Promise<void> {
    for (const { oldUri, newUri } of changes) {
      const source = this.place(oldUri);
      const target = newUri && this.place(newUri);
      if (!source || (newUri && target?.folder.uri.toString() !== source.folder.uri.toString())) continue;
      for (const file of this.indexes(source.folder)) {
        try {
          const lines: IndexLine[] = [];
          for (const path of (await file.read()).records.keys()) {
            const rest = path === source.path ? '' : path.startsWith(`${source.path}/`) ? path.slice(source.path.length) : undefined;
            if (rest === undefined) continue;
            // A name that is no image's (`hero.png.bak`) has no record: the record leaves with the
            // image, and a file that takes the old name later does not inherit it.
            const moved = target && `${target.path}${rest}`;
            lines.push(moved && isImageName(moved) ? { path: moved, from: path } : { path, deleted: true });
          }
          await file.append(lines);
        } catch (error) {
          this.warn(`The provenance of ${displayPath(oldUri)} cannot follow it: ${error instanceof Error ? error.message : String(error)}`);
        }
      }
    }
  }

  /** Puts records back (a restored original), in the index its folder's setting names. */
  async restore(image: vscode.Uri, provenance: Provenance): Promise<void> {
    const place = this.place(image);
    if (place) await this.target(image, place.folder).append([{ path: place.path, record: privateProvenance(provenance) }]);
  }

  /**
   * Moves sidecars into their folder's index (one append per folder); answers the sidecars
   * moved, which the caller deletes once the user agrees. Sidecars of images that are gone, or
   * that do not read, are left alone.
   */
  async adoptSidecars(sidecars: readonly vscode.Uri[]): Promise<vscode.Uri[]> {
    const byIndex = new Map<IndexFile, { lines: IndexLine[]; sidecars: vscode.Uri[] }>();
    for (const sidecar of sidecars) {
      const image = imageOfSidecar(sidecar);
      const place = this.place(image);
      const record = place && (await this.exists(image)) ? await this.readSidecar(image) : undefined;
      if (!place || !record) continue;
      const file = this.target(image, place.folder);
      const batch = byIndex.get(file) ?? { lines: [], sidecars: [] };
      batch.lines.push({ path: place.path, record });
      batch.sidecars.push(sidecar);
      byIndex.set(file, batch);
    }
    const moved: vscode.Uri[] = [];
    for (const [file, batch] of byIndex) {
      await file.append(batch.lines);
      moved.push(...batch.sidecars);
    }
    return moved;
  }

  private exists(uri: vscode.Uri): Promise<boolean> {
    return Promise.resolve(vscode.workspace.fs.stat(uri)).then(() => true, () => false);
  }
}
