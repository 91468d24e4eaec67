// The third-party notices of what the bundles ship: every package one of their input files (or a
// file copied beside them) comes from, with its version, its license and the text of its license
// file, as their licenses ask of a copy that is passed on.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/** The package folder (`node_modules/name` or `node_modules/@scope/name`) a file of a package lies in. */
function packageRoot(file) {
  const parts = file.split(/[\\/]/);
  const at = parts.lastIndexOf('node_modules');
  if (at < 0 || at + 1 >= parts.length) return undefined;
  const length = parts[at + 1].startsWith('@') ? 3 : 2;
  return parts.slice(0, at + length).join('/');
}

/**
 * The text of a package's license file (LICENSE, LICENCE, COPYING, with any extension), and of
 * the license files of the code it carries compiled (jSquash's `LICENSE.codec.md`: MozJPEG,
 * libwebp, libavif...).
 */
function licenseText(root) {
  const name = readdirSync(root).find((file) => /^(licen[cs]e|copying)(\.|$|-)/i.test(file));
  const carried = readdirSync(root, { recursive: true })
    .map(String)
    .filter((file) => !file.includes('node_modules') && /(^|[\\/])LICENSE\.codec\.md$/.test(file))
    .sort();
  const texts = [...(name ? [readFileSync(join(root, name), 'utf8').trim()] : []), ...carried.map((file) => `--- ${file} ---\n\n${readFileSync(join(root, file), 'utf8').trim()}`)];
  return texts.length > 0 ? texts.join('\n\n') : undefined;
}

/**
 * The notices of the packages that `files` (paths relative to the project, as esbuild's metafile
 * names its inputs) come from, sorted by name. Throws for a package with neither a license file
 * nor a license field: what cannot be told may not ship.
 */
export function thirdPartyNotices(files) {
  const roots = [...new Set(files.map(packageRoot).filter((root) => root !== undefined && existsSync(join(root, 'package.json'))))];
  const packages = roots
    .map((root) => {
      const manifest = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
      const license = typeof manifest.license === 'string' ? manifest.license : undefined;
      const text = licenseText(root);
      if (!text && !license) throw new Error(`${manifest.name} has no license to ship with it`);
      return { name: manifest.name, version: manifest.version, license: license ?? 'see its text', text: text ?? `Licensed under ${license}.` };
    })
    .sort((a, b) => a.name.localeCompare(b.name));
  const unique = packages.filter((entry, index) => index === 0 || entry.name !== packages[index - 1].name || entry.version !== packages[index - 1].version);
  const header = [
    'EvoLink Image Studio includes the following third-party software. Each is distributed under',
    'its own license, whose text follows its name.',
    '',
  ];
  const sections = unique.map((entry) => [`${'='.repeat(78)}`, `${entry.name} ${entry.version} (${entry.license})`, `${'='.repeat(78)}`, '', entry.text, ''].join('\n'));
  return `${header.join('\n')}\n${sections.join('\n')}`;
}
