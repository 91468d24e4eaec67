import * as assert from 'node:assert/strict';
import { maxMaskBytes, parseCompareMessage, parseWebviewMessage } from '../../src/common/protocol';
import { parseProvenance } from '../../src/common/provenance';
import { renderStudioHtml } from '../../src/extension/studio/html';

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
