import type { IncomingMessage, ServerResponse } from 'node:http';
import { applyFault, loggedStatus } from './faults';
import type { Simulation } from './state';

/*
 * The CDN origin: serves results and uploads by their links, like a bucket behind signed URLs.
 * It refuses an Authorization header and default user agents, and answers its refusals in XML.
 */

const blockedAgents = [/^$/, /^node$/i, /^undici$/i, /^node-fetch/i];

export async function handleCdn(sim: Simulation, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const fault = sim.takeFault('cdn');
  if (fault && (await applyFault(sim, fault, res))) {
    sim.log('cdn', req, loggedStatus(fault));
    return;
  }
  const deny = (status: number, code: string, message: string): void => {
    const xml = `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${code}</Code><Message>${message}</Message></Error>`;
    res.writeHead(status, { 'content-type': 'application/xml' });
    res.end(xml);
    sim.log('cdn', req, status);
  };
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    deny(405, 'MethodNotAllowed', 'The specified method is not allowed against this resource.');
    return;
  }
  if (req.headers.authorization !== undefined) {
    deny(400, 'InvalidArgument', 'Only one auth mechanism allowed; an Authorization header is not accepted for signed links.');
    return;
  }
  const agent = req.headers['user-agent'] ?? '';
  if (blockedAgents.some((pattern) => pattern.test(agent))) {
    deny(403, 'AccessDenied', 'Requests without a real User-Agent are blocked.');
    return;
  }
  const path = (req.url ?? '/').split('?')[0] as string;
  const image = sim.images.get(`${sim.urls.cdn}${path}`);
  if (!image) {
    deny(404, 'NoSuchKey', 'The specified key does not exist.');
    return;
  }
  if (image.expiresAtSim <= sim.clock.now()) {
    deny(403, 'AccessDenied', 'Request has expired');
    return;
  }
  res.writeHead(200, {
    'content-type': image.mime,
    'content-length': image.bytes.length,
    'cache-control': 'private, max-age=86400',
  });
  res.end(req.method === 'HEAD' ? undefined : image.bytes);
  sim.log('cdn', req, 200);
}
