import type { BurnwatchConfig } from '../config/schema.js';
import { addDays, type IsoDay, lastDayOfMonth, monthOf } from '../dates.js';
import { fiscalYearOf } from '../fiscal-calendar.js';
import { trailingDaysOf } from '../ingest/coverage.js';
import type { SourceDayManifest, UsageStore } from '../ports.js';

/**
 * How many daily export runs rewrite a month after one of its days was committed again: the next
 * three, so one or two failed runs (alarmed on) do not leave its file stale. Rewriting is idempotent.
 */
export const REVISED_LOOKBACK_DAYS = 3;

/**
 * The billing periods (YYYY-MM, oldest first) a daily run on the day after `yesterday` rewrites:
 * yesterday's, and every earlier one the day's ingest re-fetched into (the longest `trailingDays` of
 * the enabled sources), so a vendor's revision of a month's last days reaches that month's file.
 */
export function trailingPeriods(config: BurnwatchConfig, yesterday: IsoDay): string[] {
  const trailing = Math.max(1, ...config.sources.filter((s) => s.enabled).map((s) => trailingDaysOf(s)));
  const months: string[] = [];
  for (
    let day = addDays(yesterday, -(trailing - 1));
    day <= yesterday;
    day = addDays(lastDayOfMonth(monthOf(day)), 1)
  )
    months.push(monthOf(day));
  return months;
}

/**
 * The months of days (up to `yesterday`) whose rows were committed at or after `since`: a late
 * delivery that healed an outage, or a re-pull of an old range, revises a month the trailing window
 * no longer reaches, and its file must say what the store now says.
 */
export function revisedPeriods(
  manifests: readonly SourceDayManifest[],
  since: Date,
  yesterday: IsoDay,
): string[] {
  const months = new Set<string>();
  for (const m of manifests)
    if (m.date <= yesterday && m.committedAt !== undefined && Date.parse(m.committedAt) >= since.getTime())
      months.add(monthOf(m.date));
  return [...months].sort();
}

/**
 * What the daily export on the day after `yesterday` rewrites: the trailing periods (oldest first),
 * then any older month with a day committed in the last `REVISED_LOOKBACK_DAYS` (newest first; looked
 * for back to the start of last fiscal year: ingest covers this one, and a re-pull reaches no
 * further). The trailing ones first: after a year's re-pull the current month must not wait behind
 * eleven others.
 */
export async function periodsToExport(
  config: BurnwatchConfig,
  store: Pick<UsageStore, 'sourceDays'>,
  now: Date,
  yesterday: IsoDay,
): Promise<{ readonly trailing: string[]; readonly revised: string[] }> {
  const trailing = trailingPeriods(config, yesterday);
  const thisYear = fiscalYearOf(config.fiscalYear, yesterday);
  const from = fiscalYearOf(config.fiscalYear, addDays(thisYear.start, -1)).start;
  const before = addDays(`${trailing[0] ?? monthOf(yesterday)}-01`, -1);
  const manifests: SourceDayManifest[] = [];
  for (const source of config.sources) manifests.push(...(await store.sourceDays(source.id, from, before)));
  const since = new Date(now.getTime() - REVISED_LOOKBACK_DAYS * 86_400_000);
  const revised = revisedPeriods(manifests, since, yesterday).filter((m) => !trailing.includes(m));
  return { trailing, revised: revised.reverse() };
}
