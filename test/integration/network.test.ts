import * as assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import * as vscode from 'vscode';
import type { EvoLinkError } from '../../src/common/errors';
import type { EvoLinkSimulator } from '../../simulator/server';
import type { EvoLinkExtensionApi } from '../../src/extension/main';
import type { Services } from '../../src/extension/services';
import { describeError } from '../../src/extension/commands/errorPresenter';
import { createTestCertificates, installSystemCa } from '../support/certificates';
import { startTestProxy, type TestProxy, type TestProxyOptions } from '../support/proxy';
import { activateExtension, demoKey, resetSettings, startSimulator } from './support';
import { settle } from './matrix';

/*
 * The extension's traffic goes through VS Code's own network support: a proxy that asks for
 * credentials, a proxy that inspects TLS with a CA installed as a system certificate, an API
 * that only the proxy can reach. Everything runs on loopback; the *.evolink.test names exist only
 * inside the test proxy. The test hosts are VS Code servers: their extension host applies
 * `http.proxy` and the system certificates of this machine.
 */

const slots = globalThis as unknown as Record<symbol, unknown>;
const dispatcherKeys = [Symbol.for('undici.globalDispatcher.1'), Symbol.for('undici.globalDispatcher.2')];
/** The process-wide dispatchers as this file found them, before any test of the run. */
const dispatchersAtLoad = dispatcherKeys.map((key) => slots[key]);

const names = { api: 'api.evolink.test', files: 'files.evolink.test', cdn: 'cdn.evolink.test', hop: 'hop.evolink.test' };
/** A CDN name that answers plain http only, behind the proxy. */
const plainCdn = 'plain.evolink.test';
const certificates = createTestCertificates(Object.values(names));

// VS Code reads the system certificates once per extension host, at the first request that uses
// them: the CA goes in before any test of the run starts (a root hook), and out after this file.
before(async function () {
  this.timeout(180_000);
  await installSystemCa(certificates);
});

const onePixelPng = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==', 'base64');
const MB = 1024 * 1024;

async function setHttp(values: Record<string, unknown>): Promise<void> {
  const http = vscode.workspace.getConfiguration('http');
  for (const [key, value] of Object.entries(values)) {
    await http.update(key, value, vscode.ConfigurationTarget.Global);
  }
  // The extension host sees the change a moment after the write.
  const deadline = Date.now() + 5000;
  while (Object.entries(values).some(([key, value]) => vscode.workspace.getConfiguration('http').get(key) !== (value ?? vscode.workspace.getConfiguration('http').inspect(key)?.defaultValue))) {
    if (Date.now() > deadline) throw new Error('The http settings did not change.');
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** Each process-wide dispatcher is the very object it was when this file was loaded. */
function sameDispatchers(): void {
  dispatcherKeys.forEach((key, index) => assert.equal(slots[key], dispatchersAtLoad[index], `${String(key)} changed`));
}

/** The EvoLinkError a call failed with (the extension's own class: this bundle has another copy). */
async function failure(promise: Promise<unknown>): Promise<Pick<EvoLinkError, 'reason' | 'details' | 'message'>> {
  try {
    await promise;
  } catch (error) {
    assert.equal((error as Error).name, 'EvoLinkError', `not an EvoLinkError: ${String(error)}`);
    return error as EvoLinkError;
  }
  assert.fail('it did not fail');
}

describe("Reaching EvoLink through VS Code's network support", function () {
  this.timeout(120_000);
  let api: EvoLinkExtensionApi;
  let services: Services;
  let simulator: EvoLinkSimulator;
  let cdn: Server;
  /** An https CDN that sends every download on to the plain http one. */
  let hop: Server;
  let proxy: TestProxy | undefined;
  const big = randomBytes(25 * MB);
  big.set([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

  const client = () => services.ctx.clients.get();
  const port = (url: string): number => Number(new URL(url).port);
  const startProxy = async (options: TestProxyOptions = {}): Promise<TestProxy> => {
    proxy = await startTestProxy({
      hosts: {
        [names.api]: port(simulator.urls.api),
        [names.files]: port(simulator.urls.files),
        [names.cdn]: (cdn.address() as AddressInfo).port,
        [names.hop]: (hop.address() as AddressInfo).port,
        [plainCdn]: port(simulator.urls.cdn),
      },
      intercept: { cert: certificates.cert, key: certificates.key },
      ...options,
    });
    return proxy;
  };
  const connects = (): string[] => (proxy?.log ?? []).filter((entry) => entry.method === 'CONNECT' && entry.status === 200).map((entry) => entry.target);

  before(async () => {
    api = await activateExtension();
    services = await api.testing!.services();
    simulator = await startSimulator();
    const evolink = vscode.workspace.getConfiguration('evolink');
    await evolink.update('apiBaseUrl', `https://${names.api}`, vscode.ConfigurationTarget.Global);
    await evolink.update('filesApiBaseUrl', `https://${names.files}`, vscode.ConfigurationTarget.Global);
    cdn = createServer((_req, res) => res.writeHead(200, { 'content-type': 'image/png', 'content-length': String(big.length) }).end(big));
    await new Promise<void>((resolve) => cdn.listen(0, '127.0.0.1', resolve));
    hop = createServer((req, res) => res.writeHead(302, { location: `http://${plainCdn}${req.url ?? '/'}` }).end());
    await new Promise<void>((resolve) => hop.listen(0, '127.0.0.1', resolve));
  });

  afterEach(async () => {
    await setHttp({ proxy: undefined, systemCertificates: undefined, fetchAdditionalSupport: undefined });
    await proxy?.close();
    proxy = undefined;
  });

  after(async function () {
    this.timeout(180_000);
    await resetSettings();
    await simulator.stop();
    for (const server of [cdn, hop]) {
      server.closeAllConnections();
      server.close();
    }
    await certificates.dispose();
  });

  it('goes through a proxy that asks for credentials given in http.proxy: an API call, an upload and a 25 MB download', async () => {
    const credentials = { username: 'evolink', password: 'pr0xy secret' };
    const through = await startProxy({ credentials });
    await setHttp({ proxy: through.urlWithCredentials });
    assert.equal((await client().getBalance({ apiKey: demoKey })).account, 1000);
    const uploaded = await client().upload(onePixelPng, 'pixel.png', 'image/png', { apiKey: demoKey });
    assert.match(uploaded.fileUrl, /\/files\//);
    const hash = createHash('sha256');
    let received = 0;
    const sink = {
      write: (chunk: Uint8Array): Promise<void> => {
        hash.update(chunk);
        received += chunk.length;
        return Promise.resolve();
      },
      reset: (): Promise<void> => Promise.resolve(),
    };
    assert.equal(await client().download(`https://${names.cdn}/results/big.png`, sink, { maxBytes: 64 * MB }), big.length);
    assert.equal(received, big.length);
    assert.equal(hash.digest('hex'), createHash('sha256').update(big).digest('hex'));
    assert.deepEqual([...new Set(connects())].sort(), [`${names.api}:443`, `${names.cdn}:443`, `${names.files}:443`]);
    assert.ok(through.log.every((entry) => entry.status !== 502), 'the proxy was never asked for an unknown host');
    assert.ok(simulator.requests.some((request) => request.path === '/v1/credits' && request.status === 200));
  });

  it('trusts a TLS-inspecting proxy whose CA is a system certificate, and says so clearly when system certificates are off', async () => {
    const inspecting = await startProxy();
    await setHttp({ proxy: inspecting.url });
    assert.equal((await client().getBalance({ apiKey: demoKey })).account, 1000);
    await setHttp({ systemCertificates: false });
    const error = await failure(client().getBalance({ apiKey: demoKey }));
    assert.equal(error.reason, 'certificate');
    assert.match(error.details.code ?? '', /CERT|SIGNATURE/);
    // What the user sees: the sentence the error presenter makes of it names the certificate
    // problem and the setting, and offers to open it.
    const described = describeError(error as EvoLinkError, { setApiKey: () => undefined, showLog: () => undefined });
    assert.match(described.message, /certificate/);
    assert.match(described.message, /http\.systemCertificates/);
    assert.deepEqual(described.actions.map((action) => action.title), ['Open Settings', 'Open Output']);
    // On its own connections (VS Code's fetch support off) VS Code's certificates play no part:
    // the message says which settings bring them back.
    await setHttp({ systemCertificates: undefined, fetchAdditionalSupport: false });
    const own = await failure(client().getBalance({ apiKey: demoKey }));
    assert.equal(own.reason, 'certificate');
    const ownDescribed = describeError(own as EvoLinkError, { setApiKey: () => undefined, showLog: () => undefined });
    assert.match(ownDescribed.message, /http\.fetchAdditionalSupport/);
    assert.doesNotMatch(ownDescribed.message, /http\.systemCertificates/);
  });

  it('refuses a result link that leaves https for plain http, and downloads it once the user agreed', async () => {
    const through = await startProxy();
    await setHttp({ proxy: through.url });
    await vscode.commands.executeCommand('evolink.setApiKey', { apiKey: demoKey });
    simulator.configure({ resultUrlBase: `https://${names.hop}`, taskDurationMs: 1200 });
    const folder = vscode.Uri.joinPath(vscode.workspace.workspaceFolders![0]!.uri, 'images', 'network-plain-http');
    try {
      const before = new Set((await services.ctx.tasks.list()).map((entry) => entry.localId));
      const since = Date.now();
      await vscode.commands.executeCommand('evolink.generateImage', { quiet: true, model: 'gpt-4o-image', size: '1:1', prompt: 'a result sent on over plain http', folder: folder.toString(), anyFolder: true });
      const made = (await services.ctx.tasks.list()).find((entry) => !before.has(entry.localId))!;
      const refused = await settle(services.ctx.tasks, made.localId, 40_000);
      // Where it led is kept by its origin alone: the link's path and signature are not.
      assert.deepEqual([refused?.state, refused?.error?.code, refused?.error?.param, refused?.error?.location], ['saveFailed', 'refusedLink', 'downgrade', `http://${plainCdn}`]);
      assert.ok(!through.log.some((entry) => entry.target.startsWith(plainCdn)), 'the plain http hop was not followed');
      const told = services.ctx.notifier.notices().filter((notice) => notice.at >= since && /insecure http/.test(notice.message));
      assert.equal(told.length, 1);
      assert.deepEqual(told[0]!.actions, ['Download Over HTTP…', 'Check Again']);
      // The user agrees in the dialog: the task is saved, over the plain hop, without a key on it.
      const asked = Date.now();
      services.ctx.notifier.answerNextQuestion('Download Over HTTP');
      await vscode.commands.executeCommand('evolink.task.downloadOverHttp', made.localId);
      const question = services.ctx.notifier.notices().find((notice) => notice.at >= asked && notice.message === `Download these images over plain http from http://${plainCdn}?`);
      assert.match(question?.detail ?? '', /anyone on the network path can see or change the images.*cannot tell whether it was changed/);
      const saved = await settle(services.ctx.tasks, made.localId, 40_000);
      assert.equal(saved?.state, 'saved');
      const bytes = await vscode.workspace.fs.readFile(vscode.Uri.parse(saved.results![0]!.saved!));
      assert.deepEqual([...bytes.subarray(0, 4)], [0x89, 0x50, 0x4e, 0x47]);
      assert.ok(through.log.some((entry) => entry.method === 'GET' && entry.target.startsWith(plainCdn)), 'asked over plain http through the proxy');
      assert.ok(simulator.requests.some((request) => request.origin === 'cdn' && request.status === 200), 'and the CDN sent it');
      assert.ok(simulator.requests.every((request) => request.origin === 'api' || request.origin === 'files' || !request.hasAuthorization), 'no Authorization on a result link');
    } finally {
      // Its settings, and the balance the task was charged to, as the other tests expect them.
      simulator.reset();
      await vscode.commands.executeCommand('evolink.clearApiKey');
      await vscode.workspace.fs.delete(folder, { recursive: true }).then(undefined, () => undefined);
    }
  });

  it('reaches an API that only the proxy can resolve, and fails without the proxy', async () => {
    const error = await failure(client().getBalance({ apiKey: demoKey }));
    assert.equal(error.reason, 'network');
    await startProxy();
    await setHttp({ proxy: proxy!.url });
    assert.equal((await client().getBalance({ apiKey: demoKey })).account, 1000);
    assert.deepEqual(connects(), [`${names.api}:443`]);
  });

  it("leaves the process-wide dispatcher as it found it, on VS Code's path and on undici's", async () => {
    const evolink = vscode.workspace.getConfiguration('evolink');
    await evolink.update('apiBaseUrl', simulator.urls.api, vscode.ConfigurationTarget.Global);
    try {
      assert.equal((await client().getBalance({ apiKey: demoKey })).account, 1000);
      sameDispatchers();
      // With VS Code's fetch support off, the bundled undici is loaded for the first time.
      await setHttp({ fetchAdditionalSupport: false });
      assert.equal((await client().getBalance({ apiKey: demoKey })).account, 1000);
      sameDispatchers();
    } finally {
      await evolink.update('apiBaseUrl', `https://${names.api}`, vscode.ConfigurationTarget.Global);
    }
  });
});
