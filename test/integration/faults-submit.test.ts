import * as assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import * as vscode from 'vscode';
import type { EvoLinkSimulator, HttpFault, Route, TaskOutcome } from '../../simulator/server';
import type { LedgerEntry } from '../../src/common/ledgerEntry';
import type { Services } from '../../src/extension/services';
import { check, demoKey, imagesIn, settle, submits, until, useMatrix, type Expected } from './matrix';
import { paidRequests } from './support';

const folder = () => vscode.Uri.joinPath(vscode.workspace.workspaceFolders![0]!.uri, 'images', 'matrix-submit');

/** One row: faults to inject, the request, and what the user must meet. */
interface Row {
  fault: string;
  faults?: [Route, HttpFault, number?][];
  outcome?: TaskOutcome;
  args?: Record<string, unknown>;
  expected: Expected;
  /** More to check, once the row's outcome is known. */
  also?: (simulator: EvoLinkSimulator, entry: LedgerEntry | undefined) => void | Promise<void>;
}

const rows: Row[] = [
  { fault: 'submit: connection reset after the task was made', faults: [['submit', { kind: 'reset' }]], expected: { state: 'saved', message: /^Saved 1 image/, files: 1, tasks: 1, downloads: 1 } },
  { fault: 'submit: HTTP 500 after the task was made', faults: [['submit', { kind: 'status', status: 500, late: true }]], expected: { state: 'saved', files: 1, tasks: 1, downloads: 1 } },
  { fault: 'submit: HTTP 504 after the task was made, twice', faults: [['submit', { kind: 'status', status: 504, late: true }, 2]], expected: { state: 'saved', files: 1, tasks: 1, downloads: 1 } },
  { fault: 'submit: HTTP 502 HTML page from a proxy', faults: [['submit', { kind: 'status', status: 502, body: 'html' }]], expected: { state: 'saved', files: 1, tasks: 1 } },
  { fault: 'submit: 429 with Retry-After: 1', faults: [['submit', { kind: 'status', status: 429, retryAfter: '1' }]], expected: { state: 'saved', files: 1, tasks: 1 } },
  {
    fault: 'submit: answer lost, then 429 on every replay',
    faults: [['submit', { kind: 'reset' }], ['submit', { kind: 'status', status: 429 }, 3]],
    expected: { state: 'saved', files: 1, tasks: 1, downloads: 1 },
    also: (simulator) => assert.equal(new Set(simulator.requests.filter((request) => request.path === '/v1/images/generations').map((request) => request.idempotencyKey)).size, 1, 'always the same key'),
  },
  {
    fault: 'submit: answer malformed (HTTP 200, cut JSON)',
    faults: [['submit', { kind: 'malformedJson' }]],
    expected: { state: 'saved', files: 1, tasks: 1, downloads: 1 },
    also: (simulator) => assert.ok(submits(simulator) >= 2, 'asked again with the same key'),
  },
  {
    fault: 'submit: refused 400 by EvoLink (a parameter)',
    faults: [['submit', { kind: 'status', status: 400, code: 'invalid_parameter', message: 'size is not available for this account' }]],
    expected: { state: 'removed', message: /^EvoLink refused the request: size is not available for this account/, files: 0, tasks: 0 },
  },
  { fault: 'submit: 401 key rejected', faults: [['submit', { kind: 'status', status: 401, code: 'invalid_api_key', message: 'Invalid API key' }]], expected: { state: 'removed', message: /did not accept the API key/, files: 0, tasks: 0 } },
  { fault: 'submit: 402 balance too low', faults: [['submit', { kind: 'status', status: 402, code: 'insufficient_user_quota', message: 'Insufficient account balance' }]], expected: { state: 'removed', message: /balance is too low/, files: 0, tasks: 0 } },
  {
    fault: 'request the model refuses (n=3 for GPT-4o Image)',
    args: { n: 3 },
    expected: { state: 'removed', message: /^This request cannot be sent as it is: 3 images cannot be requested from this model; choose one of 1, 2, 4\. Nothing was sent/, files: 0, tasks: 0 },
    // Nothing of this request was sent (a task of an earlier row may still be read meanwhile).
    also: (simulator) => assert.deepEqual(paidRequests(simulator), [], 'nothing was sent'),
  },
  { fault: 'poll: 429, 502 HTML and a reset', faults: [['task', { kind: 'status', status: 429, retryAfter: '1' }], ['task', { kind: 'status', status: 502, body: 'html' }], ['task', { kind: 'reset' }]], expected: { state: 'saved', files: 1, tasks: 1, downloads: 1 } },
  { fault: 'poll: malformed JSON', faults: [['task', { kind: 'malformedJson' }, 2]], expected: { state: 'saved', files: 1, tasks: 1 } },
  { fault: 'poll: one 404 (a part of EvoLink that does not know the task yet)', faults: [['task', { kind: 'status', status: 404, code: 'task_not_found', message: 'Task not found' }]], expected: { state: 'saved', files: 1, tasks: 1, downloads: 1 } },
  { fault: 'submit and every read: the JSON starts with a byte order mark', faults: [['submit', { kind: 'bom' }], ['task', { kind: 'bom' }, 1000]], expected: { state: 'saved', files: 1, tasks: 1, downloads: 1 } },
  {
    fault: 'submit: 402 in the documented error body, sent with HTTP 200',
    faults: [['submit', { kind: 'status', status: 402, asStatus: 200, code: 'insufficient_user_quota', message: 'Insufficient account balance' }]],
    expected: { state: 'removed', message: /^Your EvoLink balance is too low for this request/, files: 0, tasks: 0, downloads: 0 },
    also: (simulator) => assert.equal(submits(simulator), 1, 'a refusal, never sent again'),
  },
  { fault: 'poll: 429 with Retry-After sent twice ("1, 1")', faults: [['task', { kind: 'status', status: 429, retryAfter: ['1', '1'] }]], expected: { state: 'saved', files: 1, tasks: 1, downloads: 1 } },
  { fault: 'submit: 307 to another address (not carried out)', faults: [['submit', { kind: 'status', status: 307, body: 'empty' }]], expected: { state: 'removed', message: /web page came back instead of EvoLink's answer/, files: 0, tasks: 0, downloads: 0 }, also: (simulator) => assert.equal(submits(simulator), 1, 'never replayed') },
  { fault: 'poll: 404 three times while the task is young (reads lag behind the submit)', faults: [['task', { kind: 'status', status: 404, code: 'task_not_found', message: 'Task not found' }, 3]], expected: { state: 'saved', files: 1, tasks: 1, downloads: 1 } },
  { fault: 'poll: EvoLink no longer knows the task (404 past its estimate)', faults: [['task', { kind: 'status', status: 404, code: 'task_not_found', message: 'Task not found' }, 1000]], expected: { state: 'stopped', message: /answered twice that it does not know the task task-/, files: 0, tasks: 1, downloads: 0 } },
  {
    fault: 'task fails: content policy',
    outcome: { kind: 'fail', code: 'content_policy_violation' },
    expected: { state: 'failed', message: /content_policy_violation.*Change the prompt or the image/, files: 0, tasks: 1, downloads: 0 },
    also: (simulator) => assert.equal(simulator.balanceOf(demoKey), 1000, 'the reservation came back'),
  },
  { fault: 'task fails: service unavailable', outcome: { kind: 'fail', code: 'service_unavailable' }, expected: { state: 'failed', message: /service_unavailable.*Try again in about 90 s/, files: 0, tasks: 1 } },
  { fault: 'task cancelled at EvoLink ("canceled")', outcome: { kind: 'cancelled', spelling: 'canceled' }, expected: { state: 'cancelled', message: /^EvoLink cancelled the image task/, files: 0, tasks: 1 } },
  { fault: 'task completed without results', outcome: { kind: 'noResults' }, expected: { state: 'stopped', message: /completed without any image/, files: 0, tasks: 1, downloads: 0 } },
  { fault: 'results only in result_data (one object)', outcome: { kind: 'resultDataOnly', shape: 'object' }, expected: { state: 'saved', files: 1, tasks: 1, downloads: 1 } },
  { fault: 'a result slot EvoLink could not fill (null beside the image)', outcome: { kind: 'nullSlot' }, expected: { state: 'saved', files: 1, tasks: 1, downloads: 1 } },
];

describe('Fault matrix: submitting and polling', function () {
  this.timeout(60_000);
  let simulator: EvoLinkSimulator;
  let app: Services;
  useMatrix('Fault matrix: submitting and polling', folder, { taskDurationMs: 1500 }, (ready, services) => {
    simulator = ready;
    app = services;
  });




  for (const row of rows) {
    it(row.fault, async () => {
      for (const [route, fault, times] of row.faults ?? []) simulator.addFault(route, fault, times ?? 1);
      if (row.outcome) simulator.addTaskOutcome(row.outcome);
      const since = Date.now();
      const before = new Set((await app.ctx.tasks.list()).map((entry) => entry.localId));
      await vscode.commands.executeCommand('evolink.generateImage', { quiet: true, model: 'gpt-4o-image', size: '1:1', prompt: `matrix ${row.fault}`, folder: folder().toString(), ...row.args });
      const made = (await app.ctx.tasks.list()).find((entry) => !before.has(entry.localId));
      const entry = made ? await settle(app.ctx.tasks, made.localId) : undefined;
      const notices = app.ctx.notifier.notices().filter((notice) => notice.at >= since);
      check(row.fault, simulator, { entry, notices, files: await imagesIn(folder()) }, row.expected);
      assert.ok(!notices.some((notice) => notice.actions.includes('Retry') && entry?.state === 'unknownOutcome'), 'no plain Retry while the outcome is unknown');
      await row.also?.(simulator, entry);
    });
  }

  it('tells a submit that could not connect as not sent, and keeps no task of it', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));
    await vscode.workspace.getConfiguration('evolink').update('apiBaseUrl', `http://127.0.0.1:${port}`, vscode.ConfigurationTarget.Global);
    try {
      const since = Date.now();
      const before = new Set((await app.ctx.tasks.list()).map((entry) => entry.localId));
      await vscode.commands.executeCommand('evolink.generateImage', { quiet: true, model: 'gpt-4o-image', size: '1:1', prompt: 'matrix nothing listens', folder: folder().toString() });
      const made = (await app.ctx.tasks.list()).find((entry) => !before.has(entry.localId));
      const entry = made ? await settle(app.ctx.tasks, made.localId) : undefined;
      const notices = app.ctx.notifier.notices().filter((notice) => notice.at >= since);
      check('submit: nothing listens at the API address (connection refused)', simulator, { entry, notices, files: await imagesIn(folder()) }, { state: 'removed', message: /^Could not reach EvoLink \(the connection was refused, ECONNREFUSED\)\. Nothing was sent, nothing is charged/, files: 0, tasks: 0 });
    } finally {
      await vscode.workspace.getConfiguration('evolink').update('apiBaseUrl', simulator.urls.api, vscode.ConfigurationTarget.Global);
    }
  });

  it('tells a Submit Again that could not connect as not sent, and keeps the request as it was, to be checked for', async () => {
    simulator.addFault('submit', { kind: 'reset' }, 1000);
    const generated = vscode.commands.executeCommand('evolink.generateImage', { quiet: true, model: 'gpt-4o-image', size: '1:1', prompt: 'matrix sent again offline', folder: folder().toString() });
    const unknown = await until('the outcome to be unknown', async () => (await app.ctx.tasks.list()).find((entry) => entry.request.prompt === 'matrix sent again offline' && entry.state === 'unknownOutcome'), 30_000);
    const lost = await app.ctx.tasks.stopWatching(unknown.localId);
    assert.equal(lost?.state, 'unconfirmed');
    await generated;
    simulator.clearFaults('submit');
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));
    const sent = submits(simulator);
    await vscode.workspace.getConfiguration('evolink').update('apiBaseUrl', `http://127.0.0.1:${port}`, vscode.ConfigurationTarget.Global);
    try {
      const since = Date.now();
      await app.ctx.tasks.submitAgain(lost.localId);
      await until('Submit Again to be refused', async () => ((await app.ctx.tasks.get(lost.localId))?.state === 'unconfirmed' ? true : undefined));
      const entry = await app.ctx.tasks.get(lost.localId);
      assert.equal(entry?.idempotencyKey, lost.idempotencyKey, 'the first key again, to check for the first send');
      assert.equal(entry?.sentAt, lost.sentAt);
      const said = await until('the message', () => app.ctx.notifier.notices().find((notice) => notice.at >= since && /^Sending/.test(notice.message))?.message);
      assert.match(said, /^Sending "matrix sent again offline" again did not go through\. Could not reach EvoLink \(the connection was refused, ECONNREFUSED\)\. Nothing was sent, nothing is charged\..* EvoLink may still have the request from before: check for it/);
    } finally {
      await vscode.workspace.getConfiguration('evolink').update('apiBaseUrl', simulator.urls.api, vscode.ConfigurationTarget.Global);
    }
    assert.equal(submits(simulator), sent, 'nothing reached EvoLink');
    await app.ctx.tasks.forget(lost.localId);
  });

  it('applies a new request timeout without a reload: an answer slower than 5 s is asked again, and paid once', async () => {
    await vscode.workspace.getConfiguration('evolink').update('requestTimeoutSeconds', 5, vscode.ConfigurationTarget.Global);
    simulator.addFault('submit', { kind: 'delay', ms: 6500 });
    const since = Date.now();
    await vscode.commands.executeCommand('evolink.generateImage', { quiet: true, model: 'gpt-4o-image', size: '1:1', prompt: 'matrix slow answer', folder: folder().toString() });
    const entry = (await app.ctx.tasks.list()).find((candidate) => candidate.request.prompt === 'matrix slow answer');
    check('submit: answer slower than the request timeout', simulator, { entry: entry && (await settle(app.ctx.tasks, entry.localId)), notices: app.ctx.notifier.notices().filter((notice) => notice.at >= since), files: await imagesIn(folder()) }, { state: 'saved', files: 1, tasks: 1, downloads: 1 });
    // The simulator logs a request when it answers: the slow first one, after its delay.
    await until('both submits to be logged', () => (submits(simulator) >= 2 ? true : undefined), 5000);
    assert.equal(new Set(simulator.requests.filter((request) => request.path === '/v1/images/generations').map((request) => request.idempotencyKey)).size, 1, 'one key for both');
    await vscode.workspace.getConfiguration('evolink').update('requestTimeoutSeconds', undefined, vscode.ConfigurationTarget.Global);
  });
});
