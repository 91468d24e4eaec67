import * as assert from 'node:assert/strict';
import { clockAhead, epochSeconds, listedTasks, taskBatchSchema, taskListSchema, taskSchema, toBatchSnapshots, toSnapshot, uploadResponseSchema } from '../../src/common/wire';

describe('Task answers', () => {
  it('parses the seed submit answers verbatim', () => {
    const seeds = [
      `{"created":1757156493,"id":"task-unified-1757156493-imcg5zqt","model":"gpt-4o-image","object":"image.generation.task","progress":0,"status":"pending","task_info":{"can_cancel":true,"estimated_time":100},"type":"image","usage":{"billing_rule":"per_call","credits_reserved":2.5,"user_group":"default"}}`,
      `{"created":1757156493,"id":"task-unified-1757156493-imcg5zqt","model":"gpt-image-1.5-lite","object":"image.generation.task","progress":0,"status":"pending","task_info":{"can_cancel":true,"estimated_time":100},"type":"image","usage":{"billing_rule":"per_call","credits_reserved":2.5,"user_group":"default"}}`,
      `{"created":1757165031,"id":"task-unified-1757165031-seedream4d","model":"doubao-seedream-4.5","object":"image.generation.task","progress":0,"status":"pending","task_info":{"can_cancel":true,"estimated_time":45},"type":"image","usage":{"billing_rule":"per_call","credits_reserved":1.8,"user_group":"default"}}`,
    ];
    for (const text of seeds) {
      const snapshot = toSnapshot(taskSchema.parse(JSON.parse(text)));
      assert.equal(snapshot.state, 'pending');
      assert.ok(snapshot.estimatedSeconds === 100 || snapshot.estimatedSeconds === 45);
      assert.ok(snapshot.creditsReserved === 2.5 || snapshot.creditsReserved === 1.8);
    }
  });

  it('parses the documented completed and failed answers verbatim', () => {
    const completed = toSnapshot(taskSchema.parse(JSON.parse(`{ "created": 1756817821, "id": "task-unified-1756817821-4x3rx6ny", "model": "gpt-4o-image",
  "object": "image.generation.task", "progress": 100, "status": "completed",
  "results": ["https://cdn.example/image.png"], "task_info": { "can_cancel": false }, "type": "image" }`)));
    assert.equal(completed.state, 'completed');
    assert.deepEqual(completed.resultUrls, ['https://cdn.example/image.png']);
    const failed = toSnapshot(taskSchema.parse(JSON.parse(`{ "id": "task-unified-1772618027-cmeisy8h", "object": "image.generation.task", "status": "failed",
  "model": "gpt-4o-image", "progress": 0,
  "error": { "code": "content_policy_violation", "message": "Content policy violation. ..." } }`)));
    assert.equal(failed.state, 'failed');
    assert.deepEqual(failed.error, { code: 'content_policy_violation', message: 'Content policy violation. ...' });
  });

  it('counts the result items that gave no http(s) link, to be logged', () => {
    const base = { id: 't', status: 'completed' };
    const mixed = toSnapshot(taskSchema.parse({ ...base, results: ['data:image/png;base64,iVBORw0KGgo=', 'https://cdn.example/x.png', 'https://cdn.example/x.png'] }));
    assert.deepEqual(mixed.resultUrls, ['https://cdn.example/x.png']);
    assert.equal(mixed.unusableLinks, 1, 'a repeated link is no unusable one');
    assert.equal(toSnapshot(taskSchema.parse({ ...base, results: ['https://cdn.example/y.png'] })).unusableLinks, undefined);
  });

  it('takes result URLs from result_data too, as an array or a single object, each once', () => {
    const base = { id: 't', status: 'completed' };
    assert.deepEqual(toSnapshot(taskSchema.parse({ ...base, result_data: [{ image_url: 'https://a/1.png' }, { image_url: 'https://a/2.png' }] })).resultUrls, ['https://a/1.png', 'https://a/2.png']);
    assert.deepEqual(toSnapshot(taskSchema.parse({ ...base, result_data: { image_url: 'https://a/1.png' } })).resultUrls, ['https://a/1.png']);
    assert.deepEqual(toSnapshot(taskSchema.parse({ ...base, results: ['https://a/1.png'], result_data: [{ image_url: 'https://a/1.png' }] })).resultUrls, ['https://a/1.png']);
    assert.deepEqual(toSnapshot(taskSchema.parse({ ...base, results: [] })).resultUrls, []);
  });

  it('keeps the images it can read when one result slot is odd (a null, a single link, an item without a link)', () => {
    const urls = (extra: object) => toSnapshot(taskSchema.parse({ id: 't', status: 'completed', ...extra })).resultUrls;
    assert.deepEqual(urls({ results: ['https://a/1.png', null, 'https://a/3.png'] }), ['https://a/1.png', 'https://a/3.png']);
    assert.deepEqual(urls({ results: 'https://a/1.png' }), ['https://a/1.png']);
    assert.deepEqual(urls({ results: [7, {}], result_data: [{ image_url: null, url: 'https://a/2.png' }, null, { image_url: 5 }] }), ['https://a/2.png']);
    assert.deepEqual(urls({ results: { not: 'a list' } }), []);
    assert.deepEqual(urls({ results: [{ url: 'https://a/4.png' }, { image_url: 'https://a/5.png' }] }), ['https://a/4.png', 'https://a/5.png'], 'a list of objects');
    assert.deepEqual(urls({ results: [' https://a/6.png\n'], result_data: [{ image_url: ' ', url: '\thttps://a/7.png ' }] }), ['https://a/6.png', 'https://a/7.png'], 'blanks around a link');
    assert.deepEqual(urls({ results: ['//cdn.example/8.png', '///local/9.png'] }), ['https://cdn.example/8.png'], 'a link without its scheme is read over https');
    assert.deepEqual(urls({ result_data: [{ image_url: 'not a link', url: 'https://a/6.png' }] }), ['https://a/6.png'], 'the field that is a link');
  });

  it('reads an error without code or message, or given as a message alone, and ignores an empty one', () => {
    const error = (value: unknown) => toSnapshot(taskSchema.parse({ id: 't', status: 'failed', error: value })).error;
    assert.equal(error({ code: null, message: null }), undefined);
    assert.equal(error(''), undefined);
    assert.equal(error({ code: '', message: '' }), undefined);
    assert.deepEqual(error('Generation failed'), { code: 'unknown_error', message: 'Generation failed' });
    assert.deepEqual(error({ code: 'generation_timeout', message: null }), { code: 'generation_timeout', message: '' });
    assert.deepEqual(toSnapshot(taskSchema.parse({ id: 't', status: 'completed', results: ['https://a/1.png'], error: { code: null } })).resultUrls, ['https://a/1.png']);
  });

  it('leaves a failed batch item without its error to the task\'s own query (its code says whether to change the request)', () => {
    const found = toBatchSnapshots({ data: [{ id: 'a', status: 'failed', has_error: true }, { id: 'b', status: 'failed', error: { code: 'content_policy_violation' } }, { id: 'c', status: 'failed', error: { code: '', message: '' } }] }, ['a', 'b', 'c']);
    assert.deepEqual([...found.keys()], ['b']);
  });

  it('treats cancelled and canceled as terminal, and keeps unknown statuses unknown', () => {
    assert.equal(toSnapshot(taskSchema.parse({ id: 't', status: 'canceled' })).state, 'cancelled');
    assert.equal(toSnapshot(taskSchema.parse({ id: 't', status: 'cancelled' })).state, 'cancelled');
    assert.equal(toSnapshot(taskSchema.parse({ id: 't', status: 'warming_up' })).state, 'unknown');
  });

  it('reads credits used or cost, and a numeric error code', () => {
    const snapshot = toSnapshot(taskSchema.parse({ id: 't', status: 'failed', usage: { cost: 1.8 }, error: { code: 500 } }));
    assert.equal(snapshot.creditsUsed, 1.8);
    assert.equal(snapshot.error?.code, '500');
  });

  it('takes an estimate of a second to an hour, and no other', () => {
    const estimate = (estimated_time: number) => toSnapshot(taskSchema.parse({ id: 't', status: 'processing', task_info: { estimated_time } })).estimatedSeconds;
    assert.deepEqual([45, 1, 3600].map(estimate), [45, 1, 3600]);
    assert.deepEqual([0, -5, 0.2, 86_400, 1e9].map(estimate), [undefined, undefined, undefined, undefined, undefined]);
  });

  it('refuses an answer without id or status, and ignores unknown fields', () => {
    assert.equal(taskSchema.safeParse({ status: 'pending' }).success, false);
    assert.equal(taskSchema.safeParse({ id: 't' }).success, false);
    assert.equal(taskSchema.safeParse({ id: 't', status: 'pending', brand_new: { x: 1 } }).success, true);
  });

  it('reads null, or a value of another type, in a field it can do without as absent, and progress not given as not known', () => {
    const parsed = taskSchema.safeParse({ id: 't', status: 'processing', created: null, model: null, progress: null, task_info: { can_cancel: null, estimated_time: null }, usage: null, duration: '12' });
    assert.ok(parsed.success);
    const snapshot = toSnapshot(parsed.data);
    assert.equal(snapshot.state, 'processing');
    assert.equal(snapshot.progress, undefined);
    assert.equal(snapshot.estimatedSeconds, undefined);
    assert.equal(toSnapshot(taskSchema.parse({ id: 't', status: 'completed', usage: { credits_used: null, cost: 3 }, results: ['https://cdn.example/a.png'] })).creditsUsed, 3);
    assert.equal(toSnapshot(taskSchema.parse({ id: 't', status: 'processing', progress: 140 })).progress, 100);
  });

  it('reads a status with blanks around it, and a moment given as a string or a date', () => {
    assert.equal(toSnapshot(taskSchema.parse({ id: 't', status: ' Completed ', results: ['https://cdn.example/a.png'] })).state, 'completed');
    const at = (created: unknown) => toSnapshot(taskSchema.parse({ id: 't', status: 'pending', created })).createdAt;
    assert.deepEqual([at(1757156493), at(1757156493123), at('1757156493'), at('2025-09-06 11:01:33'), at('2025-09-06T11:01:33+00:00'), at(0), at('soon')], [1757156493000, 1757156493123, 1757156493000, 1757156493000, 1757156493000, undefined, undefined]);
  });

  it('reads a date without a zone in UTC, whatever the zone of this machine', () => {
    // 2025-09-06 10:00:00 UTC; read in the machine's zone it would move by hours in most of the world.
    assert.deepEqual(['2025-09-06 10:00:00', '2025-09-06T10:00:00', '2025-09-06T10:00:00.000', '2025-09-06T18:00:00+08:00', '1757152800', 1757152800000].map(epochSeconds), Array(6).fill(1757152800));
    const page = taskListSchema.parse({ data: [{ id: 'a', created_at: '2025-09-06 10:00:00' }, null, { id: 'b', created_at: '1757152800' }], total: 3 });
    assert.deepEqual(listedTasks(page).map((item) => item.createdAt), [1757152800, 1757152800]);
    // A gateway that lists task objects names the moment as they do.
    assert.deepEqual(listedTasks(taskListSchema.parse({ data: [{ id: 'c', created: 1757152800 }] })).map((item) => item.createdAt), [1757152800]);
  });

  it("tells how far a server's clock is ahead of this machine's by its Date header", () => {
    const local = Date.parse('2026-12-07T10:00:00Z');
    assert.deepEqual([clockAhead('Mon, 07 Dec 2026 10:05:00 GMT', local), clockAhead('Mon, 07 Dec 2026 09:59:30 GMT', local), clockAhead(undefined, local), clockAhead('soon', local)], [300_000, -30_000, undefined, undefined]);
  });

  it('reads a list or a batch of null as empty', () => {
    assert.deepEqual(taskListSchema.parse({ data: null, total: 0 }).data, []);
    assert.deepEqual(taskBatchSchema.parse({ data: null }).data, []);
  });

  it('reads uploads that succeed and uploads refused with HTTP 200', () => {
    const ok = uploadResponseSchema.parse({ success: true, code: 200, msg: 'ok', data: { file_id: 'f', file_url: 'https://files.evolink.ai/f.png', expires_at: '2026-11-24T00:00:00Z' } });
    assert.equal(ok.data?.file_url, 'https://files.evolink.ai/f.png');
    const refused = uploadResponseSchema.parse({ success: false, code: 400, msg: 'Unsupported file type', data: null });
    assert.equal(refused.success, false);
    // Fields the extension does not use may be null, or of another type: the upload stands.
    const odd = uploadResponseSchema.parse({ success: true, code: 'OK', msg: null, data: { file_id: 'f', file_url: 'https://files.evolink.ai/f.png', download_url: null, file_size: '12', mime_type: null, expires_at: null } });
    assert.equal(odd.data?.file_url, 'https://files.evolink.ai/f.png');
    assert.equal(odd.data?.expires_at, undefined);
    // A refusal's data may be anything; a success's file id may be a number.
    assert.equal(uploadResponseSchema.parse({ success: false, code: 400, msg: 'Unsupported file type', data: {} }).msg, 'Unsupported file type');
    assert.equal(uploadResponseSchema.parse({ success: true, data: { file_id: 12, file_url: 'https://files.evolink.ai/f.png' } }).data?.file_url, 'https://files.evolink.ai/f.png');
  });
});
