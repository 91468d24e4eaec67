import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import type { LedgerEntry } from '../../src/common/ledgerEntry';
import { EvoLinkError, errorFromHttpResponse } from '../../src/common/errors';
import { describeMessage } from '../../src/extension/commands/errorPresenter';
import { outcomeMessage } from '../../src/extension/tasks/outcome';

/** A task of the workspace at its end, with what went wrong. */
function ended(state: LedgerEntry['state'], error: LedgerEntry['error'], extra: Partial<LedgerEntry> = {}): LedgerEntry {
  const folder = vscode.workspace.workspaceFolders?.[0]?.uri ?? vscode.Uri.file('/workspace');
  return {
    localId: 'local-1',
    taskId: 'task-unified-7',
    state,
    request: { model: 'gpt-4o-image', prompt: 'a lighthouse' },
    body: { model: 'gpt-4o-image', prompt: 'a lighthouse', size: '1:1', n: 1 },
    targetFolder: vscode.Uri.joinPath(folder, 'images', 'generated').toString(),
    createdAt: 0,
    updatedAt: 0,
    ...(error ? { error } : {}),
    ...extra,
  } as LedgerEntry;
}

describe('What the end of a task says', () => {
  it('tells a certificate or a proxy on the server of the result links as such, and that the links wait', () => {
    const certificate = outcomeMessage(ended('saveFailed', { reason: 'certificate', code: 'SELF_SIGNED_CERT_IN_CHAIN', message: 'x' }), false)!.text;
    assert.match(certificate, /certificate of the server that holds them is not trusted \(SELF_SIGNED_CERT_IN_CHAIN\).*http\.systemCertificates.*24 hours/);
    assert.doesNotMatch(certificate, /unexpected answer|Nothing was sent/);
    assert.match(outcomeMessage(ended('saveFailed', { reason: 'proxy', status: 407, message: 'x' }), false)!.text, /proxy asks for credentials to download them \(HTTP 407\)/);
    assert.match(outcomeMessage(ended('saveFailed', { reason: 'proxy', status: 403, message: 'x' }), false)!.text, /proxy refused their download \(HTTP 403\)/);
  });

  it('promises no refund for a task without images that EvoLink says it charged, and names the task for its support', () => {
    const charged = outcomeMessage(ended('failed', { reason: 'server', code: 'no_results', message: 'x' }, { creditsUsed: 2.5 }), false)!.text;
    assert.match(charged, /reports 2\.5 credits used\. Contact EvoLink support with the task id task-unified-7/);
    assert.doesNotMatch(charged, /returned/);
    assert.match(outcomeMessage(ended('failed', { reason: 'server', code: 'no_results', message: 'x' }, { creditsUsed: 0 }), false)!.text, /without any image \(task task-unified-7\)\. Reserved credits are returned/);
    // EvoLink said nothing of what it charged: nothing is promised either way.
    const unsaid = outcomeMessage(ended('failed', { reason: 'server', code: 'no_results', message: 'x' }), false)!.text;
    assert.match(unsaid, /If credits were taken for it, contact EvoLink support with the task id/);
    assert.doesNotMatch(unsaid, /returned/);
  });

  it("tells a firewall's page refusing the request as a page in the way, not as EvoLink refusing the key, and a gateway's page by its title", () => {
    const blocked = describeMessage(errorFromHttpResponse(403, '<html><head><title>Blocked</title></head><body>Zscaler</body></html>', () => undefined));
    assert.match(blocked, /A web page came back instead of EvoLink's answer/);
    assert.doesNotMatch(blocked, /API key/);
    const gateway = describeMessage(errorFromHttpResponse(502, '<!DOCTYPE html><html><head><title>502 Bad Gateway</title><style>p{}</style></head></html>', () => undefined));
    assert.match(gateway, /EvoLink had a problem \(502 Bad Gateway\)/);
    assert.doesNotMatch(gateway, /DOCTYPE|style/);
  });

  it("shows a gateway's error body with null fields in its words, and EvoLink's suggestion whatever the failure", () => {
    const nulls = describeMessage(errorFromHttpResponse(400, JSON.stringify({ error: { code: null, message: 'size must be 1:1 (request id: 77)', type: null, param: null } }), () => undefined));
    assert.equal(nulls, 'EvoLink refused the request: size must be 1:1 Request id: 77.');
    const busy = describeMessage(errorFromHttpResponse(503, JSON.stringify({ error: { code: 'model_busy', message: 'busy', type: 'service_unavailable_error', fallback_suggestion: 'use gpt-image-1.5-lite' } }), () => undefined));
    assert.match(busy, /EvoLink suggests: use gpt-image-1\.5-lite$/);
    const refused = describeMessage(errorFromHttpResponse(400, JSON.stringify({ error: { code: 'bad_size', message: 'bad size', param: 'size', fallback_suggestion: 'try 1:1' } }), () => undefined));
    assert.match(refused, /^EvoLink refused the request: bad size \(parameter: size\)\. EvoLink suggests: try 1:1$/);
    // Refused in the background (a replay): the task keeps both, and says them when it is shown.
    const later = outcomeMessage(ended('failed', { reason: 'invalidRequest', code: 'bad_size', message: 'bad size', param: 'size', suggestion: 'try 1:1' }), false)!.text;
    assert.match(later, /^EvoLink refused the request: bad size \(parameter: size\)\. EvoLink suggests: try 1:1$/);
  });

  it('says which of reading or writing a file failed, and what to do', () => {
    const said = (code: string): string => describeMessage(new EvoLinkError('fileSystem', 'x', { code, path: 'images/generated' }));
    assert.match(said('readFailed'), /^images\/generated cannot be read\. Check that it still exists/);
    assert.match(said('diskFull'), /^images\/generated cannot be written: the disk is full\. Free some space/);
    assert.match(said('readOnly'), /^images\/generated cannot be written \(read-only, or no permission\)\. Choose another folder in the setting "evolink\.outputFolder"/);
    assert.match(said('writeFailed'), /^images\/generated could not be written\. The details are in the output/);
  });

  it('says a download that came too slowly, or compressed in a way that could not be read, in its own words', () => {
    assert.match(outcomeMessage(ended('saveFailed', { reason: 'timeout', code: 'tooSlow', message: 'x' }), false)!.text, /could not be downloaded: it came slower than 1 KB\/s for a minute/);
    assert.match(outcomeMessage(ended('saveFailed', { reason: 'invalidResponse', code: 'badContentCoding', message: 'x' }), false)!.text, /compressed in a way that could not be read/);
  });
});
