import { parseArgs } from 'node:util';
import { demoKey, EvoLinkSimulator, type SimulatorOptions } from './server';

/*
 * `npm run simulator`: starts the EvoLink simulator on loopback and prints where it listens.
 *   --port N                the API port (the files API, the CDN and the mirror CDN take the next
 *                           three); default 0 (free ports), or EVOLINK_SIMULATOR_PORT
 *   --speed X               run the task clock X times faster than real time
 *   --balance N             credits of the demo key
 *   --task-list on|off|gateway  answer GET /v1/tasks, 404, or as a gateway (pages of 10, nulls)
 *   --batch on|off404|off405|html|error500
 *                           answer POST /v1/tasks/batch, refuse it with 404 or 405, answer it
 *                           with an HTML page and 200, or fail it with 500 every time
 *   --idempotency on|unmarked|ignored
 *                           honour Idempotency-Key with the replay mark, without it, or not at all
 *   --progress-curve NAME   easeOut, linear, fastStart, slowStart, stepwise, holdNearTop,
 *                           zeroUntilDone, elapsed
 *   --step-levels fixed|planned|arbitrary
 *                           stepwise tasks share the levels 20/50/80, or each draws 2 to 6 of its own
 *   --queue-seconds S       each task waits in a queue of 0 to S seconds before it starts
 *   --duration-factor X     each task takes its estimate times X
 *   --result-url-base URL   answer result links on this base (the CDN still serves its own)
 * Everything else can be changed while it runs, through the control API (see server.ts).
 */
const { values } = parseArgs({
  options: {
    port: { type: 'string' },
    speed: { type: 'string', default: '1' },
    balance: { type: 'string', default: '1000' },
    'task-list': { type: 'string' },
    batch: { type: 'string' },
    idempotency: { type: 'string' },
    'progress-curve': { type: 'string' },
    'step-levels': { type: 'string' },
    'queue-seconds': { type: 'string' },
    'duration-factor': { type: 'string' },
    'result-url-base': { type: 'string' },
  },
});

const port = Number(values.port ?? process.env.EVOLINK_SIMULATOR_PORT ?? 0);
const simulator = new EvoLinkSimulator({
  ports: port ? { api: port, files: port + 1, cdn: port + 2, mirror: port + 3 } : undefined,
  speed: Number(values.speed),
  keys: { [demoKey]: { balance: Number(values.balance) } },
  // The simulator checks these values itself and names the one it does not understand.
  taskList: values['task-list'] as SimulatorOptions['taskList'],
  taskBatch: values.batch as SimulatorOptions['taskBatch'],
  idempotency: values.idempotency as SimulatorOptions['idempotency'],
  progressCurve: values['progress-curve'] as SimulatorOptions['progressCurve'],
  stepLevels: values['step-levels'] as SimulatorOptions['stepLevels'],
  queueSeconds: values['queue-seconds'] === undefined ? undefined : Number(values['queue-seconds']),
  durationFactor: values['duration-factor'] === undefined ? undefined : Number(values['duration-factor']),
  resultUrlBase: values['result-url-base'],
});

async function main(): Promise<void> {
  const urls = await simulator.start();
  console.log(`EvoLink simulator listening
  API:        ${urls.api}
  Files API:  ${urls.files}
  CDN:        ${urls.cdn}
  Mirror CDN: ${urls.mirror}
  Demo key:   ${demoKey}
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
