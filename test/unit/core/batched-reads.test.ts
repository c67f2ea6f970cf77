import { describe, expect, it } from 'vitest';
import { batchedReads } from '../../../functions/core/batched-reads.js';

/** A store whose reads the test lets finish one at a time, recording the keys of each call. */
function slowStore(initial: Record<string, number>) {
  const data = new Map(Object.entries(initial));
  const calls: string[][] = [];
  const pending: Array<() => void> = [];
  const read = (keys: readonly string[]) => {
    calls.push([...keys]);
    // The value is taken when the call starts, as a database read would see it.
    const seen = new Map<string, number>();
    for (const k of keys) if (data.has(k)) seen.set(k, data.get(k) as number);
    return new Promise<ReadonlyMap<string, number>>((resolve) => pending.push(() => resolve(seen)));
  };
  const finishNext = async () => {
    pending.shift()?.();
    await new Promise((r) => setImmediate(r));
  };
  return { data, calls, read, finishNext, pending };
}

describe('batchedReads', () => {
  it('sends a lone read at once, with its keys', async () => {
    const store = slowStore({ a: 1 });
    const reads = batchedReads(store.read);
    const answer = reads(['a', 'missing']);
    expect(store.calls).toEqual([['a', 'missing']]);
    await store.finishNext();
    expect(await answer).toEqual(new Map([['a', 1]]));
  });

  it('sends the reads asked for while one is in flight as one call once it ends, each key once', async () => {
    const store = slowStore({ a: 1, b: 2, c: 3 });
    const reads = batchedReads(store.read);
    const first = reads(['a']);
    const second = reads(['b', 'c']);
    const third = reads(['c']);
    expect(store.calls).toEqual([['a']]);
    await store.finishNext();
    expect(store.calls).toEqual([['a'], ['b', 'c']]);
    await store.finishNext();
    // Each caller gets its own keys only: one asker's batch never hands it another's summaries.
    expect(await first).toEqual(new Map([['a', 1]]));
    expect(await second).toEqual(
      new Map([
        ['b', 2],
        ['c', 3],
      ]),
    );
    expect(await third).toEqual(new Map([['c', 3]]));
    expect(store.calls).toHaveLength(2);
  });

  it('never answers a caller from a read that started before it asked', async () => {
    const store = slowStore({ a: 1 });
    const reads = batchedReads(store.read);
    const before = reads(['a']);
    store.data.set('a', 2); // written while the first read is on its way
    const after = reads(['a']);
    await store.finishNext();
    await store.finishNext();
    expect(await before).toEqual(new Map([['a', 1]]));
    expect(await after).toEqual(new Map([['a', 2]]));
  });

  it('fails the callers of a failed read only, and the next reads go out as usual', async () => {
    let fail = true;
    const calls: string[][] = [];
    const reads = batchedReads(async (keys: readonly string[]) => {
      calls.push([...keys]);
      if (fail) {
        fail = false;
        throw new Error('throttled');
      }
      return new Map(keys.map((k) => [k, k.length]));
    });
    const failed = reads(['a']);
    const queued = reads(['bb']);
    await expect(failed).rejects.toThrow('throttled');
    expect(await queued).toEqual(new Map([['bb', 2]]));
    expect(await reads(['ccc'])).toEqual(new Map([['ccc', 3]]));
    expect(calls).toEqual([['a'], ['bb'], ['ccc']]);
  });

  it('recovers from a read that throws before it returns a promise', async () => {
    let calls = 0;
    const reads = batchedReads((keys: readonly string[]) => {
      calls++;
      if (calls === 1) throw new Error('bad key');
      return Promise.resolve(new Map(keys.map((k) => [k, 1])));
    });
    await expect(reads(['a'])).rejects.toThrow('bad key');
    expect(await reads(['b'])).toEqual(new Map([['b', 1]]));
  });
});
