import type { UsageRecord } from '../../functions/core/usage.js';

/** A stored usage record with sensible defaults; override what the test is about. */
export function aRecord(over: Partial<UsageRecord> = {}): UsageRecord {
  return {
    date: '2026-03-02',
    source: 'anthropic',
    team: 'payments',
    vendor: 'anthropic',
    identities: { workspace: 'wrkspc_payments' },
    lineItem: 'claude-sonnet-4-6 output',
    model: 'claude-sonnet-4-6',
    costMicros: 12_340_000n,
    provisional: false,
    ...over,
  };
}
