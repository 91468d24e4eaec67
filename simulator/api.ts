import type { IncomingMessage, ServerResponse } from 'node:http';
import { handleControl } from './control';
import { applyFault, loggedStatus, type HttpFault } from './faults';
import { HttpError, maxJsonBody, parseJsonBody, readBody, round, sendError, sendJson, sha256 } from './http';
import type { Simulation } from './state';
import { listTasks, batchTasks } from './task-lists';
import { advance, createTask, isAlive, submitJson, taskJson } from './tasks';
import type { KeyRecord, Route, Task } from './types';
import { validateSubmit } from './validation';

/*
 * The API origin: submit, task query, task lists and balance, with their faults. The control API
 * for tests shares this listener under `/__simulator/`.
 */

/** An answer, composed before it is sent, so that a late fault can lose it instead. */
type Reply = { status: number; json: unknown; headers: Record<string, string> } | { error: HttpError; headers?: Record<string, string> } | { html: string };

function routeOf(sim: Simulation, req: IncomingMessage, path: string): Route | undefined {
  if (req.method === 'POST' && path === '/v1/images/generations') return 'submit';
  if (req.method === 'POST' && path === '/v1/tasks/batch') return sim.settings.taskBatch === 'on' ? 'taskBatch' : undefined;
  if (req.method === 'GET' && path === '/v1/tasks') return sim.settings.taskList === 'off' ? undefined : 'taskList';
  if (req.method === 'GET' && /^\/v1\/tasks\/[^/]+$/.test(path)) return 'task';
  if (req.method === 'GET' && path === '/v1/credits') return 'credits';
  return undefined;
}

/**
 * The answer to a request no route takes: 404; for a switched-off batch, a 405, a gateway's page
 * of its own with 200, or a 500.
 */
function noRoute(sim: Simulation, req: IncomingMessage, path: string): Reply {
  if (req.method === 'POST' && path === '/v1/tasks/batch') {
    switch (sim.settings.taskBatch) {
      case 'off405':
        return { error: new HttpError(405, 'invalid_request_error', 'method_not_allowed', `Method ${req.method} is not allowed for ${path}`), headers: { allow: 'GET' } };
      case 'html':
        return { html: '<!doctype html><html><head><title>EvoLink</title></head><body><div id="app">Loading…</div></body></html>' };
      case 'error500':
        return { error: new HttpError(500, 'server_error', 'internal_error', 'Internal server error') };
    }
  }
  return { error: new HttpError(404, 'not_found_error', 'not_found', `No route for ${req.method} ${path}`) };
}

/** Faults on submit other than a plain status come after the task was created; so does a `late` status. */
function isLate(route: Route | undefined, fault: HttpFault | undefined): boolean {
  return fault !== undefined && route === 'submit' && (fault.kind !== 'status' || fault.late === true);
}

export async function handleApi(sim: Simulation, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const url = new URL(req.url ?? '/', sim.urls.api);
  if (url.pathname.startsWith('/__simulator/')) {
    await handleControl(sim, req, res, url);
    return;
  }
  const route = routeOf(sim, req, url.pathname);
  const fault = route ? sim.takeFault(route) : undefined;
  const late = isLate(route, fault);
  if (fault && !late && (await applyFault(sim, fault, res))) {
    sim.log('api', req, loggedStatus(fault));
    return;
  }
  let body: Buffer | undefined;
  let reply: Reply;
  try {
    if (route) {
      const key = sim.authenticate(req);
      if (route === 'submit' || route === 'taskBatch') body = await readBody(req, maxJsonBody);
      reply = await answer(sim, route, key, req, url, body ?? Buffer.alloc(0));
    } else {
      reply = noRoute(sim, req, url.pathname);
    }
  } catch (error) {
    if (!(error instanceof HttpError)) throw error;
    reply = { error };
  }
  // A late fault loses the answer, whatever it was: the client cannot know what happened.
  if (late && fault && (await applyFault(sim, fault, res))) {
    sim.log('api', req, loggedStatus(fault), body);
    return;
  }
  if ('html' in reply) {
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'content-length': Buffer.byteLength(reply.html) }).end(reply.html);
    sim.log('api', req, 200, body);
  } else if ('error' in reply) {
    sendError(res, reply.error, sim.nextRequestId(), reply.headers);
    sim.log('api', req, reply.error.status, body);
  } else {
    sendJson(res, reply.status, reply.json, { 'x-request-id': sim.nextRequestId(), ...reply.headers });
    sim.log('api', req, reply.status, body);
  }
}

async function answer(sim: Simulation, route: Route, key: KeyRecord, req: IncomingMessage, url: URL, body: Buffer): Promise<Reply> {
  const ok = (json: unknown, headers: Record<string, string> = {}): Reply => ({ status: 200, json, headers });
  switch (route) {
    case 'credits':
      return ok(creditsJson(key));
    case 'task':
      return ok(await queryTask(sim, key, decodeURIComponent(url.pathname.slice('/v1/tasks/'.length))));
    case 'taskList':
      return ok(await listTasks(sim, key, url.searchParams));
    case 'taskBatch':
      return ok(await batchTasks(sim, key, req, body));
    default: {
      const { task, replayed } = submit(sim, key, req, body);
      // A gateway that honours the key without the mark answers a replay as a new submit.
      return replayed && sim.settings.idempotency === 'on' ? ok(taskJson(sim, task), { 'idempotency-replayed': 'true' }) : ok(submitJson(task));
    }
  }
}

function creditsJson(key: KeyRecord): unknown {
  return {
    data: {
      token: {
        remaining_credits: key.limit === null ? key.account.balance : round(key.limit - key.used),
        unlimited_credits: key.limit === null,
        used_credits: round(key.used),
      },
      user: { remaining_credits: round(key.account.balance), used_credits: round(key.account.used) },
    },
    message: '',
    success: true,
  };
}

async function queryTask(sim: Simulation, key: KeyRecord, id: string): Promise<unknown> {
  const task = sim.tasks.get(id);
  if (!task || task.key.account !== key.account || !isAlive(sim, task)) {
    throw new HttpError(404, 'not_found_error', 'task_not_found', `Task ${id} not found`);
  }
  await advance(sim, task);
  return taskJson(sim, task);
}

/** Checks a submit and creates its task, or finds the task an Idempotency-Key already made. */
function submit(sim: Simulation, key: KeyRecord, req: IncomingMessage, body: Buffer): { task: Task; replayed: boolean } {
  const parsed = parseJsonBody(req, body);
  // A gateway that drops the header: every send is a new task.
  const idempotencyKey = sim.settings.idempotency === 'ignored' ? undefined : (req.headers['idempotency-key'] as string | undefined);
  const bodyHash = sha256(body);
  if (idempotencyKey !== undefined) {
    if (!/^[A-Za-z0-9._-]{16,96}$/.test(idempotencyKey)) {
      throw new HttpError(400, 'invalid_request_error', 'invalid_idempotency_key', 'Idempotency-Key must be 16 to 96 characters of A-Z, a-z, 0-9, ".", "_" and "-"', 'Idempotency-Key');
    }
    const seen = sim.idempotency.get(`${key.account.id}|${idempotencyKey}`);
    if (seen) {
      if (seen.bodyHash !== bodyHash) {
        throw new HttpError(409, 'invalid_request_error', 'idempotency_conflict', 'This Idempotency-Key was already used with a different request body', 'Idempotency-Key');
      }
      return { task: sim.tasks.get(seen.taskId) as Task, replayed: true };
    }
  }
  const validation = validateSubmit(parsed, (url) => sim.lookupImage(url));
  if (!validation.ok) {
    const { status, code, message, param } = validation.refusal;
    throw new HttpError(status, status === 404 ? 'not_found_error' : 'invalid_request_error', code, message, param);
  }
  const request = validation.request;
  if (key.models && !key.models.includes(request.model)) {
    throw new HttpError(403, 'permission_error', 'key_model_not_allowed', `This API key may not use model ${request.model}`);
  }
  const reserved = round(request.rules.price * request.n);
  if (key.account.balance < reserved) {
    throw new HttpError(402, 'insufficient_quota_error', 'insufficient_user_quota', `Insufficient account balance: ${round(key.account.balance)} credits left, ${reserved} needed`);
  }
  if (key.limit !== null && key.limit - key.used < reserved) {
    throw new HttpError(402, 'insufficient_quota_error', 'insufficient_token_quota', `This key's credit limit is exhausted: ${round(key.limit - key.used)} credits left, ${reserved} needed`);
  }
  key.account.balance = round(key.account.balance - reserved);
  key.used = round(key.used + reserved);
  const task = createTask(sim, key, request, reserved);
  if (idempotencyKey !== undefined) {
    sim.idempotency.set(`${key.account.id}|${idempotencyKey}`, { bodyHash, taskId: task.id });
  }
  return { task, replayed: false };
}
