import { EvoLinkSimulator } from '../../simulator/server';
import { EvoLinkClient } from '../../src/extension/api/client';
import { createUndiciTransport, type Transport } from '../../src/extension/net/transport';

/**
 * The extension's client against a simulator of its own, for a `describe` block: started before
 * its tests, reset before each, stopped after. Waits between retries are skipped.
 */
export function useSimulatorClient(): { simulator: () => EvoLinkSimulator; client: () => EvoLinkClient } {
  let simulator: EvoLinkSimulator | undefined;
  let transport: Transport | undefined;
  let client: EvoLinkClient | undefined;
  before(async () => {
    const started = new EvoLinkSimulator();
    await started.start();
    simulator = started;
    transport = createUndiciTransport({ proxy: '', strictSSL: true, noProxy: [] });
    client = new EvoLinkClient({ transport, endpoints: () => ({ api: started.urls.api, files: started.urls.files }), userAgent: 'evolink.evolink-image-studio/0.0.0-test', timeoutMs: () => 5000, sleep: () => Promise.resolve() });
  });
  after(async () => {
    await transport?.dispose();
    await simulator?.stop();
  });
  beforeEach(() => simulator?.reset());
  return { simulator: () => simulator!, client: () => client! };
}
