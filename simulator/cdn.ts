import type { IncomingMessage, ServerResponse } from 'node:http';
import { answerHop, applyCdnFault, isChainEnd } from './cdn-faults';
import { applyFault, isCdnFault, loggedStatus } from './faults';
import type { Simulation } from './state';
import type { StoredImage } from './types';

/*
 * The CDN origins: serve results and uploads by their links, like a bucket behind signed URLs.
 * They refuse an Authorization header and default user agents, and answer refusals in XML. The
 * mirror is a second host name that serves the same objects; redirects with `via: 'other'` lead
 * through it. Faults are met on the CDN only, and never by the requests that follow a redirect
 * the fault answered.
 */

/** Which listener a request came to. */
export type CdnOrigin = 'cdn' | 'mirror';

const blockedAgents = [/^$/, /^node$/i, /^undici$/i, /^node-fetch/i];

/** Answers a refusal in the XML body of object stores. */
function deny(sim: Simulation, origin: CdnOrigin, req: IncomingMessage, res: ServerResponse, status: number, code: string, message: string): void {
  const xml = `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${code}</Code><Message>${message}</Message></Error>`;
  res.writeHead(status, { 'content-type': 'application/xml' });
  res.end(xml);
  sim.log(origin, req, status);
}

/** Refuses what no CDN request may do; answers true when it refused. */
function refused(sim: Simulation, origin: CdnOrigin, req: IncomingMessage, res: ServerResponse): boolean {
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    deny(sim, origin, req, res, 405, 'MethodNotAllowed', 'The specified method is not allowed against this resource.');
    return true;
  }
  if (req.headers.authorization !== undefined) {
    deny(sim, origin, req, res, 400, 'InvalidArgument', 'Only one auth mechanism allowed; an Authorization header is not accepted for signed links.');
    return true;
  }
  const agent = req.headers['user-agent'] ?? '';
  if (blockedAgents.some((pattern) => pattern.test(agent))) {
    deny(sim, origin, req, res, 403, 'AccessDenied', 'Requests without a real User-Agent are blocked.');
    return true;
  }
  return false;
}

export async function handleCdn(sim: Simulation, origin: CdnOrigin, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const [path = '/', search = ''] = (req.url ?? '/').split('?', 2);
  const hop = /^\/redirect\/([a-f0-9]+)\/(\d+)$/.exec(path);
  if (hop) {
    if (!refused(sim, origin, req, res) && !answerHop(sim, origin, req, res, hop[1] as string, Number(hop[2]))) {
      deny(sim, origin, req, res, 404, 'NoSuchKey', 'The specified key does not exist.');
    }
    return;
  }
  // The last request of a redirect chain belongs to the download that met the fault.
  const faultsApply = origin === 'cdn' && !isChainEnd(sim, new URLSearchParams(search));
  // A network fault comes before the CDN looks at the request, as a proxy's would.
  const fault = faultsApply ? sim.takeFault('cdn', (queued) => !isCdnFault(queued)) : undefined;
  if (fault && (await applyFault(sim, fault, res))) {
    sim.log(origin, req, loggedStatus(fault));
    return;
  }
  if (refused(sim, origin, req, res)) {
    return;
  }
  const image = sim.images.get(`${sim.urls.cdn}${path}`);
  if (!image) {
    deny(sim, origin, req, res, 404, 'NoSuchKey', 'The specified key does not exist.');
    return;
  }
  if (image.expiresAtSim <= sim.clock.now()) {
    deny(sim, origin, req, res, 403, 'AccessDenied', 'Request has expired');
    return;
  }
  const cdnFault = faultsApply ? sim.takeFault('cdn', isCdnFault) : undefined;
  if (cdnFault && isCdnFault(cdnFault)) {
    applyCdnFault(sim, cdnFault, { origin, req, res, image, path });
    return;
  }
  serve(sim, origin, req, res, image);
}

function serve(sim: Simulation, origin: CdnOrigin, req: IncomingMessage, res: ServerResponse, image: StoredImage): void {
  res.writeHead(200, {
    'content-type': image.mime,
    'content-length': image.bytes.length,
    'cache-control': 'private, max-age=86400',
  });
  res.end(req.method === 'HEAD' ? undefined : image.bytes);
  sim.log(origin, req, 200);
}
