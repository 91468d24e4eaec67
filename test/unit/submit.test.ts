import * as assert from 'node:assert/strict';
import { demoKey, type EvoLinkSimulator } from '../../simulator/server';
import { EvoLinkError } from '../../src/common/errors';
import type { EvoLinkClient } from '../../src/extension/api/client';
import { useSimulatorClient } from '../support/simulatorClient';

const body = { model: 'gpt-4o-image', prompt: 'a kite', size: '1:1', n: 1 };

describe('A paid submit whose answers go astray', () => {
  const session = useSimulatorClient();
  let simulator: EvoLinkSimulator;
  let client: EvoLinkClient;
  const posts = () => simulator.requests.filter((request) => request.path === '/v1/images/generations');

  beforeEach(() => {
    simulator = session.simulator();
    client = session.client();
  });

  it('marks a 429 that follows a lost answer as an unknown outcome: the first attempt may have made the task', async () => {
    simulator.addFault('submit', { kind: 'reset' });
    simulator.addFault('submit', { kind: 'status', status: 429 }, 3);
    await assert.rejects(client.submit(body, 'evl-test-lost-then-busy-0001', { apiKey: demoKey }), (error: unknown) => error instanceof EvoLinkError && error.reason === 'rateLimited' && error.details.outcomeUnknown === true);
    assert.equal(simulator.tasks.size, 1, 'the first attempt made (and charged) a task');
    // Asked again with the same key, EvoLink answers with that task.
    const { task, replayed } = await client.submit(body, 'evl-test-lost-then-busy-0001', { apiKey: demoKey });
    assert.equal(replayed, true);
    assert.equal(simulator.tasks.size, 1);
    assert.ok(simulator.tasks.has(task.id));
  });

  it('keeps a 429 on the first attempt a plain refusal: nothing was made', async () => {
    simulator.addFault('submit', { kind: 'status', status: 429 }, 4);
    await assert.rejects(client.submit(body, 'evl-test-busy-only-00001', { apiKey: demoKey }), (error: unknown) => error instanceof EvoLinkError && error.reason === 'rateLimited' && error.details.outcomeUnknown !== true);
    assert.equal(simulator.tasks.size, 0);
  });

  it('starts no attempt after the end of the replay window', async () => {
    simulator.addFault('submit', { kind: 'reset' }, 10);
    await assert.rejects(client.submit(body, 'evl-test-window-ends-0001', { apiKey: demoKey }, Date.now() - 1), (error: unknown) => error instanceof EvoLinkError && error.details.outcomeUnknown === true);
    assert.equal(posts().length, 1, 'one attempt, and no replay past the window');
  });
});
