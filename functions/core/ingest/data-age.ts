import type { BurnwatchConfig } from '../config/schema.js';
import { addDays, utcDayOf } from '../dates.js';
import type { UsageStore } from '../ports.js';
import { summarizeCoverage } from './coverage.js';
import { coverageWindow } from './run-ingest.js';

/**
 * Hours from the end (24:00 UTC) of the last day a source is complete through (every day of the
 * fiscal year up to it delivered) to `now`; undefined when no day is complete (then the alarm's
 * missing-data rule fires). A hole or an interrupted backfill holds the age back however fresh the
 * newest day is, so the stale-data alarm sees it.
 */
export async function sourceDataAgeHours(
  config: BurnwatchConfig,
  store: UsageStore,
  source: string,
  now: Date,
): Promise<number | undefined> {
  const range = coverageWindow(config, utcDayOf(now));
  const coverage = summarizeCoverage(source, await store.sourceDays(source, range.from, range.to), range);
  if (!coverage.completeThrough) return undefined;
  const endOfDay = Date.parse(`${addDays(coverage.completeThrough, 1)}T00:00:00Z`);
  return Math.max(0, (now.getTime() - endOfDay) / 3_600_000);
}
