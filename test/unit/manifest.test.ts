import * as assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { commandTable } from '../../src/extension/commands/table';
import { settingDefaults } from '../../src/extension/config/defaults';
import { models } from '../../src/common/models';

interface Manifest {
  contributes: {
    commands: { command: string; title: string }[];
    configuration: { properties: Record<string, { default: unknown; enum?: string[] }> };
  };
}

const manifestText = readFileSync('package.json', 'utf8');
const manifest = JSON.parse(manifestText) as Manifest;
const nls = JSON.parse(readFileSync('package.nls.json', 'utf8')) as Record<string, string>;

describe('The manifest', () => {
  it('contributes exactly the commands of the command table', () => {
    assert.deepEqual(manifest.contributes.commands.map((entry) => entry.command).sort(), Object.keys(commandTable).sort());
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
});
