import { lookup as dnsLookup, type LookupAddress, type LookupOptions } from 'node:dns';
import { promises as dns } from 'node:dns';
import { isIP } from 'node:net';
import { EvoLinkError } from '../../common/errors';

/*
 * Result links come from the service and its CDNs: a host name may lead into this machine or its
 * network as well as an address written out can. The transports ask here about the addresses a
 * name resolves to (`HttpRequest.refuseAddress`).
 */

const refusedAddress = (problem: string): EvoLinkError => new EvoLinkError('invalidResponse', `A result link's host name leads to a refused address (${problem}).`, { code: 'refusedLink' });

type LookupCallback = (error: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void;

/**
 * Name resolution that refuses a name any of whose addresses `refuse` names: checked when the
 * connection is made, so that neither a name pointing into this machine or its network nor one
 * that changes its answer between a check and the connection gets through. Only the link's own
 * host (`host`) is checked: should a proxy's connection be made with this lookup, the proxy (often
 * on a private address) is the user's choice, and the proxy resolves the link's name.
 */
export function guardedLookup(host: string, refuse: (address: string) => string | undefined) {
  const linkHost = host.replace(/^\[|\]$/g, '').toLowerCase();
  return (hostname: string, options: LookupOptions, callback: LookupCallback): void => {
    dnsLookup(hostname, { ...options, all: true }, (error, addresses) => {
      if (error) return callback(error, []);
      if (hostname.toLowerCase() !== linkHost) return options.all ? callback(null, addresses) : callback(null, addresses[0]?.address ?? '', addresses[0]?.family);
      const refused = addresses.map((found) => refuse(found.address)).find((problem) => problem !== undefined);
      if (refused) return callback(refusedAddress(refused), []);
      if (options.all) return callback(null, addresses);
      const first = addresses[0];
      return first ? callback(null, first.address, first.family) : callback(Object.assign(new Error(`${hostname} has no address`), { code: 'ENOTFOUND' }), []);
    });
  };
}

/**
 * Refuses a host that is an address written out (`127.0.0.1`, `[::1]`) which `refuse` names: a
 * connection to an address looks nothing up, so {@link guardedLookup} never sees it.
 */
export function refuseLiteral(hostname: string, refuse: (address: string) => string | undefined): void {
  const host = hostname.replace(/^\[|\]$/g, '');
  const problem = isIP(host) ? refuse(host) : undefined;
  if (problem) throw refusedAddress(problem);
}

/**
 * Refuses, before a request, a host name any of whose addresses `refuse` names, as this machine
 * resolves it: for undici's path, where a proxy chosen by the environment may take the request
 * (and resolve the name itself), a check at least of what the name means here. The connection's
 * own lookup checks again ({@link guardedLookup}). A name this machine cannot resolve is left to
 * the request (a proxy may resolve it).
 */
export async function refuseResolved(hostname: string, refuse: (address: string) => string | undefined, signal?: AbortSignal): Promise<void> {
  refuseLiteral(hostname, refuse);
  const host = hostname.replace(/^\[|\]$/g, '');
  if (isIP(host)) return;
  let addresses: LookupAddress[];
  try {
    addresses = await untilAborted(dns.lookup(host, { all: true }), signal);
  } catch (error) {
    if (signal?.aborted) throw error;
    return;
  }
  const refused = addresses.map((found) => refuse(found.address)).find((problem) => problem !== undefined);
  if (refused) throw refusedAddress(refused);
}

/**
 * `work`, or the abort's reason as soon as `signal` aborts: a slow name server must not hold a
 * request past its cancellation or its timeout (the lookup itself cannot be stopped).
 */
function untilAborted<T>(work: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (!signal) return work;
  if (signal.aborted) return Promise.reject(signal.reason as Error);
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => reject(signal.reason as Error);
    signal.addEventListener('abort', onAbort, { once: true });
    work.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}
