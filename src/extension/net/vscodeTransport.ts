import { createFetchTransport, type FetchFunction } from './fetchTransport';
import { createNodeHttpTransport } from './nodeHttpTransport';
import type { Transport } from './transport';

/**
 * The transport of VS Code's network support: API calls and uploads over the extension host's
 * fetch; results (`bulk`) over the `https` module, which VS Code's support patches the same way
 * (`http.proxySupport`) and whose Node streams carry large bodies faster than fetch's web streams.
 */
export function createVsCodeTransport(fetchFunction: FetchFunction): Transport {
  const calls = createFetchTransport(fetchFunction);
  const bulk = createNodeHttpTransport();
  return {
    send: (req) => (req.bulk ? bulk : calls).send(req),
    async dispose() {
      await Promise.all([calls.dispose(), bulk.dispose()]);
    },
  };
}
