/*
 * Downloads in a plain Node process (see downloadMeasure.ts for what is measured and how). Run
 * from a bundle, as the extension ships: `npm run bench -- download [--undici] [--mbit=…]`.
 * The path stands for VS Code's (fetch for calls, the `http` module for results; outside VS Code
 * nothing patches them) or, with `--undici`, for the undici transport used when VS Code's network
 * support is turned off.
 */
import { createVsCodeTransport } from '../src/extension/net/vscodeTransport';
import { createUndiciTransport } from '../src/extension/net/transport';
import { benchFolder, measureDownloads, optionsFromArgs } from './downloadMeasure';

async function main(): Promise<void> {
  const { undici, ...options } = optionsFromArgs(process.argv.slice(2));
  const transport = undici ? createUndiciTransport({ proxy: '', strictSSL: true, noProxy: [] }) : createVsCodeTransport((input, init) => fetch(input, init));
  try {
    const lines = await measureDownloads({ ...options, transport, kind: undici ? 'undici' : 'http module', where: 'a plain Node process', benchDir: benchFolder() });
    console.log(`\n${lines.join('\n')}`);
  } finally {
    await transport.dispose();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
