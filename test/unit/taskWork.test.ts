import * as assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EvoLinkError } from '../../src/common/errors';
import type { LedgerEntry } from '../../src/common/ledgerEntry';
import { createEntry, defaultLifecycleTimes, next, type LifecycleEvent } from '../../src/common/lifecycle';
import type { DownloadSink, EvoLinkClient } from '../../src/extension/api/client';
import { flushing } from '../../src/extension/base/nodeDisk';
import { TaskLedger } from '../../src/extension/tasks/ledger';
import { TaskWork, toEntryError, type ResultWriter, type TaskWorkDeps } from '../../src/extension/tasks/taskWork';
import type * as vscode from 'vscode';

/** A whole 1x1 PNG. */
const png = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==', 'base64');
const hour = 3600_000;

/** A client whose result links answer what `answer` says for each: the image, a page, or a refusal. */
function links(answer: (url: string) => 'image' | 'refused' | 'page'): EvoLinkClient {
  return {
    download: async (url: string, sink: DownloadSink) => {
      const said = answer(url);
      if (said === 'refused') throw new EvoLinkError('expired', 'The result link answered 403.', { status: 403 });
      const body = said === 'page' ? Buffer.from('<html>gone</html>') : png;
      await sink.write(body);
      return body.length;
    },
  } as unknown as EvoLinkClient;
}

/** What saving needs, with downloads kept in `dir`, the clock at `now`, and `writer` for the workspace. */
function saveDeps(dir: string, now: number, client: EvoLinkClient, writer: ResultWriter): TaskWorkDeps {
  return {
    client: () => client,
    downloadsDir: dir,
    log: { info: () => undefined, warn: () => undefined, error: () => undefined, trace: () => undefined, logLevel: 0 },
    times: defaultLifecycleTimes,
    maxDownloadBytes: 1 << 20,
    downloadIdleMs: 1000,
    apiIsLocal: () => false,
    owner: 'me',
    now: () => now,
    fileSize: () => Promise.resolve(undefined),
    removePartials: () => Promise.resolve(),
    removeCutCopy: () => Promise.resolve(false),
    writer,
  } as unknown as TaskWorkDeps;
}

describe('Saving a result, by the age of its link', () => {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'evolink-work-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  /** Saves the one result of a task made `madeAgo` ms before now, whose link answers `answer`. */
  async function save(madeAgo: number, answer: 'image' | 'refused' | 'page', seenAgo = 0, keptBytes?: Buffer): Promise<{ events: LifecycleEvent['type'][]; downloads: number; error?: string }> {
    const now = 1_800_000_000_000;
    let downloads = 0;
    const client = links(() => (downloads++, answer));
    const entry = {
      localId: 'evl-test-000000000001',
      state: 'saving',
      sentAt: now - madeAgo - 5000,
      madeAt: now - madeAgo,
      completedAt: now - seenAgo,
      lease: { owner: 'me', at: now },
      resultUrls: ['https://cdn.example/0.png'],
      results: [keptBytes ? { kept: join(dir, 'kept.png') } : {}],
    } as unknown as LedgerEntry;
    if (keptBytes) writeFileSync(join(dir, 'kept.png'), keptBytes);
    const events: LifecycleEvent['type'][] = [];
    let error: string | undefined;
    const work = new TaskWork(saveDeps(dir, now, client, () => Promise.resolve(undefined)));
    await work.save({ controller: new AbortController() }, entry, (event) => {
      events.push(event.type);
      if (event.type === 'saveFailed') error = event.error.code;
      // The task ends with the first event: the rest of the save is not of interest here.
      return Promise.resolve(event.type === 'resultKept' ? undefined : entry);
    });
    return { events, downloads, ...(error ? { error } : {}) };
  }

  it('downloads again a kept result that no longer reads as a whole image (a power loss), and writes one that does', async () => {
    assert.deepEqual(await save(hour, 'image', 0, Buffer.alloc(0)), { events: ['resultKept'], downloads: 1 });
    assert.deepEqual(await save(hour, 'image', 0, png.subarray(0, 40)), { events: ['resultKept'], downloads: 1 });
    // Whole: written as it is (the writer here writes nothing, and the lease is renewed).
    assert.deepEqual(await save(hour, 'image', 0, png), { events: ['renew'], downloads: 0 });
  });

  it('tries the link whatever the clock says (it may have jumped a day ahead), and keeps what it answers', async () => {
    assert.deepEqual(await save(25 * hour, 'image'), { events: ['resultKept'], downloads: 1 });
  });

  it('takes a refusal for the end of the link only near the end of its 24 hours, counted from when EvoLink made the task', async () => {
    assert.deepEqual(await save(25 * hour, 'refused', 25 * hour), { events: ['linkExpired'], downloads: 1 });
    // Seen to end only now (the window was closed for a day): the link is as old as the task.
    assert.deepEqual(await save(25 * hour, 'refused', 0), { events: ['linkExpired'], downloads: 1 });
    // A fresh link refused (not spread to the CDN yet): refused for now, to be tried again.
    assert.deepEqual(await save(1 * hour, 'refused'), { events: ['saveFailed'], downloads: 1, error: 'linkRefused' });
    // Past the link's life, any failure of it (a page where the image was) is its end.
    assert.deepEqual(await save(3 * 24 * hour, 'page'), { events: ['linkExpired'], downloads: 1 });
    assert.deepEqual(await save(1 * hour, 'page'), { events: ['saveFailed'], downloads: 1, error: 'notImage' });
  });
});

describe('Sending a request whose record cannot be written', () => {
  const now = 1_800_000_000_000;
  const entry = { localId: 'evl-test-000000000002', state: 'submitting', sends: 1, sentAt: now, idempotencyKey: 'evl-test-000000000002', body: { model: 'gpt-4o-image', prompt: 'a kite', n: 1, size: '1:1' } } as unknown as LedgerEntry;
  const work = (submit: () => Promise<unknown>) =>
    new TaskWork({
      client: () => ({ submit }) as unknown as EvoLinkClient,
      apiKey: () => Promise.resolve('sk-test'),
      log: { info: () => undefined, warn: () => undefined, error: () => undefined, trace: () => undefined, logLevel: 0 },
      times: defaultLifecycleTimes,
      now: () => now,
    } as unknown as TaskWorkDeps);
  const fullDisk = (): Promise<never> => Promise.reject(Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' }));

  for (const [what, submit] of [
    ['answered', () => Promise.resolve({ task: { id: 'task-1', state: 'pending' }, replayed: false })],
    ['lost', () => Promise.reject(new EvoLinkError('network', 'socket hang up', { outcomeUnknown: true }))],
  ] as const) {
    it(`says the request may be at EvoLink (never "try again") when the ${what} send cannot be recorded`, async () => {
      const events: string[] = [];
      const sending = work(submit);
      await assert.rejects(
        sending.send({ controller: new AbortController() }, entry, (event) => {
          events.push(event.type);
          return fullDisk();
        }),
        (error: unknown) => error instanceof EvoLinkError && error.reason === 'fileSystem' && error.details.code === 'sentUnrecorded' && error.details.outcomeUnknown === true,
      );
      // An answer that came is never recorded as lost: it is kept, to be written once the disk lets it.
      assert.deepEqual(events, what === 'answered' ? ['submitAnswered'] : ['answerLost']);
      assert.equal(sending.keepsAnswer(entry.localId), what === 'answered');
      sending.dispose();
    });
  }
});

describe('An answer that came while the ledger could not be written', () => {
  const start = 1_800_000_000_000;
  const times = defaultLifecycleTimes;
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'evolink-answer-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  /** A ledger whose writes fail (a full disk) while `full`. */
  class FullLedger extends TaskLedger {
    full = false;
    writes = 0;
    override write(entry: LedgerEntry, expected: number): Promise<LedgerEntry | undefined> {
      this.writes++;
      if (this.full) return Promise.reject(Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' }));
      return super.write(entry, expected);
    }
  }

  /** A request recorded and on its way, a ledger that then fills up, and the work that sends it (the clock in `clock.now`). */
  async function sending(retryMs: number) {
    const ledger = new FullLedger(dir);
    const clock = { now: start };
    const made = createEntry({ localId: 'evl-test-000000000007', idempotencyKey: 'evl-test-000000000007', request: { model: 'gpt-4o-image', prompt: 'a kite' }, body: { model: 'gpt-4o-image', prompt: 'a kite', size: '1:1', n: 1 }, targetFolder: 'file:///ws/images', estimatedSeconds: 60, creditsReserved: 5 }, { now: start, owner: 'me', times }).entry!;
    const entry = await ledger.create(made);
    ledger.full = true;
    // What the task service does with an event: the machine's answer, written with the ledger's compare-and-swap.
    const dispatch = async (event: LifecycleEvent): Promise<LedgerEntry | undefined> => {
      const current = await ledger.get(entry.localId);
      if (!current) return undefined;
      const step = next(current, event, { now: clock.now, owner: 'me', times });
      if (!step.changed || !step.entry) return current;
      return (await ledger.write(step.entry, current.revision)) ?? ledger.get(entry.localId);
    };
    let sends = 0;
    const task = { id: 'task-kept-1', state: 'pending', rawStatus: 'pending', progress: 0, estimatedSeconds: 60, resultUrls: [], error: undefined, creditsReserved: 5, creditsUsed: undefined };
    const work = new TaskWork({
      ledger,
      client: () => ({ submit: () => (sends++, Promise.resolve({ task, replayed: false })) }) as unknown as EvoLinkClient,
      apiKey: () => Promise.resolve('sk-test'),
      log: { info: () => undefined, warn: () => undefined, error: () => undefined, trace: () => undefined, logLevel: 0 },
      times,
      now: () => clock.now,
      answerRetryMs: retryMs,
    } as unknown as TaskWorkDeps);
    await assert.rejects(work.send({ controller: new AbortController() }, entry, dispatch), (error: unknown) => error instanceof EvoLinkError && error.details.code === 'sentUnrecorded');
    return { ledger, clock, entry, dispatch, work, sends: () => sends };
  }

  const until = async (what: () => Promise<boolean>): Promise<void> => {
    for (let tries = 0; tries < 200 && !(await what()); tries++) await new Promise((resolve) => setTimeout(resolve, 5));
  };

  it('is kept in memory and written again until the ledger takes it, past the replay window too, and the request is not sent again', async () => {
    const { ledger, clock, entry, work, sends } = await sending(2);
    try {
      assert.equal((await ledger.get(entry.localId))?.state, 'submitting');
      // The disk stays full past the replay window: the writes go on failing, with growing waits.
      clock.now = start + times.replayWindowMs + 60_000;
      await until(() => Promise.resolve(ledger.writes >= 4));
      assert.ok(ledger.writes >= 4, 'written again after each failure');
      assert.equal((await ledger.get(entry.localId))?.state, 'submitting');
      ledger.full = false;
      await until(async () => (await ledger.get(entry.localId))?.state === 'running');
      const recorded = await ledger.get(entry.localId);
      assert.equal(recorded?.state, 'running');
      assert.equal(recorded?.taskId, 'task-kept-1');
      assert.equal(sends(), 1, 'sent once');
      assert.equal(work.keepsAnswer(entry.localId), false, 'no longer kept once written');
    } finally {
      work.dispose();
    }
  });

  it('writes the kept answer in place of a send that falls due for the key (a look-up after a resume), and sends nothing', async () => {
    const { ledger, entry, dispatch, work, sends } = await sending(3600_000);
    try {
      ledger.full = false;
      // A resume within the window, then its look-up: the machine asks for a send of the same key.
      const looking = await dispatch({ type: 'resume', leaseStale: false });
      assert.equal(looking?.state, 'unknownOutcome');
      const due = await dispatch({ type: 'lookupDue' });
      assert.equal(await work.send({ controller: new AbortController() }, due!, dispatch), undefined);
      await until(async () => (await ledger.get(entry.localId))?.state === 'running');
      assert.equal((await ledger.get(entry.localId))?.taskId, 'task-kept-1');
      assert.equal(sends(), 1, 'never sent again: the task is known');
    } finally {
      work.dispose();
    }
  });
});

/** What Check for It answers for `entry` (the only task of the ledger) with `client`'s list, at `now`. */
async function searched(entry: LedgerEntry, client: EvoLinkClient, now: number): Promise<unknown[]> {
  const answers: unknown[] = [];
  const work = new TaskWork({
    ledger: { list: () => Promise.resolve([entry]) },
    client: () => client,
    apiKey: () => Promise.resolve('sk-test'),
    log: { info: () => undefined, warn: () => undefined, error: () => undefined, trace: () => undefined, logLevel: 0 },
    times: defaultLifecycleTimes,
    now: () => now,
  } as unknown as TaskWorkDeps);
  await work.findInList({ controller: new AbortController() }, entry, (event) => (answers.push(event), Promise.resolve(entry)));
  return answers;
}

describe('Looking for a request in the list of recent tasks', () => {
  it("searches from the request's first send, though Submit Again's key replaced it and a reload dropped the old key", async () => {
    const first = 1_800_000_000_000;
    const resent = first + 20 * 60_000;
    const asked: number[] = [];
    const client = {
      listTasks: (filter: { createdSince: number }) => {
        asked.push(filter.createdSince);
        return Promise.resolve({ items: [{ id: 'task-first', model: 'gpt-4o-image', status: 'completed', createdAt: (first + 5000) / 1000 }], complete: true });
      },
      getTask: (id: string) => Promise.resolve({ id, state: 'completed' }),
    } as unknown as EvoLinkClient;
    const entry = { localId: 'evl-test-000000000008', state: 'unconfirmed', idempotencyKey: 'evl-test-000000000099', sentAt: resent, firstSentAt: first, sends: 2, body: { model: 'gpt-4o-image' } } as unknown as LedgerEntry;
    const answers = await searched(entry, client, resent + defaultLifecycleTimes.replayWindowMs + 1);
    assert.ok(asked[0]! <= first / 1000);
    assert.deepEqual(answers, [{ type: 'listAnswered', answer: { found: { id: 'task-first', state: 'completed' } } }]);
  });
});

describe('A list of recent tasks that does not tell enough', () => {
  it('is no proof that the request is not there when an item does not say its model or when it was made', async () => {
    const sent = 1_800_000_000_000;
    const entry = { localId: 'evl-test-000000000009', state: 'unconfirmed', idempotencyKey: 'evl-test-000000000009', sentAt: sent, sends: 1, body: { model: 'gpt-4o-image' } } as unknown as LedgerEntry;
    for (const item of [{ id: 'task-undated', model: 'gpt-4o-image', status: 'completed', createdAt: undefined }, { id: 'task-unnamed', model: undefined, status: 'completed', createdAt: (sent + 5000) / 1000 }]) {
      const client = { listTasks: () => Promise.resolve({ items: [item], complete: true }) } as unknown as EvoLinkClient;
      const answers = await searched(entry, client, sent + defaultLifecycleTimes.replayWindowMs + 1);
      assert.deepEqual(answers, [{ type: 'listAnswered', answer: { unavailable: true } }], item.id);
    }
  });

  it("finds the request on the service's clock when this machine's runs five minutes ahead of it", async () => {
    const sent = 1_800_000_000_000;
    const entry = { localId: 'evl-test-000000000010', state: 'unconfirmed', idempotencyKey: 'evl-test-000000000010', sentAt: sent, sends: 1, body: { model: 'gpt-4o-image' } } as unknown as LedgerEntry;
    const skewed = (aheadMs: number | undefined) =>
      ({
        listTasks: () => Promise.resolve({ items: [{ id: 'task-made', model: 'gpt-4o-image', status: 'completed', createdAt: (sent - 300_000 + 4000) / 1000 }], complete: true, ...(aheadMs === undefined ? {} : { aheadMs }) }),
        getTask: (id: string) => Promise.resolve({ id, state: 'completed' }),
      }) as unknown as EvoLinkClient;
    const at = sent + defaultLifecycleTimes.replayWindowMs + 1;
    assert.deepEqual(await searched(entry, skewed(-300_000), at), [{ type: 'listAnswered', answer: { found: { id: 'task-made', state: 'completed' } } }]);
    // Without the service's date, its moment is outside the minute allowed either way.
    assert.deepEqual(await searched(entry, skewed(undefined), at), [{ type: 'listAnswered', answer: { notFound: true } }]);
  });
});

describe('Saving the results of a task one by one', () => {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'evolink-work-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('saves every result whose link works though an earlier one fails, and fails with the failure that is tried again', async () => {
    const now = 1_800_000_000_000;
    const asked: string[] = [];
    const client = links((url) => (asked.push(url), url.endsWith('/1.png') ? 'page' : 'image'));
    // Result 0 leads to a private address (never followed), result 1 answers a page, result 2 an image.
    const entry = {
      localId: 'evl-test-000000000003',
      state: 'saving',
      sentAt: now - 60_000,
      madeAt: now - 55_000,
      lease: { owner: 'me', at: now },
      resultUrls: ['https://10.0.0.7/0.png', 'https://cdn.example/1.png', 'https://cdn.example/2.png'],
      results: [{}, {}, {}],
    } as unknown as LedgerEntry;
    const events: string[] = [];
    const written: number[] = [];
    const writer = (_kept: string, _entry: LedgerEntry, index: number) => {
      written.push(index);
      return Promise.resolve({ toString: () => `file:///ws/images/${index}.png` } as vscode.Uri);
    };
    await new TaskWork(saveDeps(dir, now, client, writer)).save({ controller: new AbortController() }, entry, (event) => {
      events.push(event.type === 'saveFailed' ? `saveFailed ${event.error.code}` : 'index' in event ? `${event.type} ${event.index}` : event.type);
      return Promise.resolve(entry);
    });
    assert.deepEqual(asked, ['https://cdn.example/1.png', 'https://cdn.example/2.png']);
    assert.deepEqual(written, [2]);
    // The page may pass (tried again on its own); the refused link never will.
    assert.deepEqual(events, ['renew', 'renew', 'resultKept 2', 'resultSaved 2', 'saveFailed notImage']);
  });
});

describe('Saving a result into the workspace', () => {
  const now = 1_800_000_000_000;
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'evolink-work-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  /** Saves a task of one result, as `results` records it, and answers the events it dispatched. */
  async function saveWith(deps: TaskWorkDeps, results: Record<string, unknown>[]): Promise<string[]> {
    const entry = { localId: 'evl-test-000000000004', state: 'saving', sentAt: now - 60_000, madeAt: now - 55_000, lease: { owner: 'me', at: now }, resultUrls: ['https://cdn.example/0.png'], results } as unknown as LedgerEntry;
    const events: string[] = [];
    await new TaskWork(deps).save({ controller: new AbortController() }, entry, (event) => {
      events.push(event.type === 'saveFailed' ? `saveFailed ${event.error.reason} ${event.error.code}` : 'uri' in event ? `${event.type} ${event.uri}` : event.type);
      return Promise.resolve(entry);
    });
    return events;
  }

  it('fails the save with fileTimeout once a write of the workspace has not answered in time, the download kept', async () => {
    // A network drive that went away: the write never settles.
    const hung: ResultWriter = () => new Promise<never>(() => undefined);
    const events = await saveWith({ ...saveDeps(dir, now, links(() => 'image'), hung), times: { ...defaultLifecycleTimes, fileCallMs: 50 } }, [{}]);
    assert.deepEqual(events, ['resultKept', 'saveFailed fileSystem fileTimeout']);
  });

  it('starts no second write of a result while the write that outlived its limit still runs (Check Again), and saves it once that one has settled', async () => {
    let finish: (uri: vscode.Uri | undefined) => void = () => undefined;
    let writes = 0;
    const writer: ResultWriter = () => {
      writes++;
      // The first write hangs (a network drive), and ends only later; the next ones answer.
      if (writes === 1) return new Promise((resolve) => (finish = resolve));
      return Promise.resolve({ toString: () => 'file:///ws/images/cat.png' } as vscode.Uri);
    };
    const deps = { ...saveDeps(dir, now, links(() => 'image'), writer), times: { ...defaultLifecycleTimes, fileCallMs: 50 } };
    const work = new TaskWork(deps);
    const entry = { localId: 'evl-test-000000000009', state: 'saving', sentAt: now - 60_000, madeAt: now - 55_000, lease: { owner: 'me', at: now }, resultUrls: ['https://cdn.example/0.png'], results: [{}] } as unknown as LedgerEntry;
    const saveOnce = async (): Promise<string[]> => {
      const events: string[] = [];
      await work.save({ controller: new AbortController() }, entry, (event) => {
        events.push(event.type === 'saveFailed' ? `saveFailed ${event.error.code}` : event.type);
        if (event.type === 'resultKept') (entry.results![0] as { kept?: string }).kept = event.path;
        return Promise.resolve(entry);
      });
      return events;
    };
    assert.deepEqual(await saveOnce(), ['resultKept', 'saveFailed fileTimeout']);
    // Check Again while the first write still hangs: it waits for it, and fails as it did, without a second write.
    assert.deepEqual(await saveOnce(), ['saveFailed fileTimeout']);
    assert.equal(writes, 1);
    finish(undefined);
    await new Promise((resolve) => setTimeout(resolve, 10));
    assert.deepEqual(await saveOnce(), ['resultSaved']);
    assert.equal(writes, 2);
  });

  it('downloads and writes anew a result recorded at a name without its download, not taking the file another task put there since', async () => {
    const writer: ResultWriter = () => Promise.resolve({ toString: () => 'file:///ws/images/cat-2.png' } as vscode.Uri);
    const events = await saveWith({ ...saveDeps(dir, now, links(() => 'image'), writer), fileSize: () => Promise.resolve(12_345) }, [{ target: 'file:///ws/images/cat.png' }]);
    assert.deepEqual(events, ['resultKept', 'resultSaved file:///ws/images/cat-2.png']);
  });
});

describe('Keeping a download', () => {
  it('flushes it to the disk before it takes its kept name and is recorded kept, and its folder after', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'evolink-work-'));
    const real = { ...flushing };
    const flushed: string[] = [];
    flushing.file = async (file) => (flushed.push(`file ${readdirSync(dir).join(',')}`), real.file(file));
    flushing.folder = async (path) => (flushed.push(`folder ${path === dir ? 'downloads' : path} ${readdirSync(dir).join(',')}`), real.folder(path));
    try {
      const now = 1_800_000_000_000;
      const entry = { localId: 'evl-test-000000000006', state: 'saving', sentAt: now - 60_000, lease: { owner: 'me', at: now }, resultUrls: ['https://cdn.example/0.png'], results: [{}] } as unknown as LedgerEntry;
      const events: string[] = [];
      await new TaskWork(saveDeps(dir, now, links(() => 'image'), () => Promise.resolve(undefined))).save({ controller: new AbortController() }, entry, (event) => {
        events.push(event.type);
        return Promise.resolve(undefined);
      });
      assert.deepEqual(events, ['resultKept']);
      assert.deepEqual(flushed, ['file evl-test-000000000006-0-me.part', 'folder downloads evl-test-000000000006-0.png']);
    } finally {
      Object.assign(flushing, real);
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('A result found at its name after a save cut short', () => {
  const now = 1_800_000_000_000;
  const target = 'file:///ws/images/cat.png';
  let dir: string;
  let kept: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'evolink-work-'));
    kept = join(dir, 'evl-test-000000000005-0.png');
    writeFileSync(kept, png);
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  /** Saves a task whose result was recorded at `target` with its download kept; the file there is as big as the download, and `same` says whether it has its bytes. */
  async function resume(same: boolean): Promise<{ events: string[]; written: number; landed: unknown[][]; compared: string[][] }> {
    let written = 0;
    const landed: unknown[][] = [];
    const compared: string[][] = [];
    const writer: ResultWriter = Object.assign(
      () => {
        written++;
        return Promise.resolve({ toString: () => 'file:///ws/images/cat-2.png' } as vscode.Uri);
      },
      {
        sameBytes: (at: string, from: string) => (compared.push([at, from]), Promise.resolve(same)),
        recordLanded: (...args: unknown[]) => (landed.push(args), Promise.resolve()),
      },
    );
    const entry = { localId: 'evl-test-000000000005', state: 'saving', sentAt: now - 60_000, lease: { owner: 'me', at: now }, resultUrls: ['https://cdn.example/0.png'], results: [{ kept, target }] } as unknown as LedgerEntry;
    const events: string[] = [];
    const deps = { ...saveDeps(dir, now, links(() => 'image'), writer), fileSize: () => Promise.resolve(png.length) };
    await new TaskWork(deps).save({ controller: new AbortController() }, entry, (event) => {
      events.push('uri' in event ? `${event.type} ${event.uri}` : event.type);
      return Promise.resolve(entry);
    });
    return { events, written, landed: landed.map(([at, from, , index]) => [at, from, index]), compared };
  }

  it('records it saved, and records its provenance (History shows it), without writing it again', async () => {
    const { events, written, landed, compared } = await resume(true);
    assert.deepEqual(events, [`resultSaved ${target}`]);
    assert.equal(written, 0);
    assert.deepEqual(compared, [[target, kept]]);
    assert.deepEqual(landed, [[target, kept, 0]]);
  });

  it('takes another file of the same size at the name for another: the result is written anew and its kept download stays', async () => {
    const { events, written, landed } = await resume(false);
    assert.deepEqual(events, ['resultSaved file:///ws/images/cat-2.png']);
    assert.equal(written, 1);
    assert.deepEqual(landed, []);
  });
});

describe('What a task keeps of a failure', () => {
  it("keeps a refusal's parameter and EvoLink's suggestion, to say them when the task is shown later", () => {
    const refused = new EvoLinkError('invalidRequest', 'size is not valid', { status: 400, code: 'bad_size', param: 'size', suggestion: 'try 1:1', requestId: 'r-1' });
    assert.deepEqual(toEntryError(refused), { reason: 'invalidRequest', code: 'bad_size', param: 'size', suggestion: 'try 1:1', status: 400, requestId: 'r-1', message: 'size is not valid' });
    // The text of a local failure names paths of this machine: its code is kept, not its words.
    assert.deepEqual(toEntryError(new EvoLinkError('fileSystem', '/home/me/x cannot be written', { code: 'diskFull' })), { reason: 'fileSystem', code: 'diskFull' });
  });
});
