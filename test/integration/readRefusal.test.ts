import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import type { LedgerEntry } from '../../src/common/ledgerEntry';
import { actionsFor } from '../../src/common/taskState';
import { errorFromHttpResponse } from '../../src/common/errors';
import { answer } from '../../src/extension/agent/toolAnswers';
import { outcomeMessage, progressLine, readRefusalNotice, stateLabel } from '../../src/extension/tasks/outcome';
import { toEntryError } from '../../src/extension/tasks/taskWork';

/** A task of the workspace, as the lifecycle leaves it. */
function task(state: LedgerEntry['state'], extra: Partial<LedgerEntry> = {}): LedgerEntry {
  const folder = vscode.workspace.workspaceFolders?.[0]?.uri ?? vscode.Uri.file('/workspace');
  return {
    localId: 'local-1',
    taskId: 'task-unified-9',
    state,
    progress: 40,
    polls: 3,
    estimatedSeconds: 100,
    request: { model: 'gpt-4o-image', prompt: 'a lighthouse' },
    body: { model: 'gpt-4o-image', prompt: 'a lighthouse', size: '1:1', n: 1 },
    targetFolder: vscode.Uri.joinPath(folder, 'images').toString(),
    createdAt: Date.now(),
    updatedAt: Date.now(),
    sentAt: Date.now(),
    ...extra,
  } as LedgerEntry;
}

describe('Tasks whose reads EvoLink refuses, and tasks completed without links', () => {
  it('tells a refused key once with Set API Key, and a balance too low with Top Up, and says why in the progress line', () => {
    const key = task('running', { error: { reason: 'auth', status: 401, message: 'Invalid key' } });
    const told = readRefusalNotice(key, { setApiKey: () => undefined, showLog: () => undefined })!;
    assert.match(told.text, /refuses to read your running image tasks: it does not accept the API key \(Invalid key\)\. Set a valid key/);
    assert.deepEqual(told.actions.map((action) => action.title), ['Set API Key', 'Show Tasks']);
    assert.match(progressLine(key, Date.now()), /^40% · EvoLink does not accept the API key; waiting for a valid key/);
    const credits = task('running', { error: { reason: 'credits', status: 402, message: 'insufficient_user_quota' } });
    const topUp = readRefusalNotice(credits)!;
    assert.match(topUp.text, /too low \(insufficient_user_quota\)\. Top up/);
    assert.equal(topUp.actions[0]?.title, 'Top Up');
    assert.match(progressLine(credits, Date.now()), /too few credits; waiting for a top-up/);
    assert.equal(readRefusalNotice(task('running', { error: { reason: 'network' } })), undefined);
  });

  it("tells a key's own credit limit as such, with Manage Keys rather than Top Up, also once kept in the ledger", () => {
    const limited = task('running', { error: toEntryError(errorFromHttpResponse(402, JSON.stringify({ error: { code: 'token_quota_exhausted', message: 'key quota used up' } }), () => undefined)) });
    assert.equal(limited.error?.creditsScope, 'key');
    const told = readRefusalNotice(limited, { setApiKey: () => undefined, showLog: () => undefined })!;
    assert.match(told.text, /this API key has reached its own credit limit \(key quota used up\)\. Raise the key's limit/);
    assert.doesNotMatch(told.text, /Top up/);
    assert.deepEqual(told.actions.map((action) => action.title), ['Manage Keys', 'Set API Key']);
    assert.match(progressLine(limited, Date.now()), /the key's credit limit is reached; waiting/);
    assert.match(answer(limited), /its own credit limit.*raise the key's limit or set another key/);
  });

  it('says a result download that left https for plain http was refused so that nobody on the way sees or alters it, and offers Download Over HTTP, apart from other refused links', () => {
    const refused = task('saveFailed', { error: { reason: 'invalidResponse', code: 'refusedLink', param: 'downgrade' } });
    const downgraded = outcomeMessage(refused, false)!;
    assert.match(downgraded.text, /redirected from a secure https address to an insecure http one.*"Download Over HTTP…" downloads them anyway once you agree/);
    assert.equal(actionsFor(refused)[0], 'downloadOverHttp');
    assert.match(answer(refused), /"Download Over HTTP…".*Do not submit it again/);
    const local = outcomeMessage(task('saveFailed', { error: { reason: 'invalidResponse', code: 'refusedLink', param: 'loopback' } }), false)!;
    assert.match(local.text, /leads where the extension does not download from/);
  });

  it('says that no key is set, or that the key was not set for the address, rather than that EvoLink refused it; a proxy page is no refusal of the key', () => {
    const none = task('running', { error: { reason: 'auth', code: 'noKey', message: 'No API key is set.', notSent: true } });
    const noKey = readRefusalNotice(none, { setApiKey: () => undefined, showLog: () => undefined })!;
    assert.match(noKey.text, /^No EvoLink API key is set, so your running image tasks cannot be read\. Set your key/);
    assert.doesNotMatch(noKey.text, /refuses|No API key is set\./);
    assert.equal(noKey.actions[0]?.title, 'Set API Key');
    assert.match(progressLine(none, Date.now()), /no API key is set; waiting for one/);
    const elsewhere = task('running', { error: { reason: 'configuration', code: 'keyElsewhere', param: 'evolink.apiBaseUrl', message: 'https://gateway.example', notSent: true } });
    const other = readRefusalNotice(elsewhere, { setApiKey: () => undefined, showLog: () => undefined })!;
    assert.match(other.text, /^Nothing was sent: the setting evolink\.apiBaseUrl sends requests to https:\/\/gateway\.example.*Your running image tasks wait until then/);
    assert.equal(other.actions[0]?.title, 'Set API Key');
    assert.equal(readRefusalNotice(task('running', { error: { reason: 'auth', code: 'webPage', status: 401, message: 'Sign in' } })), undefined);
  });

  it('says a task completed without links may still bring its images, offers Check Again first, and says it once', () => {
    const empty = task('stopped', { attention: 'deadline', error: { reason: 'invalidResponse', code: 'no_results' } });
    const message = outcomeMessage(empty, false)!;
    assert.equal(message.kind, 'warning');
    assert.match(message.text, /completed without any image.*Its images may still come: the extension looks again every few minutes/);
    assert.doesNotMatch(message.text, /taking longer than expected/);
    assert.match(stateLabel(empty), /completed, no images yet/);
    assert.equal(actionsFor(empty)[0], 'checkAgain');
    assert.equal(outcomeMessage({ ...empty, lateLooks: 1 }, false), undefined, 'the quiet looks say nothing more');
  });
});
