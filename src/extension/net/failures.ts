import { EvoLinkError } from '../../common/errors';
import type { StopCause } from './exchange';
import type { HttpRequest } from './transport';

/*
 * Turns what fetch, undici or Node throw into one EvoLinkError. fetch wraps the real failure
 * in `TypeError: fetch failed` with the Node or undici error as its `cause` (sometimes two
 * levels down, or in an AggregateError's `errors`), so the chain is searched for a code.
 */

/** OpenSSL's and Node's codes for a certificate that could not be trusted for this host. */
const certificateCodes = new Set([
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'CERT_HAS_EXPIRED',
  'CERT_NOT_YET_VALID',
  'CERT_UNTRUSTED',
  'CERT_REJECTED',
  'CERT_REVOKED',
  'CERT_SIGNATURE_FAILURE',
  'CERT_CHAIN_TOO_LONG',
  'INVALID_CA',
  'INVALID_PURPOSE',
  'PATH_LENGTH_EXCEEDED',
  'UNABLE_TO_DECRYPT_CERT_SIGNATURE',
  'UNABLE_TO_DECODE_ISSUER_PUBLIC_KEY',
  'HOSTNAME_MISMATCH',
  'ERR_TLS_CERT_ALTNAME_INVALID',
  'ERR_TLS_CERT_ALTNAME_FORMAT',
]);

const timeoutCodes = new Set(['UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT', 'UND_ERR_CONNECT_TIMEOUT', 'ETIMEDOUT']);

/**
 * Codes of a connection that was never made, so no byte of the request left: refused, a name
 * that does not resolve. A reset, a closed socket or a timeout may come after the request went
 * out, and are not here.
 */
const notConnectedCodes = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EAI_FAIL', 'EAI_NONAME']);

/**
 * Codes of a network that went away (no route, the interface down): before the connection they
 * mean nothing left, but a Wi-Fi or VPN that drops after the request was written fails the
 * socket's read or write with the same codes. Only a failure of the `connect` call is not sent.
 */
const unreachableCodes = new Set(['ENETUNREACH', 'EHOSTUNREACH', 'EADDRNOTAVAIL', 'ENETDOWN', 'EHOSTDOWN']);

/**
 * TLS failures of the handshake that are not about the certificate: the other side speaks no TLS
 * (an https address on a plain http port, a plain proxy written as https), or no version or cipher
 * both take, or it refused the connection with an alert. No request goes out before the handshake
 * ends, so nothing was sent. Node's http module words some of them as a bare `EPROTO`, with
 * OpenSSL's reason in the message only.
 */
const handshakeCodes = /^ERR_SSL_(WRONG_VERSION_NUMBER|UNSUPPORTED_PROTOCOL|UNSAFE_LEGACY_RENEGOTIATION_DISABLED|NO_PROTOCOLS_AVAILABLE|PACKET_LENGTH_TOO_LONG|HTTP_REQUEST|[A-Z0-9_]*ALERT[A-Z0-9_]*|[A-Z0-9_]*HANDSHAKE_FAILURE)$/;
const handshakeReasons = /wrong version number|unsupported protocol|unsafe legacy renegotiation|no protocols available|packet length too long|alert|handshake failure/i;

/** Whether a code (and the message that came with it) is a TLS handshake's failure, not the certificate's. */
export function isHandshakeFailure(code: string | undefined, message: string): boolean {
  return code !== undefined && (handshakeCodes.test(code) || (code === 'EPROTO' && handshakeReasons.test(message)));
}

/** fetch's refusal of a port the Fetch standard blocks (it has no code). */
const blockedPort = /^bad port$/i;

/** A proxy's refusal of a tunnel as undici words it, e.g. `Proxy response (407) !== 200 when HTTP Tunneling`. */
const proxyRefusal = /Proxy response \((\d{3})\)/;

interface Found {
  code?: string;
  /** The system call that failed (`connect`, `getaddrinfo`, `read`, `write`), where Node says. */
  syscall?: string;
  message: string;
  proxyStatus?: number;
}

/** The errors along the cause chain, the outermost first. */
function chain(error: unknown): unknown[] {
  const seen: unknown[] = [];
  const queue: unknown[] = [error];
  while (queue.length > 0 && seen.length < 8) {
    const next = queue.shift();
    if (next === undefined || next === null || seen.includes(next)) continue;
    seen.push(next);
    if (typeof next === 'object') {
      const { cause, errors } = next as { cause?: unknown; errors?: unknown };
      queue.push(cause);
      if (Array.isArray(errors)) queue.push(...(errors as unknown[]));
    }
  }
  return seen;
}

/** The most telling code and message in the chain. */
function inspect(error: unknown): Found {
  const links = chain(error);
  let found: Found | undefined;
  for (const link of links) {
    const { code, message, connectResponseStatusCode, syscall } = (link ?? {}) as { code?: unknown; message?: unknown; connectResponseStatusCode?: unknown; syscall?: unknown };
    const text = typeof message === 'string' ? message : String(link);
    const proxyStatus = typeof connectResponseStatusCode === 'number' ? connectResponseStatusCode : Number(proxyRefusal.exec(text)?.[1] ?? NaN);
    if (Number.isFinite(proxyStatus) && proxyStatus !== 200) return { code: typeof code === 'string' ? code : undefined, message: text, proxyStatus };
    if (typeof code === 'string' && certificateCodes.has(code)) return { code, message: text };
    // The deepest coded error says the most; without a code anywhere, the deepest error
    // (fetch's own TypeError says only "fetch failed", its cause why).
    if (typeof code === 'string') found = { code, message: text, ...(typeof syscall === 'string' ? { syscall } : {}) };
    else if (found?.code === undefined) found = { message: text };
  }
  return found ?? { message: String(error) };
}

/** True when `code` says the server's certificate was not trusted. */
export function isCertificateCode(code: string | undefined): boolean {
  return code !== undefined && certificateCodes.has(code);
}

/** A time in seconds for a message: whole seconds, tenths under one. */
function seconds(ms: number): string {
  return ms >= 1000 ? String(Math.round(ms / 1000)) : (ms / 1000).toFixed(1);
}

/** The words of a failure without the request's key, should a network stack have quoted it. */
function withoutKey(text: string, req: HttpRequest): string {
  const authorization = Object.entries(req.headers).find(([name]) => name.toLowerCase() === 'authorization')?.[1];
  const key = authorization?.replace(/^Bearer\s+/i, '').trim();
  return key && key.length >= 4 ? text.split(key).join('[key]') : text;
}

/**
 * Maps a failure of one exchange. `stopped` says whether we stopped it ourselves (cancelled,
 * timed out, or idle), which wins over whatever the stopped request threw.
 */
export function toTransportError(error: unknown, stopped: StopCause | undefined, req: HttpRequest): EvoLinkError {
  if (error instanceof EvoLinkError && stopped === undefined) return error;
  if (stopped === 'cancelled') return new EvoLinkError('cancelled', 'The request was cancelled.', { cause: error });
  if (stopped === 'timeout') return new EvoLinkError('timeout', `No answer within ${seconds(req.timeoutMs)} s.`, { cause: error });
  if (stopped === 'idle') return new EvoLinkError('timeout', `No data for ${seconds(req.idleMs ?? req.timeoutMs)} s.`, { cause: error });
  const found = inspect(error);
  const detail = withoutKey(found.code ? `${found.code}: ${found.message}` : found.message, req);
  if (found.proxyStatus !== undefined) {
    return new EvoLinkError('proxy', `The proxy answered ${found.proxyStatus} to the tunnel request.`, { status: found.proxyStatus, code: `proxy${found.proxyStatus}`, notSent: true, cause: error });
  }
  if (isCertificateCode(found.code)) {
    return new EvoLinkError('certificate', detail, { code: found.code, notSent: true, cause: error });
  }
  if (found.code !== undefined && timeoutCodes.has(found.code)) {
    return new EvoLinkError('timeout', detail, { cause: error });
  }
  const notSent =
    (found.code !== undefined && (notConnectedCodes.has(found.code) || (unreachableCodes.has(found.code) && found.syscall === 'connect'))) ||
    blockedPort.test(found.message) ||
    isHandshakeFailure(found.code, found.message);
  return new EvoLinkError('network', detail, { ...(notSent ? { notSent } : {}), ...(found.code !== undefined ? { code: found.code } : {}), cause: error });
}
