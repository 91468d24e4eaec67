import type { PlannedRun } from './recipeRender';

/*
 * How the summary before a recipe's run names the files it writes. A few files are named one by
 * one; many files in several folders (an Xcode AppIcon set beside Android's density folders) are
 * named by folder, so that the person sees the whole layout instead of the first dozen names of
 * one folder.
 */

/** Every file a run writes, relative to its folder: the outputs, then the snippet files. */
export function plannedFiles(plan: PlannedRun): string[] {
  return [...plan.outputs, ...plan.snippets.filter((file): file is string => file !== undefined)];
}

/** The files by folder (`''` for the run's folder itself), folders and names in the order first written. */
export function filesByFolder(files: readonly string[]): { folder: string; names: string[] }[] {
  const groups = new Map<string, string[]>();
  for (const file of files) {
    const slash = file.lastIndexOf('/');
    const folder = slash < 0 ? '' : file.slice(0, slash + 1);
    groups.set(folder, [...(groups.get(folder) ?? []), file.slice(slash + 1)]);
  }
  return [...groups].map(([folder, names]) => ({ folder, names }));
}

/** The words a summary needs in the reader's language. */
export interface SummaryWords {
  /** The lines left out: "and 3 more". */
  more(count: number): string;
  /** How many files a folder gets: "14 files". */
  files(count: number): string;
}

/**
 * The lines that name `files`: each file, while there are at most `max`; else each folder with
 * its first and last names and its count, while there are at most `max` folders; else the first
 * `max` files and a line saying how many more.
 */
export function summaryLines(files: readonly string[], max: number, words: SummaryWords): string[] {
  if (files.length <= max) return [...files];
  const groups = filesByFolder(files);
  if (groups.length > 1 && groups.length <= max) {
    return groups.map(({ folder, names }) => {
      const listed = names.length <= 3 ? names.join(', ') : `${names[0]}, ${names[1]} … ${names.at(-1)} (${words.files(names.length)})`;
      return folder === '' ? listed : `${folder}: ${listed}`;
    });
  }
  return [...files.slice(0, max), words.more(files.length - max)];
}

/** A short inline list: the first `max` files, or where there are several folders, the first `max` folders. */
export function inlineNames(files: readonly string[], max: number): string {
  const groups = filesByFolder(files);
  const items = groups.length > 1 ? groups.flatMap(({ folder, names }) => (folder === '' ? names : [folder])) : [...files];
  return items.slice(0, max).join(', ') + (items.length > max ? ', …' : '');
}
