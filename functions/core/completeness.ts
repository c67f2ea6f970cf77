import * as z from 'zod';
import type { IsoDay } from './dates.js';
import { addDays, dayOfWeek, isIsoDay } from './dates.js';
import type { SourceCoverage } from './ingest/coverage.js';
import { microsToUsd } from './money.js';
import type { TeamDaySourceTotal } from './ports.js';

/**
 * Unknown is not zero. For each source a team spends with, the days that source has not delivered
 * (an outage, an expired key, a paused schedule, a backfill still running) are estimated from the
 * team's own recent level with that source, with an uncertainty the forecast integrates over; a
 * team whose material sources are too far behind is `incomplete`: never "on track", never recovered.
 */

const isoDay = z.string().refine(isIsoDay, 'must be YYYY-MM-DD');

export const sourceCompletenessSchema = z.object({
  source: z.string(),
  vendor: z.string(),
  /** Every day of the fiscal year up to this one is stored as the vendor delivered it (null: none). */
  completeThrough: isoDay.nullable(),
  /**
   * Days up to as-of this source has not delivered, whose spend for the team is estimated (at $0 with
   * `material` when the source has delivered nothing this fiscal year: its size cannot be known).
   */
  estimatedDays: z.number().int().nonnegative(),
  estimatedUsd: z.number(),
  /** The source's share of the team's spend over the last 28 days (estimates included), 0–1. */
  shareOfSpend: z.number(),
  /** At least `materialSourceShare` of the team's spend. */
  material: z.boolean(),
});
export type SourceCompleteness = z.infer<typeof sourceCompletenessSchema>;

export const DATA_STATUSES = ['complete', 'estimated', 'incomplete'] as const;
export type DataStatus = (typeof DATA_STATUSES)[number];

export interface TeamCompleteness {
  /** `incomplete`: a material source has more than `incompleteAfterDays` estimated days. */
  readonly status: DataStatus;
  /** The sources the team spends with, in config order. */
  readonly sources: readonly SourceCompleteness[];
  readonly estimatedUsd: number;
  /** Estimated spend per day, all sources together, for the forecast's input. */
  readonly estimatedDaily: ReadonlyMap<IsoDay, number>;
  /** Standard deviation of the estimated total (USD): the forecast's uncertainty about it. */
  readonly estimateSdUsd: number;
}

export interface CompletenessSettings {
  readonly incompleteAfterDays: number;
  readonly materialSourceShare: number;
}

/** Days of a source's own delivered history the estimate's level is taken from. */
const LEVEL_DAYS = 28;

interface Level {
  mean: number;
  sd: number;
  n: number;
}

function levelOf(values: readonly number[]): Level | undefined {
  if (values.length === 0) return undefined;
  const mean = values.reduce((a, b) => a + b, 0) / values.length;
  const variance =
    values.length > 1 ? values.reduce((a, v) => a + (v - mean) ** 2, 0) / (values.length - 1) : mean ** 2;
  // A floor of 10% of the level: real spend is never that steady, and the level may have moved
  // while the source was silent, so an estimate is never treated as exact.
  return { mean, sd: Math.max(Math.sqrt(variance), 0.1 * Math.abs(mean)), n: values.length };
}

/**
 * The team's completeness as of `asOf`, from the coverage of every configured source over the fiscal
 * year to `asOf` and the team's stored day totals. A source counts for the team when the team has
 * spent with it this fiscal year, or when the source has delivered nothing this fiscal year at all. Its undelivered days are estimated at the team's mean spend with
 * that source over its last 28 delivered days, working days and weekends/holidays apart (the weekly
 * rhythm); the variance is the days' own spread plus the level's standard error over all of them.
 */
export function assessCompleteness(opts: {
  readonly totals: readonly TeamDaySourceTotal[];
  readonly coverage: ReadonlyArray<SourceCoverage & { readonly vendor: string }>;
  readonly asOf: IsoDay;
  readonly holidays: ReadonlySet<IsoDay>;
  readonly settings: CompletenessSettings;
}): TeamCompleteness {
  const { asOf } = opts;
  const offDay = (d: IsoDay) => opts.holidays.has(d) || dayOfWeek(d) === 0 || dayOfWeek(d) === 6;
  const recentFrom = addDays(asOf, -(LEVEL_DAYS - 1));
  const estimatedDaily = new Map<IsoDay, number>();
  let variance = 0;
  const rows: Array<
    Omit<SourceCompleteness, 'shareOfSpend' | 'material'> & { recentUsd: number; unknownLevel?: true }
  > = [];
  let recentTotal = 0;
  for (const t of opts.totals)
    if (t.date >= recentFrom && t.date <= asOf) recentTotal += microsToUsd(t.costMicros);

  for (const cov of opts.coverage) {
    const daily = new Map<IsoDay, number>();
    for (const t of opts.totals)
      if (t.source === cov.source && t.date <= asOf && !cov.undelivered.has(t.date))
        daily.set(t.date, (daily.get(t.date) ?? 0) + microsToUsd(t.costMicros));
    if (![...daily.values()].some((v) => v !== 0)) {
      // No spend with it this year: the team does not use it, unless the source has delivered
      // nothing at all (down since the year began, a first backfill not done). Then nobody can
      // tell, and its days count as unknown spend of unknown size, not as $0.
      const days = [...cov.undelivered].filter((d) => d <= asOf && d >= cov.range.from);
      let anyDelivered = false;
      for (let d = cov.range.from; d <= asOf && d <= cov.range.to && !anyDelivered; d = addDays(d, 1))
        anyDelivered = !cov.undelivered.has(d);
      if (anyDelivered || days.length === 0) continue;
      rows.push({
        source: cov.source,
        vendor: cov.vendor,
        completeThrough: cov.completeThrough,
        estimatedDays: days.length,
        estimatedUsd: 0,
        recentUsd: 0,
        unknownLevel: true,
      });
      continue;
    }
    // The source's delivered days, newest first: stored days and days it affirmed as zero.
    const delivered: IsoDay[] = [];
    for (let d = asOf; delivered.length < LEVEL_DAYS && d >= cov.range.from; d = addDays(d, -1))
      if (!cov.undelivered.has(d)) delivered.push(d);
    const work = levelOf(delivered.filter((d) => !offDay(d)).map((d) => daily.get(d) ?? 0));
    const off = levelOf(delivered.filter(offDay).map((d) => daily.get(d) ?? 0));
    const all = levelOf(delivered.map((d) => daily.get(d) ?? 0));
    let estimatedUsd = 0;
    let estimatedDays = 0;
    let recentUsd = [...daily].filter(([d]) => d >= recentFrom).reduce((a, [, v]) => a + v, 0);
    const byClass = new Map<Level, number>();
    for (const d of cov.undelivered) {
      if (d > asOf) continue;
      const level = (offDay(d) ? off : work) ?? all;
      if (!level) continue;
      estimatedDays++;
      estimatedUsd += level.mean;
      estimatedDaily.set(d, (estimatedDaily.get(d) ?? 0) + level.mean);
      byClass.set(level, (byClass.get(level) ?? 0) + 1);
      if (d >= recentFrom) recentUsd += level.mean;
    }
    for (const [level, n] of byClass) variance += n * level.sd ** 2 + (n * level.sd) ** 2 / level.n;
    recentTotal += [...cov.undelivered]
      .filter((d) => d >= recentFrom && d <= asOf)
      .reduce((a, d) => a + (((offDay(d) ? off : work) ?? all)?.mean ?? 0), 0);
    rows.push({
      source: cov.source,
      vendor: cov.vendor,
      completeThrough: cov.completeThrough,
      estimatedDays,
      estimatedUsd: Math.round(estimatedUsd * 100) / 100,
      recentUsd,
    });
  }
  const sources = rows.map(({ recentUsd, unknownLevel, ...r }) => {
    const shareOfSpend = recentTotal > 0 ? Math.round((recentUsd / recentTotal) * 1000) / 1000 : 0;
    // A source whose size is unknown may be the team's largest: it is taken as material.
    const material = unknownLevel === true || shareOfSpend >= opts.settings.materialSourceShare;
    return { ...r, shareOfSpend, material };
  });
  const behind = sources.filter((s) => s.estimatedDays > 0);
  const status: DataStatus = behind.some(
    (s) => s.material && s.estimatedDays > opts.settings.incompleteAfterDays,
  )
    ? 'incomplete'
    : behind.length > 0
      ? 'estimated'
      : 'complete';
  return {
    status,
    sources,
    estimatedUsd: Math.round(sources.reduce((a, s) => a + s.estimatedUsd, 0) * 100) / 100,
    estimatedDaily,
    estimateSdUsd: Math.sqrt(variance),
  };
}
