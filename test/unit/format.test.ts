import * as assert from 'node:assert/strict';
import { formatCredits, quotedPrompt, withoutPaths } from '../../src/common/format';

describe('Texts as messages quote them', () => {
  it('cuts every path of the machine out of a failure, quoted ones with their spaces too', () => {
    const cases: [string, string][] = [
      ["ENOENT: no such file or directory, open 'C:\\Users\\Jane Doe\\.vscode\\extensions\\evolink\\dist\\wasm\\png.wasm'", "ENOENT: no such file or directory, open '…'"],
      ['EACCES: permission denied, open "/Users/Jane Doe/Library/x.wasm"', 'EACCES: permission denied, open "…"'],
      ['cannot read \\\\fileserver\\home\\jdoe\\codec.wasm now', 'cannot read … now'],
      ['failed at /home/jdoe/.vscode-server/extensions/a.js:12', 'failed at …'],
      ['see https://example.com/a?b=c for more', 'see … for more'],
      ['The image could not be decoded: the file is damaged.', 'The image could not be decoded: the file is damaged.'],
    ];
    for (const [text, said] of cases) assert.equal(withoutPaths(text), said, text);
    assert.equal(withoutPaths('x'.repeat(500)).length, 200);
  });

  it('quotes a prompt cut between whole characters, and credits with at most two decimals', () => {
    assert.equal(quotedPrompt('🦊'.repeat(70)), `${'🦊'.repeat(59)}…`);
    assert.equal(formatCredits(2.5, 'en'), '2.5');
    assert.equal(formatCredits(1 / 3, 'en'), '0.33');
  });
});
