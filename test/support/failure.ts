import * as assert from 'node:assert/strict';
import { EvoLinkError } from '../../src/common/errors';

/** The EvoLinkError a promise fails with; the test fails when it fails otherwise, or not at all. */
export async function failure(promise: Promise<unknown>): Promise<EvoLinkError> {
  try {
    await promise;
  } catch (error) {
    assert.ok(error instanceof EvoLinkError, `not an EvoLinkError: ${String(error)}`);
    return error;
  }
  assert.fail('it did not fail');
}
