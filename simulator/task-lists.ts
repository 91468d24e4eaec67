import type { IncomingMessage } from 'node:http';
import { HttpError, parseJsonBody } from './http';
import type { Simulation } from './state';
import { advance, isAlive, listItemJson, taskJson, wireStatus } from './tasks';
import type { KeyRecord, Task } from './types';

/*
 * The task lists the vendor's own clients use (contract, "Task lists"): `GET /v1/tasks` pages
 * through an account's tasks, newest first and without result links; `POST /v1/tasks/batch`
 * answers many full task objects at once. Both read the tasks they answer, as a query does.
 */

const statusFilters = ['pending', 'processing', 'completed', 'failed', 'cancelled', 'canceled'];
const types = ['text', 'image', 'audio', 'video'];
const maxBatch = 50;

const invalid = (param: string, message: string): HttpError => new HttpError(400, 'invalid_request_error', 400, message, param);

/** A whole number query parameter within bounds, or its default when absent or empty. */
function integerParam(query: URLSearchParams, name: string, fallback: number, min: number, max: number): number {
  const raw = query.get(name);
  if (raw === null || raw === '') return fallback;
  const value = /^\d+$/.test(raw) ? Number(raw) : NaN;
  if (!(value >= min && value <= max)) {
    throw invalid(name, `${name} must be an integer from ${min}${max === Infinity ? '' : ` to ${max}`}`);
  }
  return value;
}

/** A task of this key's account that has not expired. */
function ownTask(sim: Simulation, key: KeyRecord, id: string): Task | undefined {
  const task = sim.tasks.get(id);
  return task && task.key.account === key.account && isAlive(sim, task) ? task : undefined;
}

function matchesStatus(task: Task, filter: string): boolean {
  // The service lists queued tasks under `processing`.
  if (filter === 'processing') return task.status === 'pending' || task.status === 'processing';
  if (filter === 'cancelled' || filter === 'canceled') return task.status === 'cancelled';
  return wireStatus(task) === filter;
}

/** `GET /v1/tasks?status=&type=&model=&page=&page_size=`: `{data, total, page, page_size}`. */
export async function listTasks(sim: Simulation, key: KeyRecord, query: URLSearchParams): Promise<unknown> {
  const page = integerParam(query, 'page', 1, 1, Infinity);
  const gateway = sim.settings.taskList === 'gateway';
  const pageSize = Math.min(integerParam(query, 'page_size', 20, 1, 100), gateway ? 10 : 100);
  const status = query.get('status') ?? '';
  if (status !== '' && !statusFilters.includes(status)) {
    throw invalid('status', `status must be one of ${statusFilters.join(', ')}`);
  }
  const type = query.get('type') ?? '';
  if (type !== '' && !types.includes(type)) {
    throw invalid('type', `type must be one of ${types.join(', ')}`);
  }
  const model = query.get('model') ?? '';
  const own = [...sim.tasks.values()].filter((task) => ownTask(sim, key, task.id));
  await Promise.all(own.map((task) => advance(sim, task)));
  const matching = own
    .filter((task) => (status === '' || matchesStatus(task, status)) && (type === '' || type === 'image') && (model === '' || task.request.model === model))
    .sort((a, b) => b.seq - a.seq);
  const data = matching.slice((page - 1) * pageSize, page * pageSize).map((task) => listItemJson(task, gateway));
  // A gateway written in Go answers an empty page's nil slice as `null`.
  return { data: gateway && data.length === 0 ? null : data, total: gateway ? null : matching.length, page, page_size: pageSize };
}

/** `POST /v1/tasks/batch` with `{"task_ids": [...]}`: `{data: [task objects]}`, unknown ids left out. */
export async function batchTasks(sim: Simulation, key: KeyRecord, req: IncomingMessage, body: Buffer): Promise<unknown> {
  const parsed = parseJsonBody(req, body);
  const ids = (parsed as { task_ids?: unknown } | null)?.task_ids;
  if (!Array.isArray(ids) || ids.length < 1 || ids.length > maxBatch || !ids.every((id) => typeof id === 'string' && id !== '')) {
    throw invalid('task_ids', `task_ids must be an array of 1 to ${maxBatch} task ids`);
  }
  const found = [...new Set(ids as string[])].map((id) => ownTask(sim, key, id)).filter((task): task is Task => task !== undefined);
  for (const task of found) {
    await advance(sim, task);
  }
  return { data: found.map((task) => taskJson(sim, task)) };
}
