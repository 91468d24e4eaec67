/**
 * Rules for the service endpoints a user may configure (`evolink.apiBaseUrl`,
 * `evolink.filesApiBaseUrl`). The key travels in every request, so only `https` is accepted,
 * except for loopback addresses, where a local gateway or the simulator may speak plain `http`.
 */

/** EvoLink's own addresses: the settings' defaults, and where the key may always go. */
export const evolinkBaseUrls = { api: 'https://api.evolink.ai', files: 'https://files-api.evolink.ai' } as const;

/** An address's scheme and host (with its port), without its path or query; `undefined` for no address. */
export function originOf(url: string): string | undefined {
  try {
    const parsed = new URL(url.trim());
    return `${parsed.protocol}//${parsed.host}`;
  } catch {
    return undefined;
  }
}

/** Why a configured base URL was refused. */
export type BaseUrlProblem = 'malformed' | 'insecure' | 'hasCredentials' | 'hasQueryOrFragment';

/** The outcome of {@link checkBaseUrl}: the normalised URL (no trailing slash) or the problem. */
export type BaseUrlCheck = { ok: true; url: string } | { ok: false; problem: BaseUrlProblem };

const loopbackHosts = new Set(['localhost', '[::1]', '::1']);

/** True for `localhost`, `[::1]` and every address in 127.0.0.0/8. */
export function isLoopbackHost(hostname: string): boolean {
  const host = hostname.toLowerCase();
  if (loopbackHosts.has(host) || host.endsWith('.localhost')) {
    return true;
  }
  const octets = host.split('.');
  return (
    octets.length === 4 &&
    octets[0] === '127' &&
    octets.every((part) => /^\d{1,3}$/.test(part) && Number(part) <= 255)
  );
}

/**
 * Checks a base URL from the settings. Accepts `https://host[:port][/path]` anywhere and
 * `http://` only on loopback; refuses user info (a key must never sit in a URL) and query
 * strings or fragments (paths are appended to it).
 */
export function checkBaseUrl(raw: string): BaseUrlCheck {
  let url: URL;
  try {
    url = new URL(raw.trim());
  } catch {
    return { ok: false, problem: 'malformed' };
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    return { ok: false, problem: 'malformed' };
  }
  if (url.protocol === 'http:' && !isLoopbackHost(url.hostname)) {
    return { ok: false, problem: 'insecure' };
  }
  if (url.username || url.password) {
    return { ok: false, problem: 'hasCredentials' };
  }
  if (url.search || url.hash) {
    return { ok: false, problem: 'hasQueryOrFragment' };
  }
  return { ok: true, url: url.toString().replace(/\/+$/, '') };
}
