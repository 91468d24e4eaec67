/**
 * File names for generated images: derived from the prompt, safe on Windows, macOS and Linux,
 * short, and made unique against what the folder already holds.
 */

const reserved = /^(con|prn|aux|nul|com[0-9]|lpt[0-9])$/i;

/** Marks on a Latin letter: accents that a file name can do without (`é` becomes `e`). */
const latinAccents = /(\p{Script=Latin})\p{M}+/gu;

/** Whole grapheme clusters, so that a cut never parts a base letter from its marks. */
const graphemes = new Intl.Segmenter(undefined, { granularity: 'grapheme' });

/**
 * A file-name stem from a prompt: lower case words joined by dashes, at most `maxLength` code
 * points (which keeps the name far below every file system's limit), cut only between grapheme
 * clusters so that neither a character outside the Basic Multilingual Plane nor a letter with its
 * marks (a Japanese dakuten, a Devanagari vowel sign, Arabic harakat, a Hangul syllable) is cut
 * in half. Only the accents of Latin letters are dropped; the marks of other scripts are part of
 * their words, and the result is in NFC.
 */
export function stemFromPrompt(prompt: string, maxLength = 48): string {
  const words = prompt
    .toLowerCase()
    .normalize('NFKD')
    .replace(latinAccents, '$1')
    .normalize('NFC')
    .replace(/[^\p{L}\p{M}\p{N}]+/gu, ' ')
    .trim()
    .split(/\s+/)
    // A mark that follows no letter has nothing to sit on.
    .map((word) => word.replace(/^\p{M}+/u, ''))
    .filter(Boolean);
  let stem = '';
  const length = (text: string): number => [...text].length;
  for (const word of words) {
    const next = stem ? `${stem}-${word}` : word;
    if (length(next) > maxLength) {
      if (!stem) stem = cutGraphemes(word, maxLength);
      break;
    }
    stem = next;
  }
  stem = stem.replace(/^[.-]+|[.-]+$/g, '');
  if (!stem || reserved.test(stem)) {
    stem = stem ? `${stem}-image` : 'image';
  }
  return stem;
}

/** The longest start of `text` that is whole grapheme clusters and at most `maxLength` code points. */
function cutGraphemes(text: string, maxLength: number): string {
  let cut = '';
  let count = 0;
  for (const { segment } of graphemes.segment(text)) {
    count += [...segment].length;
    if (count > maxLength) break;
    cut += segment;
  }
  return cut;
}

/**
 * The first free name `stem.ext`, `stem-2.ext`, `stem-3.ext`, … (`stem-1.ext` first when
 * `numbered`). The check ignores case and Unicode normalization,
 * since two names that differ only in case are one file on Windows and macOS, and a name written
 * composed (NFC) or decomposed (NFD, as HFS+ and some archives store it) is one file on macOS.
 */
export function uniqueName(stem: string, extension: string, taken: ReadonlySet<string>, numbered = false): string {
  const key = (name: string): string => name.normalize('NFC').toLowerCase();
  const lower = new Set([...taken].map(key));
  for (let index = 1; ; index++) {
    const name = index === 1 && !numbered ? `${stem}.${extension}` : `${stem}-${index}.${extension}`;
    if (!lower.has(key(name)) && !lower.has(key(`${name}.evolink.json`))) {
      return name;
    }
  }
}

/** How many bytes `text` takes in UTF-8 (file systems count names so). */
function utf8Length(text: string): number {
  let bytes = 0;
  for (const char of text) {
    const code = char.codePointAt(0)!;
    bytes += code < 0x80 ? 1 : code < 0x800 ? 2 : code < 0x10000 ? 3 : 4;
  }
  return bytes;
}

/** The most bytes of UTF-8 an original's stem keeps in its edits' names: room for `.edit-99.jpeg` and `.evolink.json` within 255. */
const maxEditStemBytes = 200;

/**
 * The stem of an edit of an image: `photo.png` gives `photo.edit`, numbered `photo.edit-1.png`, …
 * An original whose name is near the file systems' 255 bytes is cut (at whole characters) so that
 * its edits' names fit.
 */
export function editStem(originalName: string): string {
  const dot = originalName.lastIndexOf('.');
  let stem = dot > 0 ? originalName.slice(0, dot) : originalName;
  if (utf8Length(stem) > maxEditStemBytes) {
    let cut = '';
    for (const { segment } of graphemes.segment(stem)) {
      if (utf8Length(cut + segment) > maxEditStemBytes) break;
      cut += segment;
    }
    stem = cut;
  }
  return `${stem}.edit`;
}

/** The name of the provenance file that sits beside an image. */
export function provenanceName(imageName: string): string {
  return `${imageName}.evolink.json`;
}
