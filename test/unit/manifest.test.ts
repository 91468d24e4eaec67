import * as assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { commandTable } from '../../src/extension/commands/table';
import { settingDefaults } from '../../src/extension/config/defaults';
import { decodableFormats, extensionsOf, imageFormats } from '../../src/common/imageType';
import { models, type ImageFormat } from '../../src/common/models';
import { imageToolName } from '../../src/extension/agent/toolName';

interface Manifest {
  repository: { url: string };
  capabilities: { untrustedWorkspaces: { supported: string; restrictedConfigurations: string[] }; virtualWorkspaces: boolean };
  contributes: {
    commands: { command: string; title: string }[];
    configuration: { properties: Record<string, { default: unknown; enum?: string[] }> };
    languageModelTools: { name: string; inputSchema: { properties: { model: { enum: string[] } } } }[];
    walkthroughs: { steps: { media: { image: string } }[] }[];
    menus: Record<string, { command: string; when?: string }[]>;
  };
}

const manifestText = readFileSync('package.json', 'utf8');
const manifest = JSON.parse(manifestText) as Manifest;
const nls = JSON.parse(readFileSync('package.nls.json', 'utf8')) as Record<string, string>;

/** Every source file of a folder, recursively. */
function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => (entry.isDirectory() ? sources(join(dir, entry.name)) : [join(dir, entry.name)]));
}

describe('The package', () => {
  it('ships the pictures of the walkthrough', () => {
    const allowed = readFileSync('.vscodeignore', 'utf8').split('\n');
    for (const step of manifest.contributes.walkthroughs.flatMap((walkthrough) => walkthrough.steps)) assert.ok(allowed.includes(`!${step.media.image}`), step.media.image);
  });

  it('ships every bundle esbuild makes and every file the code loads from media/ and dist/', () => {
    const allowed = new Set(readFileSync('.vscodeignore', 'utf8').split('\n').filter((line) => line.startsWith('!')).map((line) => line.slice(1)));
    const bundles = [...readFileSync('esbuild.mjs', 'utf8').matchAll(/entryPoints: \{([^}]+)\}/g)].flatMap((match) => [...match[1]!.matchAll(/(\w+):/g)].map((key) => `dist/${key[1]}.js`));
    assert.ok(bundles.length >= 4, bundles.join(', '));
    const code = sources('src').map((file) => readFileSync(file, 'utf8')).join('\n');
    const assets = [...code.matchAll(/asset\('(media|dist)', '([^']+)'(?:, '([^']+)')?\)/g)].map((match) => [match[1], match[2], match[3]].filter(Boolean).join('/'));
    assert.ok(assets.length >= 6, assets.join(', '));
    for (const file of [...bundles, ...assets, 'media/icon.png']) assert.ok(allowed.has(file), `.vscodeignore leaves out ${file}`);
  });

  it('shows on its Marketplace page only pictures that exist and that the page can load', () => {
    // vsce rewrites a relative picture of the README to the repository's copy; SVG pictures are refused.
    const readme = readFileSync('README.md', 'utf8').replace(/`[^`\n]*`/g, '');
    const pictures = [...readme.matchAll(/!\[([^\]]*)\]\(([^)\s]+)\)/g)].map((match) => ({ alt: match[1]!, path: match[2]! }));
    assert.ok(pictures.length >= 5, 'the README shows the extension');
    assert.match(manifest.repository.url, /^https:\/\/github\.com\//, 'relative pictures are linked through the repository');
    for (const { alt, path } of pictures) {
      assert.ok(alt.length > 10, `${path} has a description`);
      assert.ok(!/^https?:/.test(path) || path.startsWith('https://'), `${path} is loaded over https`);
      if (/^https?:/.test(path)) continue;
      assert.ok(existsSync(path), `${path} exists`);
      assert.ok(!path.endsWith('.svg'), `${path} is not an SVG (vsce refuses them)`);
      assert.ok(statSync(path).size < 1_000_000, `${path} is small enough for the page`);
    }
  });
});

describe('The manifest', () => {
  it('contributes exactly the commands of the command table', () => {
    assert.deepEqual(manifest.contributes.commands.map((entry) => entry.command).sort(), Object.keys(commandTable).sort());
  });

  it('offers Edit, Open in Image Studio and Export As on exactly the files they read, by every extension of those formats', () => {
    const reads: Record<string, string[]> = {
      'evolink.editImage': extensionsOf(models.flatMap((model) => model.references.formats)),
      'evolink.openInStudio': extensionsOf(models.flatMap((model) => model.references.formats)),
      'evolink.exportAs': extensionsOf(decodableFormats),
    };
    const every = [...extensionsOf(Object.keys(imageFormats) as ImageFormat[]), 'svg', 'ico', 'txt', 'png.txt'];
    let checked = 0;
    for (const [place, items] of Object.entries(manifest.contributes.menus)) {
      for (const item of items) {
        const pattern = /resourceExtname =~ \/(.+?)\/i/.exec(item.when ?? '')?.[1];
        const expected = reads[item.command];
        if (!expected) continue;
        if (!pattern) {
          // The palette may offer Export As anywhere (it asks for the image), not the others on any editor.
          assert.ok(item.command === 'evolink.exportAs' && place === 'commandPalette', `${place}: ${item.command} has no file condition`);
          continue;
        }
        const matches = new RegExp(pattern, 'i');
        for (const extension of every) assert.equal(matches.test(`.${extension}`) && matches.test(`.${extension.toUpperCase()}`), expected.includes(extension), `${place}: ${item.command} on .${extension}`);
        checked++;
      }
    }
    assert.ok(checked >= 10, `${checked} menu items checked`);
  });

  it('has an English string for every %key%', () => {
    const keys = [...manifestText.matchAll(/"%([^%"]+)%"/g)].map((match) => match[1]!);
    assert.ok(keys.length > 10);
    for (const key of keys) assert.ok(nls[key], `package.nls.json lacks ${key}`);
  });

  it('declares the same setting defaults as the code', () => {
    const properties = manifest.contributes.configuration.properties;
    assert.deepEqual(Object.keys(properties).sort(), Object.keys(settingDefaults).map((key) => `evolink.${key}`).sort());
    for (const [key, value] of Object.entries(settingDefaults)) {
      assert.deepEqual(properties[`evolink.${key}`]?.default, value, key);
    }
  });

  it('offers every model of the table as the default model', () => {
    assert.deepEqual(manifest.contributes.configuration.properties['evolink.defaultModel']?.enum, models.map((model) => model.id));
  });

  it('offers the agent tool under the registered name, with every model of the table', () => {
    const [tool] = manifest.contributes.languageModelTools;
    assert.equal(tool?.name, imageToolName);
    assert.deepEqual(tool.inputSchema.properties.model.enum, models.map((model) => model.id));
  });

  it('keeps workspace settings from redirecting the key or the files, or writing prompts beside images, in Restricted Mode, and works in virtual workspaces', () => {
    assert.equal(manifest.capabilities.untrustedWorkspaces.supported, 'limited');
    assert.deepEqual(manifest.capabilities.untrustedWorkspaces.restrictedConfigurations.sort(), ['evolink.apiBaseUrl', 'evolink.filesApiBaseUrl', 'evolink.outputFolder', 'evolink.provenance']);
    assert.equal(manifest.capabilities.virtualWorkspaces, true);
  });
});
