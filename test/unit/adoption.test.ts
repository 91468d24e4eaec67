import * as assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { LedgerEntry } from '../../src/common/ledgerEntry';
import { foldersOverlap, isWithin, ledgerConcerns, leftBehind, ledgerRecordStaleMs, parseLedgerRecord } from '../../src/common/ledgerHome';
import { adoptLeftBehind, LeftBehindTasks, type AdoptionDeps } from '../../src/extension/tasks/adoption';
import { TaskLedger } from '../../src/extension/tasks/ledger';
import { LedgerIndex } from '../../src/extension/tasks/ledgerIndex';

const folder = 'file:///home/dev/site';
const now = 1_800_000_000_000;

const entry = (localId: string, patch: Partial<LedgerEntry> = {}): LedgerEntry => ({
  version: 2,
  localId,
  idempotencyKey: localId,
  revision: 0,
  createdAt: now - 60_000,
  updatedAt: now - 60_000,
  state: 'running',
  request: { model: 'gpt-4o-image', prompt: 'a kite' },
  body: { model: 'gpt-4o-image', prompt: 'a kite', size: '1:1', n: 1 },
  targetFolder: `${folder}/images`,
  sentAt: now - 60_000,
  sends: 1,
  watch: true,
  taskId: `task-${localId}`,
  estimatedSeconds: 100,
  progress: 40,
  polls: 3,
  ...patch,
});

describe('Ledgers of the same folders under another workspace identity', () => {
  let root: string;
  let old: { ledger: string; downloads: string };
  let ours: { ledger: string; downloads: string };
  let index: string;
  const logged: string[] = [];

  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), 'evolink-adoption-'));
    old = { ledger: join(root, 'ws-folder', 'tasks'), downloads: join(root, 'ws-folder', 'downloads') };
    ours = { ledger: join(root, 'ws-workspace', 'tasks'), downloads: join(root, 'ws-workspace', 'downloads') };
    index = join(root, 'global', 'ledgers');
    logged.length = 0;
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  const deps = (at = now, folders = [folder]): AdoptionDeps => ({
    index: new LedgerIndex(index, ours.ledger),
    ledger: new TaskLedger(ours.ledger),
    open: (dir) => new TaskLedger(dir),
    folders: () => folders,
    downloadsDir: ours.downloads,
    now: () => at,
    log: { info: (message) => logged.push(message), warn: (message) => logged.push(message) },
  });

  /** The old window's record: closed at `closedAt`, or open and last seen at `seenAt`. */
  const record = async (how: { closedAt?: number; seenAt?: number; folders?: string[] }): Promise<void> => {
    const theirs = new LedgerIndex(index, old.ledger);
    if (how.closedAt !== undefined) await theirs.closed(how.folders ?? [folder], how.closedAt);
    else await theirs.seen(how.folders ?? [folder], how.seenAt ?? now);
  };

  it('tells folders inside one another, and records by their fields', () => {
    assert.ok(isWithin(`${folder}/images`, folder));
    assert.ok(isWithin(folder, `${folder}/`));
    assert.ok(!isWithin(`${folder}-old/images`, folder));
    assert.ok(foldersOverlap([folder], ['file:///home/dev']));
    assert.ok(!foldersOverlap([folder], ['file:///home/dev/other']));
    assert.equal(parseLedgerRecord('{"ledger":"x","folders":[1],"seenAt":1}'), undefined);
    assert.equal(parseLedgerRecord('not json'), undefined);
    assert.ok(leftBehind({ ledger: 'x', folders: [], seenAt: now, closedAt: now }, now));
    assert.ok(!leftBehind({ ledger: 'x', folders: [], seenAt: now - ledgerRecordStaleMs }, now));
    assert.ok(leftBehind({ ledger: 'x', folders: [], seenAt: now - ledgerRecordStaleMs - 1 }, now));
  });

  it('takes over the unfinished tasks of a closed window, with copies of their kept downloads, and leaves finished ones', async () => {
    const theirs = new TaskLedger(old.ledger);
    mkdirSync(old.downloads, { recursive: true });
    const kept = join(old.downloads, 'evl-saving-000000000001-0.png');
    writeFileSync(kept, 'image bytes');
    // Downloaded two hours ago: its copy is new all the same (the clean-up of downloads goes by age).
    utimesSync(kept, new Date(Date.now() - 2 * 3600_000), new Date(Date.now() - 2 * 3600_000));
    await theirs.create(entry('evl-running-00000000001'));
    await theirs.create(entry('evl-saving-000000000001', { state: 'saving', results: [{ kept }] }));
    await theirs.create(entry('evl-waiting-00000000001', { state: 'saveFailed' }));
    await theirs.create(entry('evl-saved-0000000000001', { state: 'saved' }));
    await record({ closedAt: now - 1000 });

    assert.equal(await adoptLeftBehind(deps()), 3);
    const moved = await new TaskLedger(ours.ledger).list();
    assert.deepEqual(moved.map((item) => item.localId).sort(), ['evl-running-00000000001', 'evl-saving-000000000001', 'evl-waiting-00000000001']);
    assert.ok(moved.every((item) => item.lease === undefined && item.movedTo === undefined && item.revision === 3), 'claimed in the old ledger, then created with the next revision');
    const saving = moved.find((item) => item.state === 'saving')!;
    assert.equal(saving.results?.[0]?.kept, join(ours.downloads, 'evl-saving-000000000001-0.png'));
    assert.equal(readFileSync(saving.results?.[0]?.kept ?? '', 'utf8'), 'image bytes');
    assert.ok(Date.now() - statSync(saving.results?.[0]?.kept ?? '').mtimeMs < 60_000, 'the copy is new');
    assert.ok(existsSync(kept), 'the original stays until the old ledger lets its record go');
    // The old ledger shows only what stayed, and keeps a record of each move, done.
    assert.deepEqual((await theirs.list()).map((item) => item.localId), ['evl-saved-0000000000001']);
    assert.equal(await theirs.get('evl-running-00000000001'), undefined);
    const tombs = await theirs.moved();
    assert.equal(tombs.length, 3);
    assert.ok(tombs.every((item) => item.movedTo?.ledger === ours.ledger && item.movedTo.done === true));
    assert.equal(readdirSync(index).length, 0, 'a ledger with nothing unfinished left is forgotten');
    // Its records of moves leave it after a day.
    await record({ closedAt: now });
    await adoptLeftBehind(deps(now + 25 * 3600_000));
    assert.deepEqual(await theirs.moved(), []);
  });

  it('two windows taking over the same ledger: each task moves once, even for a window whose listing is old', async () => {
    const theirs = new TaskLedger(old.ledger);
    await theirs.create(entry('evl-running-00000000001'));
    await record({ closedAt: now });
    const stale = await theirs.list();
    const third = { ledger: join(root, 'ws-third', 'tasks'), downloads: join(root, 'ws-third', 'downloads') };
    assert.equal(await adoptLeftBehind(deps()), 1);
    await record({ closedAt: now });
    const late: AdoptionDeps = {
      ...deps(),
      index: new LedgerIndex(index, third.ledger),
      ledger: new TaskLedger(third.ledger),
      downloadsDir: third.downloads,
      open: (dir) => Object.assign(new TaskLedger(dir), { list: () => Promise.resolve(stale) }),
    };
    assert.equal(await adoptLeftBehind(late), 0);
    assert.deepEqual(await new TaskLedger(third.ledger).list(), []);
  });

  it('leaves the ledger of a window that is still open alone, and takes it over once that window has not been heard of for long', async () => {
    await new TaskLedger(old.ledger).create(entry('evl-running-00000000001'));
    await record({ seenAt: now - 30_000 });
    assert.equal(await adoptLeftBehind(deps()), 0);
    assert.equal(await adoptLeftBehind(deps(now - 30_000 + ledgerRecordStaleMs + 1)), 1);
  });

  it('leaves a task whose lease is live, one whose results go to a folder this window does not have, and one whose downloads cannot be copied', async () => {
    const theirs = new TaskLedger(old.ledger);
    await theirs.create(entry('evl-leased-000000000001', { lease: { owner: 'host-other', at: now - ledgerRecordStaleMs } }));
    await theirs.create(entry('evl-elsewhere-000000001', { targetFolder: 'file:///home/dev/api/images' }));
    await theirs.create(entry('evl-missing-00000000001', { state: 'saveFailed', results: [{ kept: join(old.downloads, 'gone.png') }] }));
    await theirs.create(entry('evl-stale-0000000000001', { lease: { owner: 'host-gone', at: now - ledgerRecordStaleMs - 1 } }));
    await record({ closedAt: now, folders: [folder, 'file:///home/dev/api'] });
    assert.equal(await adoptLeftBehind(deps()), 1);
    assert.deepEqual((await new TaskLedger(ours.ledger).list()).map((item) => item.localId), ['evl-stale-0000000000001']);
    assert.equal((await theirs.list()).length, 3, 'the others stay where they were, whole');
    assert.equal(readdirSync(index).length, 1, 'the record stays while it holds unfinished tasks');
  });

  it('finishes a move that stopped after the claim: its own at once, another window\'s once that claim is 3 minutes old, never twice', async () => {
    const theirs = new TaskLedger(old.ledger);
    const mine = (await theirs.create(entry('evl-mine-00000000000001')));
    await theirs.write({ ...mine, movedTo: { ledger: ours.ledger, at: now - 1000 } }, mine.revision);
    const gone = join(root, 'ws-gone', 'tasks');
    const other = (await theirs.create(entry('evl-other-0000000000001')));
    await theirs.write({ ...other, movedTo: { ledger: gone, at: now - 10_000 } }, other.revision);
    const arrived = (await theirs.create(entry('evl-arrived-00000000001')));
    await theirs.write({ ...arrived, movedTo: { ledger: gone, at: now - ledgerRecordStaleMs - 1 } }, arrived.revision);
    await new TaskLedger(gone).create(entry('evl-arrived-00000000001'));
    await record({ closedAt: now });

    assert.equal(await adoptLeftBehind(deps()), 1, 'its own claim; the other window\'s is too young');
    assert.deepEqual((await new TaskLedger(ours.ledger).list()).map((item) => item.localId), ['evl-mine-00000000000001']);
    assert.ok((await theirs.moved()).find((item) => item.localId === 'evl-arrived-00000000001')?.movedTo?.done, 'it reached its ledger: only marked done');
    assert.equal(await adoptLeftBehind(deps(now + ledgerRecordStaleMs)), 1);
    assert.deepEqual((await new TaskLedger(ours.ledger).list()).map((item) => item.localId).sort(), ['evl-mine-00000000000001', 'evl-other-0000000000001']);
    assert.ok((await theirs.moved()).every((item) => item.movedTo?.done));
    assert.equal(await adoptLeftBehind(deps(now + 2 * ledgerRecordStaleMs)), 0);
  });

  it('of two windows finishing a stopped move at once, one does', async () => {
    const theirs = new TaskLedger(old.ledger);
    const third = { ledger: join(root, 'ws-third', 'tasks'), downloads: join(root, 'ws-third', 'downloads') };
    const made = (await theirs.create(entry('evl-running-00000000001')));
    // This window's own claim, which it finishes at once, and which the other window finds old enough to finish too.
    await theirs.write({ ...made, movedTo: { ledger: ours.ledger, at: now - ledgerRecordStaleMs - 1 } }, made.revision);
    await record({ closedAt: now });
    const other: AdoptionDeps = { ...deps(), index: new LedgerIndex(index, third.ledger), ledger: new TaskLedger(third.ledger), downloadsDir: third.downloads };
    const counts = await Promise.all([adoptLeftBehind(deps()), adoptLeftBehind(other)]);
    assert.equal(counts[0] + counts[1], 1);
    const holders = [await new TaskLedger(ours.ledger).list(), await new TaskLedger(third.ledger).list()].filter((list) => list.length > 0);
    assert.equal(holders.length, 1, 'in one ledger only');
    assert.ok((await theirs.moved())[0]?.movedTo?.done);
  });

  it('a step that fails holds up no other, and is tried again', async () => {
    const theirs = new TaskLedger(old.ledger);
    const stuck = (await theirs.create(entry('evl-stuck-0000000000001', { state: 'saveFailed', results: [{ kept: join(old.downloads, 'gone.png') }] })));
    await theirs.write({ ...stuck, movedTo: { ledger: ours.ledger, at: now - 1000 } }, stuck.revision);
    await theirs.create(entry('evl-running-00000000001'));
    await record({ closedAt: now });
    assert.equal(await adoptLeftBehind(deps()), 1);
    assert.deepEqual((await new TaskLedger(ours.ledger).list()).map((item) => item.localId), ['evl-running-00000000001']);
    assert.equal(readdirSync(index).length, 1, 'the stuck move keeps the ledger recorded');
    mkdirSync(old.downloads, { recursive: true });
    writeFileSync(join(old.downloads, 'gone.png'), 'image bytes');
    assert.equal(await adoptLeftBehind(deps()), 1);
    assert.equal(readdirSync(index).length, 0);
  });

  it('takes a silent ledger over only in the second round that finds it silent, and never one whose window is back', async () => {
    await new TaskLedger(old.ledger).create(entry('evl-running-00000000001'));
    const seenAt = now - ledgerRecordStaleMs - 1;
    await record({ seenAt });
    const noted = new Map<string, number>();
    assert.equal(await adoptLeftBehind(deps(), noted), 0, 'first round: noted');
    // After a sleep, the other window says it is back before this one's next round.
    await record({ seenAt: now + 1 });
    assert.equal(await adoptLeftBehind(deps(now + ledgerRecordStaleMs + 2), noted), 0, 'silent again, but not the same silence');
    assert.equal(await adoptLeftBehind(deps(now + ledgerRecordStaleMs + 60_000), noted), 1);
  });

  it("takes no task over that a newer release wrote, leaves its file as it is, and does not forget its ledger", async () => {
    const theirs = new TaskLedger(old.ledger);
    const created = await theirs.create(entry('evl-newer-000000000001'));
    const file = join(old.ledger, 'evl-newer-000000000001.2.json');
    const text = JSON.stringify({ ...created, version: 3, revision: 2 });
    writeFileSync(file, text);
    await record({ closedAt: now - 1000 });
    assert.equal(await adoptLeftBehind(deps()), 0);
    assert.deepEqual(await new TaskLedger(ours.ledger).list(), []);
    assert.deepEqual(readdirSync(old.ledger).sort(), ['evl-newer-000000000001.1.json', 'evl-newer-000000000001.2.json']);
    assert.equal(readFileSync(file, 'utf8'), text);
    assert.equal(readdirSync(index).length, 1, 'its ledger stays known: the task may be unfinished');
  });

  it('forgets records nobody has written for a month', async () => {
    await record({ seenAt: now - 31 * 24 * 3600_000, folders: ['file:///home/dev/old-site'] });
    assert.equal(readdirSync(index).length, 1);
    await adoptLeftBehind(deps());
    assert.equal(readdirSync(index).length, 0);
  });

  it('a record concerns a window on a folder that one of its unfinished tasks saves into, even with no folder of its own', () => {
    const global = parseLedgerRecord(JSON.stringify({ ledger: 'g', folders: [], seenAt: now, targets: [`${folder}/images`] }))!;
    assert.deepEqual(global.targets, [`${folder}/images`]);
    assert.ok(ledgerConcerns(global, [folder]));
    assert.ok(ledgerConcerns(global, ['file:///home/dev']));
    assert.ok(!ledgerConcerns(global, [`${folder}/images/icons`]), 'the results do not go into that folder');
    assert.ok(!ledgerConcerns(global, ['file:///home/dev/api']));
    assert.ok(!ledgerConcerns({ ledger: 'g', folders: [], seenAt: now }, [folder]));
    assert.deepEqual(parseLedgerRecord(JSON.stringify({ ledger: 'g', folders: [folder], seenAt: now, targets: [1] })), { ledger: 'g', folders: [folder], seenAt: now }, 'targets that do not read are none');
  });

  it('a window on a folder takes over what a closed window without a folder left to save there, and nothing else of its ledger', async () => {
    // The window without a folder: its ledger is in global storage, and its record names no folder.
    const theirs = new TaskLedger(old.ledger);
    await theirs.create(entry('evl-running-00000000001'));
    await theirs.create(entry('evl-elsewhere-000000001', { targetFolder: 'file:///home/dev/api/images' }));
    await theirs.create(entry('evl-saved-0000000000001', { state: 'saved', targetFolder: 'file:///home/dev/docs' }));
    const noFolder: AdoptionDeps = { ...deps(now, []), index: new LedgerIndex(index, old.ledger), ledger: theirs, downloadsDir: old.downloads };
    const closing = new LeftBehindTasks({ ...noFolder, resume: () => Promise.resolve() });
    await closing.adopt();
    await closing.close();
    const [written] = await new LedgerIndex(index, ours.ledger).records();
    assert.deepEqual(written?.folders, []);
    assert.deepEqual(written?.targets?.sort(), ['file:///home/dev/api/images', `${folder}/images`], 'the targets of the unfinished tasks only');

    assert.equal(await adoptLeftBehind(deps()), 1);
    assert.deepEqual((await new TaskLedger(ours.ledger).list()).map((item) => item.localId), ['evl-running-00000000001']);
    assert.deepEqual((await theirs.list()).map((item) => item.localId).sort(), ['evl-elsewhere-000000001', 'evl-saved-0000000000001']);
    assert.equal(readdirSync(index).length, 1, 'the ledger stays known for the task left for the other folder');
    const api = { ledger: join(root, 'ws-api', 'tasks'), downloads: join(root, 'ws-api', 'downloads') };
    const other: AdoptionDeps = { ...deps(now, ['file:///home/dev/api']), index: new LedgerIndex(index, api.ledger), ledger: new TaskLedger(api.ledger), downloadsDir: api.downloads };
    assert.equal(await adoptLeftBehind(other), 1);
    assert.deepEqual((await new TaskLedger(api.ledger).list()).map((item) => item.localId), ['evl-elsewhere-000000001']);
    assert.equal(readdirSync(index).length, 0);
  });

  it('a window without a folder records at once where a new task saves: a window on that folder takes it over after a crash', async () => {
    const theirs = new TaskLedger(old.ledger);
    const noFolder: AdoptionDeps = { ...deps(now, []), index: new LedgerIndex(index, old.ledger), ledger: theirs, downloadsDir: old.downloads };
    const crashing = new LeftBehindTasks({ ...noFolder, resume: () => Promise.resolve() });
    try {
      await crashing.adopt();
      const made = await theirs.create(entry('evl-running-00000000001'));
      crashing.note(made);
      crashing.note(made);
      for (let wait = 0; wait < 100 && !(await noFolder.index.records())[0]?.targets; wait++) await new Promise((resolve) => setTimeout(resolve, 10));
      assert.deepEqual((await noFolder.index.records())[0]?.targets, [`${folder}/images`]);
    } finally {
      // A crash: no word of closing, and no refresh any more.
      crashing.dispose();
    }
    const noted = new Map<string, number>();
    const later = now + ledgerRecordStaleMs + 1;
    assert.equal(await adoptLeftBehind(deps(later), noted), 0, 'first round: noted');
    assert.equal(await adoptLeftBehind(deps(later + 60_000), noted), 1);
    assert.deepEqual((await new TaskLedger(ours.ledger).list()).map((item) => item.localId), ['evl-running-00000000001']);
  });

  it('a closing window keeps its record only while its ledger holds unfinished tasks', async () => {
    const own = deps();
    const closing = (): LeftBehindTasks => new LeftBehindTasks({ ...own, resume: () => Promise.resolve() });
    const first = closing();
    await first.adopt();
    assert.equal(readdirSync(index).length, 1);
    await first.close();
    assert.equal(readdirSync(index).length, 0, 'nothing unfinished: no record');
    await own.ledger.create(entry('evl-running-00000000001', { targetFolder: `${folder}/out` }));
    const second = closing();
    await second.close();
    const [kept] = await own.index.records();
    assert.ok(kept && leftBehind(kept, now), 'closed with a task unfinished: the next window on these folders takes it over');
    // A move out of this ledger that is not done counts as unfinished too.
    const left = (await own.ledger.list())[0]!;
    await own.ledger.write({ ...left, movedTo: { ledger: join(root, 'ws-gone', 'tasks'), at: now } }, left.revision);
    const third = closing();
    await third.close();
    assert.equal(readdirSync(index).length, 1);
  });
});
