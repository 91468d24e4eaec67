import * as assert from 'node:assert/strict';
import { creditsResponseSchema, toBalance } from '../../src/common/wire';

describe('Credits answer', () => {
  it('parses the documented example verbatim', () => {
    const example = {
      data: {
        token: { remaining_credits: 99416.4429, unlimited_credits: false, used_credits: 583.5571 },
        user: { remaining_credits: 1095.3996, used_credits: 135.9048 },
      },
      message: '',
      success: true,
    };
    const parsed = creditsResponseSchema.parse(example);
    assert.deepEqual(toBalance(parsed), { account: 1095.3996, key: 99416.4429, spendable: 1095.3996 });
  });

  it('treats an unlimited key as limited by the account only', () => {
    const parsed = creditsResponseSchema.parse({
      data: { token: { remaining_credits: 0, unlimited_credits: true }, user: { remaining_credits: 12 } },
    });
    assert.deepEqual(toBalance(parsed), { account: 12, key: undefined, spendable: 12 });
  });

  it('ignores fields it does not know and refuses an answer without a balance', () => {
    assert.equal(creditsResponseSchema.safeParse({ data: { user: { remaining_credits: 1, extra: 'x' } }, new_field: 1 }).success, true);
    assert.equal(creditsResponseSchema.safeParse({ data: { user: {} } }).success, false);
    assert.equal(creditsResponseSchema.safeParse({ success: true }).success, false);
  });

  it("reads a gateway's nulls: no message, no key limit, no used credits", () => {
    const parsed = creditsResponseSchema.parse({ success: null, message: null, data: { user: { remaining_credits: 7, used_credits: null }, token: null } });
    assert.deepEqual(toBalance(parsed), { account: 7, key: undefined, spendable: 7 });
    const unlimited = creditsResponseSchema.parse({ data: { user: { remaining_credits: 7 }, token: { remaining_credits: 3, unlimited_credits: null } } });
    assert.deepEqual(toBalance(unlimited), { account: 7, key: 3, spendable: 3 });
    assert.equal(creditsResponseSchema.safeParse({ data: { user: { remaining_credits: 7 }, token: { remaining_credits: 'lots' } } }).success, false, 'a key limit that cannot be read is no answer');
  });
});
