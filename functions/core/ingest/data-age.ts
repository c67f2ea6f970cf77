import { addDays, type IsoDay } from '../dates.js';
import type { UsageStore } from '../ports.js';

/**
 * Hours from the end (24:00 UTC) of the newest day a source has stored, looking back `lookbackDays`,
 * to `now`; undefined when it has stored nothing in that span (then the alarm's missing-data rule fires).
 */
export async function sourceDataAgeHours(
  store: UsageStore,
  source: string,
  now: Date,
  lookbackDays = 60,
): Promise<number | undefined> {
  const today: IsoDay = now.toISOString().slice(0, 10);
  const days = await store.sourceDays(source, addDays(today, -lookbackDays), today);
  const newest = days
    .map((d) => d.date)
    .sort()
    .at(-1);
  if (!newest) return undefined;
  const endOfDay = Date.parse(`${addDays(newest, 1)}T00:00:00Z`);
  return Math.max(0, (now.getTime() - endOfDay) / 3_600_000);
}
