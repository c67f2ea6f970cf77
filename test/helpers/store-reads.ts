import type { IsoDay } from '../../functions/core/dates.js';
import { type Micros, sumMicros } from '../../functions/core/money.js';
import type { UsageStore } from '../../functions/core/ports.js';

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
