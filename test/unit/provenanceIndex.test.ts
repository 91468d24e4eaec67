import * as assert from 'node:assert/strict';
import type { Provenance } from '../../src/common/provenance';
import {
  compactIndex,
  indexLinesText,
  isIndexPath,
  needsCompaction,
  parseIndex,
  parseIndexLine,
  privateProvenance,
  type IndexLine,
} from '../../src/common/provenanceIndex';

const record = (prompt: string, extra: Partial<Provenance> = {}): Provenance => ({
  version: 1,
  prompt,
  model: 'gpt-4o-image',
  parameters: { size: '1:1', n: 1 },
  createdAt: '2026-12-01T10:00:00.000Z',
  format: 'png',
  ...extra,
});

const text = (...lines: IndexLine[]): string => indexLinesText(lines);

describe('Provenance index', () => {
  it('reads one record per image, later lines winning', () => {
    const state = parseIndex(text({ path: 'images/a.png', record: record('first') }, { path: 'images/b.png', record: record('bee') }, { path: 'images/a.png', record: record('second') }));
    assert.equal(state.records.size, 2);
    assert.equal(state.records.get('images/a.png')?.prompt, 'second');
    assert.equal(state.lines, 3);
    assert.equal(state.bad, 0);
    assert.equal(state.torn, false);
  });

  it('forgets an image at its tombstone, and remembers it when it is saved again', () => {
    const deleted = parseIndex(text({ path: 'a.png', record: record('a') }, { path: 'a.png', deleted: true }));
    assert.equal(deleted.records.has('a.png'), false);
    const again = parseIndex(text({ path: 'a.png', record: record('a') }, { path: 'a.png', deleted: true }, { path: 'a.png', record: record('again') }));
    assert.equal(again.records.get('a.png')?.prompt, 'again');
  });

  it('moves a record with a rename line; a rename from nothing leaves the target without one', () => {
    const moved = parseIndex(text({ path: 'a.edit.png', record: record('edit') }, { path: 'a.png', record: record('original') }, { path: 'a.png', from: 'a.edit.png' }));
    assert.deepEqual([...moved.records.keys()], ['a.png']);
    assert.equal(moved.records.get('a.png')?.prompt, 'edit');
    const cleared = parseIndex(text({ path: 'a.png', record: record('original') }, { path: 'a.png', from: 'nothing.png' }));
    assert.equal(cleared.records.size, 0);
  });

  it('ignores a last line cut short, and starts the next append on a new line', () => {
    const whole = text({ path: 'a.png', record: record('a') });
    const torn = `${whole}{"path":"b.png","rec`;
    const state = parseIndex(torn);
    assert.deepEqual([...state.records.keys()], ['a.png']);
    assert.equal(state.bad, 0, 'a torn last line is not a bad line');
    assert.equal(state.torn, true);
    const appended = `${torn}${indexLinesText([{ path: 'c.png', record: record('c') }], state.torn)}`;
    const after = parseIndex(appended);
    assert.deepEqual([...after.records.keys()].sort(), ['a.png', 'c.png']);
    assert.equal(after.bad, 1, 'the torn line, now followed by a newline, counts as bad');
  });

  it('skips and counts bad lines: not JSON, not an object, a bad path, a record that is not one, a file that is no image', () => {
    const lines = [
      'not json',
      JSON.stringify({ path: 'package.json', record: record('a repository listing its package.json as an image') }),
      JSON.stringify({ path: 'notes.md', from: 'ok.png' }),
      '[1,2]',
      JSON.stringify({ path: '/home/someone/a.png', record: record('absolute') }),
      JSON.stringify({ path: '../outside.png', record: record('outside') }),
      JSON.stringify({ path: 'https://example.com/a.png', record: record('url') }),
      JSON.stringify({ path: 'C:/a.png', record: record('drive') }),
      JSON.stringify({ path: 'a.png', record: { prompt: 'no model' } }),
      JSON.stringify({ path: 'ok.png', record: record('ok') }),
    ];
    const state = parseIndex(`${lines.join('\n')}\n`);
    assert.deepEqual([...state.records.keys()], ['ok.png']);
    assert.equal(state.bad, 9);
  });

  it('ignores unknown fields of a line and of a record (a newer version wrote them)', () => {
    const line = parseIndexLine(JSON.stringify({ path: 'a.png', record: { ...record('a'), rating: 5 }, writtenBy: 'a later version' }));
    assert.ok(line && 'record' in line);
    assert.equal(line.record.prompt, 'a');
    assert.equal('rating' in line.record, false);
  });

  it('reads Windows line ends and blank lines', () => {
    const state = parseIndex(`${JSON.stringify({ path: 'a.png', record: record('a') })}\r\n\r\n`);
    assert.equal(state.records.get('a.png')?.prompt, 'a');
    assert.equal(state.bad, 0);
  });

  it('takes paths relative to the folder with / only', () => {
    for (const path of ['a.png', 'images/generated/a b.png', '.evolink/x.png']) assert.equal(isIndexPath(path), true, path);
    for (const path of ['', '/a.png', '\\\\server\\a.png', 'C:\\a.png', 'c:/a.png', '~/a.png', 'images\\a.png', 'a/../b.png', './a.png', 'a//b.png', 'file:///a.png', 'https://x/a.png']) {
      assert.equal(isIndexPath(path), false, path);
    }
  });
});

describe('Provenance index compaction', () => {
  it('is not needed while live lines are the many', () => {
    const lines: IndexLine[] = [];
    for (let i = 0; i < 100; i++) lines.push({ path: `img-${i}.png`, record: record(`p${i}`) });
    // 80 live records, 40 dead lines (20 records and their 20 tombstones).
    for (let i = 0; i < 20; i++) lines.push({ path: `img-${i}.png`, deleted: true });
    assert.equal(needsCompaction(parseIndex(text(...lines))), false);
  });

  it('is needed when dead lines outnumber live ones, and keeps exactly the live records', () => {
    const lines: IndexLine[] = [];
    for (let i = 0; i < 50; i++) lines.push({ path: `img-${i}.png`, record: record(`p${i}`) });
    for (let i = 0; i < 40; i++) lines.push({ path: `img-${i}.png`, deleted: true });
    lines.push({ path: 'img-45.png', record: record('newer') });
    lines.push({ path: 'renamed.png', from: 'img-46.png' });
    const state = parseIndex(text(...lines));
    assert.equal(needsCompaction(state), true);
    const compacted = parseIndex(compactIndex(state));
    assert.deepEqual([...compacted.records.entries()].sort(), [...state.records.entries()].sort());
    assert.equal(compacted.lines, state.records.size);
    assert.equal(compacted.records.get('img-45.png')?.prompt, 'newer');
    assert.equal(compacted.records.get('renamed.png')?.prompt, 'p46');
    assert.equal(needsCompaction(compacted), false);
  });

  it('is not needed for a small index, however many of its lines are dead', () => {
    assert.equal(needsCompaction(parseIndex(text({ path: 'a.png', record: record('a') }, { path: 'a.png', deleted: true }, { path: 'b.png', record: record('b') }, { path: 'b.png', deleted: true }))), false);
  });
});

describe('What a provenance record may hold', () => {
  it('drops upload links and absolute paths from the sources, keeping file names and workspace paths', () => {
    const clean = privateProvenance(
      record('edit', { sources: ['images/photo.png', 'https://files.evolink.ai/u/abc.png', '/home/someone/secret/face.png', 'C:\\Users\\someone\\cat.png', 'data:image/png;base64,AAAA', 'photo.png'] }),
    );
    assert.deepEqual(clean.sources, ['images/photo.png', 'face.png', 'cat.png', 'photo.png']);
  });

  it('drops parameter values that are links or absolute paths, however deep', () => {
    const clean = privateProvenance(record('p', { parameters: { size: '1:1', image_urls: ['https://x/y.png'], mask_url: 'https://x/m.png', nested: { file: '/tmp/x.png', keep: 'fine' }, n: 2 } }));
    assert.deepEqual(clean.parameters, { size: '1:1', image_urls: [], nested: { keep: 'fine' }, n: 2 });
  });

  it('keeps parameter values that only look a little like them', () => {
    const parameters = { size: '16:9', style: 'mode:vivid', ratio: '1:1', note: 'see ~ below', path: 'images/ok.png' };
    assert.deepEqual(privateProvenance(record('p', { parameters })).parameters, parameters);
  });

  it('strips them when an index line brings them in', () => {
    const line = parseIndexLine(JSON.stringify({ path: 'a.png', record: record('a', { sources: ['/Users/someone/a.png', 'https://files/x.png'], parameters: { callback_url: 'https://hooks/x' } }) }));
    assert.ok(line && 'record' in line);
    assert.deepEqual(line.record.sources, ['a.png']);
    assert.deepEqual(line.record.parameters, {});
    assert.doesNotMatch(indexLinesText([line]), /https?:|\/Users\//);
  });
});
