import { demoKey, EvoLinkSimulator } from './server';

/*
 * `npm run simulator`: starts the EvoLink simulator on loopback and prints where it listens.
 *   --port N          the API port (the files API and the CDN take the next two); default 0 (free)
 *   --speed X         run the task clock X times faster than real time
 *   --balance N       credits of the demo key
 */
function option(name: string): string | undefined {
  const index = process.argv.indexOf(`--${name}`);
  return index >= 0 ? process.argv[index + 1] : undefined;
}

const port = Number(option('port') ?? process.env.EVOLINK_SIMULATOR_PORT ?? 0);
const simulator = new EvoLinkSimulator({
  ports: port ? { api: port, files: port + 1, cdn: port + 2 } : undefined,
  speed: Number(option('speed') ?? 1),
  keys: { [demoKey]: { balance: Number(option('balance') ?? 1000) } },
});

async function main(): Promise<void> {
const urls = await simulator.start();
console.log(`EvoLink simulator listening
  API:       ${urls.api}
  Files API: ${urls.files}
  CDN:       ${urls.cdn}
  Demo key:  ${demoKey}
Set evolink.apiBaseUrl to ${urls.api} and evolink.filesApiBaseUrl to ${urls.files}.`);
}

const stop = (): void => {
  void simulator.stop().then(() => process.exit(0));
};
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
