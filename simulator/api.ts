import type { IncomingMessage, ServerResponse } from 'node:http';
import { handleControl } from './control';
import { applyFault, loggedStatus } from './faults';
import { HttpError, maxJsonBody, readBody, round, sendError, sendJson, sha256 } from './http';
import type { Simulation } from './state';
import { advance, createTask, submitJson, taskJson } from './tasks';
import type { KeyRecord, Route, Task } from './types';
import { validateSubmit } from './validation';

/*
 * The API origin: submit, task query and balance, with their faults. The control API for tests
 * shares this listener under `/__simulator/`.
 */

function routeOf(req: IncomingMessage, url: URL): Route | undefined {
  if (req.method === 'POST' && url.pathname === '/v1/images/generations') return 'submit';
  if (req.method === 'GET' && /^\/v1\/tasks\/[^/]+$/.test(url.pathname)) return 'task';
  if (req.method === 'GET' && url.pathname === '/v1/credits') return 'credits';
  return undefined;
}

export async function handleApi(sim: Simulation, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const url = new URL(req.url ?? '/', sim.urls.api);
  if (url.pathname.startsWith('/__simulator/')) {
    await handleControl(sim, req, res, url);
    return;
  }
  const route = routeOf(req, url);
  const fault = route ? sim.takeFault(route) : undefined;
  // Faults on submit other than a status come after the task was created: the client cannot
  // know whether its request took effect.
  const late = fault && route === 'submit' && fault.kind !== 'status';
  if (fault && !late && (await applyFault(sim, fault, res))) {
    sim.log('api', req, loggedStatus(fault));
    return;
  }
  let body: Buffer | undefined;
  try {
    if (!route) {
      throw new HttpError(404, 'not_found_error', 'not_found', `No route for ${req.method} ${url.pathname}`);
    }
    const key = sim.authenticate(req);
    if (route === 'credits') {
      answerCredits(sim, key, res);
    } else if (route === 'task') {
      await answerTask(sim, key, decodeURIComponent(url.pathname.slice('/v1/tasks/'.length)), res);
    } else {
      body = await readBody(req, maxJsonBody);
      const { task, replayed } = submit(sim, key, req, body);
      if (late && fault && (await applyFault(sim, fault, res))) {
        sim.log('api', req, 0, body);
        return;
      }
      const headers: Record<string, string> = { 'x-request-id': sim.nextRequestId() };
      if (replayed) headers['idempotency-replayed'] = 'true';
      sendJson(res, 200, replayed ? taskJson(sim, task) : submitJson(task), headers);
    }
    sim.log('api', req, 200, body);
  } catch (error) {
    if (!(error instanceof HttpError)) throw error;
    sendError(res, error, sim.nextRequestId());
    sim.log('api', req, error.status, body);
  }
}

function answerCredits(sim: Simulation, key: KeyRecord, res: ServerResponse): void {
  sendJson(
    res,
    200,
    {
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
    },
    { 'x-request-id': sim.nextRequestId() },
  );
}

async function answerTask(sim: Simulation, key: KeyRecord, id: string, res: ServerResponse): Promise<void> {
  const task = sim.tasks.get(id);
  if (!task || task.key.account !== key.account) {
    throw new HttpError(404, 'not_found_error', 'task_not_found', `Task ${id} not found`);
  }
  await advance(sim, task);
  sendJson(res, 200, taskJson(sim, task), { 'x-request-id': sim.nextRequestId() });
}

/** Checks a submit and creates its task, or finds the task an Idempotency-Key already made. */
function submit(sim: Simulation, key: KeyRecord, req: IncomingMessage, body: Buffer): { task: Task; replayed: boolean } {
  const contentType = req.headers['content-type'] ?? '';
  if (!/^application\/json\b/i.test(contentType)) {
    throw new HttpError(400, 'invalid_request_error', 400, 'Content-Type must be application/json');
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(body.toString('utf8'));
  } catch {
    throw new HttpError(400, 'invalid_request_error', 400, 'request body is not valid JSON');
  }
  const idempotencyKey = req.headers['idempotency-key'] as string | undefined;
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
    const { code, message, param } = validation.refusal;
    throw new HttpError(400, 'invalid_request_error', code, message, param);
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
