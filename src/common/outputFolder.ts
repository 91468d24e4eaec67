/*
 * `evolink.outputFolder` is a folder inside the workspace folder the images go to. The rule is
 * here once: the manifest's pattern says the same (a unit test compares them), and the
 * extension refuses a value that breaks it with a message before anything is sent.
 */

/** Why a value of `evolink.outputFolder` is refused. */
export type OutputFolderProblem = 'empty' | 'absolute' | 'parent';

/** The folder names of a value, without empty and `.` segments. */
export function outputFolderParts(value: string): string[] {
  return value.split(/[\\/]+/).filter((part) => part !== '' && part !== '.');
}

/** What is wrong with a value, or `undefined` for a folder inside the workspace folder. */
export function outputFolderProblem(value: string): OutputFolderProblem | undefined {
  if (value.trim() === '') return 'empty';
  // A path from the root, a drive (C:), a UNC share or the home folder (`~`, `~/…`) leaves the
  // workspace; a folder whose name starts with `~` (`~drafts`) does not.
  if (/^([\\/]|~([\\/]|$)|[A-Za-z]:)/.test(value)) return 'absolute';
  if (outputFolderParts(value).some((part) => part === '..')) return 'parent';
  return undefined;
}
