import * as assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';

interface Step {
  id: string;
  description: string;
  completionEvents: string[];
}

interface Property {
  order?: number;
  scope?: string;
  pattern?: string;
}

interface Manifest {
  homepage: string;
  capabilities: { untrustedWorkspaces: { restrictedConfigurations: string[] } };
  contributes: {
    commands: { command: string; title: string }[];
    configuration: { properties: Record<string, Property> };
    walkthroughs: { steps: Step[] }[];
    menus: { commandPalette: { command: string; when?: string }[] };
  };
}

const manifest = JSON.parse(readFileSync('package.json', 'utf8')) as Manifest;
const languages = ['', '.de', '.ja', '.zh-cn'];
const strings = Object.fromEntries(languages.map((language) => [language || 'en', JSON.parse(readFileSync(`package.nls${language}.json`, 'utf8')) as Record<string, string>]));
const english = strings['en']!;
const readme = readFileSync('README.md', 'utf8');
const properties = manifest.contributes.configuration.properties;
const steps = manifest.contributes.walkthroughs.flatMap((walkthrough) => walkthrough.steps);
const key = (reference: string) => reference.replace(/^%|%$/g, '');

describe('The manifest says what the extension does', () => {
  it('offers Open in every openResults description, and names the number of results "beside" opens, as the announcer opens them', () => {
    const limit = /export const besideLimit = (\d+);/.exec(readFileSync('src/extension/tasks/announcer.ts', 'utf8'))?.[1];
    assert.ok(limit, 'the announcer has a limit');
    for (const [language, nls] of Object.entries(strings)) {
      assert.ok(nls['config.openResults.beside']!.includes(limit), `${language}: ${nls['config.openResults.beside']}`);
      assert.match(nls['config.openResults']!, /\*\*[^*]+\*\*/, `${language}: the message's Open is named`);
    }
    assert.match(english['config.openResults.preview']!, /first image/);
  });

  it('says that the pickers start on the model used last, and where else the default model is used', () => {
    const description = english['config.defaultModel']!;
    assert.match(description, /used last/);
    assert.match(description, /Image Studio/);
    assert.match(description, /agent tool/);
    for (const [language, nls] of Object.entries(strings)) assert.match(nls['config.defaultModel']!, /Image Studio/, language);
  });

  it('completes each walkthrough step by its own action: opening the Studio does not tick "Find your past images"', () => {
    const history = steps.find((step) => step.id === 'history')!;
    assert.ok(history.completionEvents.includes('onView:evolink.history'), history.completionEvents.join(', '));
    assert.ok(!history.completionEvents.includes('onCommand:evolink.openStudio'));
    // The button of a step completes it, and no command completes two steps.
    for (const step of steps) {
      for (const [, command] of english[key(step.description)]!.matchAll(/\(command:([\w.]+)\)/g)) {
        if (command === 'evolink.setApiKey') continue; // Done when a key is set, not when the box opens.
        assert.ok(step.completionEvents.includes(`onCommand:${command}`), `${step.id}: ${command}`);
      }
    }
    const commands = steps.flatMap((step) => step.completionEvents.filter((event) => event.startsWith('onCommand:')));
    assert.equal(new Set(commands).size, commands.length, commands.join(', '));
  });

  it('names in every language each setting that Restricted Mode takes from the user settings only, and so does the README', () => {
    const fromWorkspace = manifest.capabilities.untrustedWorkspaces.restrictedConfigurations.filter((setting) => properties[setting]?.scope !== 'machine');
    assert.deepEqual(fromWorkspace.sort(), ['evolink.outputFolder', 'evolink.provenance']);
    for (const [language, nls] of Object.entries(strings)) {
      for (const setting of fromWorkspace) assert.ok(nls['capabilities.untrustedWorkspaces']!.includes(setting), `${language}: ${setting}`);
    }
    const row = readme.split('\n').find((line) => line.includes('Restricted Mode: trust it'));
    for (const setting of fromWorkspace) assert.ok(row?.includes(setting), `${setting} in ${row}`);
  });

  it('keeps the daily credit limit short and points to the README section that has the details', () => {
    const link = `${manifest.homepage.replace(/#.*$/, '')}#daily-credit-limit`;
    assert.match(readme, /^### Daily credit limit$/m);
    for (const [language, nls] of Object.entries(strings)) assert.ok(nls['config.dailyCreditLimit']!.includes(`(${link})`), language);
    const description = english['config.dailyCreditLimit']!;
    assert.ok(description.split(/\s+/).length <= 70, `${description.split(/\s+/).length} words`);
    assert.match(description, /0 means no limit/);
    assert.match(description, /this machine/);
  });

  it('lists the settings a user changes first, the gateway addresses last', () => {
    const ordered = Object.entries(properties).sort(([, a], [, b]) => (a.order ?? Infinity) - (b.order ?? Infinity)).map(([name]) => name);
    assert.deepEqual(ordered.slice(0, 8), [
      'evolink.outputFolder',
      'evolink.defaultModel',
      'evolink.openResults',
      'evolink.dailyCreditLimit',
      'evolink.provenance',
      'evolink.requestTimeoutSeconds',
      'evolink.apiBaseUrl',
      'evolink.filesApiBaseUrl',
    ]);
    for (const [name, property] of Object.entries(properties)) assert.equal(typeof property.order, 'number', name);
  });

  it('says in the walkthrough that images go to the output folder setting, and that the History lists what EvoLink made here', () => {
    for (const [language, nls] of Object.entries(strings)) {
      assert.ok(nls['walkthrough.generate.description']!.includes('evolink.outputFolder'), language);
      assert.ok(nls['walkthrough.generate.description']!.includes('images/generated'), language);
    }
    assert.match(english['walkthrough.history.description']!, /generated or edited with EvoLink in this workspace/);
    assert.doesNotMatch(english['walkthrough.history.description']!, /every image/);
  });

  it('writes an ellipsis as one character, in every language and where the README names those commands', () => {
    for (const [language, nls] of Object.entries(strings)) {
      for (const [name, value] of Object.entries(nls)) assert.ok(!value.includes('...'), `${language}: ${name}`);
    }
    const titled = manifest.contributes.commands.map((entry) => english[key(entry.title)]!).filter((title) => title.endsWith('…'));
    assert.ok(titled.length >= 8, titled.join(', '));
    for (const title of titled) assert.ok(!readme.includes(`${title.slice(0, -1)}...`), title);
  });

  it('offers Move Sidecars into the Index in the palette only with a folder open', () => {
    const entry = manifest.contributes.menus.commandPalette.find((item) => item.command === 'evolink.moveSidecarsIntoIndex');
    assert.equal(entry?.when, 'workspaceFolderCount > 0');
  });

  it('lets the settings editor take an output folder whose name starts with "~", but not the home folder', () => {
    const pattern = new RegExp(properties['evolink.outputFolder']!.pattern!, 'u');
    for (const value of ['~drafts', 'images/~old', '~x/y']) assert.ok(pattern.test(value), value);
    for (const value of ['~', '~/images', '~\\images', '/abs', 'C:\\x', '../up']) assert.ok(!pattern.test(value), value);
  });
});
