/**
 * Runs `fn` over `items` with at most `limit` calls in flight, results in input order. Stops taking new
 * items after a failure and settles every call in flight before rethrowing the first error, so nothing
 * is still running when this returns or throws.
 *
 * @example
 * const totals = await mapBounded(teams, 8, (team) => store.teamDailyTotals(team, from, to));
 */
export async function mapBounded<T, R>(
  items: readonly T[],
  limit: number,
  fn: (item: T, index: number) => Promise<R>,
): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  let failed = false;
  const worker = async () => {
    while (next < items.length && !failed) {
      const index = next++;
      try {
        out[index] = await fn(items[index] as T, index);
      } catch (err) {
        failed = true;
        throw err;
      }
    }
  };
  const results = await Promise.allSettled(
    Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, worker),
  );
  const failure = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failure) throw failure.reason;
  return out;
}
