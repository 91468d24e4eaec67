import { apiErrorBodySchema, uploadResponseSchema } from './wire';
import { EvoLinkError, type ErrorReason, type EvoLinkErrorDetails } from './evolinkError';

export * from './evolinkError';

/** The longest piece of a non-JSON error body that is kept as the message. */
export const maxRawErrorLength = 2000;

const keyQuotaCodes = new Set([
  'insufficient_token_quota',
  'key_quota_exhausted',
  'token_quota_exhausted',
  'token_daily_quota_exceeded',
  'token_monthly_quota_exceeded',
]);

/**
 * Whose credits a 402 says are too few: this key's own limit or the account's balance. The
 * service's list of key codes is open ("..."): a code it does not list that speaks of a key or a
 * token, and not of the user or the account, is the key's too. A code that names nothing (a
 * number, or none) leaves it to the message, in the words one-api gateways use.
 */
function creditsScopeOf(code: string | undefined, message: string): 'key' | 'account' {
  if (code !== undefined && keyQuotaCodes.has(code)) return 'key';
  const words = code !== undefined && /[a-z]/i.test(code) ? code : message;
  return /token|key|令牌|密钥/i.test(words) && !/user|account|用户|账户/i.test(words) ? 'key' : 'account';
}

// At the end of the message, in ASCII or full-width brackets, with a full stop after it or not.
const requestIdInMessage = /[(（]\s*request id\s*[:：]\s*([^)）\s]+)\s*[)）][\s.。]*$/i;

/** Finds a request id in the headers (`x-request-id`, `x-oneapi-request-id`) or at the end of a message. */
export function findRequestId(
  header: (name: string) => string | undefined,
  message: string | undefined,
): string | undefined {
  const fromHeader = header('x-request-id') ?? header('x-oneapi-request-id');
  if (fromHeader) {
    return fromHeader;
  }
  return message ? requestIdInMessage.exec(message)?.[1] : undefined;
}

function reasonForStatus(status: number): ErrorReason {
  switch (status) {
    case 400:
    case 413:
    case 422:
      return 'invalidRequest';
    case 401:
      return 'auth';
    case 402:
      return 'credits';
    case 403:
      return 'permission';
    case 404:
      return 'notFound';
    case 408:
      return 'timeout';
    case 429:
      return 'rateLimited';
    default:
      return status >= 500 ? 'server' : 'invalidResponse';
  }
}

/**
 * Whether an answer's text is a web page (a gateway's, a proxy's or a sign-in page), not an API's
 * answer: it opens with markup, or holds a page's own tags anywhere (a portal's page may open
 * with a line of text or a stray tag of its own).
 */
export function isWebPage(text: string): boolean {
  return /^\s*<[!?a-z]/i.test(text) || /<(html|head|body|meta|script|title)\b/i.test(text);
}

/** What a web page says of itself in a message: its title (a gateway's "502 Bad Gateway"), never its markup. */
function pageTitle(text: string): string | undefined {
  const title = /<title[^>]*>([\s\S]*?)<\/title>/i.exec(text)?.[1] ?? /<h1[^>]*>([\s\S]*?)<\/h1>/i.exec(text)?.[1];
  const plain = title
    ?.replace(/<[^>]*>/g, ' ')
    .replace(/&(amp|lt|gt|quot|#39|nbsp);/g, (_, entity: string) => ({ amp: '&', lt: '<', gt: '>', quot: '"', '#39': "'", nbsp: ' ' })[entity] ?? ' ')
    .replace(/\s+/g, ' ')
    .trim();
  return plain ? plain.slice(0, 120) : undefined;
}

/**
 * What an error body in another shape than the documented one says: `{"error": "..."}`, or a
 * message (`message`, `msg`, `detail`, FastAPI's list of details) and a code at the top level.
 */
function looseError(json: unknown): { message?: string; code?: string } {
  if (typeof json !== 'object' || json === null || Array.isArray(json)) return {};
  const body = json as Record<string, unknown>;
  const text = (value: unknown): string | undefined => (typeof value === 'string' && value.trim() ? value.trim() : undefined);
  const detail = Array.isArray(body.detail) ? body.detail.map((item: unknown) => text((item as { msg?: unknown } | null)?.msg)).filter((item) => item !== undefined).join('; ') : body.detail;
  const message = text(body.error) ?? text(body.message) ?? text(body.msg) ?? text(detail);
  const code = typeof body.code === 'number' || text(body.code) !== undefined ? String(body.code).trim() : undefined;
  return { ...(message === undefined ? {} : { message }), ...(code === undefined ? {} : { code }) };
}

/**
 * Turns a non-2xx answer into an {@link EvoLinkError}. The body may be the documented JSON
 * error, an empty string, or HTML from a proxy: unknown shapes keep their first
 * {@link maxRawErrorLength} characters as the message.
 */
export function errorFromHttpResponse(
  status: number,
  bodyText: string,
  header: (name: string) => string | undefined,
  now: number = Date.now(),
): EvoLinkError {
  let message = bodyText.trim().slice(0, maxRawErrorLength);
  let code: string | undefined;
  let param: string | undefined;
  let suggestion: string | undefined;
  try {
    const json: unknown = JSON.parse(withoutBom(bodyText));
    const parsed = apiErrorBodySchema.safeParse(json);
    // The files API answers in its own envelope: {"success": false, "code": ..., "msg": ...}.
    const envelope = parsed.success ? undefined : uploadResponseSchema.safeParse(json);
    if (parsed.success) {
      const error = parsed.data.error;
      message = error.message ?? message;
      code = error.code === undefined ? undefined : String(error.code);
      param = error.param ?? undefined;
      suggestion = error.fallback_suggestion ?? undefined;
    } else if (envelope?.success && !envelope.data.success) {
      message = envelope.data.msg ?? looseError(json).message ?? message;
      code = envelope.data.code == null ? undefined : String(envelope.data.code);
    } else {
      const loose = looseError(json);
      message = loose.message ?? message;
      code = loose.code;
    }
  } catch {
    // Not JSON: a proxy page or an empty body. The raw text is the message, but a page's markup
    // is none: its title is. A page refusing the key or the request (401, 403, 407) is a proxy's
    // or a firewall's, not EvoLink's, which answers JSON: it is told as a web page in the way.
    if (isWebPage(bodyText)) {
      message = pageTitle(bodyText) ?? '';
      if (status === 401 || status === 403 || status === 407) code = 'webPage';
    }
  }
  // 511 is the status a network that wants a sign-in first answers with (RFC 6585), whatever its body.
  if (status === 511) code = 'webPage';
  if (!message) {
    message = `HTTP ${status}`;
  }
  const reason = reasonForStatus(status);
  const details: EvoLinkErrorDetails = { status };
  // An API never redirects; a network that wants a sign-in first does (the client tells a redirect
  // to the API itself apart, by its Location). Such an answer (but a 303, which may follow a
  // request carried out) says the request was not carried out there.
  if (code === undefined && status >= 300 && status < 400) code = 'webPage';
  if (status >= 300 && status < 400 && status !== 303) details.notSent = true;
  if (code !== undefined) details.code = code;
  if (param !== undefined) details.param = param;
  if (suggestion !== undefined) details.suggestion = suggestion;
  const requestId = findRequestId(header, message);
  if (requestId !== undefined) details.requestId = requestId;
  // The id is shown on its own; inside the sentence it would only repeat.
  message = message.replace(requestIdInMessage, '').trim() || message;
  if (reason === 'credits') {
    details.creditsScope = creditsScopeOf(code, message);
  }
  const retryAfter = parseRetryAfter(header('retry-after'), now);
  if (retryAfter !== undefined) details.retryAfterMs = retryAfter;
  return new EvoLinkError(reason, message, details);
}

/**
 * Reads a `Retry-After` header: delta seconds or an HTTP date. Returns milliseconds from `now`,
 * never negative, or `undefined` when the header is absent or unreadable.
 */
export function parseRetryAfter(value: string | undefined, now: number): number | undefined {
  if (value === undefined) return undefined;
  // The header sent twice reaches fetch joined ("20, 20"); a date may hold a comma of its own.
  const parts = value.split(',');
  for (const candidate of [value, parts[0] ?? '', parts.slice(0, 2).join(',')].map((part) => part.trim())) {
    if (/^\d+(\.\d+)?$/.test(candidate)) return Math.round(Number(candidate) * 1000);
    const date = httpDateMs(candidate);
    if (date !== undefined) return Math.max(0, date - now);
  }
  return undefined;
}

/** An HTTP date in any of the three forms RFC 9110 has recipients read, in ms since the epoch. */
function httpDateMs(text: string): number | undefined {
  const imf = /^[A-Za-z]{3}, \d{2} [A-Za-z]{3} \d{4} \d{2}:\d{2}:\d{2} GMT$/;
  const rfc850 = /^[A-Za-z]+day, \d{2}-[A-Za-z]{3}-\d{2} \d{2}:\d{2}:\d{2} GMT$/;
  const asctime = /^[A-Za-z]{3} [A-Za-z]{3} [ \d]\d \d{2}:\d{2}:\d{2} \d{4}$/;
  const parsed = imf.test(text) || rfc850.test(text) ? Date.parse(text) : asctime.test(text) ? Date.parse(`${text} GMT`) : Number.NaN;
  return Number.isNaN(parsed) ? undefined : parsed;
}

/** A body's text without the byte order mark some servers put first (JSON parsers may ignore it, RFC 8259). */
export function withoutBom(text: string): string {
  return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
}

/** The HTTP status each documented error `type` stands for. */
const statusOfErrorType: Readonly<Record<string, number>> = {
  invalid_request_error: 400,
  authentication_error: 401,
  insufficient_quota_error: 402,
  permission_error: 403,
  not_found_error: 404,
  request_too_large_error: 413,
  rate_limit_error: 429,
  internal_server_error: 500,
  upstream_error: 502,
  service_unavailable_error: 503,
};

/**
 * The status a string error code stands for, where it says for sure: a status in digits, a
 * documented error type given as the code, the contract's 402 codes and their kin, the task error
 * codes that refuse a request, and the plain words of gateways. Anything else (a gateway's
 * `invalid_upstream_response`, `prompt_blocked`) stands for nothing here, and a submit answered so
 * is taken as one that may have made a task: asked again with its key, never taken for refused.
 */
const statusOfCode: readonly (readonly [RegExp, number])[] = [
  [/^\d{3}$/, 0],
  [/^(quota_exceeded|resource_exhausted|rate_limit_exceeded|rate_limited|too_many_requests)$/, 429],
  [/^insufficient_[a-z_]*quota$|^(insufficient_balance|insufficient_credits)$|_quota_exhausted$|^(token|key)_[a-z]*_quota_exceeded$/, 402],
  [/^(invalid_api_key|invalid_token|unauthori[sz]ed|authentication_failed|token_expired|token_invalid)$/, 401],
  [/^key_model_not_allowed$|^(permission_denied|forbidden|key_disabled|account_disabled|token_disabled)$/, 403],
  [/^(model_not_found|resource_not_found|task_not_found|not_found)$/, 404],
  [/^(request_too_large|payload_too_large|file_too_large)$/, 413],
  [/^(content_policy_violation|invalid_parameters|invalid_request|invalid_idempotency_key|image_processing_error|image_dimension_mismatch|idempotency_conflict|bad_request)$/, 400],
];

function statusOfStringCode(code: string): number | undefined {
  const lower = code.trim().toLowerCase();
  if (statusOfErrorType[lower] !== undefined) return statusOfErrorType[lower];
  const found = statusOfCode.find(([pattern]) => pattern.test(lower));
  if (found?.[1] !== 0) return found?.[1];
  const status = Number(lower);
  return status >= 400 && status <= 599 ? status : undefined;
}

/**
 * The status a 2xx answer stands for when its body is the documented error object and no task,
 * list or balance (a gateway that answers every call with 200; `"data": null` beside the error
 * is no data): the error's numeric `code`, else its `type`'s, else its string code's, else 500.
 * `undefined` when the body is no such error.
 */
export function errorStatusInBody(json: unknown): number | undefined {
  if (typeof json !== 'object' || json === null || Array.isArray(json) || 'id' in json) return undefined;
  if ('data' in json && json.data !== null && json.data !== undefined) return undefined;
  const parsed = apiErrorBodySchema.safeParse(json);
  if (!parsed.success) return undefined;
  const { code, type } = parsed.data.error;
  if (typeof code === 'number' && code >= 400 && code <= 599) return code;
  return (type !== undefined ? statusOfErrorType[type] : undefined) ?? (typeof code === 'string' ? statusOfStringCode(code) : undefined) ?? 500;
}

/**
 * The refusal a 2xx answer of the balance carries in the envelope of one-api gateways:
 * `{"success": false, "message": "无效的令牌"}` without its data. A message about the key or a
 * token refuses the key; any other is the service's own failure, told in its words.
 */
export function refusalInEnvelope(json: unknown): EvoLinkError | undefined {
  if (typeof json !== 'object' || json === null || Array.isArray(json)) return undefined;
  const body = json as { success?: unknown; data?: unknown };
  if (body.success !== false || (body.data !== null && body.data !== undefined)) return undefined;
  const { message, code } = looseError(json);
  const text = message ?? 'The service answered that the request did not succeed.';
  const reason = /令牌|密钥|token|key|unauthori[sz]ed|认证/i.test(text) ? 'auth' : 'server';
  return new EvoLinkError(reason, text, code === undefined ? {} : { code });
}
