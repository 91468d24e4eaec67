import { extensionsOf, imageFormats } from './imageType';
import type { ImageFormat } from './models';
import { provenanceSchema, type Provenance } from './provenance';

/*
 * The provenance index of a workspace folder (`.evolink/history.jsonl`): one JSON object per
 * line, appended and never edited in place, later lines winning. A line is one of
 *
 *   {"path":"images/generated/cat.png","record":{...provenance...}}   the image was saved
 *   {"path":"images/generated/cat.png","deleted":true}               the image is gone
 *   {"path":"images/cat.png","from":"images/generated/cat.png"}      the image was moved here
 *
 * `path` is the image's path relative to its workspace folder, with `/`. Reading never fails: a
 * line that is not one of these is skipped and counted; the last line, when the file does not
 * end with a newline, may be a write cut short and is ignored without counting it as bad.
 * Unknown fields of a line or a record are ignored, so an older version reads a newer index.
 */

/** One line of the index. */
export type IndexLine = { path: string; record: Provenance } | { path: string; deleted: true } | { path: string; from: string };

/** An index as read: the live records by path, and how the file stands. */
export interface IndexState {
  records: Map<string, Provenance>;
  /** Lines read, live or dead, bad ones included. */
  lines: number;
  /** Lines skipped because they were not index lines. */
  bad: number;
  /** The text does not end with a newline (a write cut short): the next append starts a new line. */
  torn: boolean;
}

/** The index's place inside a workspace folder. */
export const indexFolderName = '.evolink';
export const indexFileName = 'history.jsonl';

/** An empty index. */
export function emptyIndex(): IndexState {
  return { records: new Map(), lines: 0, bad: 0, torn: false };
}

/** A link (`https://…`, `file:…`, `data:…`), a root (`/`, `\`), a drive (`C:\`, `c:/`) or a home (`~/`). */
const linkOrAbsolute = /^([a-z][a-z0-9+.-]*:\/\/|(file|data|blob):|[\\/]|[a-z]:[\\/]|~([\\/]|$))/i;

/** Whether a string names something outside the project: a link, or an absolute path of some machine. */
export function isUrlOrAbsolutePath(value: string): boolean {
  return linkOrAbsolute.test(value.trim());
}

/** Whether `path` can be a key of the index: relative, with `/`, inside the folder, no scheme or drive (`x:`) at all. */
export function isIndexPath(path: string): boolean {
  if (path === '' || isUrlOrAbsolutePath(path) || /^[a-z][a-z0-9+.-]*:/i.test(path) || path.startsWith('~') || path.includes('\\')) return false;
  return path.split('/').every((segment) => segment !== '' && segment !== '.' && segment !== '..');
}

const imageExtensions = new Set(extensionsOf(Object.keys(imageFormats) as ImageFormat[]));

/** Whether a path ends in the extension of an image format (every result is saved under one). */
export const isImageName = (path: string): boolean => imageExtensions.has(/\.([^./]+)$/.exec(path)?.[1]?.toLowerCase() ?? '');

/** Drops URLs and absolute paths from parameter values, however deep. */
function privateValue(value: unknown): unknown {
  if (typeof value === 'string') return isUrlOrAbsolutePath(value) ? undefined : value;
  if (Array.isArray(value)) return value.map(privateValue).filter((item) => item !== undefined);
  if (typeof value === 'object' && value !== null) {
    const kept: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(value)) {
      const cleaned = privateValue(item);
      if (cleaned !== undefined) kept[key] = cleaned;
    }
    return kept;
  }
  return value;
}

/**
 * A record safe to keep in the project: no upload links, no paths of a machine. A source that is
 * a URL is dropped (upload links are private and expire); an absolute path keeps only its file
 * name; parameter values that are URLs or absolute paths are dropped.
 */
export function privateProvenance(record: Provenance): Provenance {
  const sources = (record.sources ?? []).flatMap((source) => {
    if (/^([a-z][a-z0-9+.-]+:\/\/|(data|blob):)/i.test(source.trim())) return [];
    return isUrlOrAbsolutePath(source) ? [source.split(/[\\/]/).filter(Boolean).pop() ?? ''].filter(Boolean) : [source];
  });
  const parameters = privateValue(record.parameters) as Record<string, unknown>;
  return { ...record, parameters, ...(record.sources ? { sources } : {}) };
}

/** Reads one line; `undefined` when it is not an index line. */
export function parseIndexLine(text: string): IndexLine | undefined {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return undefined;
  const line = value as Record<string, unknown>;
  if (typeof line.path !== 'string' || !isIndexPath(line.path)) return undefined;
  if (line.deleted === true) return { path: line.path, deleted: true };
  // Only images get a record: a repository's index naming `package.json` would list it as one.
  if (!isImageName(line.path)) return undefined;
  if (typeof line.from === 'string') return isIndexPath(line.from) ? { path: line.path, from: line.from } : undefined;
  const record = provenanceSchema.safeParse(line.record);
  return record.success ? { path: line.path, record: privateProvenance(record.data) } : undefined;
}

/** Applies one line to the live records. */
export function applyIndexLine(records: Map<string, Provenance>, line: IndexLine): void {
  if ('record' in line) {
    records.set(line.path, line.record);
  } else if ('deleted' in line) {
    records.delete(line.path);
  } else {
    const moved = records.get(line.from);
    records.delete(line.from);
    if (moved) records.set(line.path, moved);
    else records.delete(line.path);
  }
}

/** Reads an index file's text. */
export function parseIndex(text: string): IndexState {
  const state = emptyIndex();
  const lines = text.split('\n');
  const last = lines.pop() ?? '';
  for (const raw of lines) {
    if (raw.trim() === '') continue;
    state.lines++;
    const line = parseIndexLine(raw.replace(/\r$/, ''));
    if (line) applyIndexLine(state.records, line);
    else state.bad++;
  }
  if (last.trim() !== '') {
    // No newline after it: whole when it reads, else a write cut short.
    const line = parseIndexLine(last);
    if (line) {
      state.lines++;
      applyIndexLine(state.records, line);
    }
    state.torn = true;
  }
  return state;
}

/** The text of lines to append: each one JSON object and a newline, after a newline when the file ends mid-line. */
export function indexLinesText(lines: readonly IndexLine[], afterTorn = false): string {
  return `${afterTorn ? '\n' : ''}${lines.map((line) => `${JSON.stringify(line)}\n`).join('')}`;
}

/** Whether the index has grown enough to be rewritten: more dead lines than live ones, past a few. */
export function needsCompaction(state: IndexState): boolean {
  const dead = state.lines - state.records.size;
  return dead > 32 && dead > state.records.size;
}

/** The index rewritten with only its live records, in a stable order (by path). */
export function compactIndex(state: IndexState): string {
  const paths = [...state.records.keys()].sort();
  return indexLinesText(paths.map((path) => ({ path, record: state.records.get(path)! })));
}
