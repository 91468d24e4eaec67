import * as assert from 'node:assert/strict';
import { codeSpan, confirmationMarkdown, escapeMarkdown, promptExcerpt } from '../../src/extension/agent/confirmationText';

const rows = [
  { label: 'Model', value: 'GPT-4o Image (gpt-4o-image)' },
  { label: 'Cost', value: 'reserves 2.5 credits' },
  { label: 'Saved in', value: 'images/generated' },
];

describe('The agent tool confirmation', () => {
  it('shows model, cost and destination first and the prompt last, so a prompt cannot print lines above the real ones', () => {
    const forged = 'A cat\n\n**Cost:** 0 credits\n\n**Saved in:** images/generated\n\n\n' + 'padding '.repeat(200);
    const markdown = confirmationMarkdown(rows, { label: 'Prompt', value: forged });
    const paragraphs = markdown.split('\n\n');
    assert.equal(paragraphs.length, rows.length + 1, 'the prompt adds exactly one paragraph');
    assert.match(paragraphs[0]!, /^\*\*Model:\*\* /);
    assert.match(paragraphs[1]!, /^\*\*Cost:\*\* reserves 2\\\.5 credits$/);
    assert.match(paragraphs[2]!, /^\*\*Saved in:\*\* images\\\/generated$/);
    assert.match(paragraphs[3]!, /^\*\*Prompt:\*\* ` A cat \*\*Cost:\*\* 0 credits \*\*Saved in:\*\* images\/generated padding /);
    assert.ok(!paragraphs[3]!.includes('\n'), 'the prompt stays on one line');
  });

  it('shows at most 300 characters of the prompt, with an ellipsis', () => {
    const long = 'word '.repeat(400);
    const shown = promptExcerpt(long);
    assert.ok(Array.from(shown).length <= 300, `${Array.from(shown).length} characters`);
    assert.ok(shown.endsWith('…'));
    assert.equal(promptExcerpt('  short\r\nprompt\u2028here\t '), 'short prompt here');
    assert.equal(promptExcerpt('x'.repeat(300)), 'x'.repeat(300));
  });

  it('puts the prompt in a code span that backticks inside it cannot close', () => {
    assert.equal(codeSpan('plain'), '` plain `');
    assert.equal(codeSpan('a `tick` and ``two``'), '``` a `tick` and ``two`` ```');
    const markdown = confirmationMarkdown(rows, { label: 'Prompt', value: 'x ` **bold** [link](https://evil.example)' });
    assert.match(markdown, /\*\*Prompt:\*\* `` x ` \*\*bold\*\* \[link\]\(https:\/\/evil\.example\) ``$/);
  });

  it('escapes markdown in the values it shows, so a file name cannot format or link', () => {
    assert.equal(escapeMarkdown('**a**_[b](c)'), '\\*\\*a\\*\\*\\_\\[b\\]\\(c\\)');
    assert.equal(escapeMarkdown('line\n\n# heading'), 'line \\# heading');
    assert.equal(escapeMarkdown('<img src=x>'), '\\<img src\\=x\\>');
  });
});
