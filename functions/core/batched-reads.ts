/**
 * Keyed reads that go out together: a read asked for while another is in flight waits for it to end
 * and then goes out with every other read asked for meanwhile, as one call for all their keys (keys
 * asked twice are read once). With nothing in flight a read goes out at once, so a lone caller (a
 * Lambda serving one request at a time) waits no longer than before.
 *
 * Every caller's keys are read by a call that starts after it asked, never one already on its way:
 * what it gets is never older than what a read of its own would have got. What it saves is per-call
 * work, which is what queues a burst of concurrent `/burn`s (issue 14, bench:slash): one SDK call and
 * one round trip for the burst instead of one each.
 *
 * @example
 * const summaries = batchedReads((teams) => store.getTeamSummaries(teams));
 * const mine = await summaries(['platform']); // Map of the keys found
 */
export function batchedReads<K, V>(
  read: (keys: readonly K[]) => Promise<ReadonlyMap<K, V>>,
): (keys: readonly K[]) => Promise<Map<K, V>> {
  let inFlight = false;
  let next: { keys: Set<K>; result: Promise<ReadonlyMap<K, V>>; start: () => void } | undefined;

  const run = (keys: Set<K>): Promise<ReadonlyMap<K, V>> => {
    inFlight = true;
    let result: Promise<ReadonlyMap<K, V>>;
    // A read that throws before it returns a promise fails its callers like one that rejects, and
    // must not leave the batcher thinking a read is still in flight.
    try {
      result = read([...keys]);
    } catch (err) {
      result = Promise.reject(err);
    }
    const after = () => {
      const queued = next;
      next = undefined;
      if (queued) queued.start();
      else inFlight = false;
    };
    result.then(after, after);
    return result;
  };

  const queue = () => {
    const keys = new Set<K>();
    let start = () => {};
    const result = new Promise<ReadonlyMap<K, V>>((resolve, reject) => {
      start = () => run(keys).then(resolve, reject);
    });
    return { keys, result, start };
  };

  return async (keys) => {
    let result: Promise<ReadonlyMap<K, V>>;
    if (!inFlight) result = run(new Set(keys));
    else {
      next ??= queue();
      for (const k of keys) next.keys.add(k);
      result = next.result;
    }
    const all = await result;
    const mine = new Map<K, V>();
    for (const k of keys) if (all.has(k)) mine.set(k, all.get(k) as V);
    return mine;
  };
}
