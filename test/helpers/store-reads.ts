import { eachDay, type IsoDay } from '../../functions/core/dates.js';
import { affirmedDayWrites, isDelivered } from '../../functions/core/ingest/coverage.js';
import { type Micros, sumMicros, usdToMicros } from '../../functions/core/money.js';
import type { ReplaceResult, UsageStore } from '../../functions/core/ports.js';
import type { UsageRecord } from '../../functions/core/usage.js';
import { aRecord } from './builders.js';

interface DayRange {
  readonly from: IsoDay;
  readonly to: IsoDay;
}

/** A team's stored spend over the range, exactly. */
export async function teamSpend(store: UsageStore, team: string, range: DayRange): Promise<Micros> {
  return sumMicros((await store.teamDailyTotals(team, range.from, range.to)).map((t) => t.costMicros));
}

/**
 * What a vendor test compares before and after a failed run: both teams' daily totals over the range
 * and the source's lines for each team on its first day.
 */
export async function storedUsage(store: UsageStore, source: string, range: DayRange) {
  return {
    payments: await store.teamDailyTotals('payments', range.from, range.to),
    unallocated: await store.teamDailyTotals('unallocated', range.from, range.to),
    paymentsLines: await store.teamLines(source, range.from, 'payments'),
    unallocatedLines: await store.teamLines(source, range.from, 'unallocated'),
  };
}

/**
 * Stores `records` as a vendor's complete answer for `days` (empty days affirmed as zero), through
 * the same coverage rules ingest uses.
 */
export function replaceDays(
  store: UsageStore,
  source: string,
  days: readonly IsoDay[],
  records: readonly UsageRecord[],
  at = '2026-03-31T23:00:00.000Z',
): Promise<ReplaceResult> {
  return store.writeSourceDays(source, affirmedDayWrites(days, records, at));
}

/** The days a source has delivered in the range (rows a reader counts), ascending. */
export async function deliveredDates(store: UsageStore, source: string, range: DayRange): Promise<IsoDay[]> {
  return (await store.sourceDays(source, range.from, range.to))
    .filter((m) => isDelivered(m))
    .map((m) => m.date)
    .sort();
}

/** Stores the same spend on every day of `range` for one source (the builders' default team), as delivered. */
export function steadySpend(
  store: UsageStore,
  source: string,
  range: DayRange,
  usdPerDay: number,
): Promise<ReplaceResult> {
  const days = eachDay(range.from, range.to);
  return replaceDays(
    store,
    source,
    days,
    days.map((date) => aRecord({ date, source, costMicros: usdToMicros(usdPerDay) })),
  );
}
