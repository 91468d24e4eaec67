import * as assert from 'node:assert/strict';
import { entryStates, parseLedgerEntry, type EntryState, type LedgerEntry } from '../../src/common/ledgerEntry';
import { createEntry, defaultLifecycleTimes, next, scaledTimes, type Effect, type LifecycleContext, type LifecycleEvent } from '../../src/common/lifecycle';
import { actionsFor, etaSeconds, firstSend, isActive, isTerminal, lateLookDue, linksEndAt, needsAttention, readRefusal, ReadRefusals, savedFiles, unsavedResults } from '../../src/common/taskState';
import type { TaskSnapshot } from '../../src/common/wire';
import { learnEnd } from '../../src/common/polling';

const me = 'window-a';
const other = 'window-b';
const t0 = 1_700_000_000_000;
const times = defaultLifecycleTimes;
const at = (now: number, owner = me): LifecycleContext => ({ now, owner, times });

function fresh(now = t0): LedgerEntry {
  const made = createEntry(
    {
      localId: 'evl-test-000000000001',
      idempotencyKey: 'evl-test-000000000001',
      request: { model: 'gpt-4o-image', prompt: 'a lighthouse' },
      body: { model: 'gpt-4o-image', prompt: 'a lighthouse', size: '1:1', n: 2 },
      targetFolder: 'file:///project/images',
      estimatedSeconds: 100,
      creditsReserved: 5,
    },
    at(now),
  );
  return made.entry!;
}

function snapshot(over: Partial<TaskSnapshot> = {}): TaskSnapshot {
  return {
    id: 'task-unified-1',
    state: 'processing',
    rawStatus: 'processing',
    progress: 10,
    estimatedSeconds: 100,
    resultUrls: [],
    error: undefined,
    creditsReserved: 5,
    creditsUsed: undefined,
    ...over,
  };
}

const completed = (urls = ['https://cdn.example/0.png', 'https://cdn.example/1.png']) => snapshot({ state: 'completed', rawStatus: 'completed', progress: 100, resultUrls: urls });

/** Applies events in order from this window, each a second after the last. */
function run(entry: LedgerEntry, ...events: LifecycleEvent[]): { entry: LedgerEntry | undefined; effects: Effect[] } {
  let current: LedgerEntry | undefined = entry;
  let effects: Effect[] = [];
  let now = entry.updatedAt;
  for (const event of events) {
    if (!current) break;
    now += 1000;
    const step = next(current, event, at(now));
    current = step.entry;
    effects = step.effects;
  }
  return { entry: current, effects };
}

const running = (): LedgerEntry => run(fresh(), { type: 'submitAnswered', task: snapshot({ state: 'pending', progress: 0 }) }).entry!;
const saving = (): LedgerEntry => run(running(), { type: 'pollAnswered', task: completed() }).entry!;

/** One entry in each state, as the machine reaches it. */
function inEveryState(): Map<EntryState, LedgerEntry> {
  const lost = { type: 'answerLost', error: { reason: 'network' } } as const;
  const byState = new Map<EntryState, LedgerEntry>();
  const add = (entry: LedgerEntry | undefined): void => {
    if (entry) byState.set(entry.state, entry);
  };
  add(fresh());
  add(run(fresh(), lost).entry);
  add(next(run(fresh(), lost).entry!, { type: 'lookupDue' }, at(t0 + times.replayWindowMs + 1)).entry);
  add(running());
  add(run(running(), { type: 'stopWatching' }).entry);
  add(saving());
  add(run(saving(), { type: 'release' }).entry);
  add(run(saving(), { type: 'saveFailed', error: { reason: 'fileSystem', code: 'diskFull', path: 'images' } }).entry);
  add(run(saving(), { type: 'resultSaved', index: 0, uri: 'file:///a.png' }, { type: 'resultSaved', index: 1, uri: 'file:///b.png' }).entry);
  add(run(running(), { type: 'pollAnswered', task: snapshot({ state: 'failed', error: { code: 'content_policy_violation', message: 'no' } }) }).entry);
  add(run(running(), { type: 'pollAnswered', task: snapshot({ state: 'cancelled', rawStatus: 'canceled' }) }).entry);
  add(run(saving(), { type: 'linkExpired', index: 0 }, { type: 'linkExpired', index: 1 }).entry);
  return byState;
}

const allEvents: LifecycleEvent[] = [
  { type: 'submitAnswered', task: snapshot() },
  { type: 'answerKnown', idempotencyKey: 'evl-test-000000000001', task: snapshot() },
  { type: 'submitRefused', error: { reason: 'invalidRequest' }, userWaiting: true },
  { type: 'submitRefused', error: { reason: 'credits' }, userWaiting: false },
  { type: 'answerLost', error: { reason: 'network' } },
  { type: 'pollAnswered', task: snapshot({ progress: 50 }) },
  { type: 'pollAnswered', task: completed() },
  { type: 'pollAnswered', task: completed([]) },
  { type: 'pollFailed', error: { reason: 'server', status: 502 } },
  { type: 'pollFailed', error: { reason: 'notFound', status: 404 } },
  { type: 'resultKept', index: 0, path: '/storage/d-0' },
  { type: 'resultTarget', index: 0, uri: 'file:///a.png' },
  { type: 'resultSaved', index: 0, uri: 'file:///a.png' },
  { type: 'linkExpired', index: 1 },
  { type: 'saveFailed', error: { reason: 'invalidResponse', code: 'notImage' } },
  { type: 'saveFailed', error: { reason: 'fileSystem', code: 'diskFull' } },
  { type: 'saveDue' },
  { type: 'listAnswered', answer: { found: snapshot() } },
  { type: 'listAnswered', answer: { notFound: true } },
  { type: 'listAnswered', answer: { unavailable: true } },
  { type: 'pollDue' },
  { type: 'replan' },
  { type: 'lookupDue' },
  { type: 'answerLost', error: { reason: 'network' }, idempotencyKey: 'evl-test-000000000077' },
  { type: 'renew' },
  { type: 'resume', leaseStale: false },
  { type: 'resume', leaseStale: true },
  { type: 'release' },
  { type: 'stopWatching' },
  { type: 'checkAgain' },
  { type: 'checkForIt' },
  { type: 'submitAgain', idempotencyKey: 'evl-test-000000000002' },
  { type: 'saveElsewhere', folder: 'file:///project/other' },
  { type: 'saveFailed', error: { reason: 'invalidResponse', code: 'refusedLink', param: 'downgrade' } },
  { type: 'downloadOverHttp' },
  { type: 'forget' },
];

/** Effects that lead on by themselves: an answer or a timer will come. */
const leadsOn = (effects: Effect[]): boolean => effects.some((effect) => ['send', 'poll', 'save', 'findInList', 'wake'].includes(effect.kind));

describe('The task lifecycle', () => {
  it('reaches every state', () => {
    assert.deepEqual([...inEveryState().keys()].sort(), [...entryStates].sort());
  });

  it('sorts every state into exactly one of terminal, active and waiting for the user', () => {
    for (const state of entryStates) {
      const kinds = [isTerminal(state), isActive(state), needsAttention(state)].filter(Boolean);
      assert.equal(kinds.length, 1, state);
    }
  });

  it('leaves no state without a way out, whatever happens to it', () => {
    for (const [state, entry] of inEveryState()) {
      for (const event of allEvents) {
        for (const owner of [me, other]) {
          const step = next(entry, event, { now: entry.updatedAt + 5000, owner, times });
          const after = step.entry;
          if (!after) continue; // Removed: only what was never paid for, or what the user forgot.
          const where = `${state} + ${event.type} (${owner})`;
          assert.doesNotThrow(() => parseLedgerEntry(JSON.stringify(after)), where);
          assert.ok(parseLedgerEntry(JSON.stringify(after)).ok, `${where}: the entry still parses`);
          if (isTerminal(after.state)) continue;
          if (needsAttention(after.state)) {
            assert.ok(actionsFor(after).length > 0, `${where}: ${after.state} offers an action`);
            assert.equal(after.lease === undefined || step.effects.some((effect) => effect.kind === 'findInList'), true, `${where}: no lease is held while waiting for the user`);
            continue;
          }
          // Active: the window that holds the lease has something on the way, or another window
          // will take over once the lease is stale.
          if (!step.changed) continue;
          // Reports of work already under way (a save's progress, a renewed lease, a stop while the
          // submit is on its way) need no new effect: that work answers.
          const underWay = ['resultKept', 'resultTarget', 'resultSaved', 'linkExpired', 'renew'].includes(event.type) || (after.state === 'submitting' && event.type === 'stopWatching');
          // Let go (a window closing): every window's sweep takes an active task without a lease.
          const free = after.lease === undefined;
          assert.ok(leadsOn(step.effects) || underWay || free, `${where}: ${after.state} leads on (${JSON.stringify(step.effects)})`);
        }
      }
    }
  });

  it('never changes the entry it was given', () => {
    const entry = saving();
    const before = JSON.stringify(entry);
    next(entry, { type: 'resultSaved', index: 0, uri: 'file:///a.png' }, at(t0 + 9000));
    assert.equal(JSON.stringify(entry), before);
  });

  describe('sending', () => {
    it('records the entry first and sends it with a lease', () => {
      const { localId, idempotencyKey, request, body, targetFolder, estimatedSeconds } = fresh();
      const made = createEntry({ localId, idempotencyKey, request, body, targetFolder, estimatedSeconds, creditsReserved: 5 }, at(t0));
      assert.deepEqual(made.effects, [{ kind: 'send' }]);
      assert.equal(made.entry?.state, 'submitting');
      assert.equal(made.entry?.lease?.owner, me);
    });

    it('polls an accepted task first after 3 s', () => {
      const { entry, effects } = run(fresh(), { type: 'submitAnswered', task: snapshot({ state: 'pending', progress: 0 }) });
      assert.equal(entry?.state, 'running');
      assert.equal(entry?.taskId, 'task-unified-1');
      assert.equal(effects.length, 1);
      const [wake] = effects;
      assert.ok(wake?.kind === 'wake' && wake.why);
      assert.deepEqual({ ...wake, why: wake.why() }, { kind: 'wake', event: 'pollDue', delayMs: 3000, why: 'the first look, for a request refused at once' });
    });

    it('drops a request the service refused while the user waited: nothing was paid', () => {
      const { entry } = run(fresh(), { type: 'submitRefused', error: { reason: 'invalidRequest' }, userWaiting: true });
      assert.equal(entry, undefined);
    });

    it('takes a refusal of a replay for no proof: EvoLink may have the first send, so the user is asked to check', () => {
      // A gateway may check the balance before the key, and the first send may be what used it up.
      const lost = run(fresh(), { type: 'answerLost', error: { reason: 'network' } }, { type: 'lookupDue' }).entry!;
      const { entry, effects } = run(lost, { type: 'submitRefused', error: { reason: 'credits', code: 'insufficient_user_quota' }, userWaiting: false });
      assert.equal(entry?.state, 'unconfirmed');
      assert.equal(entry?.attention, 'replayRefused');
      assert.equal(entry?.error?.reason, 'credits');
      assert.ok(!effects.some((effect) => effect.kind === 'send'));
      assert.deepEqual(actionsFor(entry), ['checkForIt', 'submitAgain', 'forget']);
    });

    it('asks again about a lost answer, with the same key, only within the replay window', () => {
      const lost = next(fresh(), { type: 'answerLost', error: { reason: 'network' } }, at(t0 + 1000));
      assert.equal(lost.entry?.state, 'unknownOutcome');
      assert.deepEqual(lost.effects, [{ kind: 'wake', event: 'lookupDue', delayMs: times.lookupDelayMs }]);
      const replay = next(lost.entry, { type: 'lookupDue' }, at(t0 + 31_000));
      assert.deepEqual(replay.effects, [{ kind: 'send' }]);
      assert.equal(replay.entry?.idempotencyKey, fresh().idempotencyKey);
      assert.equal(replay.entry?.sends, 2);
      const late = next(lost.entry, { type: 'lookupDue' }, at(t0 + times.replayWindowMs));
      assert.equal(late.entry?.state, 'unconfirmed');
      assert.equal(late.entry?.attention, 'windowPassed');
      assert.ok(!late.effects.some((effect) => effect.kind === 'send'));
    });

    it('waits longer between look-ups, and never past the window', () => {
      let entry = fresh();
      const delays: number[] = [];
      let now = t0;
      for (let attempt = 0; attempt < 40; attempt++) {
        now += 1000;
        const step = next(entry, { type: 'answerLost', error: { reason: 'timeout' } }, at(now));
        entry = step.entry!;
        const wake = step.effects.find((effect) => effect.kind === 'wake');
        if (!wake || wake.kind !== 'wake') break;
        delays.push(wake.delayMs);
        now += wake.delayMs;
        entry = next(entry, { type: 'lookupDue' }, at(now)).entry!;
        if (entry.state !== 'unknownOutcome') break;
      }
      assert.equal(entry.state, 'unconfirmed');
      assert.ok(delays[1]! > delays[0]!, delays.join(','));
      assert.ok(now - t0 <= times.replayWindowMs + 40_000, String(now - t0));
    });

    it('never re-sends a task the user stopped watching while its submit was on the way', () => {
      const stopped = run(fresh(), { type: 'stopWatching' }).entry!;
      assert.equal(stopped.state, 'submitting');
      const lost = run(stopped, { type: 'answerLost', error: { reason: 'network' } });
      assert.equal(lost.entry?.state, 'unconfirmed');
      assert.ok(!lost.effects.some((effect) => effect.kind === 'send' || effect.kind === 'wake'));
      const resumed = next(lost.entry, { type: 'resume', leaseStale: true }, at(t0 + 10_000));
      assert.equal(resumed.changed, false);
      const accepted = run(stopped, { type: 'submitAnswered', task: snapshot() }).entry;
      assert.equal(accepted?.state, 'stopped');
    });

    it('after a reload, asks again about a submit that was on its way, or gives it to the user when it is old', () => {
      const crashed = { ...fresh(), lease: { owner: 'window-gone', at: t0 } };
      const soon = next(crashed, { type: 'resume', leaseStale: true }, at(t0 + 60_000));
      assert.equal(soon.entry?.state, 'unknownOutcome');
      assert.deepEqual(soon.effects, [{ kind: 'wake', event: 'lookupDue', delayMs: 0 }]);
      const late = next(crashed, { type: 'resume', leaseStale: true }, at(t0 + 3600_000));
      assert.equal(late.entry?.state, 'unconfirmed');
      assert.ok(!late.effects.some((effect) => effect.kind === 'send'));
    });

    it('never sends a key again when its first send is dated well after now (the clock was ahead, and was set right)', () => {
      const ahead = { ...fresh(t0 + 2 * 3600_000), lease: { owner: 'window-gone', at: t0 } };
      const resumed = next(ahead, { type: 'resume', leaseStale: true }, at(t0 + 60_000));
      assert.equal(resumed.entry?.state, 'unconfirmed');
      assert.equal(resumed.entry?.attention, 'windowPassed');
      assert.ok(!resumed.effects.some((effect) => effect.kind === 'send' || effect.kind === 'wake'));
      // A step back of a few seconds (a time sync) is no time: the lost answer is asked again.
      const lost = next(fresh(t0), { type: 'answerLost', error: { reason: 'timeout' } }, at(t0 - 3000));
      assert.equal(lost.entry?.state, 'unknownOutcome');
    });

    it('looks for an unconfirmed task in the list past the window, and never replays it', () => {
      const unconfirmed = next(run(fresh(), { type: 'answerLost', error: { reason: 'network' } }).entry!, { type: 'lookupDue' }, at(t0 + times.replayWindowMs + 5)).entry!;
      const check = next(unconfirmed, { type: 'checkForIt' }, at(t0 + times.replayWindowMs + 10));
      assert.deepEqual(check.effects, [{ kind: 'findInList' }]);
      const found = next(check.entry!, { type: 'listAnswered', answer: { found: snapshot({ progress: 40 }) } }, at(t0 + times.replayWindowMs + 20));
      assert.equal(found.entry?.state, 'running');
      assert.equal(found.entry?.taskId, 'task-unified-1');
      const missing = next(check.entry!, { type: 'listAnswered', answer: { notFound: true } }, at(t0 + times.replayWindowMs + 20));
      assert.equal(missing.entry?.state, 'unconfirmed');
      assert.equal(missing.entry?.attention, 'notFound');
      const several = next(check.entry!, { type: 'listAnswered', answer: { ambiguous: true } }, at(t0 + times.replayWindowMs + 20));
      assert.equal(several.entry?.attention, 'listAmbiguous');
      assert.deepEqual(actionsFor(missing.entry), ['checkForIt', 'submitAgain', 'forget']);
    });

    it('sends again with a new key only when the user asks for it', () => {
      const unconfirmed = next(run(fresh(), { type: 'answerLost', error: { reason: 'network' } }).entry!, { type: 'lookupDue' }, at(t0 + times.replayWindowMs + 5)).entry!;
      const again = next(unconfirmed, { type: 'submitAgain', idempotencyKey: 'evl-test-000000000099' }, at(t0 + times.replayWindowMs + 9));
      assert.equal(again.entry?.state, 'submitting');
      assert.equal(again.entry?.idempotencyKey, 'evl-test-000000000099');
      assert.deepEqual(again.effects, [{ kind: 'send' }]);
    });

    it('goes back to the request as it was when Submit Again\'s send made nothing (never left, or refused), and lets the user check for the first one', () => {
      const sentFirst = t0;
      const unconfirmed = next(run(fresh(), { type: 'answerLost', error: { reason: 'network' } }).entry!, { type: 'lookupDue' }, at(t0 + times.replayWindowMs + 5)).entry!;
      const again = next(unconfirmed, { type: 'submitAgain', idempotencyKey: 'evl-test-000000000099' }, at(t0 + times.replayWindowMs + 9)).entry!;
      assert.equal(again.replaced?.idempotencyKey, fresh().idempotencyKey);
      for (const error of [{ reason: 'network', notSent: true as const }, { reason: 'credits', code: 'insufficient_user_quota' }]) {
        const refused = next(again, { type: 'submitRefused', error, userWaiting: false }, at(t0 + times.replayWindowMs + 12));
        assert.equal(refused.entry?.state, 'unconfirmed');
        assert.equal(refused.entry?.attention, 'replayRefused');
        assert.deepEqual(refused.entry?.error, error);
        assert.equal(refused.entry?.idempotencyKey, fresh().idempotencyKey, 'the first key again');
        assert.equal(refused.entry?.sentAt, sentFirst);
        assert.equal(refused.entry?.sends, unconfirmed.sends);
        assert.equal(refused.entry?.replaced, undefined);
        assert.ok(!refused.effects.some((effect) => effect.kind === 'send' || effect.kind === 'wake'));
        // Past the first send's window, Check for It looks in the list: it never replays a key.
        assert.deepEqual(next(refused.entry, { type: 'checkForIt' }, at(t0 + times.replayWindowMs + 20)).effects, [{ kind: 'findInList' }]);
      }
      // A send that may have left (its answer lost) keeps the new key: it may have made a task.
      const lost = next(again, { type: 'answerLost', error: { reason: 'timeout' } }, at(t0 + times.replayWindowMs + 12)).entry!;
      assert.equal(lost.state, 'unknownOutcome');
      assert.equal(lost.idempotencyKey, 'evl-test-000000000099');
      assert.equal(lost.replaced, undefined);
      // So does a window reloaded while it was on its way.
      const reloaded = next({ ...again, lease: { owner: 'window-gone', at: again.updatedAt } }, { type: 'resume', leaseStale: true }, at(t0 + times.replayWindowMs + 60_000)).entry!;
      assert.equal(reloaded.idempotencyKey, 'evl-test-000000000099');
      assert.equal(reloaded.replaced, undefined);
      const accepted = next(again, { type: 'submitAnswered', task: snapshot() }, at(t0 + times.replayWindowMs + 12)).entry!;
      assert.equal(accepted.replaced, undefined);
      assert.equal(accepted.idempotencyKey, 'evl-test-000000000099');
    });

    it('records an answer kept in memory while the ledger could not be written, also past the replay window, only for its key, and not while another window works on the request', () => {
      const key = fresh().idempotencyKey;
      const late = t0 + times.replayWindowMs + 60_000;
      const known = { type: 'answerKnown', idempotencyKey: key, task: snapshot() } as const;
      // The disk still says the submit is on its way, past the window.
      const recorded = next(fresh(), known, at(late));
      assert.equal(recorded.entry?.state, 'running');
      assert.equal(recorded.entry?.taskId, 'task-unified-1');
      assert.ok(!recorded.effects.some((effect) => effect.kind === 'send'));
      // A resume wrote it unconfirmed first: the known answer still wins.
      const unconfirmed = next(fresh(), { type: 'resume', leaseStale: false }, at(late)).entry!;
      assert.equal(unconfirmed.state, 'unconfirmed');
      assert.equal(next(unconfirmed, known, at(late + 1000)).entry?.state, 'running');
      // Another key's answer (Submit Again sent a new one) is not this request's answer now.
      assert.equal(next(fresh(), { ...known, idempotencyKey: 'evl-test-000000000099' }, at(late)).changed, false);
      // Another window works on it (it sends the same key): left to it, and no stop for it.
      const theirs = next(fresh(), known, at(late, other));
      assert.equal(theirs.changed, false);
      assert.deepEqual(theirs.effects, []);
      assert.equal(next(unconfirmed, known, at(late, other)).entry?.lease?.owner, other, 'unconfirmed: nobody works on it');
    });

    it('takes the answer of a send that comes after Stop Watching made the request unconfirmed: the task is known, and stays stopped', () => {
      const key = fresh().idempotencyKey;
      // The user stopped watching while a replay was out.
      const unconfirmed = next(run(fresh(), { type: 'answerLost', error: { reason: 'network' } }).entry!, { type: 'stopWatching' }, at(t0 + 5000)).entry!;
      assert.equal(unconfirmed.state, 'unconfirmed');
      const answered = next(unconfirmed, { type: 'submitAnswered', task: snapshot({ state: 'pending', progress: 0 }), idempotencyKey: key }, at(t0 + 5050));
      assert.deepEqual([answered.entry?.state, answered.entry?.taskId, answered.entry?.attention], ['stopped', 'task-unified-1', 'userStopped']);
      assert.deepEqual(actionsFor(answered.entry!), ['checkAgain', 'forget'], 'Check Again reads it; nothing offers to send it again');
      assert.ok(!answered.effects.some((effect) => effect.kind === 'send' || effect.kind === 'poll'));
      // Past the replay window, still watched: the late answer's task is read.
      const passed = next(run(fresh(), { type: 'answerLost', error: { reason: 'network' } }).entry!, { type: 'lookupDue' }, at(t0 + times.replayWindowMs + 5)).entry!;
      assert.equal(passed.state, 'unconfirmed');
      assert.equal(next(passed, { type: 'submitAnswered', task: snapshot({ state: 'pending', progress: 0 }), idempotencyKey: key }, at(t0 + times.replayWindowMs + 50)).entry?.state, 'running');
      // A window that looks for it in EvoLink's list holds it: the answer is left to that look.
      const looking = next(unconfirmed, { type: 'checkForIt' }, at(t0 + 5010, other)).entry!;
      assert.equal(looking.lease?.owner, other);
      assert.equal(next(looking, { type: 'submitAnswered', task: snapshot(), idempotencyKey: key }, at(t0 + 5050)).changed, false);
      // An answer of a key this request no longer has changes nothing.
      assert.equal(next(unconfirmed, { type: 'submitAnswered', task: snapshot(), idempotencyKey: 'evl-test-000000000098' }, at(t0 + 5050)).changed, false);
    });

    it('lets an answer to the key Submit Again replaced, recorded after it, decide: its task is taken under its key; its failure changes nothing', () => {
      const first = fresh().idempotencyKey;
      // The user stopped watching while a replay was out; Submit Again came before its answer was recorded.
      const unconfirmed = next(run(fresh(), { type: 'answerLost', error: { reason: 'network' } }).entry!, { type: 'stopWatching' }, at(t0 + 5000)).entry!;
      assert.equal(unconfirmed.state, 'unconfirmed');
      const again = next(unconfirmed, { type: 'submitAgain', idempotencyKey: 'evl-test-000000000099' }, at(t0 + 6000)).entry!;
      // The old send's failure says nothing of the new key.
      for (const stale of [{ type: 'answerLost', error: { reason: 'network' }, idempotencyKey: first }, { type: 'submitRefused', error: { reason: 'network', notSent: true }, userWaiting: false, idempotencyKey: first }] as const) {
        const ignored = next(again, stale, at(t0 + 7000));
        assert.equal(ignored.changed, false);
        assert.deepEqual(ignored.effects, []);
      }
      // The new key's send, refused as never sent, goes back to the first key.
      const back = next(again, { type: 'submitRefused', error: { reason: 'network', notSent: true }, userWaiting: false, idempotencyKey: 'evl-test-000000000099' }, at(t0 + 7002)).entry!;
      assert.equal(back.idempotencyKey, first);
      assert.equal(back.state, 'unconfirmed');
      // The old send answered with its task: taken under the first key, and the new key is never sent.
      const taken = next(again, { type: 'submitAnswered', task: snapshot({ state: 'pending', progress: 0 }), idempotencyKey: first }, at(t0 + 7000));
      assert.equal(taken.entry?.state, 'running');
      assert.equal(taken.entry?.idempotencyKey, first);
      assert.equal(taken.entry?.sentAt, t0);
      assert.equal(taken.entry?.replaced, undefined);
      assert.ok(!taken.effects.some((effect) => effect.kind === 'send'));
      // An answer of a key the entry never had is nobody's.
      assert.equal(next(again, { type: 'submitAnswered', task: snapshot(), idempotencyKey: 'evl-test-000000000055' }, at(t0 + 7000)).changed, false);
    });

    it('goes on with a Submit Again this window made while a look at the ledger judged the task on an older revision', () => {
      const lostEntry = run(fresh(), { type: 'answerLost', error: { reason: 'network' } }).entry!;
      const judged = { ...lostEntry, revision: 4 };
      const unconfirmed = { ...next(judged, { type: 'stopWatching' }, at(t0 + 5000)).entry!, revision: 5 };
      const again = { ...next(unconfirmed, { type: 'submitAgain', idempotencyKey: 'evl-test-000000000099' }, at(t0 + 6000)).entry!, revision: 6 };
      const late = next(again, { type: 'resume', leaseStale: false, revision: judged.revision }, at(t0 + 6010));
      assert.equal(late.changed, false);
      assert.deepEqual(late.effects, []);
      // Judged on the revision it has, or by this window's own idle check, it is taken up as before.
      assert.equal(next(again, { type: 'resume', leaseStale: false, revision: 6 }, at(t0 + 6010)).entry?.state, 'unknownOutcome');
      assert.equal(next(again, { type: 'resume', leaseStale: false }, at(t0 + 6010)).entry?.state, 'unknownOutcome');
    });

    it('keeps the first send of the request for the list search when a reload drops the key Submit Again replaced, and its new key is refused', () => {
      const unconfirmed = next(run(fresh(), { type: 'answerLost', error: { reason: 'network' } }).entry!, { type: 'lookupDue' }, at(t0 + times.replayWindowMs + 5)).entry!;
      const resent = t0 + times.replayWindowMs + 9;
      const again = next(unconfirmed, { type: 'submitAgain', idempotencyKey: 'evl-test-000000000099' }, at(resent)).entry!;
      // The window reloads while the new send is out: the key it replaced is gone, the new one sent again.
      const reloaded = next({ ...again, lease: { owner: 'window-gone', at: resent } }, { type: 'resume', leaseStale: true }, at(resent + 60_000)).entry!;
      assert.equal(reloaded.replaced, undefined);
      const replay = next(reloaded, { type: 'lookupDue' }, at(resent + 61_000));
      assert.deepEqual(replay.effects, [{ kind: 'send' }]);
      const refused = next(replay.entry!, { type: 'submitRefused', error: { reason: 'credits', status: 402 }, userWaiting: false }, at(resent + 62_000)).entry!;
      assert.equal(refused.state, 'unconfirmed');
      assert.equal(refused.idempotencyKey, 'evl-test-000000000099');
      assert.equal(refused.sentAt, resent);
      assert.equal(refused.firstSentAt, t0);
      assert.equal(firstSend(refused), t0, 'the list is searched from the first send');
      assert.ok(parseLedgerEntry(JSON.stringify(refused)).ok);
      const check = next(refused, { type: 'checkForIt' }, at(resent + times.replayWindowMs + 1));
      assert.deepEqual(check.effects, [{ kind: 'findInList' }]);
      assert.equal(firstSend(check.entry!), t0);
      // Submit Again once more keeps the first send of all.
      assert.equal(next(refused, { type: 'submitAgain', idempotencyKey: 'evl-test-000000000098' }, at(resent + 90_000)).entry?.firstSentAt, t0);
    });
  });

  describe('polling', () => {
    it('follows progress, and saves what completed', () => {
      const progressed = run(running(), { type: 'pollAnswered', task: snapshot({ progress: 40 }) });
      assert.equal(progressed.entry?.progress, 40);
      assert.equal(progressed.effects[0]?.kind, 'wake');
      const done = run(running(), { type: 'pollAnswered', task: completed() });
      assert.equal(done.entry?.state, 'saving');
      // The submit's answer was a read: the end, between it and this one, teaches the model.
      assert.deepEqual(done.effects.map((effect) => effect.kind), ['save', 'learn']);
      assert.equal(done.entry?.results?.length, 2);
    });

    it('keeps the levels progress went through, and when they were reached, for the poll schedule', () => {
      let entry = running();
      entry = next(entry, { type: 'pollAnswered', task: snapshot({ progress: 0 }) }, at(t0 + 3000)).entry!;
      entry = next(entry, { type: 'pollAnswered', task: snapshot({ progress: 20 }) }, at(t0 + 13_000)).entry!;
      entry = next(entry, { type: 'pollAnswered', task: snapshot({ progress: 20 }) }, at(t0 + 23_000)).entry!;
      const step = next(entry, { type: 'pollAnswered', task: snapshot({ progress: 50 }) }, at(t0 + 33_000));
      assert.deepEqual(step.entry?.progressTrail, [
        { progress: 20, at: t0 + 13_000, after: t0 + 3000 },
        { progress: 50, at: t0 + 33_000, after: t0 + 23_000 },
      ]);
      assert.equal(step.entry?.polledAt, t0 + 33_000);
      const wake = step.effects[0];
      assert.ok(wake?.kind === 'wake' && wake.delayMs >= 1000 && wake.delayMs <= 10_000, JSON.stringify(wake));
      assert.ok(parseLedgerEntry(JSON.stringify(step.entry)).ok);
    });

    it('keeps when progress first showed after it went back to 0 and started over: the task did not end silent', () => {
      let entry = running();
      entry = next(entry, { type: 'pollAnswered', task: snapshot({ progress: 0 }) }, at(t0 + 3000)).entry!;
      entry = next(entry, { type: 'pollAnswered', task: snapshot({ progress: 30 }) }, at(t0 + 13_000)).entry!;
      entry = next(entry, { type: 'pollAnswered', task: snapshot({ progress: 0 }) }, at(t0 + 23_000)).entry!;
      assert.deepEqual(entry.progressTrail, [], 'the levels start over');
      assert.equal(entry.progressShownAt, t0 + 8000, 'between the read that saw the first level and the one before');
      entry = next(entry, { type: 'pollAnswered', task: snapshot({ progress: 40 }) }, at(t0 + 33_000)).entry!;
      assert.equal(entry.progressShownAt, t0 + 8000);
      assert.ok(parseLedgerEntry(JSON.stringify(entry)).ok);
      entry = next(entry, { type: 'pollAnswered', task: snapshot({ progress: 0 }) }, at(t0 + 43_000)).entry!;
      const ended = next(entry, { type: 'pollAnswered', task: completed() }, at(t0 + 53_000));
      const learn = ended.effects.find((effect) => effect.kind === 'learn');
      assert.ok(learn?.kind === 'learn');
      const learned = learnEnd(learn.observation, learn.endMs);
      assert.equal(learned.silentShare, 0);
      assert.ok(learned.firstShare !== undefined && Math.abs(learned.firstShare - 8 / 48) < 1e-9, String(learned.firstShare));
    });

    it('reads an entry written before progress levels were kept, and polls it on', () => {
      const old: Record<string, unknown> = { ...running(), progress: 40, progressAt: t0 + 20_000, polls: 4 };
      delete old.progressTrail;
      delete old.polledAt;
      const parsed = parseLedgerEntry(JSON.stringify(old));
      assert.ok(parsed.ok);
      if (!parsed.ok) return;
      const step = next(parsed.entry, { type: 'pollAnswered', task: snapshot({ progress: 60 }) }, at(t0 + 30_000));
      assert.deepEqual(step.entry?.progressTrail, [
        { progress: 40, at: t0 + 20_000, after: t0 + 20_000 },
        { progress: 60, at: t0 + 30_000, after: parsed.entry.createdAt },
      ]);
      assert.equal(step.effects[0]?.kind, 'wake');
    });

    it('plans a silent task\'s read again when another task of its model ended well before the estimate, to be kept only where it is sooner', () => {
      // Read at submit and 3 s after: progress 0, a 100 s estimate. Nothing before 30 s is expected yet.
      const read = next(running(), { type: 'pollAnswered', task: snapshot({ progress: 0 }) }, at(t0 + 3000));
      const planned = read.effects[0];
      assert.ok(planned?.kind === 'wake' && planned.delayMs === 10_000 && !planned.soonerOnly, JSON.stringify(planned));
      // Another task of the model was read at 3 s and found done at 13 s: its tasks may end at 0.03x.
      const calibration = learnEnd({ submittedAt: 0, estimatedSeconds: 100, polls: 2, levels: [], polledAt: 3000, progress: 0 }, 8000);
      const learned = { ...at(t0 + 5000), calibration: () => calibration };
      const again = next(read.entry!, { type: 'replan' }, learned);
      assert.equal(again.changed, false, 'nothing is written');
      const wake = again.effects[0];
      assert.ok(wake?.kind === 'wake' && wake.event === 'pollDue' && wake.soonerOnly === true, JSON.stringify(again.effects));
      assert.ok(wake.delayMs >= 1000 && wake.delayMs <= 3000, `within the vendor's pace now: ${wake.delayMs}`);
      // Planned as if read a second after the last read, where that is later than now.
      const atOnce = next(read.entry!, { type: 'replan' }, { ...learned, now: t0 + 3200 }).effects[0];
      assert.ok(atOnce?.kind === 'wake' && atOnce.delayMs >= 1800, JSON.stringify(atOnce));
      // On a service clock ten times faster, the same moments give a tenth of the wait.
      const fast = { ...times, pollScale: 0.1 };
      const accepted = next(fresh(), { type: 'submitAnswered', task: snapshot({ state: 'pending', progress: 0 }) }, { ...at(t0 + 100), times: fast }).entry!;
      const scaledRead = next(accepted, { type: 'pollAnswered', task: snapshot({ progress: 0 }) }, { ...at(t0 + 300), times: fast }).entry!;
      const scaled = next(scaledRead, { type: 'replan' }, { ...learned, now: t0 + 500, times: fast }).effects[0];
      assert.ok(scaled?.kind === 'wake' && Math.abs(scaled.delayMs - wake.delayMs / 10) <= 1, `${JSON.stringify(scaled)} against ${wake.delayMs}`);
      // A task found done without its links yet keeps the vendor's pace it is read at.
      const empty = next(read.entry!, { type: 'pollAnswered', task: completed([]) }, at(t0 + 4000)).entry!;
      assert.deepEqual(next(empty, { type: 'replan' }, learned).effects, []);
      // A task whose last read failed keeps the wait the failure set; a task not running has nothing to plan.
      const failed = next(read.entry!, { type: 'pollFailed', error: { reason: 'server', status: 502 } }, at(t0 + 4000)).entry!;
      assert.deepEqual(next(failed, { type: 'replan' }, learned).effects, []);
      assert.deepEqual(next(saving(), { type: 'replan' }, learned).effects, []);
      // Another window's task is not this window's to plan.
      assert.deepEqual(next(read.entry!, { type: 'replan' }, { ...learned, owner: other }).effects, [{ kind: 'stop' }]);
    });

    it('reads the schedule on the service\'s clock: at pollScale s, a task seen at s times the moments waits s times as long', () => {
      const delays = [1, 0.5].map((scale) => {
        const clock = (ms: number) => ({ now: t0 + ms * scale, owner: me, times: { ...times, pollScale: scale } });
        const first = next(running(), { type: 'pollAnswered', task: snapshot({ progress: 20 }) }, clock(10_000)).entry!;
        const effect = next(first, { type: 'pollAnswered', task: snapshot({ progress: 80 }) }, clock(20_000)).effects[0];
        return effect?.kind === 'wake' ? effect.delayMs : NaN;
      });
      assert.ok(delays[0]! > 0 && delays[0]! < 10_000, String(delays[0]));
      assert.equal(delays[1], Math.round(delays[0]! * 0.5));
    });

    it('reads a task that says it completed without results twice more at the vendor\'s pace (its links may come a moment later), then waits for them as stopped', () => {
      const pace = { kind: 'wake', event: 'pollDue', delayMs: Math.round(3000 * times.pollScale) };
      const first = run(running(), { type: 'pollAnswered', task: completed([]) });
      assert.equal(first.entry?.state, 'running');
      assert.deepEqual(first.effects, [pace]);
      const filled = run(first.entry, { type: 'pollAnswered', task: completed(['https://cdn.example/a.png']) }).entry;
      assert.equal(filled?.state, 'saving', 'the links came: saved as any');
      assert.equal(filled?.emptyReads, undefined);
      const second = run(first.entry, { type: 'pollAnswered', task: completed([]) });
      assert.deepEqual([second.entry?.state, second.effects], ['running', [pace]]);
      const { entry, effects } = run(second.entry!, { type: 'pollAnswered', task: completed([]) });
      assert.equal(entry?.state, 'stopped', 'not a final failure: a paid task\'s links may still come');
      assert.equal(entry?.attention, 'deadline');
      assert.equal(entry?.error?.code, 'no_results', 'what happened is kept for the message');
      assert.deepEqual(effects, [{ kind: 'stop' }]);
      assert.deepEqual(actionsFor(entry), ['checkAgain', 'retry', 'forget'], 'a paid retry is not the only way on');
    });

    it('looks quietly, while the links could last, at a task that completed without results, saves it once they come, and Check Again reads it closely again', () => {
      let empty = running();
      for (let read = 1; read <= 3; read++) empty = next(empty, { type: 'pollAnswered', task: completed([]) }, at(t0 + read * 3000)).entry!;
      const stoppedAt = t0 + 9000;
      assert.equal(empty.state, 'stopped');
      assert.equal(lateLookDue(empty, stoppedAt + times.lateLookMs - 1, times), false);
      assert.equal(lateLookDue(empty, stoppedAt + times.lateLookMs, times), true);
      const look = next(empty, { type: 'lateLook' }, at(stoppedAt + times.lateLookMs));
      assert.deepEqual([look.entry?.state, look.effects], ['running', [{ kind: 'wake', event: 'pollDue', delayMs: 0 }]]);
      // Still without links: one read per look, and it waits again, quietly.
      const still = next(look.entry!, { type: 'pollAnswered', task: completed([]) }, at(stoppedAt + times.lateLookMs + 500));
      assert.deepEqual([still.entry?.state, still.entry?.error?.code, still.entry?.lateLooks, still.effects], ['stopped', 'no_results', 1, [{ kind: 'stop' }]]);
      // The links came: saved as any.
      assert.equal(next(look.entry!, { type: 'pollAnswered', task: completed(['https://cdn.example/a.png']) }, at(stoppedAt + times.lateLookMs + 500)).entry?.state, 'saving');
      // Check Again: read closely again, with three reads for the links.
      const again = next(empty, { type: 'checkAgain' }, at(stoppedAt + 60_000));
      assert.deepEqual([again.entry?.state, again.entry?.emptyReads, again.entry?.error, again.effects], ['running', undefined, undefined, [{ kind: 'wake', event: 'pollDue', delayMs: 0 }]]);
      assert.equal(next(again.entry!, { type: 'pollAnswered', task: completed([]) }, at(stoppedAt + 61_000)).entry?.state, 'running');
      // Once its links would be gone, nothing more can come: its last look ends it as failed, without a read.
      assert.equal(lateLookDue(empty, linksEndAt(empty, times), times), true);
      const ended = next(empty, { type: 'lateLook' }, at(linksEndAt(empty, times)));
      assert.deepEqual([ended.entry?.state, ended.entry?.error?.code, ended.effects.some((effect) => effect.kind === 'wake')], ['failed', 'no_results', false]);
      assert.equal(lateLookDue(ended.entry!, linksEndAt(empty, times) + times.lateLookMs, times), false, 'and it is not looked at again');
      let late = next(empty, { type: 'checkAgain' }, at(linksEndAt(empty, times) + 1000)).entry!;
      for (let read = 1; read <= 3; read++) late = next(late, { type: 'pollAnswered', task: completed([]) }, at(linksEndAt(empty, times) + 1000 + read * 3000)).entry!;
      assert.deepEqual([late.state, late.error?.code, late.attention], ['failed', 'no_results', undefined]);
    });

    it('reads an entry an earlier version failed as completed without results, as it reads one stopped so', () => {
      const written = { ...running(), state: 'failed', error: { reason: 'invalidResponse', code: 'no_results' }, emptyReads: 3, polledAt: t0 + 9000, updatedAt: t0 + 9000 };
      delete (written as Partial<LedgerEntry>).lease;
      const parsed = parseLedgerEntry(JSON.stringify(written));
      assert.ok(parsed.ok, 'it still loads');
      const old = parsed.entry;
      assert.deepEqual(actionsFor(old), ['checkAgain', 'retry', 'forget']);
      assert.equal(lateLookDue(old, t0 + 9000 + times.lateLookMs, times), true, 'looked at quietly, as a stopped one');
      assert.equal(lateLookDue(old, linksEndAt(old, times), times), false, 'but not once its links would be gone: it stays failed');
      const again = next(old, { type: 'checkAgain' }, at(t0 + 60_000));
      assert.deepEqual([again.entry?.state, again.entry?.lease?.owner, again.effects], ['running', me, [{ kind: 'wake', event: 'pollDue', delayMs: 0 }]]);
      assert.equal(next(again.entry!, { type: 'pollAnswered', task: completed(['https://cdn.example/a.png']) }, at(t0 + 61_000)).entry?.state, 'saving');
      // Any other failure stays as it was.
      const refused = { ...old, error: { reason: 'taskFailed', code: 'content_policy_violation' } };
      assert.equal(next(refused, { type: 'checkAgain' }, at(t0 + 60_000)).changed, false);
    });

    it('tells a cancelled task from a failed one', () => {
      const cancelled = run(running(), { type: 'pollAnswered', task: snapshot({ state: 'cancelled' }) }).entry;
      assert.equal(cancelled?.state, 'cancelled');
      const failed = run(running(), { type: 'pollAnswered', task: snapshot({ state: 'failed', error: { code: 'service_error', message: 'x' } }) }).entry;
      assert.equal(failed?.state, 'failed');
      assert.equal(failed?.error?.code, 'service_error');
    });

    it('sends a read that is due without writing first, and the answer renews the lease', () => {
      const entry = next(running(), { type: 'pollAnswered', task: snapshot() }, at(t0 + 5000)).entry!;
      const due = next(entry, { type: 'pollDue' }, at(t0 + 8000));
      assert.equal(due.changed, false, 'nothing to write before the read goes out');
      assert.deepEqual(due.effects, [{ kind: 'poll' }]);
      assert.equal(next(entry, { type: 'pollAnswered', task: snapshot() }, at(t0 + 8200)).entry?.lease?.at, t0 + 8200);
    });

    it('reads once more past the deadline and stops a task still running; Check Again starts a new deadline', () => {
      let entry = running();
      entry = next(entry, { type: 'pollAnswered', task: snapshot() }, at(t0 + 5000)).entry!;
      entry = next(entry, { type: 'pollAnswered', task: snapshot() }, at(t0 + 9000)).entry!;
      // The machine slept past the deadline: the task may have finished meanwhile.
      assert.deepEqual(next(entry, { type: 'pollDue' }, at(t0 + 11 * 60_000)).effects, [{ kind: 'poll' }]);
      const finished = next(entry, { type: 'pollAnswered', task: completed(['https://cdn.example/a.png']) }, at(t0 + 11 * 60_000));
      assert.equal(finished.entry?.state, 'saving');
      const late = next(entry, { type: 'pollAnswered', task: snapshot() }, at(t0 + 11 * 60_000));
      assert.equal(late.entry?.state, 'stopped');
      assert.equal(late.entry?.attention, 'deadline');
      const again = next(late.entry, { type: 'checkAgain' }, at(t0 + 12 * 60_000));
      assert.equal(again.entry?.state, 'running');
      const due = next(again.entry, { type: 'pollDue' }, at(t0 + 13 * 60_000));
      assert.deepEqual(due.effects, [{ kind: 'poll' }]);
    });

    it('looks at a task stopped at its deadline again on its own every few minutes, quietly, saves it when it has ended, and stops looking once its links would be gone', () => {
      let entry = running();
      entry = next(entry, { type: 'pollAnswered', task: snapshot() }, at(t0 + 5000)).entry!;
      const stopped = next(entry, { type: 'pollAnswered', task: snapshot() }, at(t0 + 11 * 60_000)).entry!;
      assert.deepEqual([stopped.state, stopped.attention], ['stopped', 'deadline']);
      const read = t0 + 11 * 60_000;
      assert.equal(lateLookDue(stopped, read + times.lateLookMs - 1, times), false, 'not before its last read is lateLookMs old');
      assert.equal(next(stopped, { type: 'lateLook' }, at(read + 1000)).changed, false);
      const look = next(stopped, { type: 'lateLook' }, at(read + times.lateLookMs));
      assert.deepEqual([look.entry?.state, look.entry?.lateLooks, look.entry?.lease?.owner], ['running', 1, me]);
      assert.deepEqual(look.effects, [{ kind: 'wake', event: 'pollDue', delayMs: 0 }]);
      // Still running: it stands as it was, its deadline not started over, and looked at again later.
      const still = next(look.entry!, { type: 'pollAnswered', task: snapshot() }, at(read + times.lateLookMs + 500)).entry!;
      assert.deepEqual([still.state, still.attention, still.lateLooks, still.lease], ['stopped', 'deadline', 1, undefined]);
      const second = next(still, { type: 'lateLook' }, at(read + 2 * times.lateLookMs + 500)).entry!;
      assert.equal(second.lateLooks, 2);
      // Ended meanwhile: saved as any.
      assert.equal(next(second, { type: 'pollAnswered', task: completed(['https://cdn.example/a.png']) }, at(read + 2 * times.lateLookMs + 900)).entry?.state, 'saving');
      // Check Again watches it closely again: no quiet look counted any more.
      assert.equal(next(still, { type: 'checkAgain' }, at(read + times.lateLookMs + 900)).entry?.lateLooks, undefined);
      // Its links would be gone: no more looks.
      assert.equal(lateLookDue(still, t0 + times.resultLifetimeMs + 1, times), false);
      // Stopped by the user, or for another reason: never looked at unasked.
      assert.equal(lateLookDue(next(running(), { type: 'stopWatching' }, at(t0 + 2000)).entry!, t0 + times.lateLookMs * 3, times), false);
    });

    it('past the deadline, reads a task whose read failed (a machine woken before its network) until one answers, and stops it only after many fail in a row, for what failed them', () => {
      let entry = running();
      entry = next(entry, { type: 'pollAnswered', task: snapshot() }, at(t0 + 5000)).entry!;
      entry = next(entry, { type: 'pollAnswered', task: snapshot() }, at(t0 + 9000)).entry!;
      // An hour asleep; the first read after the wake finds no network.
      let now = t0 + 3600_000;
      const woken = next(entry, { type: 'pollFailed', error: { reason: 'network', message: 'getaddrinfo ENOTFOUND' } }, at(now));
      assert.equal(woken.entry?.state, 'running', 'not stopped at the deadline by a read that failed');
      assert.equal(woken.entry?.failedReads, 1);
      assert.equal((woken.effects[0] as { event?: string }).event, 'pollDue');
      // The network is back: the read answers, the count starts over, and the task is saved.
      const back = next(woken.entry, { type: 'pollAnswered', task: completed(['https://cdn.example/a.png']) }, at(now + 15_000));
      assert.equal(back.entry?.state, 'saving');
      assert.equal(back.entry?.failedReads, undefined);
      // The network never comes back: twenty failed reads in a row, then it stops for that reason.
      let failing = woken.entry;
      for (let read = 2; read <= 20; read++) {
        now += times.pollRetryMs;
        failing = next(failing, { type: 'pollFailed', error: { reason: 'network', message: 'getaddrinfo ENOTFOUND' } }, at(now)).entry!;
        assert.equal(failing.state, read < 20 ? 'running' : 'stopped', `read ${read}`);
      }
      assert.equal(failing.attention, 'unread');
      assert.equal(failing.error?.reason, 'network');
      assert.deepEqual(actionsFor(failing), ['checkAgain', 'forget']);
      // Looked at again quietly every few minutes, one read each, while the links may last; saved once one answers.
      assert.equal(lateLookDue(failing, now + times.lateLookMs - 1, times), false);
      const look = next(failing, { type: 'lateLook' }, at(now + times.lateLookMs));
      assert.deepEqual([look.entry?.state, look.entry?.lateLooks], ['running', 1]);
      const stillDown = next(look.entry!, { type: 'pollFailed', error: { reason: 'network', message: 'getaddrinfo ENOTFOUND' } }, at(now + times.lateLookMs + 500)).entry!;
      assert.deepEqual([stillDown.state, stillDown.attention, stillDown.lateLooks], ['stopped', 'unread', 1], 'one read per look');
      assert.equal(next(look.entry!, { type: 'pollAnswered', task: completed(['https://cdn.example/a.png']) }, at(now + times.lateLookMs + 500)).entry?.state, 'saving');
      assert.equal(lateLookDue(failing, linksEndAt(failing, times), times), false, 'not once the links would be gone');
      // Check Again: a new deadline, and a new count.
      const again = next(failing, { type: 'checkAgain' }, at(now + 60_000)).entry!;
      assert.equal(again.state, 'running');
      assert.equal(again.failedReads, undefined);
      assert.equal(again.error, undefined, 'nor does the failure of before count as a first one');
      // Before the deadline, failed reads never stop a task on their own, nor count towards the twenty.
      let early = running();
      for (let read = 1; read <= 30; read++) early = next(early, { type: 'pollFailed', error: { reason: 'server', status: 503 } }, at(t0 + read * 1000)).entry!;
      assert.equal(early.state, 'running');
      const asleep = next(early, { type: 'pollFailed', error: { reason: 'network' } }, at(t0 + 3600_000)).entry!;
      assert.equal(asleep.state, 'running', 'failures before the sleep do not count past the deadline');
      assert.equal(asleep.failedReads, 1);
      // A failure that waiting does not mend (a refusal of the read) stops it at once, for that reason.
      const refused = next(entry, { type: 'pollFailed', error: { reason: 'permission', status: 403 } }, at(t0 + 3600_000)).entry!;
      assert.equal(refused.state, 'stopped');
      assert.equal(refused.attention, 'unread');
      assert.equal(refused.error?.reason, 'permission');
    });

    it('past the deadline, waits out rate limits as Retry-After says (capped) and never stops a task for one or two of them', () => {
      let entry = running();
      entry = next(entry, { type: 'pollAnswered', task: snapshot() }, at(t0 + 5000)).entry!;
      entry = next(entry, { type: 'pollAnswered', task: snapshot() }, at(t0 + 9000)).entry!;
      // Woken an hour later: the batch and then the task's own read are rate limited.
      const limit = { type: 'pollFailed', error: { reason: 'rateLimited', status: 429, retryAfterMs: 2000 } } as const;
      const batch = next(entry, limit, at(t0 + 3600_000));
      assert.equal(batch.entry?.state, 'running');
      assert.deepEqual(batch.effects, [{ kind: 'wake', event: 'pollDue', delayMs: 3000 }], 'Retry-After, at the vendor\'s pace at least');
      const probe = next(batch.entry, limit, at(t0 + 3603_000));
      assert.equal(probe.entry?.state, 'running');
      assert.deepEqual(probe.effects, [{ kind: 'wake', event: 'pollDue', delayMs: 3000 }]);
      assert.deepEqual(next(batch.entry, { ...limit, error: { ...limit.error, retryAfterMs: 3600_000 } }, at(t0 + 3603_000)).effects, [{ kind: 'wake', event: 'pollDue', delayMs: 30_000 }], 'never longer than the cap');
      assert.equal(next(probe.entry, { type: 'pollAnswered', task: completed(['https://cdn.example/a.png']) }, at(t0 + 3606_000)).entry?.state, 'saving');
    });

    it('never stops a task at its deadline while EvoLink refuses its reads for the key or the balance: reads it slowly while its links last, and at once when asked', () => {
      let entry = running();
      entry = next(entry, { type: 'pollAnswered', task: snapshot() }, at(t0 + 5000)).entry!;
      entry = next(entry, { type: 'pollAnswered', task: snapshot() }, at(t0 + 9000)).entry!;
      for (const reason of ['auth', 'credits'] as const) {
        let now = t0 + 9000;
        let refused = entry;
        // Refused from before the deadline to hours past it.
        for (let read = 1; read <= 40; read++) {
          now += times.authRetryMs;
          const step = next(refused, { type: 'pollFailed', error: { reason, status: reason === 'auth' ? 401 : 402 } }, at(now));
          refused = step.entry!;
          assert.equal(refused.state, 'running', `${reason}, read ${read}`);
          assert.deepEqual(step.effects, [{ kind: 'wake', event: 'pollDue', delayMs: times.authRetryMs }], `${reason}: read slowly`);
        }
        assert.equal(refused.failedReads, undefined, 'not counted as late reads');
        assert.equal(readRefusal(refused), reason);
        assert.deepEqual(actionsFor(refused), ['stopWatching', 'checkAgain']);
        // Mended (a new key): Check Again reads now, in the window that reads it; nothing is written for it.
        const asked = next(refused, { type: 'checkAgain' }, at(now + 1000));
        assert.deepEqual([asked.changed, asked.effects], [false, [{ kind: 'wake', event: 'pollDue', delayMs: 0 }]]);
        assert.deepEqual(next(refused, { type: 'checkAgain' }, at(now + 1000, other)).effects, [], 'another window leaves it to the one that reads it');
        // Read again and still running: its deadline counts from then, not from before the refusals.
        const read = next(refused, { type: 'pollAnswered', task: snapshot({ progress: 60 }) }, at(now + 2000)).entry!;
        assert.equal(read.state, 'running');
        assert.equal(read.watchedSince, now + 2000);
        assert.equal(readRefusal(read), undefined);
        // Mended, but the first read after fails for another reason (an outage): the refused hours still do not count.
        const outage = next(refused, { type: 'pollFailed', error: { reason: 'server', status: 502 } }, at(now + 2000)).entry!;
        assert.deepEqual([outage.state, outage.watchedSince], ['running', now + 2000]);
        assert.equal(next(outage, { type: 'pollAnswered', task: snapshot({ progress: 60 }) }, at(now + 5000)).entry?.state, 'running', 'not stopped as late at once');
        // Its links would be gone: nothing more can be saved, and it stops for what refused it.
        const gone = next(refused, { type: 'pollFailed', error: { reason } }, at(linksEndAt(refused, times))).entry!;
        assert.deepEqual([gone.state, gone.attention, gone.error?.reason], ['stopped', 'unread', reason]);
      }
      // A running task read without trouble offers no Check Again, and asking does nothing.
      assert.deepEqual(actionsFor(entry), ['stopWatching']);
      assert.deepEqual(next(entry, { type: 'checkAgain' }, at(t0 + 10_000)).effects, []);
    });

    it('tells each refusal of reads once per window, not once per task, and again once the tasks were read or the key changed', () => {
      const refusals = new ReadRefusals();
      const refused = (reason: string): Pick<LedgerEntry, 'state' | 'error'> => ({ state: 'running', error: { reason } });
      assert.equal(refusals.noted('a', refused('auth')), 'auth');
      assert.equal(refusals.noted('b', refused('auth')), undefined, 'the second task: not told again');
      assert.equal(refusals.noted('a', refused('auth')), undefined, 'nor its next read');
      assert.equal(refusals.noted('c', refused('credits')), 'credits', 'another reason is told');
      assert.equal(refusals.noted('c', { state: 'running', error: { reason: 'network' } }), undefined);
      assert.equal(refusals.noted('a', { state: 'running' }), undefined);
      assert.equal(refusals.noted('a', refused('auth')), undefined, 'task b is still refused: told already');
      assert.equal(refusals.noted('b', undefined), undefined);
      assert.equal(refusals.noted('a', { state: 'saving' }), undefined);
      assert.equal(refusals.noted('b', refused('auth')), 'auth', 'every task was read since: a new refusal is told');
      refusals.keyChanged();
      assert.equal(refusals.noted('b', refused('auth')), 'auth', 'a new key that is refused too is told');
      assert.equal(refusals.noted('d', { state: 'stopped', error: { reason: 'auth' } }), undefined, 'only running tasks wait so');
    });

    it('tells apart what a refused read waits for: no key, a key not allowed at the address, a refused key; a web page that refuses is none of them', () => {
      const refusal = (reason: string, code?: string) => readRefusal({ state: 'running', error: { reason, ...(code ? { code } : {}) } });
      assert.equal(refusal('auth', 'noKey'), 'noKey');
      assert.equal(refusal('configuration', 'keyElsewhere'), 'keyElsewhere');
      assert.equal(refusal('auth', 'invalid_api_key'), 'auth');
      assert.equal(refusal('credits'), 'credits');
      assert.equal(refusal('auth', 'webPage'), undefined, "a proxy's sign-in page is not EvoLink refusing the key");
      assert.equal(refusal('configuration', 'badUrl'), undefined);
      const refusals = new ReadRefusals();
      assert.equal(refusals.noted('a', { state: 'running', error: { reason: 'auth', code: 'noKey' } }), 'noKey');
      refusals.keyChanged();
      assert.equal(refusals.noted('a', { state: 'running', error: { reason: 'auth', code: 'noKey' } }), 'noKey', 'a key changed: told again');
    });

    it('gives a task answered late (a replay, or found in the list) its whole deadline, and dates the progress it answered to the answer', () => {
      const acceptedAt = t0 + 11 * 60_000;
      let entry = next(fresh(), { type: 'submitAnswered', task: snapshot({ state: 'processing', progress: 30 }) }, at(acceptedAt)).entry!;
      assert.equal(entry.state, 'running');
      assert.deepEqual(entry.progressTrail, [{ progress: 30, at: acceptedAt, after: t0 }], 'reached somewhere between the submit and the answer');
      entry = next(entry, { type: 'pollAnswered', task: snapshot({ progress: 30 }) }, at(acceptedAt + 3000)).entry!;
      entry = next(entry, { type: 'pollAnswered', task: snapshot({ progress: 40 }) }, at(acceptedAt + 13_000)).entry!;
      assert.equal(entry.state, 'running', 'not stopped at a deadline counted from the first send');
      const late = next(entry, { type: 'pollAnswered', task: snapshot({ progress: 40 }) }, at(acceptedAt + 11 * 60_000)).entry!;
      assert.equal(late.attention, 'deadline', 'its own deadline still holds');
    });

    it('takes the answer that accepted a running task as a read: the next level came after it, not since the submit', () => {
      const acceptedAt = t0 + 32_000;
      let entry = next(fresh(), { type: 'submitAnswered', task: snapshot({ state: 'processing', progress: 26 }) }, at(acceptedAt)).entry!;
      assert.equal(entry.polledAt, acceptedAt);
      assert.equal(entry.polls, 0, 'the first look stays');
      entry = next(entry, { type: 'pollAnswered', task: snapshot({ progress: 29 }) }, at(acceptedAt + 3000)).entry!;
      assert.deepEqual(entry.progressTrail?.at(-1), { progress: 29, at: acceptedAt + 3000, after: acceptedAt });
    });

    it('times a task from the moment EvoLink says it made it, within its sends and the answer (a replay that made it)', () => {
      const replayedAt = t0 + 11 * 60_000;
      const made = (createdAt: number) => next(fresh(), { type: 'submitAnswered', task: snapshot({ state: 'pending', progress: 0, createdAt }) }, at(replayedAt)).entry!;
      assert.equal(made(replayedAt - 800).madeAt, replayedAt - 800);
      assert.equal(made(t0 - 60_000).madeAt, t0, 'not before the first send (a clock behind)');
      assert.equal(made(replayedAt + 60_000).madeAt, replayedAt, 'not after the answer (a clock ahead)');
      const later = next(made(replayedAt - 800), { type: 'pollAnswered', task: snapshot({ progress: 30 }) }, at(replayedAt + 30_000)).entry!;
      assert.equal(etaSeconds(later, replayedAt + 30_000), 72);
    });

    it('times a task made by Submit Again from that send, not from the first one', () => {
      const unconfirmed = next(run(fresh(), { type: 'answerLost', error: { reason: 'network' } }).entry!, { type: 'lookupDue' }, at(t0 + times.replayWindowMs + 5)).entry!;
      const resent = t0 + 20 * 60_000;
      let entry = next(unconfirmed, { type: 'submitAgain', idempotencyKey: 'evl-test-000000000098' }, at(resent)).entry!;
      entry = next(entry, { type: 'submitAnswered', task: snapshot({ state: 'pending', progress: 0 }) }, at(resent + 1000)).entry!;
      const read = next(entry, { type: 'pollAnswered', task: snapshot({ progress: 0 }) }, at(resent + 4000));
      const wake = read.effects[0] as { event: string; delayMs: number };
      // 4 s into a 100 s task: not past every end the estimate allows, as 20 minutes would be.
      assert.ok(wake.delayMs > times.pollScale * 3000, `${wake.delayMs} ms`);
      const later = next(read.entry!, { type: 'pollAnswered', task: snapshot({ progress: 30 }) }, at(resent + 30_000)).entry!;
      assert.equal(etaSeconds(later, resent + 30_000), 70);
    });

    it('after a reload, reads a running task when the schedule planned at its last read, not at once, unless that is past or the read failed', () => {
      const read = run(running(), { type: 'pollAnswered', task: snapshot({ progress: 20 }) });
      const planned = (read.effects.find((effect) => effect.kind === 'wake') as { delayMs: number }).delayMs;
      const readAt = read.entry!.polledAt!;
      const released = { ...read.entry!, lease: undefined };
      const soon = next(released, { type: 'resume', leaseStale: false }, at(readAt + 1000));
      assert.deepEqual(soon.effects, [{ kind: 'wake', event: 'pollDue', delayMs: planned - 1000 }], `planned ${planned} ms after the read`);
      assert.deepEqual(next(released, { type: 'resume', leaseStale: false }, at(readAt + planned + 5000)).effects, [{ kind: 'wake', event: 'pollDue', delayMs: 0 }]);
      const failed = run(read.entry!, { type: 'pollFailed', error: { reason: 'network' } }).entry!;
      assert.deepEqual(next({ ...failed, lease: undefined }, { type: 'resume', leaseStale: false }, at(failed.updatedAt + 500)).effects, [{ kind: 'wake', event: 'pollDue', delayMs: 0 }]);
      // A last read dated after now (a clock set back): never more than the longest wait.
      const wake = next(released, { type: 'resume', leaseStale: false }, at(readAt - 3600_000)).effects[0] as { delayMs: number };
      assert.ok(wake.delayMs <= 10_000, String(wake.delayMs));
    });

    it('watches a task from now when its deadline counts from a moment well after now (a clock set back), and reads on', () => {
      const ahead = run(fresh(t0 + 2 * 3600_000), { type: 'submitAnswered', task: snapshot() }, { type: 'pollAnswered', task: snapshot({ progress: 20 }) }).entry!;
      const read = next(ahead, { type: 'pollAnswered', task: snapshot({ progress: 30 }) }, at(t0 + 60_000));
      assert.equal(read.entry?.state, 'running', 'not "taking longer than expected" a few seconds in');
      assert.equal(read.entry?.watchedSince, t0 + 60_000);
      assert.equal((read.effects[0] as { event?: string }).event, 'pollDue');
      const failed = next(ahead, { type: 'pollFailed', error: { reason: 'network' } }, at(t0 + 60_000));
      assert.deepEqual([failed.entry?.state, failed.entry?.failedReads], ['running', undefined], 'a failed read is not late either');
      // From the new start, the deadline holds as any.
      const later = next(read.entry, { type: 'pollAnswered', task: snapshot({ progress: 31 }) }, at(t0 + 60_000 + 11 * 60_000)).entry!;
      assert.deepEqual([later.state, later.attention], ['stopped', 'deadline']);
      // Stopped before the clock was set back: looked at now, not once the clock is back where it was.
      assert.equal(lateLookDue(later, t0 - 3600_000, times), true);
      // A step back of a minute or less (a time sync) stops nothing.
      const synced = run(fresh(), { type: 'submitAnswered', task: snapshot() }, { type: 'pollAnswered', task: snapshot({ progress: 20 }) }).entry!;
      assert.equal(next(synced, { type: 'pollAnswered', task: snapshot({ progress: 30 }) }, at(t0 - 30_000)).entry?.state, 'running');
    });

    it('counts the time left down from the last read while nobody reads the task (a reloaded window, another window\'s list)', () => {
      const read = { ...run(fresh(), { type: 'submitAnswered', task: snapshot({ progress: 0 }) }).entry!, progress: 60, polledAt: t0 + 60_000 };
      assert.equal(etaSeconds(read, t0 + 60_000), 40);
      assert.equal(etaSeconds(read, t0 + 90_000), 10);
      assert.equal(etaSeconds(read, t0 + 600_000), 1);
      // A clock set back past the start: nothing is added for the step.
      assert.ok(etaSeconds(read, t0 - 3600_000)! <= 40);
    });

    it('keeps the progress it knew when an answer does not say', () => {
      let entry = next(running(), { type: 'pollAnswered', task: snapshot({ progress: 20 }) }, at(t0 + 10_000)).entry!;
      entry = next(entry, { type: 'pollAnswered', task: snapshot({ progress: 40 }) }, at(t0 + 20_000)).entry!;
      const silent = next(entry, { type: 'pollAnswered', task: snapshot({ progress: undefined }) }, at(t0 + 30_000)).entry!;
      assert.equal(silent.progress, 40);
      assert.deepEqual(silent.progressTrail, entry.progressTrail);
      assert.equal(silent.polledAt, t0 + 30_000);
    });

    it('reads again at the schedule\'s pace after one failed read, and waits longer once failures last or are rate limits', () => {
      const once = run(running(), { type: 'pollFailed', error: { reason: 'server', status: 503 } });
      const first = once.effects[0] as { kind: string; event: string; delayMs: number };
      assert.equal(first.event, 'pollDue');
      assert.ok(first.delayMs >= 3000 && first.delayMs <= 10_000, `${first.delayMs} ms`);
      const twice = run(once.entry!, { type: 'pollFailed', error: { reason: 'network' } });
      assert.deepEqual(twice.effects, [{ kind: 'wake', event: 'pollDue', delayMs: times.pollRetryMs }]);
      const limited = run(running(), { type: 'pollFailed', error: { reason: 'rateLimited', status: 429 } });
      assert.deepEqual(limited.effects, [{ kind: 'wake', event: 'pollDue', delayMs: times.pollRetryMs }]);
      // A rate limit that says how long: that long, within the vendor's pace and the contract's 30 s cap on a wait.
      const wait = (retryAfterMs: number): unknown => run(running(), { type: 'pollFailed', error: { reason: 'rateLimited', status: 429, retryAfterMs } }).effects;
      assert.deepEqual(wait(5000), [{ kind: 'wake', event: 'pollDue', delayMs: 5000 }]);
      assert.deepEqual(wait(25_000), [{ kind: 'wake', event: 'pollDue', delayMs: 25_000 }]);
      assert.deepEqual(wait(500), [{ kind: 'wake', event: 'pollDue', delayMs: 3000 }]);
      assert.deepEqual(wait(3600_000), [{ kind: 'wake', event: 'pollDue', delayMs: 30_000 }]);
      const recovered = run(once.entry!, { type: 'pollAnswered', task: snapshot({ progress: 30 }) }).entry!;
      const after = run(recovered, { type: 'pollFailed', error: { reason: 'server', status: 502 } }).effects[0] as { delayMs: number };
      assert.ok(after.delayMs <= 10_000, 'a read that worked in between starts the count again');
    });

    it('waits longer after a refused key, and stops reading a task the service twice does not know, to be checked again', () => {
      const auth = run(running(), { type: 'pollFailed', error: { reason: 'auth', status: 401 } });
      assert.deepEqual(auth.effects, [{ kind: 'wake', event: 'pollDue', delayMs: times.authRetryMs }]);
      const unknown = run(running(), { type: 'pollFailed', error: { reason: 'notFound', status: 404 } });
      assert.equal(unknown.entry?.state, 'running', 'one 404 may be a part of the service that does not know the task yet');
      const wake = unknown.effects[0] as { kind: string; delayMs: number };
      assert.equal(wake.kind, 'wake');
      assert.ok(wake.delayMs >= 3000 && wake.delayMs <= 10_000, `one failed read is read again at the schedule's pace (${wake.delayMs} ms)`);
      const known = run(unknown.entry, { type: 'pollAnswered', task: snapshot({ progress: 30 }) }).entry!;
      const again = run(known, { type: 'pollFailed', error: { reason: 'notFound', status: 404 } }).entry;
      assert.equal(again?.state, 'running', 'a read in between found it');
      // Within its estimate (100 s) of being made, a task is read on: the service may not know it yet.
      const young = run(unknown.entry, { type: 'pollFailed', error: { reason: 'notFound', status: 404 } });
      assert.equal(young.entry?.state, 'running', 'a task made a moment ago is read on');
      assert.deepEqual(young.effects, [{ kind: 'wake', event: 'pollDue', delayMs: times.pollRetryMs }]);
      const gone = next(unknown.entry, { type: 'pollFailed', error: { reason: 'notFound', status: 404 } }, at(t0 + 101_000)).entry;
      assert.equal(gone?.state, 'stopped', 'not failed: it may have been paid for, and a later read may find it');
      assert.equal(gone?.attention, 'notFound');
      assert.deepEqual(actionsFor(gone), ['checkAgain', 'forget']);
      // Looked for again on its own while its links could last: a 404 from a proxy or a replica may pass.
      assert.equal(lateLookDue(gone, gone.updatedAt + times.lateLookMs - 1, times), false);
      assert.equal(lateLookDue(gone, gone.updatedAt + times.lateLookMs, times), true);
      const looked = next(gone, { type: 'lateLook' }, at(gone.updatedAt + times.lateLookMs));
      assert.equal(looked.entry?.state, 'running');
      assert.deepEqual(looked.effects, [{ kind: 'wake', event: 'pollDue', delayMs: 0 }]);
      const found = next(looked.entry, { type: 'pollAnswered', task: snapshot({ state: 'completed', rawStatus: 'completed', progress: 100, resultUrls: ['https://cdn.example/a.png'] }) }, at(gone.updatedAt + times.lateLookMs + 500)).entry;
      assert.equal(found?.state, 'saving', 'found again, it is saved');
      assert.equal(lateLookDue(gone, linksEndAt(gone, times), times), false, 'not once its links would be gone');
    });
  });

  describe('saving', () => {
    it('is saved once every result is saved, and discards what was kept', () => {
      const kept = run(saving(), { type: 'resultKept', index: 0, path: '/s/d0' }).entry!;
      assert.equal(kept.results?.[0]?.kept, '/s/d0');
      const half = run(kept, { type: 'resultSaved', index: 0, uri: 'file:///a.png' });
      assert.equal(half.entry?.state, 'saving');
      assert.equal(half.entry?.results?.[0]?.kept, undefined);
      assert.ok(half.effects.some((effect) => effect.kind === 'discard' && effect.paths.includes('/s/d0')), 'the download kept for it goes');
      const all = run(half.entry, { type: 'resultSaved', index: 1, uri: 'file:///b.png' });
      assert.equal(all.entry?.state, 'saved');
      assert.deepEqual(savedFiles(all.entry), ['file:///a.png', 'file:///b.png']);
      assert.equal(all.entry?.lease, undefined);
    });

    it('saves again on its own after a download failure that may pass, three times after longer waits, then asks the user', () => {
      let entry = saving();
      const waits: number[] = [];
      for (let attempt = 0; attempt < 3; attempt++) {
        const failed = run(entry, { type: 'saveFailed', error: { reason: 'invalidResponse', code: 'linkRefused', status: 403 } });
        assert.equal(failed.entry?.state, 'saving', 'still active: it is tried again');
        const wake = failed.effects[0];
        assert.ok(wake?.kind === 'wake' && wake.event === 'saveDue');
        waits.push(wake.delayMs);
        const due = run(failed.entry, { type: 'saveDue' });
        assert.deepEqual(due.effects, [{ kind: 'save' }]);
        entry = due.entry!;
      }
      assert.deepEqual(waits, [5_000, 30_000, 120_000]);
      const last = run(entry, { type: 'saveFailed', error: { reason: 'network' } });
      assert.equal(last.entry?.state, 'saveFailed');
      assert.equal(last.entry?.saveRetries, undefined);
      assert.deepEqual(actionsFor(last.entry), ['checkAgain', 'saveElsewhere', 'forget']);
      // What needs the user asks at once: a full disk, a link the extension does not follow.
      for (const error of [{ reason: 'fileSystem', code: 'diskFull' }, { reason: 'invalidResponse', code: 'refusedLink' }, { reason: 'tooLarge' }]) {
        assert.equal(run(saving(), { type: 'saveFailed', error }).entry?.state, 'saveFailed', error.code ?? error.reason);
      }
      // A result that comes through clears the failure the progress line tells of.
      const retried = run(saving(), { type: 'saveFailed', error: { reason: 'network' } }).entry!;
      assert.equal(run(retried, { type: 'resultKept', index: 0, path: '/s/d0' }).entry?.error, undefined);
    });

    it('tries again on its own every few minutes, quietly, a save that failed in passing, while the links last; never one that needs the user', () => {
      let entry = saving();
      for (let attempt = 0; attempt < 3; attempt++) entry = run(run(entry, { type: 'saveFailed', error: { reason: 'network' } }).entry!, { type: 'saveDue' }).entry!;
      const failed = run(entry, { type: 'saveFailed', error: { reason: 'network' } }).entry!;
      assert.equal(failed.state, 'saveFailed');
      assert.equal(unsavedResults(failed), 2, 'both results are paid for and unsaved');
      const since = failed.updatedAt;
      assert.equal(lateLookDue(failed, since + times.lateLookMs - 1, times), false, 'not before the failure is lateLookMs old');
      assert.equal(next(failed, { type: 'lateLook' }, at(since + 1000)).changed, false);
      const look = next(failed, { type: 'lateLook' }, at(since + times.lateLookMs));
      assert.deepEqual([look.entry?.state, look.entry?.lateLooks, look.entry?.lease?.owner], ['saving', 1, me]);
      assert.deepEqual(look.effects, [{ kind: 'save' }]);
      // Another window may take the look up once this one is gone: the ledger tells it.
      assert.equal(lateLookDue(failed, since + times.lateLookMs, times), true);
      // The links are gone: nothing more to try.
      assert.equal(lateLookDue(failed, linksEndAt(failed, times), times), false);
      // Failing again after a look, it stays quiet; after the user's own Check Again, a failure is told again.
      assert.equal(next(look.entry!, { type: 'saveFailed', error: { reason: 'network' } }, at(since + times.lateLookMs + 500)).entry?.lateLooks, 1);
      const settled = { ...look.entry!, state: 'saveFailed' as const, error: { reason: 'network' } };
      assert.equal(next(settled, { type: 'checkAgain' }, at(since + times.lateLookMs + 900)).entry?.lateLooks, undefined);
      // What needs the user is never tried unasked: a full disk, a link the extension does not follow, a result too large.
      for (const error of [{ reason: 'fileSystem', code: 'diskFull' }, { reason: 'invalidResponse', code: 'refusedLink' }, { reason: 'tooLarge' }]) {
        const needsUser = run(saving(), { type: 'saveFailed', error }).entry!;
        assert.equal(lateLookDue(needsUser, needsUser.updatedAt + times.lateLookMs, times), false, error.code ?? error.reason);
      }
    });

    it('downloads through a redirect from https to plain http only once the user agreed, for that task alone', () => {
      const downgrade = { reason: 'invalidResponse', code: 'refusedLink', param: 'downgrade' };
      const refused = run(saving(), { type: 'saveFailed', error: downgrade }).entry!;
      assert.equal(refused.state, 'saveFailed', 'never tried again on its own: it would be refused again');
      assert.equal(lateLookDue(refused, refused.updatedAt + times.lateLookMs, times), false);
      assert.deepEqual(actionsFor(refused), ['downloadOverHttp', 'checkAgain', 'forget']);
      const agreed = run(refused, { type: 'downloadOverHttp' });
      assert.deepEqual([agreed.entry?.state, agreed.entry?.plainHttp, agreed.entry?.error], ['saving', true, undefined]);
      assert.deepEqual(agreed.effects, [{ kind: 'save' }]);
      // Refused again after the user agreed (the hop is refused for another reason): not offered twice.
      const again = run(agreed.entry!, { type: 'saveFailed', error: downgrade }).entry!;
      assert.deepEqual(actionsFor(again), ['checkAgain', 'saveElsewhere', 'forget']);
      assert.equal(next(again, { type: 'downloadOverHttp' }, at(again.updatedAt + 1000)).changed, false);
      // Any other failure, and a link that is refused for another reason, offer no such thing.
      for (const error of [{ reason: 'invalidResponse', code: 'refusedLink', param: 'privateNetwork' }, { reason: 'invalidResponse', code: 'notImage' }, { reason: 'fileSystem', code: 'diskFull' }]) {
        const failed = run(saving(), { type: 'saveFailed', error }).entry!;
        assert.ok(!actionsFor(failed).includes('downloadOverHttp'), error.param ?? error.code);
        assert.equal(next(failed, { type: 'downloadOverHttp' }, at(failed.updatedAt + 1000)).changed, false, error.param ?? error.code);
      }
      // Only a task that waits for the user: a saving or saved one is left alone.
      assert.equal(next(saving(), { type: 'downloadOverHttp' }, at(t0 + 5000)).changed, false);
      // Met by a quiet look after a failure that passes: told, since it needs the user now.
      let quiet = saving();
      for (let attempt = 0; attempt < 4; attempt++) quiet = run(quiet, { type: 'saveFailed', error: { reason: 'network' } }, ...(attempt < 3 ? [{ type: 'saveDue' } as const] : [])).entry!;
      const look = next(quiet, { type: 'lateLook' }, at(quiet.updatedAt + times.lateLookMs)).entry!;
      assert.equal(look.lateLooks, 1);
      const toldNow = next(look, { type: 'saveFailed', error: downgrade }, at(look.updatedAt + 1000)).entry!;
      assert.deepEqual([toldNow.state, toldNow.lateLooks], ['saveFailed', undefined]);
    });

    it('keeps the download when writing fails, and saves it elsewhere on request', () => {
      const kept = run(saving(), { type: 'resultKept', index: 0, path: '/s/d0' }).entry!;
      const failed = run(kept, { type: 'saveFailed', error: { reason: 'fileSystem', code: 'diskFull', path: 'images' } });
      assert.equal(failed.entry?.state, 'saveFailed');
      assert.equal(failed.entry?.results?.[0]?.kept, '/s/d0');
      assert.ok(!failed.effects.some((effect) => effect.kind === 'discard'));
      assert.deepEqual(actionsFor(failed.entry).slice(0, 2), ['saveElsewhere', 'checkAgain']);
      const elsewhere = run(failed.entry, { type: 'saveElsewhere', folder: 'file:///project/other' });
      assert.equal(elsewhere.entry?.state, 'saving');
      assert.equal(elsewhere.entry?.targetFolder, 'file:///project/other');
      assert.deepEqual(elsewhere.effects, [{ kind: 'save' }]);
    });

    it('is expired when a result link expired before it was downloaded', () => {
      const { entry } = run(saving(), { type: 'resultSaved', index: 0, uri: 'file:///a.png' }, { type: 'linkExpired', index: 1 });
      assert.equal(entry?.state, 'expired');
      assert.deepEqual(savedFiles(entry), ['file:///a.png']);
    });

    it('hands a half-saved task to the next window when this one closes', () => {
      const released = run(saving(), { type: 'resultSaved', index: 0, uri: 'file:///a.png' }, { type: 'release' }).entry!;
      assert.equal(released.state, 'completed');
      assert.equal(released.lease, undefined);
      const taken = next(released, { type: 'resume', leaseStale: false }, { now: t0 + 60_000, owner: other, times });
      assert.equal(taken.entry?.state, 'saving');
      assert.equal(taken.entry?.lease?.owner, other);
      assert.deepEqual(taken.effects, [{ kind: 'save' }]);
    });
  });

  describe('two windows', () => {
    it('ignores answers that reach a window without the lease', () => {
      const entry = saving();
      for (const event of allEvents.filter((candidate) => ['pollAnswered', 'resultSaved', 'saveFailed', 'submitAnswered', 'renew', 'pollDue'].includes(candidate.type))) {
        const step = next(entry, event, { now: t0 + 9000, owner: other, times });
        assert.equal(step.changed, false, event.type);
        assert.deepEqual(step.effects, [{ kind: 'stop' }], event.type);
      }
    });

    it('records where a result is about to land, and forgets it once it landed', () => {
      const aiming = run(saving(), { type: 'resultTarget', index: 0, uri: 'file:///w/a.png' }).entry!;
      assert.equal(aiming.results?.[0]?.target, 'file:///w/a.png');
      assert.equal(aiming.lease?.owner, me, 'recording it renews the lease');
      const landed = run(aiming, { type: 'resultSaved', index: 0, uri: 'file:///w/a.png' }).entry!;
      assert.equal(landed.results?.[0]?.target, undefined);
      assert.equal(next(aiming, { type: 'resultTarget', index: 1, uri: 'file:///w/b.png' }, { now: t0 + 9000, owner: other, times }).changed, false, 'not from a window without the lease');
    });

    it('takes over a lease only if it is still the revision that was judged stale', () => {
      const entry = saving();
      const renewed = next(entry, { type: 'resume', leaseStale: true, revision: entry.revision - 1 }, { now: t0 + 99_000, owner: other, times });
      assert.equal(renewed.changed, false);
      const still = next(entry, { type: 'resume', leaseStale: true, revision: entry.revision }, { now: t0 + 99_000, owner: other, times });
      assert.equal(still.entry?.lease?.owner, other);
    });

    it('leaves a live lease alone, and takes over a stale one', () => {
      const entry = saving();
      const wait = next(entry, { type: 'resume', leaseStale: false }, { now: t0 + 9000, owner: other, times });
      assert.equal(wait.changed, false);
      assert.deepEqual(wait.effects, [{ kind: 'wake', event: 'leaseCheck', delayMs: times.leaseStaleMs }]);
      const take = next(entry, { type: 'resume', leaseStale: true }, { now: t0 + 99_000, owner: other, times });
      assert.equal(take.entry?.lease?.owner, other);
      assert.deepEqual(take.effects, [{ kind: 'save' }]);
      // The old holder learns it lost the lease at its next answer.
      const stale = next(take.entry, { type: 'resultSaved', index: 0, uri: 'file:///a.png' }, at(t0 + 99_500));
      assert.equal(stale.changed, false);
      assert.deepEqual(stale.effects, [{ kind: 'stop' }]);
    });

    it('lets any window stop watching, check again, or forget what is not active', () => {
      const stopped = next(running(), { type: 'stopWatching' }, { now: t0 + 9000, owner: other, times });
      assert.equal(stopped.entry?.state, 'stopped');
      const again = next(stopped.entry, { type: 'checkAgain' }, { now: t0 + 9500, owner: other, times });
      assert.equal(again.entry?.lease?.owner, other);
      assert.equal(next(running(), { type: 'forget' }, at(t0 + 9000)).changed, false);
      assert.equal(next(stopped.entry, { type: 'forget' }, at(t0 + 9000)).entry, undefined);
    });
  });

  it('scales its waits for tests, but never the life of result links', () => {
    const fast = scaledTimes(0.05);
    assert.equal(fast.leaseStaleMs, 3000);
    assert.equal(fast.resultLifetimeMs, times.resultLifetimeMs);
  });
});

describe('Ledger entries on disk', () => {
  it('parses what the machine writes', () => {
    const parsed = parseLedgerEntry(JSON.stringify(saving()));
    assert.ok(parsed.ok);
  });

  it('names the field of an entry that does not parse', () => {
    const broken = { ...saving(), state: 'flying' };
    const parsed = parseLedgerEntry(JSON.stringify(broken));
    assert.equal(parsed.ok, false);
    assert.match(parsed.ok ? '' : parsed.problem, /^state:/);
    for (const text of ['null', '{"localId": "evl-', '', '[]', '42']) {
      assert.equal(parseLedgerEntry(text).ok, false, text);
    }
  });

  it('upgrades an entry written by the first version of the ledger', () => {
    const legacy = {
      localId: 'evl-legacy-00000000001',
      idempotencyKey: 'evl-legacy-00000000001',
      createdAt: t0,
      state: 'saveFailed',
      request: { model: 'gpt-4o-image', prompt: 'x', imageUrls: ['https://files.example/a.png'] },
      body: { model: 'gpt-4o-image', prompt: 'x', size: '1:1', n: 2, image_urls: ['https://files.example/a.png'] },
      targetFolder: 'file:///w',
      estimatedSeconds: 100,
      progress: 100,
      polls: 4,
      taskId: 'task-1',
      resultUrls: ['https://cdn.example/0.png', 'https://cdn.example/1.png'],
      saved: ['file:///w/x.png', null],
      pending: [null, '/storage/downloads/evl-legacy-1'],
      updatedAt: t0 + 10,
    };
    const parsed = parseLedgerEntry(JSON.stringify(legacy));
    assert.ok(parsed.ok, parsed.ok ? '' : parsed.problem);
    assert.deepEqual(parsed.entry.results, [{ saved: 'file:///w/x.png' }, { kept: '/storage/downloads/evl-legacy-1' }]);
    assert.equal(parsed.entry.revision, 0);
    assert.equal('imageUrls' in parsed.entry.request, false);
  });
});
