import * as assert from 'node:assert/strict';
import { tagPlacement } from '../../src/common/tagPlacement';

const page = ['<!doctype html>', '<html lang="en">', '<head>', '  <meta charset="utf-8" />', '  <title>Hillside</title>', '</head>', '<body>', '</body>', '</html>'];
const tags = '<link rel="icon" href="/favicon.ico" />\n<link rel="manifest" href="/site.webmanifest" />\n';

describe('Tags inserted into a page', () => {
  it('go inside the element whose closing tag the cursor stands before, one level deeper', () => {
    assert.deepEqual(tagPlacement(page, 5, 0, tags, '  ', '\n'), { line: 5, text: '  <link rel="icon" href="/favicon.ico" />\n  <link rel="manifest" href="/site.webmanifest" />\n' });
  });

  it('stand beside the line before on an empty line, and inside an element the line before opens', () => {
    const blank = [...page.slice(0, 5), '', ...page.slice(5)];
    assert.equal(tagPlacement(blank, 5, 0, tags, '  ', '\n')?.text.split('\n')[0], '  <link rel="icon" href="/favicon.ico" />');
    const opened = ['<html>', '\t<head>', '', '\t</head>'];
    assert.equal(tagPlacement(opened, 2, 0, tags, '\t', '\r\n')?.text, '\t\t<link rel="icon" href="/favicon.ico" />\r\n\t\t<link rel="manifest" href="/site.webmanifest" />\r\n');
  });

  it('stand beside an element that has no closing tag, and go inside a JSX fragment', () => {
    const html5 = ['<head>', '  <meta charset="utf-8">', '', '</head>'];
    assert.equal(tagPlacement(html5, 2, 0, tags, '  ', '\n')?.text.split('\n')[0], '  <link rel="icon" href="/favicon.ico" />');
    const fragment = ['return (', '  <>', '', '  </>', ');'];
    assert.equal(tagPlacement(fragment, 2, 0, tags, '  ', '\n')?.text.split('\n')[0], '    <link rel="icon" href="/favicon.ico" />');
  });

  it('keep the indentation of a line the cursor stands in the indentation of', () => {
    assert.equal(tagPlacement(page, 4, 2, tags, '  ', '\n')?.text.startsWith('  <link'), true);
  });

  it('are left where the cursor is when it stands after text', () => {
    assert.equal(tagPlacement(page, 4, 9, tags, '  ', '\n'), undefined);
  });

  it('go at the top level of an empty document', () => {
    assert.equal(tagPlacement([''], 0, 0, tags, '  ', '\n')?.text, '<link rel="icon" href="/favicon.ico" />\n<link rel="manifest" href="/site.webmanifest" />\n');
  });
});
