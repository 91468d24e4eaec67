import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { handleApi } from './api';
import { handleCdn } from './cdn';
import type { HttpFault } from './faults';
import { handleFiles } from './files';
import { resolveOptions, Simulation } from './state';
import type { KeySpec, LoggedRequest, Route, SimulatorOptions, SimulatorUrls, StoredFile, Task, TaskOutcome } from './types';

/*
 * The EvoLink simulator: a real HTTP server that answers like the service described in the
 * API contract, with its validation, errors, oddities and timings, and with faults that a test
 * can ask for. Three listeners stand for the three origins: the API, the files API, and the CDN
 * that serves results and uploads (which refuses requests that carry an Authorization header).
 *
 * The modules beside this one hold each concern: api.ts (submit, query, balance), files.ts
 * (uploads), cdn.ts (result links), faults.ts, tasks.ts (a task's life), control.ts (the control
 * API), state.ts (what the listeners share), http.ts and clock.ts.
 *
 * Control API (on the API listener, loopback only, no auth), for a simulator in another process:
 *   GET  /__simulator/info          the URLs and the known keys
 *   GET  /__simulator/requests      the request log
 *   POST /__simulator/reset         forget tasks, files, faults and requests
 *   POST /__simulator/faults        {route, fault, times?}: see {@link EvoLinkSimulator.addFault}
 *   POST /__simulator/task-outcomes {outcome, times?}: see {@link EvoLinkSimulator.addTaskOutcome}
 *   POST /__simulator/keys          {key, ...KeySpec}
 *   POST /__simulator/clock         {speed?, advanceMs?}
 */

export { demoKey } from './state';
export type { HttpFault } from './faults';
export type { KeySpec, LoggedRequest, Route, SimulatorOptions, TaskOutcome } from './types';

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

  /** The three origins, once started. */
  get urls(): SimulatorUrls {
    return { ...this.sim.urls };
  }

  async start(): Promise<SimulatorUrls> {
    const ports = this.sim.options.ports;
    const sim = this.sim;
    sim.urls.api = await this.listen((req, res) => handleApi(sim, req, res), ports?.api);
    sim.urls.files = await this.listen((req, res) => handleFiles(sim, req, res), ports?.files);
    sim.urls.cdn = await this.listen((req, res) => handleCdn(sim, req, res), ports?.cdn);
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

  /** Makes the next `times` requests on `route` meet `fault`. */
  addFault(route: Route, fault: HttpFault, times = 1): void {
    this.sim.addFault(route, fault, times);
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

  /** Moves the task clock forward, e.g. past the 24 h life of result links. */
  advanceClock(ms: number): void {
    this.sim.clock.advance(ms);
  }

  /** Forgets tasks, files, faults and requests, and restores the configured keys. */
  reset(): void {
    this.sim.reset();
  }
}
