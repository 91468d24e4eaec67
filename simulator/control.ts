import type { IncomingMessage, ServerResponse } from 'node:http';
import type { HttpFault } from './faults';
import { maxJsonBody, readBody, sendJson } from './http';
import type { Simulation } from './state';
import type { Route, TaskOutcome } from './types';

/*
 * The control API, under `/__simulator/` on the API listener: loopback only and without auth,
 * for tests that drive a simulator in another process (see server.ts for the operations).
 */

export async function handleControl(sim: Simulation, req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
  const body = req.method === 'POST' ? await readBody(req, maxJsonBody) : Buffer.alloc(0);
  let json: Record<string, unknown> = {};
  try {
    json = body.length ? (JSON.parse(body.toString('utf8')) as Record<string, unknown>) : {};
  } catch {
    sendJson(res, 400, { error: 'body is not JSON' });
    return;
  }
  const op = `${req.method} ${url.pathname.slice('/__simulator/'.length)}`;
  try {
    if (op === 'GET info') {
      sendJson(res, 200, { urls: sim.urls, keys: [...sim.keys.keys()], settings: sim.settings });
    } else if (op === 'GET requests') {
      sendJson(res, 200, sim.requests);
    } else if (perform(sim, op, json)) {
      sendJson(res, 200, { ok: true });
    } else {
      sendJson(res, 404, { error: `unknown control ${op}` });
    }
  } catch (error) {
    // A fault or setting the simulator cannot meet is refused, so that the test sees its mistake.
    sendJson(res, 400, { error: error instanceof Error ? error.message : String(error) });
  }
}

/** Performs a control operation that changes the simulator; answers false for an unknown one. */
function perform(sim: Simulation, op: string, json: Record<string, unknown>): boolean {
  const times = typeof json.times === 'number' ? json.times : 1;
  switch (op) {
    case 'POST reset':
      sim.reset();
      return true;
    case 'POST faults':
      sim.addFault(json.route as Route, json.fault as HttpFault, times);
      return true;
    case 'POST clear-faults':
      sim.clearFaults(typeof json.route === 'string' ? (json.route as Route) : undefined);
      return true;
    case 'POST task-outcomes':
      sim.addTaskOutcome(json.outcome as TaskOutcome, times);
      return true;
    case 'POST settings':
      sim.configure(json);
      return true;
    case 'POST keys':
      sim.setKey(String(json.key), json);
      return true;
    case 'POST clock':
      if (typeof json.speed === 'number') sim.clock.setSpeed(json.speed);
      if (typeof json.advanceMs === 'number') sim.clock.advance(json.advanceMs);
      return true;
    default:
      return false;
  }
}
