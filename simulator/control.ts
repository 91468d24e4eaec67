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
  const op = url.pathname.slice('/__simulator/'.length);
  const times = typeof json.times === 'number' ? json.times : 1;
  switch (`${req.method} ${op}`) {
    case 'GET info':
      sendJson(res, 200, { urls: sim.urls, keys: [...sim.keys.keys()] });
      return;
    case 'GET requests':
      sendJson(res, 200, sim.requests);
      return;
    case 'POST reset':
      sim.reset();
      break;
    case 'POST faults':
      sim.addFault(json.route as Route, json.fault as HttpFault, times);
      break;
    case 'POST task-outcomes':
      sim.addTaskOutcome(json.outcome as TaskOutcome, times);
      break;
    case 'POST keys':
      sim.setKey(String(json.key), json);
      break;
    case 'POST clock':
      if (typeof json.speed === 'number') sim.clock.setSpeed(json.speed);
      if (typeof json.advanceMs === 'number') sim.clock.advance(json.advanceMs);
      break;
    default:
      sendJson(res, 404, { error: `unknown control ${req.method} ${op}` });
      return;
  }
  sendJson(res, 200, { ok: true });
}
