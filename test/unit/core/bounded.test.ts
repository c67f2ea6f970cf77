import { describe, expect, it } from 'vitest';
import { mapBounded } from '../../../functions/core/bounded.js';

describe('mapBounded', () => {
  it('keeps at most `limit` calls in flight and returns results in input order', async () => {
    // Prepare
    let inFlight = 0;
    let most = 0;
    const items = Array.from({ length: 20 }, (_, i) => i);

    // Act
    const out = await mapBounded(items, 3, async (i) => {
      inFlight++;
      most = Math.max(most, inFlight);
      await new Promise((r) => setTimeout(r, (i * 7) % 5));
      inFlight--;
      return i * 2;
    });

    // Assess
    expect(out).toEqual(items.map((i) => i * 2));
    expect(most).toBe(3);
  });

  it('stops taking items after a failure and settles the calls in flight before throwing', async () => {
    // Prepare
    const started: number[] = [];
    let settled = 0;

    // Act
    const run = mapBounded([0, 1, 2, 3, 4, 5], 2, async (i) => {
      started.push(i);
      await new Promise((r) => setTimeout(r, i === 0 ? 1 : 5));
      settled++;
      if (i === 0) throw new Error('boom');
      return i;
    });

    // Assess
    await expect(run).rejects.toThrow('boom');
    expect(started).toEqual([0, 1]);
    expect(settled).toBe(2);
  });
});
