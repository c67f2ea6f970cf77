import { eachDay, type IsoDay } from '../../functions/core/dates.js';
import { usdToMicros } from '../../functions/core/money.js';
import type { SourceDayManifest, TeamDaySourceTotal } from '../../functions/core/ports.js';
import type { UsageRecord, Vendor } from '../../functions/core/usage.js';

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

/** One team-day-source aggregate. */
export function aTotal(
  date: IsoDay,
  usd: number,
  over: Partial<Omit<TeamDaySourceTotal, 'costMicros'>> & { vendor?: Vendor } = {},
): TeamDaySourceTotal {
  const vendor = over.vendor ?? 'anthropic';
  const model = vendor === 'anthropic' ? 'claude-sonnet-4-6' : `${vendor}-model`;
  const costMicros = usdToMicros(Math.round(usd * 100) / 100);
  return {
    team: 'payments',
    date,
    source: vendor,
    vendor,
    byModel: { [model]: costMicros },
    tokens: { input: 0, output: 0, cacheRead: 0, cacheWrite: 0 },
    outcomes: {},
    activeUsers: 0,
    lines: 1,
    provisional: false,
    ...over,
    costMicros,
  };
}

/** A source-day manifest as ingest writes it for a delivered day; override what the test is about. */
export function aManifest(
  source: string,
  date: IsoDay,
  over: Partial<SourceDayManifest> = {},
): SourceDayManifest {
  return {
    source,
    date,
    generation: 'G1',
    teams: ['payments'],
    records: 1,
    costMicros: 1_000_000n,
    provisional: false,
    fetchedAt: `${date}T23:00:00.000Z`,
    status: 'complete',
    answer: 'rows',
    attemptedAt: `${date}T23:00:00.000Z`,
    ...over,
  };
}

/** Manifests of every day in [from, to], delivered. */
export function deliveredDays(source: string, from: IsoDay, to: IsoDay): SourceDayManifest[] {
  return eachDay(from, to).map((d) => aManifest(source, d));
}
