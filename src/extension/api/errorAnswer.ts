import { errorFromHttpResponse, type EvoLinkError } from '../../common/errors';
import type { HttpResponse } from '../net/transport';

/*
 * A non-2xx answer turned into its error. The status and headers decide; the body only adds the
 * service's words. A body that breaks off, stalls or cannot be inflated must not turn a known
 * refusal (a 400 or 402 of a paid submit, a 429 with its Retry-After) into a network failure of
 * unknown outcome: it is read best-effort, and the error is made from the status without it.
 */

/** How long an error answer's body may take to come before the error is told without it. */
export const errorBodyWaitMs = 3000;

/**
 * An error answer's body as text, at most `maxBytes`, or '' where it cannot be read in
 * {@link errorBodyWaitMs} (the connection is then dropped). A cancellation is not swallowed.
 */
export async function errorBodyText(response: HttpResponse, maxBytes: number, signal?: AbortSignal): Promise<string> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const stalled = new Promise<undefined>((resolve) => {
    timer = setTimeout(resolve, errorBodyWaitMs, undefined);
    timer.unref?.();
  });
  try {
    const text = await Promise.race([response.text(maxBytes), stalled]);
    if (text === undefined) void response.discard().catch(() => undefined);
    return text ?? '';
  } catch (error) {
    if (signal?.aborted) throw error;
    return '';
  } finally {
    clearTimeout(timer);
  }
}

/** An answer's text without the key: a gateway that echoes the request's headers must not get it into a message or the log. */
export function withoutApiKey(text: string, apiKey: string): string {
  return apiKey.length >= 4 ? text.split(apiKey).join('[key]') : text;
}

/** An address for the log and a message: its origin and path, never its query (a signed link's secret). */
function originAndPath(url: URL): string {
  return `${url.protocol}//${url.host}${url.pathname}`;
}

/**
 * The code of an API call's redirect: `apiRedirect` where it leads to the API itself or to
 * another API that answers the same call (the same path, or an EvoLink host): a base URL that
 * names an old or a wrong address of the service. A redirect elsewhere is a network that wants a
 * sign-in first (`webPage`, from the status alone). Neither is followed.
 */
function redirectCode(request: URL, location: URL): 'apiRedirect' | undefined {
  const evolinkHost = /(^|\.)evolink\.ai$/i.test(location.hostname);
  const sameCall = location.pathname.replace(/\/+$/, '') === request.pathname.replace(/\/+$/, '');
  return (location.protocol === request.protocol && location.host === request.host) || evolinkHost || sameCall ? 'apiRedirect' : undefined;
}

/**
 * The error of an API call's non-2xx answer (its body's text without the key, `apiKey`). A
 * redirect's target is logged (origin and path only) and kept in `details.location`.
 */
export async function apiErrorOf(
  response: HttpResponse,
  url: string,
  apiKey: string,
  options: { signal?: AbortSignal; log?: (level: 'debug' | 'warn', message: string) => void },
): Promise<EvoLinkError> {
  const scrub = (text: string): string => withoutApiKey(text, apiKey);
  const error = errorFromHttpResponse(response.status, scrub(await errorBodyText(response, 64 * 1024, options.signal)), (name) => response.header(name));
  const location = response.header('location');
  if (response.status < 300 || response.status >= 400 || location === undefined) return error;
  const request = new URL(url);
  let target: URL;
  try {
    target = new URL(location.trim(), request);
  } catch {
    options.log?.('warn', `${request.pathname} answered ${response.status} with a Location that is no address`);
    return error;
  }
  const where = scrub(originAndPath(target));
  error.details.location = where;
  options.log?.('warn', `${request.pathname} answered ${response.status}, a redirect to ${where}; not followed`);
  if (redirectCode(request, target)) error.details.code = 'apiRedirect';
  return error;
}
