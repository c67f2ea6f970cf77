import { describe, expect, it } from 'vitest';
import type { UsageBatch } from '../../../functions/core/ingest/connector.js';
import { daysOf } from '../../../functions/core/ingest/usage-batches.js';
import type { VendorUsageLine } from '../../../functions/core/usage.js';

const line = (date: string, lineItem: string): VendorUsageLine => ({
  date,
  vendor: 'cursor',
  identities: { userEmail: 'ana@corp.com' },
  lineItem,
  costMicros: 1n,
  provisional: false,
});
async function* stream(batches: UsageBatch[]) {
  yield* batches;
}
/** Each day's `answered` and line items, reading (or, for `skip`, not reading) its pages. */
async function read(batches: UsageBatch[], days: string[], skip: string[] = []) {
  const out: Array<[string, boolean | undefined, string[]]> = [];
  for await (const day of daysOf(stream(batches), days, 'cursor')) {
    const items: string[] = [];
    if (!skip.includes(day.date))
      for await (const p of day.pages) items.push(...p.lines.map((l) => l.lineItem));
    out.push([day.date, day.answered, items]);
  }
  return out;
}

describe('daysOf', () => {
  it('groups day-ordered batches into days, whether or not the caller reads each day to the end', async () => {
    // Prepare
    const batches: UsageBatch[] = [
      { date: '2026-03-01', lines: [line('2026-03-01', 'a'), line('2026-03-01', 'b')], answered: true },
      { date: '2026-03-01', lines: [line('2026-03-01', 'c')], answered: true },
      { date: '2026-03-02', lines: [], answered: true },
      { date: '2026-03-03', lines: [line('2026-03-03', 'd')], answered: true },
    ];

    // Act
    const all = await read(batches, ['2026-03-01', '2026-03-02', '2026-03-03']);
    const skipping = await read(batches, ['2026-03-01', '2026-03-02', '2026-03-03'], ['2026-03-01']);

    // Assess
    expect(all).toEqual([
      ['2026-03-01', true, ['a', 'b', 'c']],
      ['2026-03-02', true, []],
      ['2026-03-03', true, ['d']],
    ]);
    expect(skipping[2]).toEqual(['2026-03-03', true, ['d']]);
  });

  it.each([
    ['a day skipped', [{ date: '2026-03-02', lines: [] }], /expected the batches of 2026-03-01 next/],
    [
      'a line of another day',
      [{ date: '2026-03-01', lines: [line('2026-03-02', 'x')] }],
      /a batch of 2026-03-01 holds a line dated 2026-03-02/,
    ],
    [
      'a day outside the range',
      [
        { date: '2026-03-01', lines: [] },
        { date: '2026-03-02', lines: [] },
        { date: '2026-03-05', lines: [] },
      ],
      /lines dated 2026-03-05, outside the days asked for/,
    ],
  ] as const)('fails the source on %s', async (_what, batches, message) => {
    await expect(read([...batches], ['2026-03-01', '2026-03-02'])).rejects.toThrow(message);
  });
});
