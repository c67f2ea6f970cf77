import { describe, expect, it } from 'vitest';
import { ContentHasher, contentHash } from '../../../functions/adapters/dynamo/usage-items.js';
import type { UsageRecord } from '../../../functions/core/usage.js';
import { aRecord } from '../../helpers/builders.js';

describe('content hash of a day', () => {
  const rows: UsageRecord[] = [
    aRecord({ lineItem: 'opus', costMicros: 100n }),
    aRecord({ lineItem: 'sonnet', costMicros: 25n }),
    aRecord({ lineItem: 'haiku', costMicros: 3n, identities: { userEmail: 'ana@corp.com' } }),
  ];

  it('is the same whatever order or pages the lines come in', () => {
    // Act
    const streamed = new ContentHasher();
    for (const r of [rows[2], rows[0], rows[1]]) if (r) streamed.add(r);

    // Assess
    expect(streamed.digest()).toBe(contentHash(rows));
  });

  const [opus, sonnet, haiku] = rows as [UsageRecord, UsageRecord, UsageRecord];
  it.each([
    ['a cost changes', [opus, sonnet, { ...haiku, costMicros: 4n }]],
    ['a line is missing', [opus, sonnet]],
    ['a line moves team', [opus, sonnet, { ...haiku, team: 'search' }]],
    ['a line turns provisional', [opus, sonnet, { ...haiku, provisional: true }]],
  ])('changes when %s', (_what, changed: UsageRecord[]) => {
    expect(contentHash(changed)).not.toBe(contentHash(rows));
  });
});
