/*
 * Run in a fresh Node process by the transport's unit test, with `undici-first` or `fetch-first`:
 * loads the transport module, sends one request over each transport in that order, and prints
 * whether undici was evaluated at import time, and what became of the process-wide dispatcher
 * (the object Node's built-in fetch uses).
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

const key = Symbol.for('undici.globalDispatcher.1');
const slots = globalThis as unknown as Record<symbol, unknown>;

async function main(): Promise<void> {
  const server = createServer((_req, res) => res.end('ok'));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  const { createUndiciTransport, loadUndici } = await import('../../src/extension/net/transport');
  const { createFetchTransport } = await import('../../src/extension/net/fetchTransport');
  const undiciAtImport = Object.keys(require.cache).some((path) => /[\\/]node_modules[\\/]undici[\\/]/.test(path));
  const viaFetch = async (): Promise<string> => (await createFetchTransport((input, init) => fetch(input, init)).send({ method: 'GET', url, headers: {}, timeoutMs: 5000 })).text();
  const undici = createUndiciTransport({ proxy: '', strictSSL: true, noProxy: [] });
  const viaUndici = async (): Promise<string> => (await undici.send({ method: 'GET', url, headers: {}, timeoutMs: 5000 })).text();
  const answers = process.argv.includes('undici-first') ? [await viaUndici(), await viaFetch()] : [await viaFetch(), await viaUndici()];
  const afterBoth = slots[key];
  await undici.dispose();
  server.close();
  const ours = await loadUndici();
  console.log(JSON.stringify({ undiciAtImport, answers, dispatcherIsOurs: afterBoth instanceof ours.Dispatcher, dispatcherSet: afterBoth !== undefined }));
}

void main();
