import { marshall } from '@aws-sdk/util-dynamodb';
import { describe, expect, it } from 'vitest';
import { toAttributeValues } from '../../../functions/adapters/dynamo/attribute-values.js';
import { lineToItem, peopleDayItems, teamDayToItem } from '../../../functions/adapters/dynamo/usage-items.js';
import { aRecord } from '../../helpers/builders.js';

const asMarshall = (item: Record<string, unknown>) => marshall(item, { removeUndefinedValues: true });

describe('the wire form of stored items', () => {
  it('is what the document client would have sent, for lines, team-day totals and digests', () => {
    const line = aRecord({
      identities: { userEmail: 'dev@payments.example', workspace: '' },
      costMicros: -1_234_567n,
      tokens: { input: 50_000, output: 4_000 },
      quantity: { value: 2.5, unit: 'seats' },
      outcomes: { commits: 3 },
    });
    const items = [
      lineToItem(line, 'Gabc', '2026-03-03T06:00:00.000Z', 1_806_710_400),
      lineToItem(aRecord({}), 'Gabc', '2026-03-03T06:00:00.000Z'),
      teamDayToItem(
        {
          team: 'payments',
          date: '2026-03-02',
          source: 'cursor',
          vendor: 'cursor',
          costMicros: 9_007_199_254_740_993n,
          byModel: { 'claude-sonnet-4-5': 1n },
          tokens: { input: 10, output: 2, cacheRead: 0, cacheWrite: 0 },
          outcomes: {},
          activeUsers: 1,
          lines: 1,
          provisional: false,
        },
        'Gabc',
      ),
      ...peopleDayItems({
        source: 'cursor',
        date: '2026-03-02',
        team: 'payments',
        generation: 'Gabc',
        people: new Map([['dev@payments.example', 5n]]),
        active: [{ userEmail: 'dev@payments.example' }, { githubLogin: 'dev-gh' }],
        expiresAt: 1,
      }),
      { list: [1, 'a', undefined, null, { nested: true }], empty: {} },
    ];
    for (const item of items) expect(toAttributeValues(item)).toEqual(asMarshall(item));
  });

  it('refuses values it cannot store exactly instead of rounding or dropping them', () => {
    expect(() => toAttributeValues({ n: Number.NaN })).toThrow(/n: NaN/);
    expect(() => toAttributeValues({ n: 2 ** 60 })).toThrow(/exactly/);
    expect(() => toAttributeValues({ when: new Date(0) })).toThrow(/when: \[object Date\]/);
    expect(() => toAttributeValues({ tags: new Set(['a']) })).toThrow(/plain data/);
    // The error names where the value sits.
    expect(() => toAttributeValues({ tokens: { input: Number.NaN } })).toThrow(/^tokens\.input: NaN/);
    expect(() => toAttributeValues({ a: { list: [1, { n: 2 ** 60 }] } })).toThrow(/^a\.list\[1\]\.n: /);
  });
});
