import * as assert from 'node:assert/strict';
import { EvoLinkError } from '../../src/common/errors';
import { describeError, describeMessage } from '../../src/extension/commands/errorPresenter';

/* What the user reads of a TLS handshake that failed and of an API address that redirects. */

const openSsl = '805C8A7D247F0000:error:0A00010B:SSL routines:ssl3_get_record:wrong version number:../deps/openssl/openssl/ssl/record/ssl3_record.c:350:';

describe('What a secure connection that failed and a redirected API say', () => {
  it('tells a handshake with a server that speaks plain http in words, never in OpenSSL text', () => {
    for (const code of ['ERR_SSL_WRONG_VERSION_NUMBER', 'EPROTO']) {
      const message = describeMessage(new EvoLinkError('network', `${code}: ${openSsl}`, { code, notSent: true }));
      assert.match(message, /secure connection could not be set up.*https.*proxy address/);
      assert.match(message, new RegExp(`${code}\\)`));
      assert.match(message, /Nothing was sent/);
      assert.doesNotMatch(message, /SSL routines|0A00010B|ssl3_record/);
    }
    const later = describeMessage(new EvoLinkError('network', `ERR_SSL_DECRYPTION_FAILED_OR_BAD_RECORD_MAC: ${openSsl}`, { code: 'ERR_SSL_DECRYPTION_FAILED_OR_BAD_RECORD_MAC' }));
    assert.match(later, /secure connection broke off/);
    assert.doesNotMatch(later, /SSL routines/);
  });

  it('tells a redirect to the API itself with where it led and the setting to check', () => {
    const error = new EvoLinkError('invalidResponse', 'HTTP 301', { status: 301, code: 'apiRedirect', location: 'https://api.evolink.ai/v2/credits', notSent: true });
    const described = describeError(error, { setApiKey: () => undefined, showLog: () => undefined });
    assert.match(described.message, /redirect to https:\/\/api\.evolink\.ai\/v2\/credits.*evolink\.apiBaseUrl/);
    assert.deepEqual(
      described.actions.map((action) => action.title),
      ['Open Settings', 'Open Output'],
    );
  });
});
