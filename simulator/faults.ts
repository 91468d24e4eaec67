import type { ServerResponse } from 'node:http';
import { HttpError, sendError, sendJson, sleep } from './http';
import type { Simulation } from './state';

/** The statuses a redirect fault may answer. */
export type RedirectStatus = 301 | 302 | 303 | 307 | 308;

/**
 * A fault of a download from the CDN (route `cdn`), as real CDNs and networks produce them. It
 * meets the next download the CDN would have served (a request it would refuse anyway leaves it
 * queued); the requests that follow a redirect it answered do not use up further faults.
 */
export type CdnFault =
  /**
   * Redirects that lead, after `hops` of them (1 by default), to the object. `via: 'other'` sends
   * them through the mirror CDN (another origin). Location headers alternate between absolute
   * (odd hops) and relative (even hops) unless `location` says otherwise; a hop to another origin
   * is always absolute.
   */
  | { kind: 'redirect'; status: RedirectStatus; hops?: number; via?: 'same' | 'other'; location?: 'alternate' | 'absolute' | 'relative' }
  /** Redirects without end, each to a new URL on the CDN. */
  | { kind: 'redirectLoop'; status?: RedirectStatus }
  /** One redirect to any location at all, e.g. `file:///etc/passwd` or `http://169.254.169.254/`. */
  | { kind: 'redirectTo'; location: string; status?: RedirectStatus }
  /** HTTP 200, `content-type: image/png`, and an HTML error page as the body. */
  | { kind: 'html' }
  /** HTTP 200 with the image's content type and no bytes. */
  | { kind: 'emptyBody' }
  /** The full `content-length`, `fraction` (0.5) of the bytes, then the connection is destroyed. */
  | { kind: 'truncated'; fraction?: number }
  /** Headers and the first `afterBytes` (1024) bytes, then silence until the client gives up. */
  | { kind: 'stall'; afterBytes?: number }
  /** The whole body, trickled at `bytesPerSecond`. */
  | { kind: 'slowBody'; bytesPerSecond: number }
  /** A complete transfer of the image's first half: a PNG without its IEND chunk, say. */
  | { kind: 'truncatedImage' }
  /**
   * The image stored compressed and served so whatever the request accepts (object storage with a
   * stored `Content-Encoding`): `content-length` is the compressed size, larger than the image for
   * bytes that are compressed already. `fraction` (absent: all) of the compressed bytes are sent
   * before the connection is destroyed.
   */
  | { kind: 'compressed'; coding: 'gzip' | 'deflate' | 'br'; fraction?: number }
  /**
   * The image converted by the CDN, whatever the request accepts (a CDN that picks the newest
   * type the client names, ignoring q-values): an AVIF or a HEIC instead, with its own type;
   * `cut`: a complete transfer of its first half.
   */
  | { kind: 'converted'; format: 'avif' | 'heic'; cut?: boolean };

/** A fault of the HTTP exchange. */
export type HttpFault =
  /**
   * An error answer (with `status` below 300 and `body: 'html'`: a captive portal's sign-in page). `late` (on `submit` only) creates the task first and then answers the error,
   * so that the outcome is unknown to the client.
   */
  /**
   * `asStatus`: the documented error body of `status`, sent with this HTTP status instead (a
   * gateway that answers every error with 200). `retryAfter` as a list: the header sent that
   * many times.
   */
  /**
   * `body: 'typeless'`: the error object without its `type`, beside `"data": null` (a gateway that
   * wraps every answer in one envelope): only the code tells what it is.
   */
  | { kind: 'status'; status: number; asStatus?: number; retryAfter?: string | string[]; body?: 'json' | 'html' | 'empty' | 'nulls' | 'typeless'; code?: string | number; message?: string; suggestion?: string; late?: boolean }
  /** The route's own answer, with a byte order mark before its JSON. */
  | { kind: 'bom' }
  | { kind: 'reset' }
  | { kind: 'delay'; ms: number }
  | { kind: 'malformedJson' }
  /** The files API's refusal in the body of an HTTP 200: `success: false`. */
  | { kind: 'refusedWith200'; code: number; msg: string }
  | CdnFault;

const cdnKinds = new Set(['redirect', 'redirectLoop', 'redirectTo', 'html', 'emptyBody', 'truncated', 'stall', 'slowBody', 'truncatedImage', 'compressed', 'converted']);
const otherKinds = new Set(['status', 'reset', 'delay', 'malformedJson', 'refusedWith200', 'bom']);
const redirectStatuses = new Set([301, 302, 303, 307, 308]);

/** Whether a fault is one of the CDN's own (it needs the object the link stands for). */
export function isCdnFault(fault: HttpFault): fault is CdnFault {
  return cdnKinds.has(fault.kind);
}

/** Throws when a fault cannot be met on a route, so that a mistyped fault fails the test that set it. */
export function checkFault(route: string, fault: HttpFault): void {
  const kind = (fault as { kind?: unknown } | undefined)?.kind;
  if (typeof kind !== 'string' || !(cdnKinds.has(kind) || otherKinds.has(kind))) {
    throw new Error(`unknown fault kind ${JSON.stringify(kind)}`);
  }
  if (isCdnFault(fault) && route !== 'cdn') {
    throw new Error(`fault ${fault.kind} applies to the route 'cdn' only`);
  }
  const status = (fault as { status?: unknown }).status;
  if (['redirect', 'redirectLoop', 'redirectTo'].includes(kind) && status !== undefined && !redirectStatuses.has(status as number)) {
    throw new Error(`a redirect answers 301, 302, 303, 307 or 308, not ${JSON.stringify(status)}`);
  }
  if (fault.kind === 'redirect' && fault.hops !== undefined && !(Number.isInteger(fault.hops) && fault.hops >= 1)) {
    throw new Error('hops must be an integer of at least 1');
  }
  if (fault.kind === 'slowBody' && !(fault.bytesPerSecond > 0)) {
    throw new Error('bytesPerSecond must be positive');
  }
  if (fault.kind === 'compressed' && (!['gzip', 'deflate', 'br'].includes(fault.coding) || (fault.fraction !== undefined && !(fault.fraction >= 0 && fault.fraction <= 1)))) {
    throw new Error('compressed needs a coding of gzip, deflate or br, and a fraction from 0 to 1');
  }
  if (fault.kind === 'converted' && !['avif', 'heic'].includes(fault.format)) {
    throw new Error('converted needs a format of avif or heic');
  }
  if (fault.kind === 'status' && fault.late && route !== 'submit') {
    throw new Error('late applies to the route submit only');
  }
}

const statusTypes: Record<number, string> = {
  400: 'invalid_request_error',
  401: 'authentication_error',
  402: 'insufficient_quota_error',
  403: 'permission_error',
  404: 'not_found_error',
  413: 'request_too_large_error',
  429: 'rate_limit_error',
  500: 'internal_server_error',
  502: 'upstream_error',
  503: 'service_unavailable_error',
};

/** What a gateway's page says of its status, where it is not a Bad Gateway (Cloudflare's 52x among them). */
const gatewayPhrases: Record<number, string> = {
  401: 'Authorization Required',
  403: 'Forbidden',
  407: 'Proxy Authentication Required',
  503: 'Service Temporarily Unavailable',
  504: 'Gateway Time-out',
  520: 'Web server is returning an unknown error',
  522: 'Connection timed out',
  524: 'A timeout occurred',
};

/** The status a fault answers, for the request log; 0 when no answer was sent. */
export function loggedStatus(fault: HttpFault): number {
  if (fault.kind === 'status') return fault.asStatus ?? fault.status;
  if (fault.kind === 'refusedWith200') return 200;
  return 0;
}

/** Applies an HTTP fault; answers true when the exchange is over. */
export async function applyFault(sim: Simulation, fault: HttpFault, res: ServerResponse): Promise<boolean> {
  switch (fault.kind) {
    case 'delay':
      await sleep(fault.ms);
      return false;
    case 'reset':
      res.socket?.destroy();
      return true;
    case 'malformedJson':
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('{"id": "task-unified-17571564');
      return true;
    case 'refusedWith200':
      sendJson(res, 200, { success: false, code: fault.code, msg: fault.msg, data: null });
      return true;
    case 'status':
      sendStatusFault(sim, fault, res);
      return true;
    case 'bom':
      withByteOrderMark(res);
      return false;
    default:
      // The CDN's own faults are met in cdn-faults.ts, where the object is known.
      return false;
  }
}

function sendStatusFault(sim: Simulation, fault: Extract<HttpFault, { kind: 'status' }>, res: ServerResponse): void {
  const headers: Record<string, string | string[]> = {};
  if (fault.retryAfter !== undefined) headers['retry-after'] = fault.retryAfter;
  if (fault.body === 'html' && fault.status < 300) {
    // What a network that wants a sign-in first answers in place of any page: a captive portal.
    res.writeHead(fault.status, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store', ...headers });
    res.end('<!DOCTYPE html>\n<html><head><title>Sign in to Guest Wi-Fi</title></head>\n<body><form method="post" action="/login"><h1>Welcome</h1><p>Accept the terms to get online.</p><button>Connect</button></form></body></html>\n');
  } else if (fault.body === 'html') {
    const phrase = gatewayPhrases[fault.status] ?? 'Bad Gateway';
    const html = `<html>\r\n<head><title>${fault.status} ${phrase}</title></head>\r\n<body>\r\n<center><h1>${fault.status} ${phrase}</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n`;
    res.writeHead(fault.status, { 'content-type': 'text/html', ...headers });
    res.end(html);
  } else if (fault.body === 'empty') {
    res.writeHead(fault.status, headers);
    res.end();
  } else if (fault.body === 'nulls') {
    // A gateway in the OpenAI style: the documented body, with what it does not know as null.
    sendJson(res, fault.asStatus ?? fault.status, { error: { code: null, message: `${fault.message ?? `simulated ${fault.status}`} (request id: ${sim.nextRequestId()})`, type: null, param: null } }, headers);
  } else if (fault.body === 'typeless') {
    sendJson(res, fault.asStatus ?? fault.status, { data: null, error: { code: fault.code ?? fault.status, message: fault.message ?? `simulated ${fault.status}` } }, headers);
  } else {
    const error = new HttpError(fault.status, statusTypes[fault.status] ?? 'api_error', fault.code ?? fault.status, fault.message ?? `simulated ${fault.status}`, undefined, fault.suggestion);
    sendError(res, error, sim.nextRequestId(), headers, fault.asStatus);
  }
}

/** Makes the answer about to be sent start with a byte order mark (its length then goes unsaid). */
function withByteOrderMark(res: ServerResponse): void {
  const writeHead = res.writeHead.bind(res) as (status: number, headers?: Record<string, unknown>) => ServerResponse;
  const end = res.end.bind(res) as (chunk?: unknown) => ServerResponse;
  Object.assign(res, {
    writeHead: (status: number, headers: Record<string, unknown> = {}) => {
      const rest = Object.fromEntries(Object.entries(headers).filter(([name]) => name.toLowerCase() !== 'content-length'));
      return writeHead(status, rest);
    },
    end: (chunk?: unknown) => end(typeof chunk === 'string' ? `\uFEFF${chunk}` : chunk),
  });
}
