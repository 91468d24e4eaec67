import * as assert from 'node:assert/strict';
import { models } from '../../src/common/models';
import { maxThumbnailBytes, thumbnailKey } from '../../src/common/gallery';
import { maxMaskBytes } from '../../src/common/limits';
import { parseCompareMessage, parseWebviewMessage, type StudioReference, type StudioTask, type WebviewMessage } from '../../src/common/protocol';
import { parseProvenance } from '../../src/common/provenance';
import { renderStudioHtml } from '../../src/extension/studio/html';
import { translator } from '../../src/webview/shared/strings';
import { generateBlocked, maskUnused, referenceIssues, sizeIssue, sizeValue } from '../../src/webview/studio/checks';
import { receive } from '../../src/webview/studio/messages';
import { submit } from '../../src/webview/studio/submit';
import { customSize, StudioStore, type KeptState, type StudioHost } from '../../src/webview/studio/state';

const options = {
  cspSource: 'https://webview.example',
  nonce: 'bm9uY2Utb2YtdGhpcy1wYWdl',
  scriptUri: 'https://webview.example/dist/webview.js',
  styleUri: 'https://webview.example/media/studio.css',
  codiconsUri: 'https://webview.example/dist/codicons/codicon.css',
  title: 'Image Studio <"test">',
  language: 'de',
};

describe('The Studio page', () => {
  const html = renderStudioHtml(options);
  const csp = /<meta http-equiv="Content-Security-Policy" content="([^"]+)">/.exec(html)?.[1] ?? '';

  it('has a strict Content Security Policy', () => {
    assert.match(csp, /default-src 'none'/);
    assert.match(csp, /script-src 'nonce-bm9uY2Utb2YtdGhpcy1wYWdl'/);
    assert.match(csp, /style-src https:\/\/webview\.example(;|$)/);
    assert.match(csp, /img-src https:\/\/webview\.example blob:(;|$)/);
    assert.doesNotMatch(csp, /unsafe-inline|unsafe-eval|\*|http:/);
  });

  it('loads every script with the nonce, and has no inline script, style or handler', () => {
    const scripts = [...html.matchAll(/<script\b[^>]*>/g)].map((match) => match[0]);
    assert.ok(scripts.length >= 1);
    for (const script of scripts) {
      assert.match(script, /nonce="bm9uY2Utb2YtdGhpcy1wYWdl"/);
      assert.match(script, /src="/);
    }
    assert.doesNotMatch(html, /<script[^>]*>[^<]+<\/script>/);
    assert.doesNotMatch(html, /<style/);
    assert.doesNotMatch(html, /\son[a-z]+=/i);
    assert.doesNotMatch(html, /style="/);
  });

  it('escapes what it puts into attributes and text', () => {
    assert.ok(html.includes('<title>Image Studio &lt;&quot;test&quot;&gt;</title>'));
    assert.ok(html.includes('<html lang="de">'));
  });
});

describe('Messages from the Studio webview', () => {
  it('accepts the documented messages', () => {
    assert.deepEqual(parseWebviewMessage({ type: 'ready' }), { type: 'ready' });
    assert.deepEqual(parseWebviewMessage({ type: 'submit', request: { model: 'gpt-4o-image', prompt: 'a fox', n: 2 } }), {
      type: 'submit',
      request: { model: 'gpt-4o-image', prompt: 'a fox', n: 2 },
    });
    assert.deepEqual(parseWebviewMessage({ type: 'taskAction', localId: 'evl-abc-0123', action: 'stopWatching' }), { type: 'taskAction', localId: 'evl-abc-0123', action: 'stopWatching' });
    assert.deepEqual(parseWebviewMessage({ type: 'generateAsset', prompt: 'a fox' }), { type: 'generateAsset', prompt: 'a fox' });
  });

  it('drops malformed and unknown messages', () => {
    for (const raw of [
      undefined,
      null,
      'ready',
      42,
      {},
      { type: 'unknown' },
      { type: 'submit' },
      { type: 'submit', request: { model: 'gpt-4o-image' } },
      { type: 'submit', request: { model: 'gpt-4o-image', prompt: 'x', n: 1.5 } },
      { type: 'submit', request: { model: 5, prompt: 'x' } },
      { type: 'taskAction', localId: '../../etc/passwd', action: 'stopWatching' },
      { type: 'taskAction', localId: 'evl-abc-0123', action: 'payTwice' },
      { type: 'openImage' },
      { type: 'openImage', uri: 'x'.repeat(5000) },
      { type: 'submit', request: { model: 'gpt-4o-image', prompt: 'x'.repeat(20_001) } },
      { type: 'generateAsset' },
      { type: 'generateAsset', prompt: 'x'.repeat(20_001) },
    ]) {
      assert.equal(parseWebviewMessage(raw), undefined, JSON.stringify(raw)?.slice(0, 80));
    }
  });

  it('accepts references, a mask and where results go, within their limits', () => {
    const submit = {
      type: 'submit',
      request: { model: 'gpt-4o-image', prompt: 'a hat' },
      references: ['file:///home/someone/project/cat.png'],
      mask: Buffer.from('\x89PNG').toString('base64'),
      destination: 'beside',
    };
    assert.deepEqual(parseWebviewMessage(submit), submit);
    assert.deepEqual(parseWebviewMessage({ type: 'pasteReference', name: 'clip.png', data: 'iVBORw0KGgo=' }), { type: 'pasteReference', name: 'clip.png', data: 'iVBORw0KGgo=' });
    assert.deepEqual(parseWebviewMessage({ type: 'addReferences', uris: ['file:///a.png', 'file:///b.png'] }), { type: 'addReferences', uris: ['file:///a.png', 'file:///b.png'] });
    for (const type of ['pickReferences']) assert.deepEqual(parseWebviewMessage({ type }), { type });
    for (const type of ['removeReference', 'useAsReference', 'deleteImage']) assert.deepEqual(parseWebviewMessage({ type, uri: 'file:///a.png' }), { type, uri: 'file:///a.png' });
  });

  it('drops references, masks and pastes that break their limits or are not base64', () => {
    const request = { model: 'gpt-4o-image', prompt: 'a hat' };
    for (const raw of [
      { type: 'submit', request, references: Array.from({ length: 17 }, (_, i) => `file:///${i}.png`) },
      { type: 'submit', request, references: 'file:///a.png' },
      { type: 'submit', request, mask: 'not base64!' },
      { type: 'submit', request, mask: 'A'.repeat(Math.ceil(maxMaskBytes / 3) * 4 + 4) },
      { type: 'submit', request, destination: 'elsewhere' },
      { type: 'pasteReference', name: 'x.png', data: '<svg/>' },
      { type: 'pasteReference', name: 'x'.repeat(256), data: 'AAAA' },
      { type: 'addReferences', uris: Array.from({ length: 17 }, () => 'file:///a.png') },
      { type: 'removeReference' },
    ]) {
      assert.equal(parseWebviewMessage(raw), undefined, JSON.stringify(raw).slice(0, 80));
    }
  });

  it("accepts a history image's thumbnail, keyed as the cache keys it and no larger than a thumbnail", () => {
    const key = thumbnailKey({ uri: 'file:///w/a.png', size: 10, mtime: 1 });
    assert.deepEqual(parseWebviewMessage({ type: 'thumbnail', uri: 'file:///w/a.png', key, data: 'UklGRg==' }), { type: 'thumbnail', uri: 'file:///w/a.png', key, data: 'UklGRg==' });
    assert.deepEqual(parseWebviewMessage({ type: 'thumbnailFailed', uri: 'file:///w/a.png', key }), { type: 'thumbnailFailed', uri: 'file:///w/a.png', key });
    for (const raw of [
      { type: 'thumbnail', uri: 'file:///w/a.png', key: '../../escape', data: 'AAAA' },
      { type: 'thumbnail', uri: 'file:///w/a.png', key, data: 'A'.repeat(Math.ceil(maxThumbnailBytes / 3) * 4 + 4) },
      { type: 'thumbnail', uri: 'file:///w/a.png', key, data: 'not base64!' },
      { type: 'thumbnailFailed', uri: 'file:///w/a.png' },
    ]) {
      assert.equal(parseWebviewMessage(raw), undefined, JSON.stringify(raw).slice(0, 80));
    }
  });

  it('accepts the compare view decisions and drops anything else', () => {
    assert.deepEqual(parseCompareMessage({ type: 'replace', variant: 1 }), { type: 'replace', variant: 1 });
    assert.deepEqual(parseCompareMessage({ type: 'keepBoth' }), { type: 'keepBoth' });
    for (const raw of [{ type: 'replace' }, { type: 'replace', variant: -1 }, { type: 'replace', variant: 16 }, { type: 'replace', variant: 0.5 }, { type: 'submit' }, null]) {
      assert.equal(parseCompareMessage(raw), undefined, JSON.stringify(raw));
    }
  });

  it('keeps no field it does not know', () => {
    const parsed = parseWebviewMessage({ type: 'setApiKey', apiKey: 'sk-should-not-pass' });
    assert.deepEqual(parsed, { type: 'setApiKey' });
  });
});

describe('Provenance files', () => {
  const record = {
    version: 1,
    generator: 'evolink.evolink-image-studio/0.1.0',
    prompt: 'A paper boat',
    model: 'gpt-4o-image',
    parameters: { size: '1:1', n: 1 },
    taskId: 'task-unified-1-abc',
    resultIndex: 0,
    createdAt: '2026-11-21T07:00:00.000Z',
    sources: [],
    format: 'png',
    width: 1024,
    height: 1024,
  };

  it('reads what the writer writes', () => {
    assert.deepEqual(parseProvenance(JSON.stringify(record)), record);
  });

  it('refuses files that are not provenance, or of another version', () => {
    assert.equal(parseProvenance('{not json'), undefined);
    assert.equal(parseProvenance(JSON.stringify({ ...record, version: 2 })), undefined);
    assert.equal(parseProvenance(JSON.stringify({ ...record, prompt: 5 })), undefined);
    assert.equal(parseProvenance('{"name": "package.json"}'), undefined);
  });
});

describe('The Studio webview store', () => {
  /** A store over a host that only records what it is asked to keep and send. */
  function studio() {
    const kept: KeptState[] = [];
    const sent: WebviewMessage[] = [];
    const host: StudioHost = { post: (message) => sent.push(message), listen: () => undefined, kept: () => kept.at(-1), keep: (state) => kept.push(state) };
    const store = new StudioStore(host);
    store.update({ models, strings: { greeting: 'Hello {0}, {1} left', 'issue.sizePixels': '{size} is out of range' } });
    store.updateDraft({ model: 'gpt-4o-image' });
    return { store, kept, sent };
  }
  const reference = (format: string): StudioReference => ({ uri: `file:///w/a.${format}`, src: '', name: `a.${format}`, format, bytes: 1000, width: 512, height: 512, inWorkspace: true });

  it('keeps the draft valid for the chosen model: a size or count the model lacks falls back to its default', () => {
    const { store } = studio();
    store.updateDraft({ size: '3:2', n: 4 });
    assert.deepEqual([store.state.draft.size, store.state.draft.n], ['3:2', 4]);
    store.updateDraft({ model: 'gpt-image-1.5-lite' });
    assert.deepEqual([store.state.draft.size, store.state.draft.n, store.state.draft.quality], ['3:2', 1, 'auto']);
    store.updateDraft({ model: 'doubao-seedream-4.5' });
    assert.deepEqual([store.state.draft.size, store.state.draft.promptPriority], ['2048x2048', 'standard']);
    store.updateDraft({ size: customSize });
    store.updateDraft({ model: 'gpt-4o-image' });
    assert.equal(store.state.draft.size, '1:1', 'a custom size only for a model that takes pixel sizes');
  });

  it('keeps every change of the draft across a reload, and a new store starts from it', () => {
    const { store, kept } = studio();
    store.updateDraft({ prompt: 'A paper boat' });
    assert.equal(kept.at(-1)?.draft.prompt, 'A paper boat');
    const again = new StudioStore({ post: () => undefined, listen: () => undefined, kept: () => kept.at(-1), keep: () => undefined });
    again.update({ models });
    again.restoreKept('gpt-4o-image');
    assert.equal(again.state.draft.prompt, 'A paper boat');
  });

  it('keeps where results go and that a mask was painted across a reload; the lost mask stops the next Generate once', async () => {
    const { store, kept, sent } = studio();
    const first = reference('png');
    store.updateDraft({ prompt: 'A kite' });
    store.update({ references: [first], hasApiKey: true, destination: 'beside' });
    assert.equal(kept.at(-1)?.destination, 'beside');
    (store as unknown as { paintedUri: () => string | undefined }).paintedUri = () => first.uri;
    store.updateDraft({ prompt: 'A red kite' });
    assert.equal(kept.at(-1)?.maskOn, first.uri);
    // The window reloads: a new page over what was kept.
    const again = new StudioStore({ post: (message) => sent.push(message), listen: () => undefined, kept: () => kept.at(-1), keep: (state) => kept.push(state) });
    again.update({ models, strings: { maskLostReload: 'lost with the reload' } });
    again.restoreKept('gpt-4o-image');
    assert.equal(kept.at(-1)?.maskOn, first.uri, 'a second reload still knows the mask was lost');
    again.update({ references: [first], hasApiKey: true });
    assert.equal(again.state.destination, 'beside');
    assert.equal(again.lostMask(first), 'reload');
    (again as unknown as { painterOf: () => { isPainted: boolean } }).painterOf = () => ({ isPainted: false });
    await submit(again);
    assert.equal(again.state.problem, 'lost with the reload');
    assert.equal(sent.filter((message) => message.type === 'submit').length, 0, 'nothing sent');
    assert.equal(kept.at(-1)?.maskOn, undefined, 'told once');
  });

  it('offers Generate only for a prompt within the limit, a valid size, acceptable references and a key, once per submit', () => {
    const { store } = studio();
    assert.equal(generateBlocked(store), true, 'an empty prompt');
    store.updateDraft({ prompt: 'x'.repeat(2001) });
    assert.equal(generateBlocked(store), true, 'over the limit');
    store.updateDraft({ prompt: 'A kite' });
    assert.equal(generateBlocked(store), false);
    store.update({ references: [reference('gif')] });
    assert.deepEqual(referenceIssues(store).map((issue) => issue.code), ['referenceFormat']);
    assert.equal(generateBlocked(store), true, 'a reference the model does not take');
    store.update({ references: [reference('png')] });
    assert.equal(generateBlocked(store), false);
    store.updateDraft({ model: 'doubao-seedream-4.5', size: customSize, width: '1000', height: '1000' });
    assert.equal(sizeIssue(store)?.code, 'sizePixels');
    assert.equal(generateBlocked(store), true, 'a custom size out of range');
    store.updateDraft({ width: '3000', height: '2000' });
    assert.equal(sizeValue(store), '3000x2000');
    assert.equal(generateBlocked(store), false);
    store.update({ submitting: true });
    assert.equal(generateBlocked(store), true, 'while a submit is on its way');
    store.update({ submitting: false, hasApiKey: false });
    assert.equal(generateBlocked(store), true, 'without a key');
  });

  it('keeps Generate off while a painted mask would not be sent (another model, or more references): no whole-image edit unasked', () => {
    const { store } = studio();
    const withMask = models.find((candidate) => candidate.mask !== undefined)!;
    const without = models.find((candidate) => candidate.mask === undefined)!;
    store.updateDraft({ model: withMask.id, prompt: 'A kite' });
    store.update({ references: [reference('png')], hasApiKey: true });
    let painted: string | undefined = reference('png').uri;
    (store as unknown as { paintedUri: () => string | undefined }).paintedUri = () => painted;
    assert.equal(generateBlocked(store), false, 'the mask is sent');
    store.updateDraft({ model: without.id });
    assert.equal(maskUnused(store), true);
    assert.equal(generateBlocked(store), true, 'a model that takes no mask');
    store.updateDraft({ model: withMask.id });
    store.update({ references: [reference('png'), reference('jpeg')] });
    assert.equal(generateBlocked(store), true, 'two references');
    painted = undefined;
    assert.equal(generateBlocked(store), false, 'the mask cleared');
    painted = 'file:///w/removed.png';
    assert.equal(maskUnused(store), false, 'a mask of a reference that was removed is no request of this one');
  });

  it('sends one request for a double click while the painted mask is being made', async () => {
    const { store, sent } = studio();
    const model = models.find((candidate) => candidate.mask !== undefined)!;
    store.updateDraft({ model: model.id, prompt: 'A kite' });
    store.update({ references: [reference('png')], hasApiKey: true });
    let finish: (bytes: Uint8Array) => void = () => undefined;
    const painter = { isPainted: true, export: () => new Promise<Uint8Array>((resolve) => (finish = resolve)) };
    (store as unknown as { existingPainter: () => unknown }).existingPainter = () => painter;
    const first = submit(store);
    assert.equal(generateBlocked(store), true, 'Generate is off from the first click');
    const second = submit(store);
    finish(new Uint8Array([1, 2, 3]));
    await Promise.all([first, second]);
    assert.equal(sent.filter((message) => message.type === 'submit').length, 1);
  });

  it('applies the host messages that need no page: results go to the output folder without a workspace reference, and a problem ends the submit', () => {
    const { store } = studio();
    store.update({ destination: 'beside', submitting: true });
    receive(store, { type: 'references', items: [{ ...reference('png'), inWorkspace: false }] });
    assert.equal(store.state.destination, 'output');
    receive(store, { type: 'problem', message: 'No folder' });
    assert.deepEqual([store.state.submitting, store.state.problem], [false, 'No folder']);
    receive(store, { type: 'submitted', localId: 'evl-1' });
    assert.equal(store.state.problem, '', 'a new submit clears the old complaint');
  });

  it("shows a history image's thumbnail once the host cached it, and only for the version it was made of", () => {
    const { store } = studio();
    const item = (uri: string, key: string) => ({ uri, src: `https://file+.vscode-resource/${uri}`, name: 'a.png', prompt: 'a fox', model: 'gpt-4o-image', size: '1:1', n: 1, quality: undefined, promptPriority: undefined, createdAt: '2026-12-01T00:00:00Z', key, thumb: undefined });
    receive(store, { type: 'history', items: [item('file:///w/a.png', 'k1'), item('file:///w/b.png', 'k2')] });
    receive(store, { type: 'thumbnail', uri: 'file:///w/a.png', key: 'old', thumb: 'https://thumbs/old.webp' });
    assert.deepEqual(store.state.history.map((entry) => entry.thumb), [undefined, undefined], 'a thumbnail of an older version is not shown');
    receive(store, { type: 'thumbnail', uri: 'file:///w/a.png', key: 'k1', thumb: 'https://thumbs/k1.webp' });
    assert.deepEqual(store.state.history.map((entry) => entry.thumb), ['https://thumbs/k1.webp', undefined]);
  });

  it('tells a screen reader when a task ends, by its prompt and what became of it, and only then', () => {
    const { store } = studio();
    store.update({ strings: { taskEnded: 'Task “{0}” ended: {1}.', taskEndedWithError: 'Task “{0}” ended: {1}. {2}', tasksEnded: '{0} tasks ended.' } });
    const task = (localId: string, prompt: string, active: boolean, status: string, error?: string, toldHere = true): StudioTask => ({ localId, prompt, model: 'gpt-4o-image', size: '1:1', n: 1, state: active ? 'polling' : 'saved', active, status, progress: undefined, creditsReserved: undefined, creditsUsed: undefined, error, actions: [], createdAt: 1, images: [], toldHere });
    const long = 'a fox '.repeat(20);
    receive(store, { type: 'tasks', tasks: [task('a', long, true, 'Generating'), task('b', 'a hat', true, 'Generating'), task('c', 'old', false, 'Saved')] });
    assert.deepEqual(store.state.announcement, { text: '', count: 0 }, 'tasks shown as they are (a reload) are not announced');
    receive(store, { type: 'tasks', tasks: [task('a', long, false, 'Saved 1 image'), task('b', 'a hat', true, 'Generating 40 %'), task('c', 'old', false, 'Saved')] });
    assert.deepEqual(store.state.announcement, { text: `Task “${[...long].slice(0, 59).join('')}…” ended: Saved 1 image.`, count: 1 }, 'the prompt is shortened as messages quote it');
    receive(store, { type: 'tasks', tasks: [task('a', long, false, 'Saved 1 image'), task('b', 'a hat', true, 'Generating 60 %'), task('c', 'old', false, 'Saved')] });
    assert.equal(store.state.announcement.count, 1, 'progress alone says nothing new');
    receive(store, { type: 'tasks', tasks: [task('b', 'a hat', false, 'Failed', 'The prompt was refused.')] });
    assert.deepEqual(store.state.announcement, { text: 'Task “a hat” ended: Failed. The prompt was refused.', count: 2 });
    // Retried, and failed alike: the same words, said again.
    receive(store, { type: 'tasks', tasks: [task('d', 'a hat', true, 'Generating')] });
    receive(store, { type: 'tasks', tasks: [task('d', 'a hat', false, 'Failed', 'The prompt was refused.')] });
    assert.deepEqual(store.state.announcement, { text: 'Task “a hat” ended: Failed. The prompt was refused.', count: 3 });
    const many = ['e', 'f', 'g', 'h'];
    receive(store, { type: 'tasks', tasks: many.map((id) => task(id, id, true, 'Generating')) });
    receive(store, { type: 'tasks', tasks: many.map((id) => task(id, id, false, 'Saved')) });
    assert.equal(store.state.announcement.text, '4 tasks ended.', 'a batch ending at once is counted, not read out task by task');
    // Started from the palette: its message tells its end, the Studio does not say it again.
    receive(store, { type: 'tasks', tasks: [task('p', 'a logo', true, 'Generating', undefined, false)] });
    receive(store, { type: 'tasks', tasks: [task('p', 'a logo', false, 'Saved', undefined, false)] });
    assert.equal(store.state.announcement.text, '4 tasks ended.', 'a task the Studio does not follow is not announced there');
  });

  it("keeps today's spend and the daily limit the host tells, and leaves a shown problem", () => {
    const { store } = studio();
    store.update({ problem: 'Too long' });
    receive(store, { type: 'spend', today: 7.5, limit: 10 });
    assert.deepEqual(store.state.spend, { today: 7.5, limit: 10 });
    assert.equal(store.state.problem, 'Too long');
  });

  it('looks text up by key and fills its placeholders; a missing key shows as itself', () => {
    const { store } = studio();
    assert.equal(store.t('greeting', 'Ada', 3), 'Hello Ada, 3 left');
    assert.equal(store.t('nothing here'), 'nothing here');
    assert.equal(translator({ a: '{0} and {1}' })('a', 'x'), 'x and {1}');
  });
});
