/**
 * `work`'s outcome, or a failure with `late()` once it has not settled within `ms`. The work
 * itself goes on (a file call under way cannot be stopped): only the wait for it ends.
 */
export function withinTime<T>(work: PromiseLike<T>, ms: number, late: () => Error): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const expired = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(late()), ms);
  });
  return Promise.race([Promise.resolve(work), expired]).finally(() => clearTimeout(timer));
}
