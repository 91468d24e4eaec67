import * as assert from 'node:assert/strict';
import { errorFromHttpResponse, errorStatusInBody, findRequestId, isWebPage, maxRawErrorLength, parseRetryAfter, refusalInEnvelope } from '../../src/common/errors';
import { defaultGetRetryPolicy, maxRetryWaitMs, retryDelay } from '../../src/common/retry';

const noHeaders = (): undefined => undefined;
const headers = (values: Record<string, string>) => (name: string) => values[name];

describe('HTTP error mapping', () => {
  const cases: [number, string][] = [
    [400, 'invalidRequest'],
    [401, 'auth'],
    [402, 'credits'],
    [403, 'permission'],
    [404, 'notFound'],
    [413, 'invalidRequest'],
    [429, 'rateLimited'],
    [500, 'server'],
    [502, 'server'],
    [503, 'server'],
  ];
  for (const [status, reason] of cases) {
    it(`maps HTTP ${status} to the reason ${reason}`, () => {
      assert.equal(errorFromHttpResponse(status, '', noHeaders).reason, reason);
    });
  }

  it('reads the documented body with a numeric code and a param', () => {
    const body = JSON.stringify({ error: { code: 400, message: 'n must be one of 1, 2, 4', type: 'invalid_request_error', param: 'n' } });
    const error = errorFromHttpResponse(400, body, noHeaders);
    assert.equal(error.message, 'n must be one of 1, 2, 4');
    assert.equal(error.details.code, '400');
    assert.equal(error.details.param, 'n');
  });

  it("reads the files API's envelope: its msg and code", () => {
    const error = errorFromHttpResponse(413, JSON.stringify({ success: false, code: 413, msg: 'File is larger than 100MB', data: null }), noHeaders);
    assert.deepEqual([error.reason, error.message, error.details.code], ['invalidRequest', 'File is larger than 100MB', '413']);
  });

  it('reads a string code and the fallback suggestion', () => {
    const body = JSON.stringify({ error: { code: 'model_busy', message: 'busy', type: 'x', fallback_suggestion: 'use gpt-image-1.5-lite' } });
    const error = errorFromHttpResponse(503, body, noHeaders);
    assert.equal(error.details.code, 'model_busy');
    assert.equal(error.details.suggestion, 'use gpt-image-1.5-lite');
  });

  it("tells the account's balance from the key's own limit on a 402", () => {
    const account = errorFromHttpResponse(402, JSON.stringify({ error: { code: 'insufficient_user_quota', message: 'low' } }), noHeaders);
    const key = errorFromHttpResponse(402, JSON.stringify({ error: { code: 'insufficient_token_quota', message: 'low' } }), noHeaders);
    const daily = errorFromHttpResponse(402, JSON.stringify({ error: { code: 'token_daily_quota_exceeded', message: 'low' } }), noHeaders);
    assert.equal(account.details.creditsScope, 'account');
    assert.equal(key.details.creditsScope, 'key');
    assert.equal(daily.details.creditsScope, 'key');
    // The service's list of key codes is open: one it does not list, of a key or a token, is the key's.
    const scope = (code: string) => errorFromHttpResponse(402, JSON.stringify({ error: { code, message: 'low' } }), noHeaders).details.creditsScope;
    assert.deepEqual(['token_weekly_quota_exceeded', 'api_key_limit_reached', 'user_token_quota', 'quota_exceeded'].map(scope), ['key', 'key', 'account', 'account']);
  });

  it('reads a body whose code, type and param are null (a gateway in the OpenAI style) as the error it is', () => {
    const body = JSON.stringify({ error: { code: null, message: 'size must be one of 1:1, 2:3 (request id: 2026120612345)', type: null, param: null, fallback_suggestion: null } });
    const error = errorFromHttpResponse(400, body, noHeaders);
    assert.deepEqual([error.reason, error.message, error.details.requestId, error.details.code, error.details.param], ['invalidRequest', 'size must be one of 1:1, 2:3', '2026120612345', undefined, undefined]);
    // The same body with HTTP 200 is an error still, of a kind it does not say.
    assert.equal(errorStatusInBody(JSON.parse(body)), 500);
  });

  it('tells whose credits ran out from the message where the code is a number', () => {
    const scope = (message: string) => errorFromHttpResponse(402, JSON.stringify({ error: { code: 402, message, type: 'insufficient_quota_error' } }), noHeaders).details.creditsScope;
    assert.deepEqual(['token quota is not enough', '该令牌额度已用尽', 'user quota is not enough', '用户额度不足', 'Insufficient balance'].map(scope), ['key', 'key', 'account', 'account', 'account']);
  });

  it('reads error bodies in other shapes than the documented one by their message', () => {
    const cases: [string, string, string | undefined][] = [
      ['{"error":"Invalid API key"}', 'Invalid API key', undefined],
      ['{"code":400,"message":"bad size"}', 'bad size', '400'],
      ['{"msg":"too many"}', 'too many', undefined],
      ['{"detail":"Not authenticated"}', 'Not authenticated', undefined],
      ['{"detail":[{"loc":["body","size"],"msg":"bad size"},{"msg":"bad n"}]}', 'bad size; bad n', undefined],
    ];
    for (const [body, message, code] of cases) {
      const error = errorFromHttpResponse(401, body, noHeaders);
      assert.deepEqual([error.message, error.details.code], [message, code], body);
    }
  });

  it("reads a one-api envelope's message where it has no msg", () => {
    assert.equal(errorFromHttpResponse(403, JSON.stringify({ success: false, message: '该令牌额度已用尽' }), noHeaders).message, '该令牌额度已用尽');
  });

  it('finds a request id in full-width brackets or followed by a full stop', () => {
    assert.equal(findRequestId(noHeaders, 'busy (request id: abc123).'), 'abc123');
    assert.equal(findRequestId(noHeaders, '余额不足（request id：20261206abc）'), '20261206abc');
    assert.equal(errorFromHttpResponse(402, JSON.stringify({ error: { message: '余额不足（request id：20261206abc）' } }), noHeaders).message, '余额不足');
  });

  it('reads an error object under HTTP 200 by its code where it has no type, and beside data that is null', () => {
    const status = (error: Record<string, unknown>, extra: Record<string, unknown> = {}) => errorStatusInBody({ ...extra, error });
    assert.equal(status({ code: 'insufficient_user_quota', message: 'low' }), 402);
    assert.equal(status({ code: 'token_daily_quota_exceeded' }), 402);
    assert.equal(status({ code: 'content_policy_violation' }), 400);
    assert.equal(status({ code: 'invalid_api_key' }), 401);
    assert.equal(status({ code: 'key_model_not_allowed' }), 403);
    assert.equal(status({ code: 'model_not_found' }), 404);
    assert.equal(status({ code: 'rate_limit_exceeded' }), 429);
    assert.equal(status({ code: 'quota_exceeded' }), 429);
    assert.equal(status({ code: '402' }), 402);
    assert.equal(status({ code: 'service_busy' }), 500, 'a code that says nothing known may have made a task');
    // A gateway's own words for a failure upstream may stand for a task that was made: never a refusal.
    assert.equal(status({ code: 'invalid_upstream_response' }), 500);
    assert.equal(status({ code: 'balance_query_failed' }), 500);
    assert.equal(status({ code: 'upstream_error' }), 502, 'a documented type given as the code');
    assert.equal(status({ code: 'insufficient_user_quota', type: 'insufficient_quota_error' }, { data: null }), 402);
    assert.equal(status({ code: 'x' }, { data: { id: 't' } }), undefined, 'an answer with data is no error');
  });

  it('reads a refusal in the envelope of a balance answer', () => {
    const key = refusalInEnvelope({ success: false, message: '无效的令牌', data: null });
    assert.deepEqual([key?.reason, key?.message], ['auth', '无效的令牌']);
    assert.equal(refusalInEnvelope({ success: false, msg: 'maintenance' })?.reason, 'server');
    assert.equal(refusalInEnvelope({ success: true, data: null }), undefined);
    assert.equal(refusalInEnvelope({ success: false, data: { user: {} } }), undefined);
  });

  it('keeps the first 2000 characters of a plain-text body', () => {
    const error = errorFromHttpResponse(502, 'x'.repeat(5000), noHeaders);
    assert.equal(error.reason, 'server');
    assert.equal(error.message.length, maxRawErrorLength);
  });

  it("tells a gateway's web page by its title, never its markup", () => {
    const page = '<!DOCTYPE html>\n<!--[if lt IE 7]> <html class="no-js"> <![endif]--><head><title>example.com | 502: Bad gateway</title><style>body{}</style></head><body>' + 'x'.repeat(5000) + '</body></html>';
    const error = errorFromHttpResponse(502, page, noHeaders);
    assert.equal(error.reason, 'server');
    assert.equal(error.message, 'example.com | 502: Bad gateway');
    assert.equal(errorFromHttpResponse(503, '<html><body><p>down</p></body></html>', noHeaders).message, 'HTTP 503');
    assert.equal(errorFromHttpResponse(502, '<html><body><h1>Bad &amp; Gateway</h1></body></html>', noHeaders).message, 'Bad & Gateway');
  });

  it("marks a web page refusing the key or the request (a proxy's, a firewall's) as a page, not EvoLink's word on the key", () => {
    for (const status of [401, 403, 407]) {
      const error = errorFromHttpResponse(status, '<html><head><title>Blocked by policy</title></head><body>Zscaler</body></html>', noHeaders);
      assert.equal(error.details.code, 'webPage', String(status));
      assert.equal(error.message, 'Blocked by policy');
    }
    assert.equal(errorFromHttpResponse(403, '{"error":{"code":403,"message":"forbidden","type":"permission_error"}}', noHeaders).details.code, '403');
  });

  it('tells a page that opens with a stray tag or a line of text by its title, and never keeps its markup', () => {
    const portal = '<meta http-equiv="refresh" content="0; url=https://portal.example/login"><script>location.href="https://portal.example/login"</script>' + 'x'.repeat(3000);
    assert.equal(errorFromHttpResponse(502, portal, noHeaders).message, 'HTTP 502');
    assert.equal(errorFromHttpResponse(502, 'Error\n<html><head><title>Gateway down</title></head></html>', noHeaders).message, 'Gateway down');
    // Plain text and JSON stay what they are.
    assert.equal(errorFromHttpResponse(502, 'upstream connect error', noHeaders).message, 'upstream connect error');
    assert.equal(isWebPage('{"error":{"message":"<b>x</b>"}}'), false);
  });

  it('takes a 511 for a network that wants a sign-in first, whatever its body', () => {
    for (const body of ['', '<html><head><title>Sign in to Hotel Wi-Fi</title></head></html>', 'Network Authentication Required']) {
      const error = errorFromHttpResponse(511, body, noHeaders);
      assert.equal(error.details.code, 'webPage', body);
    }
  });

  it('takes the request id out of the message, to show it once', () => {
    const body = JSON.stringify({ error: { code: 401, message: 'Invalid API key (request id: req-42)', type: 'authentication_error' } });
    const error = errorFromHttpResponse(401, body, noHeaders);
    assert.equal(error.message, 'Invalid API key');
    assert.equal(error.details.requestId, 'req-42');
  });

  it('describes an empty body by its status', () => {
    assert.equal(errorFromHttpResponse(503, '', noHeaders).message, 'HTTP 503');
  });

  it('finds request ids in either header or at the end of the message', () => {
    assert.equal(findRequestId(headers({ 'x-request-id': 'a1' }), 'x'), 'a1');
    assert.equal(findRequestId(headers({ 'x-oneapi-request-id': 'b2' }), 'x'), 'b2');
    assert.equal(findRequestId(noHeaders, 'Invalid token (request id: 2025abc-def)'), '2025abc-def');
    assert.equal(findRequestId(noHeaders, 'no id here'), undefined);
  });

  it('reads Retry-After as seconds or as an HTTP date', () => {
    const now = Date.parse('2026-11-21T10:00:00Z');
    assert.equal(parseRetryAfter('7', now), 7000);
    assert.equal(parseRetryAfter('Sat, 21 Nov 2026 10:00:12 GMT', now), 12_000);
    assert.equal(parseRetryAfter('Sat, 21 Nov 2026 09:00:00 GMT', now), 0);
    assert.equal(parseRetryAfter('soon', now), undefined);
    assert.equal(parseRetryAfter(undefined, now), undefined);
    // Sent twice, fetch joins the header: the first value counts; a date keeps its own comma.
    assert.equal(parseRetryAfter('20, 20', now), 20_000);
    assert.equal(parseRetryAfter('Sat, 21 Nov 2026 10:00:12 GMT, Sat, 21 Nov 2026 10:00:12 GMT', now), 12_000);
    // The two older date forms RFC 9110 has recipients read, asctime's in GMT.
    assert.equal(parseRetryAfter('Saturday, 21-Nov-26 10:00:30 GMT', now), 30_000);
    assert.equal(parseRetryAfter('Sat Nov 21 10:00:20 2026', now), 20_000);
    // Not a delay and not an HTTP date (Date.parse would read both as some date).
    assert.equal(parseRetryAfter('-1', now), undefined);
    assert.equal(parseRetryAfter('5 5', now), undefined);
  });
});

describe('Retry policy for safe requests', () => {
  it('retries rate limits and gateway errors with doubling backoff', () => {
    const error = errorFromHttpResponse(502, '', noHeaders);
    assert.equal(retryDelay(error, 1, defaultGetRetryPolicy), 1000);
    assert.equal(retryDelay(error, 2, defaultGetRetryPolicy), 2000);
    assert.equal(retryDelay(error, 3, defaultGetRetryPolicy), 4000);
    assert.equal(retryDelay(error, 4, defaultGetRetryPolicy), undefined);
    // A CDN in front of the service (Cloudflare's 520–524: the origin did not answer, or not in time).
    for (const status of [520, 521, 522, 523, 524]) assert.equal(retryDelay(errorFromHttpResponse(status, '<html><title>524: A timeout occurred</title></html>', noHeaders), 1, defaultGetRetryPolicy), 1000, String(status));
  });

  it('honours Retry-After but never waits more than 30 s', () => {
    const short = errorFromHttpResponse(429, '', headers({ 'retry-after': '3' }));
    const long = errorFromHttpResponse(429, '', headers({ 'retry-after': '600' }));
    assert.equal(retryDelay(short, 1, defaultGetRetryPolicy), 3000);
    assert.equal(retryDelay(long, 1, defaultGetRetryPolicy), maxRetryWaitMs);
  });

  it('does not retry what a retry cannot fix', () => {
    for (const status of [400, 401, 402, 403, 404, 413]) {
      assert.equal(retryDelay(errorFromHttpResponse(status, '', noHeaders), 1, defaultGetRetryPolicy), undefined, String(status));
    }
  });
});
