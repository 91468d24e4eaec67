import * as assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { outputFolderProblem } from '../../src/common/outputFolder';

describe('An output folder whose name starts with "~"', () => {
  const manifest = JSON.parse(readFileSync('package.json', 'utf8')) as { contributes: { configuration: { properties: Record<string, { pattern?: string }> } } };
  const pattern = new RegExp(manifest.contributes.configuration.properties['evolink.outputFolder']!.pattern!, 'u');
  const samples: [string, ReturnType<typeof outputFolderProblem>][] = [
    ['~drafts', undefined],
    ['~x/y', undefined],
    ['images/~old', undefined],
    ['~', 'absolute'],
    ['~/images', 'absolute'],
    ['~\\images', 'absolute'],
  ];

  it('is taken, while the home folder ("~", "~/…") is refused', () => {
    for (const [value, problem] of samples) assert.equal(outputFolderProblem(value), problem, JSON.stringify(value));
  });

  it('is refused by the settings editor exactly when the extension refuses it', () => {
    for (const [value, problem] of samples) assert.equal(pattern.test(value), problem === undefined, JSON.stringify(value));
  });
});
