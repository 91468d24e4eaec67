import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { handleApi } from './api';
import { handleCdn } from './cdn';
import type { HttpFault } from './faults';
import { handleFiles } from './files';
import { resolveOptions, Simulation } from './state';
import { outcomeAt } from './tasks';
import type { KeySpec, LoggedRequest, Route, SimulatorOptions, SimulatorSettings, SimulatorUrls, StoredFile, Task, TaskOutcome } from './types';
import type { StepLevel } from './curves';

/*
 * The EvoLink simulator: a real HTTP server that answers like the service described in the
 * API contract, with its validation, errors, oddities and timings, and with faults that a test
 * can ask for. Four listeners on loopback stand for the origins: the API, the files API, the CDN
 * that serves results and uploads, and a mirror CDN (another origin serving the same objects,
 * which `redirect` faults with `via: 'other'` lead through). Both CDNs refuse requests that carry
 * an Authorization header or a default User-Agent.
 *
 * The modules beside this one hold each concern: api.ts (submit, query, balance), task-lists.ts
 * (`GET /v1/tasks`, `POST /v1/tasks/batch`), files.ts (uploads), cdn.ts and cdn-faults.ts (result
 * links), faults.ts (the fault types), tasks.ts and progress.ts (a task's life), control.ts (the
 * control API), state.ts (what the listeners share), types.ts, http.ts and clock.ts.
 *
 * From code: `addFault(route, fault, times)`, `clearFaults(route?)`, `addTaskOutcome(outcome,
 * times)`, `configure(settings)`, `setKey`, `setSpeed`, `advanceClock`, `reset`.
 *
 * Routes: submit, task, credits, taskList (`GET /v1/tasks`), taskBatch (`POST /v1/tasks/batch`),
 * upload, cdn (downloads from the CDN listener). Faults (faults.ts has their details):
 *   any route  {kind: 'status', status, asStatus?, retryAfter? (a list: the header sent that
 *              many times), body?: 'json'|'html'|'empty'|'nulls', code?, message?, suggestion?} (with `late: true` on
 *              submit only: the task is created and charged, then the status is answered;
 *              `asStatus`: the error body sent with another HTTP status, such as 200),
 *              {kind: 'reset'}, {kind: 'delay', ms}, {kind: 'malformedJson'},
 *              {kind: 'refusedWith200', code, msg}, {kind: 'bom'} (the answer itself, with a byte
 *              order mark first). On submit, every fault but a plain status is late, and a late
 *              fault but `bom` loses whatever the answer was (replays and refusals too).
 *   cdn only   {kind: 'redirect', status: 301|302|303|307|308, hops?, via?: 'same'|'other',
 *              location?: 'alternate'|'absolute'|'relative'}, {kind: 'redirectLoop', status?},
 *              {kind: 'redirectTo', location, status?}, {kind: 'html'}, {kind: 'emptyBody'},
 *              {kind: 'truncated', fraction?}, {kind: 'stall', afterBytes?},
 *              {kind: 'slowBody', bytesPerSecond}, {kind: 'truncatedImage'},
 *              {kind: 'compressed', coding, fraction?}, {kind: 'converted', format: 'avif'|'heic', cut?}.
 * Task outcomes: {kind: 'complete' | 'neverFinish' | 'noResults'}, {kind: 'fail', code, message?},
 * {kind: 'cancelled', spelling?}, {kind: 'resultDataOnly', shape}, {kind: 'nullSlot'}; each may also carry `curve`,
 * `durationMs` and `durationFactor` for that task.
 * Settings (constructor options too; types.ts, SimulatorSettings): taskDurationMs, durationFactor,
 * progressCurve ('easeOut' | 'linear' | 'fastStart' | 'slowStart' | 'stepwise' | 'holdNearTop'
 * | 'zeroUntilDone' | 'elapsed'), resultData, noisyResults, taskList ('on' | 'off' | 'gateway'), taskBatch ('on' | 'off404' |
 * 'off405' | 'html' | 'error500'), idempotency ('on' | 'unmarked' | 'ignored'), stepLevels ('fixed' |
 * 'planned' | 'arbitrary'), queueSeconds, resultUrlBase,
 * taskLifetimeMs.
 *
 * Control API (on the API listener, loopback only, no auth), for a simulator in another process.
 * Every POST answers `{"ok": true}`, or 400 `{"error": "..."}` for what it cannot do:
 *   GET  /__simulator/info          {urls: {api, files, cdn, mirror}, keys, settings}
 *   GET  /__simulator/requests      the request log (LoggedRequest[])
 *   POST /__simulator/reset         forget tasks, files, faults and requests; settings as at start
 *   POST /__simulator/faults        {route, fault, times?}: see {@link EvoLinkSimulator.addFault}
 *   POST /__simulator/clear-faults  {route?}: forget the queued faults (of one route)
 *   POST /__simulator/task-outcomes {outcome, times?}: see {@link EvoLinkSimulator.addTaskOutcome}
 *   POST /__simulator/settings      {taskList?, taskBatch?, resultUrlBase?, progressCurve?, ...}:
 *                                   see {@link EvoLinkSimulator.configure}; null unsets a setting
 *   POST /__simulator/keys          {key, ...KeySpec}
 *   POST /__simulator/clock         {speed?, advanceMs?}
 */

export { demoKey } from './state';
export { progressCurves } from './progress';
export type { CdnFault, HttpFault, RedirectStatus } from './faults';
export type { DurationFactor, KeySpec, LoggedRequest, ProgressCurve, Route, SimulatorOptions, SimulatorSettings, SimulatorUrls, TaskOutcome, TaskTiming } from './types';

/** The EvoLink simulator. `start()` it, point the client at {@link urls}, `stop()` it. */
export class EvoLinkSimulator {
  readonly requests: LoggedRequest[];
  readonly tasks: Map<string, Task>;
  readonly files: Map<string, StoredFile>;
  private readonly sim: Simulation;
  private servers: Server[] = [];

  constructor(options: SimulatorOptions = {}) {
    this.sim = new Simulation(resolveOptions(options));
    this.requests = this.sim.requests;
    this.tasks = this.sim.tasks;
    this.files = this.sim.files;
  }

  /** The four origins, once started. */
  get urls(): SimulatorUrls {
    return { ...this.sim.urls };
  }

  async start(): Promise<SimulatorUrls> {
    const ports = this.sim.options.ports;
    const sim = this.sim;
    sim.urls.api = await this.listen((req, res) => handleApi(sim, req, res), ports?.api);
    sim.urls.files = await this.listen((req, res) => handleFiles(sim, req, res), ports?.files);
    sim.urls.cdn = await this.listen((req, res) => handleCdn(sim, 'cdn', req, res), ports?.cdn);
    sim.urls.mirror = await this.listen((req, res) => handleCdn(sim, 'mirror', req, res), ports?.mirror);
    return this.urls;
  }

  async stop(): Promise<void> {
    await Promise.all(
      this.servers.map(
        (server) =>
          new Promise<void>((resolve) => {
            server.closeAllConnections();
            server.close(() => resolve());
          }),
      ),
    );
    this.servers = [];
  }

  private async listen(handler: (req: IncomingMessage, res: ServerResponse) => Promise<void>, port = 0): Promise<string> {
    const server = createServer((req, res) => {
      this.sim.arrived(req);
      handler(req, res).catch((error: unknown) => {
        if (!res.headersSent) {
          res.writeHead(500, { 'content-type': 'text/plain' });
        }
        res.end(`simulator error: ${error instanceof Error ? error.message : String(error)}`);
      });
    });
    server.keepAliveTimeout = 5000;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, this.sim.options.host, () => resolve());
    });
    this.servers.push(server);
    const address = server.address() as AddressInfo;
    return `http://${this.sim.options.host}:${address.port}`;
  }

  // ---- Controls for tests -------------------------------------------------------------------

  /**
   * Makes the next `times` requests on `route` meet `fault`; throws on a fault the route cannot
   * meet. A fault with a large `times` lasts until {@link clearFaults}: e.g. `reset` on `submit`
   * is an answer that is lost and never comes back, for replays with the same Idempotency-Key too.
   */
  addFault(route: Route, fault: HttpFault, times = 1): void {
    this.sim.addFault(route, fault, times);
  }

  /** Forgets the queued faults of `route`, or of every route. */
  clearFaults(route?: Route): void {
    this.sim.clearFaults(route);
  }

  /**
   * Changes settings while running. A setting given as `undefined` returns to the simulator's
   * default (not set, for taskDurationMs, durationFactor, resultUrlBase and taskLifetimeMs);
   * {@link reset} returns every setting to the constructor's options.
   */
  configure(settings: SimulatorSettings): void {
    this.sim.configure(settings);
  }

  /** The settings in force. */
  get settings(): Readonly<SimulatorSettings> {
    return { ...this.sim.settings };
  }

  /** Makes the next `times` submitted tasks end as `outcome`. */
  addTaskOutcome(outcome: TaskOutcome, times = 1): void {
    this.sim.addTaskOutcome(outcome, times);
  }

  /** Adds or changes a key. */
  setKey(key: string, spec: KeySpec): void {
    this.sim.setKey(key, spec);
  }

  /** The balance of the account a key belongs to. */
  balanceOf(key: string): number | undefined {
    return this.sim.keys.get(key)?.account.balance;
  }

  setSpeed(speed: number): void {
    this.sim.clock.setSpeed(speed);
  }

  /**
   * The real time (ms since the epoch) at which a task completed (or failed) at the service,
   * whether or not it was read since: what "time to notice" is measured from. `undefined` for an
   * unknown task or one that never finishes.
   */
  completedAt(taskId: string): number | undefined {
    const task = this.sim.tasks.get(taskId);
    const at = task ? outcomeAt(task) : undefined;
    return at === undefined ? undefined : this.sim.clock.realTimeOf(at);
  }

  /** What a task drew for itself, for a benchmark's report: its stepwise levels (`stepLevels`) and its queue (`queueSeconds`), each where it has one. */
  shapeOf(taskId: string): { steps?: readonly StepLevel[]; queueMs?: number } {
    const task = this.sim.tasks.get(taskId);
    return { ...(task?.steps ? { steps: task.steps } : {}), ...(task?.queueMs ? { queueMs: task.queueMs } : {}) };
  }

  /** Moves the task clock forward, e.g. past the 24 h life of result links. */
  advanceClock(ms: number): void {
    this.sim.clock.advance(ms);
  }

  /** Forgets tasks, files, faults and requests, and restores the configured keys and settings. */
  reset(): void {
    this.sim.reset();
  }
}
