/**
 * What a failed task's error code means for the user: whether trying again can help, and how.
 * From the vendor's documented task error codes.
 */
export type RetryAdvice =
  /** Do not retry as is: change the prompt or the image. */
  | 'changeInput'
  /** Do not retry: the request itself is wrong. */
  | 'no'
  /** Retry now, perhaps with another prompt. */
  | 'now'
  /** Retry after a while (`waitSeconds`). */
  | 'later';

/** The advice for a task error code. */
export interface TaskErrorAdvice {
  advice: RetryAdvice;
  waitSeconds?: number;
}

const table: Record<string, TaskErrorAdvice> = {
  content_policy_violation: { advice: 'changeInput' },
  invalid_parameters: { advice: 'no' },
  image_processing_error: { advice: 'changeInput' },
  image_dimension_mismatch: { advice: 'changeInput' },
  request_cancelled: { advice: 'now' },
  generation_failed_no_content: { advice: 'now' },
  service_error: { advice: 'later', waitSeconds: 60 },
  generation_timeout: { advice: 'now' },
  resource_exhausted: { advice: 'later', waitSeconds: 45 },
  quota_exceeded: { advice: 'later', waitSeconds: 120 },
  service_unavailable: { advice: 'later', waitSeconds: 90 },
  resource_not_found: { advice: 'no' },
  unknown_error: { advice: 'now' },
};

/** The advice for a code; unknown codes may be retried. */
export function adviceFor(code: string): TaskErrorAdvice {
  return table[code] ?? { advice: 'now' };
}

/** The documented codes, for tests and messages. */
export const knownTaskErrorCodes = Object.keys(table);
