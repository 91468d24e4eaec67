// The plain module names (not `node:http`): VS Code's network support patches the modules an
// extension loads by these names, so that they follow its proxy and certificate settings.
import * as http from 'http';
import * as https from 'https';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { checkScheme, startExchange, toHttpResponse } from './exchange';
import type { HttpRequest, HttpResponse, Transport } from './transport';

/**
 * The transport over Node's `http`/`https` modules, for large bodies streamed to disk. Inside
 * VS Code these modules go through the same network support as the extension host's fetch
 * (`http.proxySupport`: the proxy settings and environment, the system proxy and PAC, 407 proxy
 * authentication, system certificates), and their Node streams carry a 25 MB image with less
 * overhead than a web stream's promise per chunk. Redirects are answered as they are, and the
 * body is asked for as it is (`accept-encoding: identity`), as on the fetch path.
 */
export function createNodeHttpTransport(): Transport {
  return {
    async send(req: HttpRequest): Promise<HttpResponse> {
      checkScheme(req.url);
      const exchange = startExchange(req);
      try {
        const secure = req.url.startsWith('https:');
        const answer = await new Promise<http.IncomingMessage>((resolve, reject) => {
          const request = (secure ? https : http).request(
            req.url,
            { method: req.method, headers: { 'accept-encoding': 'identity', ...req.headers }, signal: exchange.signal },
            resolve,
          );
          request.on('error', reject);
          if (req.body === undefined || typeof req.body === 'string' || req.body instanceof Uint8Array) request.end(req.body);
          else pipeline(Readable.from(req.body), request).catch(reject);
        });
        return toHttpResponse(
          {
            status: answer.statusCode ?? 0,
            header: (name) => {
              const value = answer.headers[name.toLowerCase()];
              return Array.isArray(value) ? value.join(', ') : value;
            },
            chunks: answer,
            drop: () => {
              answer.destroy();
              return Promise.resolve();
            },
          },
          exchange,
        );
      } catch (error) {
        throw exchange.fail(error);
      }
    },
    async dispose() {
      // Connections belong to the module's (or VS Code's) agent, not to this transport.
    },
  };
}
