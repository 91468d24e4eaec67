import * as assert from 'node:assert/strict';
import { checkBaseUrl, isLoopbackHost } from '../../src/common/endpoints';

describe('Base URL rules', () => {
  it('accepts https anywhere and strips the trailing slash', () => {
    assert.deepEqual(checkBaseUrl('https://api.evolink.ai/'), { ok: true, url: 'https://api.evolink.ai' });
    assert.deepEqual(checkBaseUrl(' https://gateway.example.com/evolink '), { ok: true, url: 'https://gateway.example.com/evolink' });
  });

  it('accepts plain http only on loopback addresses', () => {
    for (const url of ['http://127.0.0.1:4810', 'http://localhost:80', 'http://[::1]:9', 'http://127.5.6.7']) {
      assert.equal(checkBaseUrl(url).ok, true, url);
    }
    assert.deepEqual(checkBaseUrl('http://api.evolink.ai'), { ok: false, problem: 'insecure' });
    assert.deepEqual(checkBaseUrl('http://192.168.1.10:8080'), { ok: false, problem: 'insecure' });
    assert.deepEqual(checkBaseUrl('http://127.0.0.1.example.com'), { ok: false, problem: 'insecure' });
  });

  it('refuses other schemes, garbage, credentials and queries', () => {
    assert.deepEqual(checkBaseUrl('ftp://api.evolink.ai'), { ok: false, problem: 'malformed' });
    assert.deepEqual(checkBaseUrl('api.evolink.ai'), { ok: false, problem: 'malformed' });
    assert.deepEqual(checkBaseUrl('https://user:pw@api.evolink.ai'), { ok: false, problem: 'hasCredentials' });
    assert.deepEqual(checkBaseUrl('https://api.evolink.ai/?key=1'), { ok: false, problem: 'hasQueryOrFragment' });
  });

  it('knows loopback hosts', () => {
    assert.equal(isLoopbackHost('127.0.0.1'), true);
    assert.equal(isLoopbackHost('127.255.255.255'), true);
    assert.equal(isLoopbackHost('128.0.0.1'), false);
    assert.equal(isLoopbackHost('127.0.0.256'), false);
    assert.equal(isLoopbackHost('app.localhost'), true);
  });
});
