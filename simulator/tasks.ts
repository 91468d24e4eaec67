import { createHash, randomBytes } from 'node:crypto';
import { renderImage } from './images';
import { mimeOf, round } from './http';
import { drawSteps } from './curves';
import { durationOf, pendingShare, progressOf, unitsOf } from './progress';
import { resultLifetimeMs, type TaskErrorCode } from './rules';
import type { Simulation } from './state';
import type { KeyRecord, Task } from './types';
import { producedCount, type ValidRequest } from './validation';

/*
 * The life of a task: created with a reservation, moved along the task clock by each read
 * (pending, processing with progress, then its outcome), rendered and billed when it ends.
 */

const failureMessages: Record<TaskErrorCode, string> = {
  content_policy_violation: 'Content policy violation. The prompt or image was flagged by the safety system.',
  invalid_parameters: 'Invalid parameters for this model.',
  image_processing_error: 'The input image could not be processed.',
  image_dimension_mismatch: 'The mask and the image have different dimensions.',
  request_cancelled: 'The request was cancelled.',
  generation_failed_no_content: 'The model produced no content for this prompt.',
  service_error: 'The upstream service had an error.',
  generation_timeout: 'Generation timed out.',
  resource_exhausted: 'The upstream resources are exhausted; try again in 30-60 seconds.',
  quota_exceeded: 'The upstream quota is exceeded; try again later.',
  service_unavailable: 'The service is temporarily unavailable; try again in 1-2 minutes.',
  resource_not_found: 'The resource was not found or has expired.',
  unknown_error: 'An unknown error occurred.',
};

/** Creates a pending task whose reservation has already been taken from the key. */
export function createTask(sim: Simulation, key: KeyRecord, request: ValidRequest, reserved: number): Task {
  const created = Math.floor(sim.clock.now() / 1000);
  sim.taskCounter++;
  const suffix = createHash('sha256')
    .update(`${created}-${sim.taskCounter}-${randomBytes(4).toString('hex')}`)
    .digest('base64url')
    .replace(/[^a-z0-9]/gi, '')
    .toLowerCase()
    .slice(0, 8);
  const id = `task-unified-${created}-${suffix}`;
  const outcome = sim.takeOutcome();
  const settings = sim.settings;
  const estimateMs = request.rules.estimatedSeconds * 1000;
  // The task's own timing wins over the settings; a fixed duration wins over a factor.
  let durationMs = outcome?.durationMs ?? (outcome?.durationFactor !== undefined ? durationOf(id, estimateMs, outcome.durationFactor) : undefined);
  durationMs ??= settings.taskDurationMs ?? durationOf(id, estimateMs, settings.durationFactor);
  const curve = outcome?.curve ?? settings.progressCurve ?? 'easeOut';
  const stepKind = settings.stepLevels ?? 'fixed';
  const queueMs = settings.queueSeconds ? Math.round(Math.min(unitsOf(`${id}:queue`)() * settings.queueSeconds * 1000, durationMs / 2)) : 0;
  const task: Task = {
    id,
    seq: sim.taskCounter,
    created,
    createdSim: sim.clock.now(),
    durationMs,
    curve,
    ...(curve === 'stepwise' && stepKind !== 'fixed' ? { steps: drawSteps(unitsOf(id), stepKind) } : {}),
    ...(queueMs > 0 ? { queueMs } : {}),
    key,
    request,
    reserved,
    outcome,
    status: 'pending',
    progress: 0,
    results: undefined,
    error: undefined,
    creditsUsed: undefined,
    finishing: undefined,
  };
  sim.tasks.set(id, task);
  return task;
}

/** Whether a task is still known: tasks live for `taskLifetimeMs` when it is set. */
export function isAlive(sim: Simulation, task: Task): boolean {
  const lifetime = sim.settings.taskLifetimeMs;
  return lifetime === undefined || sim.clock.now() - task.createdSim < lifetime;
}

function isOver(task: Task): boolean {
  return task.status === 'completed' || task.status === 'failed' || task.status === 'cancelled';
}

/**
 * When (simulated ms) a task's outcome is there at the service, whether or not anyone has read
 * it yet; `undefined` for a task that never finishes. Follows {@link advance}.
 */
export function outcomeAt(task: Task): number | undefined {
  const kind = task.outcome?.kind;
  if (kind === 'neverFinish') return undefined;
  const share = kind === 'fail' ? 0.5 : kind === 'cancelled' ? 0.3 : 1;
  const queueMs = task.queueMs ?? 0;
  return task.createdSim + queueMs + (task.durationMs - queueMs) * share;
}

/** Moves a task along the clock: pending, processing with progress, then its outcome. */
export async function advance(sim: Simulation, task: Task): Promise<void> {
  if (task.finishing) {
    await task.finishing;
  }
  if (isOver(task)) {
    return;
  }
  const elapsedMs = sim.clock.now() - task.createdSim;
  // Behind a queue the task is pending, and its curve runs over the rest of its duration.
  const queueMs = task.queueMs ?? 0;
  const fraction = Math.max(0, elapsedMs - queueMs) / (task.durationMs - queueMs);
  const outcome = task.outcome;
  if (outcome?.kind === 'fail' && fraction >= 0.5) {
    settle(task, 0);
    task.status = 'failed';
    task.error = { code: outcome.code, message: outcome.message ?? failureMessages[outcome.code] };
    return;
  }
  if (outcome?.kind === 'cancelled' && fraction >= 0.3) {
    settle(task, 0);
    task.status = 'cancelled';
    return;
  }
  if (fraction < pendingShare) {
    task.status = 'pending';
    task.progress = 0;
    return;
  }
  if (fraction < 1 || outcome?.kind === 'neverFinish') {
    task.status = 'processing';
    task.progress = progressOf(task, fraction, elapsedMs, outcome?.kind === 'neverFinish' ? 95 : 99);
    return;
  }
  task.finishing = finish(sim, task);
  await task.finishing;
  task.finishing = undefined;
}

async function finish(sim: Simulation, task: Task): Promise<void> {
  const request = task.request;
  if (task.outcome?.kind === 'noResults') {
    settle(task, 0);
    task.results = [];
    task.status = 'completed';
    task.progress = 100;
    return;
  }
  const count = producedCount(request);
  const format = request.rules.resultFormat;
  const urls: string[] = [];
  for (let index = 0; index < count; index++) {
    const seed = JSON.stringify([request.model, request.prompt, request.sizeLabel, request.quality ?? '', request.imageUrls, index]);
    const bytes = await renderImage(seed, request.width, request.height, format, { noise: sim.settings.noisyResults ?? false, prompt: request.prompt });
    // The link ends in .png whatever the bytes are, as some CDNs do: the type is in the bytes.
    const url = `${sim.urls.cdn}/results/${task.id}/${index}.png`;
    sim.images.set(url, {
      bytes,
      format,
      width: request.width,
      height: request.height,
      mime: mimeOf[format] as string,
      expiresAtSim: sim.clock.now() + resultLifetimeMs,
    });
    urls.push(url);
  }
  settle(task, round(count * request.rules.price));
  task.results = urls;
  task.status = 'completed';
  task.progress = 100;
}

/** Charges what was produced and returns the rest of the reservation. */
function settle(task: Task, charge: number): void {
  const refund = round(task.reserved - charge);
  task.key.account.balance = round(task.key.account.balance + refund);
  task.key.account.used = round(task.key.account.used + charge);
  task.key.used = round(task.key.used - refund);
  task.creditsUsed = charge;
}

/** The submit answer: the documented pending task object. */
export function submitJson(task: Task): unknown {
  return {
    created: task.created,
    id: task.id,
    model: task.request.model,
    object: 'image.generation.task',
    progress: 0,
    status: 'pending',
    task_info: { can_cancel: true, estimated_time: task.request.rules.estimatedSeconds },
    type: 'image',
    usage: { billing_rule: 'per_call', credits_reserved: task.reserved, user_group: 'default' },
  };
}

/** The status a task answers, spelled as its outcome asks. */
export function wireStatus(task: Task): string {
  return task.status === 'cancelled' && task.outcome?.kind === 'cancelled' ? (task.outcome.spelling ?? 'cancelled') : task.status;
}

/** The query answer: the task object with its results or its error. */
export function taskJson(sim: Simulation, task: Task): unknown {
  const json: Record<string, unknown> = {
    created: task.created,
    id: task.id,
    model: task.request.model,
    object: 'image.generation.task',
    progress: task.progress,
    status: wireStatus(task),
    task_info: { can_cancel: task.status === 'pending' || task.status === 'processing' },
    type: 'image',
    usage: { billing_rule: 'per_call', credits_reserved: task.reserved, user_group: 'default' },
  };
  if (task.status === 'pending' || task.status === 'processing') {
    // The query answers the same object as the submit: the estimate does not count down.
    json.task_info = { can_cancel: true, estimated_time: task.request.rules.estimatedSeconds };
  }
  if (task.creditsUsed !== undefined) {
    (json.usage as Record<string, unknown>).credits_used = task.creditsUsed;
  }
  if (task.status === 'completed' && task.results) {
    const results = task.results.map((url) => linkOf(sim, url));
    const resultData = results.map((url) => ({ image_url: url }));
    if (task.outcome?.kind === 'resultDataOnly') {
      json.result_data = task.outcome.shape === 'object' ? resultData[0] : resultData;
    } else if (task.outcome?.kind === 'nullSlot') {
      json.results = [...results, null];
      json.result_data = [...resultData, { image_url: null }];
    } else {
      json.results = results;
      if (sim.settings.resultData === 'array') json.result_data = resultData;
      if (sim.settings.resultData === 'object') json.result_data = resultData[0];
    }
  }
  if (task.status === 'failed' && task.error) {
    json.error = task.error;
  }
  return json;
}

/** A result link as answered: on the CDN, or on `resultUrlBase` when a test asks for another base. */
function linkOf(sim: Simulation, url: string): string {
  const base = sim.settings.resultUrlBase;
  return base !== undefined && url.startsWith(sim.urls.cdn) ? base.replace(/\/+$/, '') + url.slice(sim.urls.cdn.length) : url;
}

/** A task as `GET /v1/tasks` lists it: a summary without result links. */
export function listItemJson(task: Task, nulls = false): unknown {
  const unfinished = task.status === 'pending' || task.status === 'processing';
  return {
    id: task.id,
    status: wireStatus(task),
    model: task.request.model,
    type: 'image',
    progress: nulls && task.status === 'pending' ? null : task.progress,
    // A gateway that keeps its tasks in SQL prints the moment as the database's UTC time, without a zone.
    created_at: nulls ? new Date(task.created * 1000).toISOString().slice(0, 19).replace('T', ' ') : task.created,
    credits_used: nulls && unfinished ? null : (task.creditsUsed ?? 0),
    has_results: task.status === 'completed' && (task.results?.length ?? 0) > 0,
    has_error: task.status === 'failed',
  };
}
