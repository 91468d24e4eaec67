/**
 * File names for generated images: derived from the prompt, safe on Windows, macOS and Linux,
 * short, and made unique against what the folder already holds.
 */

const reserved = /^(con|prn|aux|nul|com[0-9]|lpt[0-9])$/i;

/**
 * A file-name stem from a prompt: lower case words joined by dashes, at most `maxLength`
 * characters, counted and cut as code points so that a character outside the Basic Multilingual
 * Plane (many CJK ideographs) is never cut in half.
 */
export function stemFromPrompt(prompt: string, maxLength = 48): string {
  const words = prompt
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^\p{L}\p{N}]+/gu, ' ')
    .trim()
    .split(/\s+/)
    .filter(Boolean);
  let stem = '';
  const length = (text: string): number => [...text].length;
  for (const word of words) {
    const next = stem ? `${stem}-${word}` : word;
    if (length(next) > maxLength) {
      if (!stem) stem = [...word].slice(0, maxLength).join('');
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

/**
 * The first free name `stem.ext`, `stem-2.ext`, `stem-3.ext`, … (`stem-1.ext` first when
 * `numbered`). The check is case-insensitive,
 * since two names that differ only in case are one file on Windows and macOS.
 */
export function uniqueName(stem: string, extension: string, taken: ReadonlySet<string>, numbered = false): string {
  const lower = new Set([...taken].map((name) => name.toLowerCase()));
  for (let index = 1; ; index++) {
    const name = index === 1 && !numbered ? `${stem}.${extension}` : `${stem}-${index}.${extension}`;
    if (!lower.has(name.toLowerCase()) && !lower.has(`${name}.evolink.json`.toLowerCase())) {
      return name;
    }
  }
}

/** The stem of an edit of an image: `photo.png` gives `photo.edit`, numbered `photo.edit-1.png`, … */
export function editStem(originalName: string): string {
  const dot = originalName.lastIndexOf('.');
  return `${dot > 0 ? originalName.slice(0, dot) : originalName}.edit`;
}

/** The name of the provenance file that sits beside an image. */
export function provenanceName(imageName: string): string {
  return `${imageName}.evolink.json`;
}
