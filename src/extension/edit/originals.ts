import { createHash } from 'node:crypto';
import * as vscode from 'vscode';
import { editStem, uniqueName } from '../../common/naming';
import { provenanceSchema, type Provenance } from '../../common/provenance';
import { sidecarOf, type ProvenanceStore } from '../provenance/store';
import { imageFormats, sniffImageFormat } from '../../common/imageType';
import { diskOf, exists, fileName } from '../base/disk';
import type { ConvertibleFormat, PngConverter } from '../submit/pngConverter';

/** One original kept when an edit replaced it. */
export interface KeptOriginal {
  /** Where the image was (and is restored to). */
  original: string;
  /** The copy of its bytes. */
  copy: string;
  /** Its provenance, when it had one. */
  provenance?: Provenance;
  /** Its sidecar's copy, when it had one. */
  provenanceCopy?: string;
  /** The edit's own bytes, when it was converted to the original's type: what was paid for, put back beside the original on restore. */
  editCopy?: string;
  /** The SHA-256 of what the replace wrote at the original's name (the converted edit): what may be set aside unasked on restore. */
  convertedSha256?: string;
  replacedAt: number;
}

const sha256 = (bytes: Uint8Array): string => createHash('sha256').update(bytes).digest('hex');

/** Whether two files hold the same bytes (`false` when either cannot be read). */
async function sameBytes(a: vscode.Uri, b: vscode.Uri): Promise<boolean> {
  try {
    const [left, right] = await Promise.all([a, b].map(async (uri) => sha256(await vscode.workspace.fs.readFile(uri))));
    return left === right;
  } catch {
    return false;
  }
}

/** How an edit takes its original's place: as it is, converted to the original's format, or not at all (why). */
export type ReplacePlan = { convertTo?: ConvertibleFormat; from?: string; to?: string } | { problem: string };

const convertible: readonly string[] = ['png', 'jpeg', 'webp'] satisfies ConvertibleFormat[];

/** A format's name as people know it: its extension in capitals. */
const formatName = (format: string): string => (format in imageFormats ? imageFormats[format as keyof typeof imageFormats].extension : format).toUpperCase();


/**
 * Replacing an original with its edit, recoverably: the original (its provenance, its sidecar) is
 * copied to the extension's storage first, and can be put back with `EvoLink: Restore Replaced
 * Original...`, which never overwrites what is there now without keeping it.
 */
export class Originals {
  constructor(
    private readonly dir: vscode.Uri,
    private readonly provenance: ProvenanceStore,
    private readonly images: Pick<PngConverter, 'convert'>,
  ) {}

  /**
   * Whether `edited` can take the place of `original` under its name: a file's name says its
   * type, so an edit of another type (a mask's edit comes back as a PNG, a model may answer WebP)
   * is converted to the original's; where the original's type cannot be written, it is not replaced.
   */
  async plan(original: vscode.Uri, edited: vscode.Uri): Promise<ReplacePlan> {
    const [was, is] = await Promise.all([original, edited].map(async (uri) => sniffImageFormat((await vscode.workspace.fs.readFile(uri)).subarray(0, 64))));
    if (!was || !is || was === is) return {};
    if (!convertible.includes(was) || !convertible.includes(is)) {
      return {
        problem: vscode.l10n.t('{0} is a {1} image and its edit a {2}: replacing it would leave {2} bytes under the name {0}. Both are kept; rename or convert the edit yourself.', fileName(original), formatName(was), formatName(is)),
      };
    }
    return { convertTo: was as ConvertibleFormat, from: formatName(is), to: formatName(was) };
  }

  /** Replaces `original` with `edited`, converted to `convertTo` when given (its provenance goes with it); answers what was kept. */
  async replace(original: vscode.Uri, edited: vscode.Uri, convertTo?: ConvertibleFormat): Promise<KeptOriginal> {
    // Converted before anything is touched: a conversion that fails changes nothing.
    const converted = convertTo ? await this.images.convert(await vscode.workspace.fs.readFile(edited), convertTo) : undefined;
    const id = `${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`;
    const folder = vscode.Uri.joinPath(this.dir, id);
    await vscode.workspace.fs.createDirectory(folder);
    const copy = vscode.Uri.joinPath(folder, fileName(original));
    await vscode.workspace.fs.copy(original, copy, { overwrite: false });
    const provenance = await this.provenance.get(original);
    const kept: KeptOriginal = { original: original.toString(), copy: copy.toString(), replacedAt: Date.now(), ...(provenance ? { provenance } : {}) };
    if (await exists(sidecarOf(original))) {
      const provenanceCopy = sidecarOf(copy);
      await vscode.workspace.fs.copy(sidecarOf(original), provenanceCopy, { overwrite: false });
      kept.provenanceCopy = provenanceCopy.toString();
    }
    if (converted) {
      // The edit as it came (lossless, with its transparency) is kept too: restoring puts it back.
      const editCopy = vscode.Uri.joinPath(folder, `edit-${fileName(edited)}`);
      await vscode.workspace.fs.copy(edited, editCopy, { overwrite: false });
      kept.editCopy = editCopy.toString();
      kept.convertedSha256 = sha256(converted);
    }
    const record = vscode.Uri.joinPath(folder, 'kept.json');
    await vscode.workspace.fs.writeFile(record, new TextEncoder().encode(JSON.stringify(kept, null, 1)));
    // Only now that the copies are safe is the original replaced: written whole beside it, then
    // moved over it in one step on the disk (VS Code's own rename with overwrite deletes the
    // target first), so that a full disk or a failed move leaves the original as it was. The
    // record is written first (a window that ends during the move still lists the copy) and
    // removed with the copies when the move fails: an original still in place was not replaced.
    const disk = diskOf(original);
    // A short temporary name: the original's own name may already be near the 255-byte limit.
    const part = converted ? vscode.Uri.joinPath(original, '..', `.evolink-${id}.part`) : undefined;
    try {
      if (part && converted) {
        await vscode.workspace.fs.writeFile(part, converted);
        await disk.moveOver(part, original);
      } else {
        await disk.moveOver(edited, original);
      }
    } catch (error) {
      if (part) await disk.remove(part);
      // Forgotten only while the original is as it was: a move that deleted it first (VS Code's
      // rename over another file system) leaves the copy as the way back.
      if (await sameBytes(original, copy)) await vscode.workspace.fs.delete(folder, { recursive: true }).then(undefined, () => undefined);
      throw error;
    }
    if (part) await vscode.workspace.fs.delete(edited);
    await this.provenance.move(edited, original);
    if (convertTo) {
      const moved = await this.provenance.get(original);
      if (moved) await this.provenance.restore(original, { ...moved, format: convertTo });
    }
    return kept;
  }

  /** Every kept original, newest first. */
  async list(): Promise<KeptOriginal[]> {
    let entries: [string, vscode.FileType][];
    try {
      entries = await vscode.workspace.fs.readDirectory(this.dir);
    } catch {
      return [];
    }
    const found = await Promise.all(
      entries
        .filter(([, type]) => type === vscode.FileType.Directory)
        .map(async ([name]) => {
          try {
            return JSON.parse(new TextDecoder().decode(await vscode.workspace.fs.readFile(vscode.Uri.joinPath(this.dir, name, 'kept.json')))) as KeptOriginal;
          } catch {
            return undefined;
          }
        }),
    );
    return found.filter((kept): kept is KeptOriginal => kept !== undefined).sort((a, b) => b.replacedAt - a.replacedAt);
  }

  /**
   * Puts a kept original back where it was. What is there now is not lost: it is renamed to the
   * next free `<name>.edit-N` beside it (`aside`). An edit that the replace converted comes back
   * as it was paid for (lossless, with its transparency), under its own type (`edit`): in place of
   * the converted file while that is as the replace wrote it, beside the file otherwise (changed,
   * moved or deleted since).
   */
  async restore(kept: KeptOriginal): Promise<{ aside?: vscode.Uri; edit?: vscode.Uri }> {
    const original = vscode.Uri.parse(kept.original);
    // Restored already (Undo after the Restore command): nothing is moved for a copy that is gone.
    if (!(await exists(vscode.Uri.parse(kept.copy)))) return {};
    const folder = vscode.Uri.joinPath(original, '..');
    const name = fileName(original);
    // The next `.edit-N` of any type: the changed file and the edit as it came are two numbers, not one in two types.
    const free = async (like: string): Promise<vscode.Uri> => {
      const extension = like.includes('.') ? like.slice(like.lastIndexOf('.') + 1) : 'png';
      const entries = (await vscode.workspace.fs.readDirectory(folder)).map(([entry]) => entry);
      const taken = new Set(entries.flatMap((entry) => [entry, entry.replace(/\.[^.]*$/, `.${extension}`)]));
      return vscode.Uri.joinPath(folder, uniqueName(editStem(name), extension, taken, true));
    };
    const storedEdit = kept.editCopy && (await exists(vscode.Uri.parse(kept.editCopy))) ? vscode.Uri.parse(kept.editCopy) : undefined;
    // The edit's record: the replace moved it to the original's name.
    const record = await this.provenance.get(original);
    let aside: vscode.Uri | undefined;
    let edit: vscode.Uri | undefined;
    if (await exists(original)) {
      const untouched = kept.convertedSha256 !== undefined && sha256(await vscode.workspace.fs.readFile(original)) === kept.convertedSha256;
      if (storedEdit && untouched) {
        edit = await free(fileName(storedEdit));
        await vscode.workspace.fs.copy(storedEdit, edit, { overwrite: false });
        await this.provenance.move(original, edit);
        await vscode.workspace.fs.delete(original);
      } else {
        aside = await free(name);
        await vscode.workspace.fs.rename(original, aside, { overwrite: false });
        await this.provenance.move(original, aside);
      }
    }
    if (storedEdit && !edit) {
      edit = await free(fileName(storedEdit));
      await vscode.workspace.fs.copy(storedEdit, edit, { overwrite: false });
    }
    if (edit && record) await this.provenance.restore(edit, { ...record, format: sniffImageFormat((await vscode.workspace.fs.readFile(edit)).subarray(0, 64)) ?? record.format });
    await vscode.workspace.fs.copy(vscode.Uri.parse(kept.copy), original, { overwrite: false });
    if (kept.provenanceCopy) await vscode.workspace.fs.copy(vscode.Uri.parse(kept.provenanceCopy), sidecarOf(original), { overwrite: true });
    // An original kept by a version before the index has only its sidecar's copy, put back above.
    const provenance = provenanceSchema.safeParse(kept.provenance);
    if (provenance.success) await this.provenance.restore(original, provenance.data);
    await vscode.workspace.fs.delete(vscode.Uri.joinPath(vscode.Uri.parse(kept.copy), '..'), { recursive: true }).then(undefined, () => undefined);
    return { ...(aside ? { aside } : {}), ...(edit ? { edit } : {}) };
  }
}
