import { isLoopbackHost } from './endpoints';

/*
 * Which result links the extension follows. A task's result links (and every redirect on the
 * way to the file) come from the service and from CDNs, not from the user: a link into this
 * machine or its network (loopback, the cloud metadata address 169.254.169.254, private ranges)
 * would make the extension fetch what it should not. Such links are refused, except loopback
 * when the API itself is on this machine (a local simulator or gateway). Plain http to a public
 * host is followed: a result link carries no key, what it answers must be a whole image to be
 * kept, and a CDN the service chose may serve no https. Only addresses written as literals are
 * recognised here; the address a name resolves to is checked when the download connects
 * ({@link addressProblem}, on the transport's lookup).
 */

/** Why a result link is refused. */
export type LinkProblem = 'malformed' | 'scheme' | 'credentials' | 'loopback' | 'linkLocal' | 'privateNetwork' | 'downgrade';

function ipv4(host: string): number[] | undefined {
  const parts = host.split('.');
  if (parts.length !== 4 || !parts.every((part) => /^\d{1,3}$/.test(part) && Number(part) <= 255)) return undefined;
  return parts.map(Number);
}

/**
 * The IPv4 address an IPv6 literal carries, if any: mapped (`::ffff:10.0.0.1`, `::ffff:a00:1`),
 * compatible (`::7f00:1`) or NAT64 (`64:ff9b::7f00:1`), each of which reaches that IPv4 address.
 */
function mappedIpv4(host: string): number[] | undefined {
  const dotted = /^(?:::ffff:|::|64:ff9b::)(\d+\.\d+\.\d+\.\d+)$/.exec(host);
  if (dotted) return ipv4(dotted[1]!);
  const hex = /^(?:::ffff:|::|64:ff9b::)([0-9a-f]{1,4}):([0-9a-f]{1,4})$/.exec(host);
  if (!hex) return undefined;
  const high = parseInt(hex[1]!, 16);
  const low = parseInt(hex[2]!, 16);
  return [high >> 8, high & 255, low >> 8, low & 255];
}

function classifyIpv4([a, b]: number[]): LinkProblem | undefined {
  if (a === 127 || a === 0) return 'loopback';
  if (a === 169 && b === 254) return 'linkLocal';
  if (a === 10 || (a === 172 && b! >= 16 && b! <= 31) || (a === 192 && b === 168) || (a === 100 && b! >= 64 && b! <= 127)) return 'privateNetwork';
  return undefined;
}

function classifyHost(hostname: string): LinkProblem | undefined {
  // A name's trailing dot (`localhost.`) names the same host.
  const host = hostname.toLowerCase().replace(/^\[|\]$/g, '').replace(/\.$/, '');
  const v4 = ipv4(host) ?? mappedIpv4(host);
  if (v4) return classifyIpv4(v4);
  if (host.includes(':')) {
    if (host === '::1' || host === '::') return 'loopback';
    if (/^fe[89ab]/.test(host)) return 'linkLocal';
    // Unique local (fc00::/7) and the old site-local (fec0::/10).
    if (/^fe[c-f]/.test(host)) return 'privateNetwork';
    if (/^f[cd]/.test(host)) return 'privateNetwork';
    return undefined;
  }
  return isLoopbackHost(host) ? 'loopback' : undefined;
}

/** Why the extension refuses to download from `link`, or `undefined` when it may. */
export function resultLinkProblem(link: string, options: { allowLocal: boolean }): LinkProblem | undefined {
  let url: URL;
  try {
    url = new URL(link);
  } catch {
    return 'malformed';
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return 'scheme';
  if (url.username || url.password) return 'credentials';
  const host = classifyHost(url.hostname);
  if (options.allowLocal && host === 'loopback') return undefined;
  return host;
}

/**
 * Why the extension refuses to follow a result link's redirect from `from` to `to`: as for any
 * link, and a redirect from https to plain http (`downgrade`), which would hand the file to
 * anyone on the way, unless the user agreed to it for this task (`allowPlainHttp`). A link that is
 * plain http from the start is the service's choice, and stays.
 */
export function redirectProblem(from: string, to: string, options: { allowLocal: boolean; allowPlainHttp?: boolean }): LinkProblem | undefined {
  const problem = resultLinkProblem(to, options);
  if (problem) return problem;
  return /^https:/i.test(from) && /^http:/i.test(to) && options.allowPlainHttp !== true ? 'downgrade' : undefined;
}

/**
 * Why the extension refuses to connect to `address`, the address a result link's host name
 * resolved to: a name can lead into this machine or its network as well as a literal can.
 */
export function addressProblem(address: string, options: { allowLocal: boolean }): LinkProblem | undefined {
  const problem = classifyHost(address);
  return options.allowLocal && problem === 'loopback' ? undefined : problem;
}
