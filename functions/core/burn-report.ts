import * as z from 'zod';
import {
  DATA_STATUSES,
  type SourceCompleteness,
  sourceCompletenessSchema,
  type TeamCompleteness,
} from './completeness.js';
import { addDays, diffDays, eachDay, type IsoDay, isIsoDay } from './dates.js';
import { daysElapsed, daysRemaining, type FiscalYear } from './fiscal-calendar.js';
import type { Forecast } from './forecast/types.js';
import { canonicalModelId } from './models.js';
import { type Micros, microsToCentsNumber, microsToUsd, usdToMicros } from './money.js';
import type { TeamDaySourceTotal } from './ports.js';

/**
 * A team's burn: the answer to `burnwatch burn TEAM --json`, `/burn TEAM`, and the per-team summary
 * item the forecast job stores for the slash command (one GetItem per team). Money is USD rounded to
 * the cent (computed from exact micros); dates are UTC days.
 */
const isoDay = z.string().refine(isIsoDay, 'must be YYYY-MM-DD');
const quantiles = <T extends z.ZodType>(t: T) => z.object({ p10: t, p50: t, p90: t });

export const outlookSchema = z.object({
  /** `forecast` = the forecast engine; `trailing-run-rate` = last 28 days' average carried to year end. */
  method: z.enum(['forecast', 'trailing-run-rate']),
  yearEndUsd: quantiles(z.number()),
  exhaustionDate: quantiles(isoDay.nullable()),
  /** null for the run-rate outlook, which has no distribution. */
  probabilityOfExhaustion: z.number().min(0).max(1).nullable(),
  status: z.enum(['critical', 'warning', 'ok']),
  confidence: z.enum(['low', 'normal']),
  /** Days between the P50 exhaustion date and year end (positive = runs out that many days early). */
  daysEarly: z.number().int().nullable(),
});
export type Outlook = z.infer<typeof outlookSchema>;

export const burnReportSchema = z.object({
  team: z.string(),
  name: z.string(),
  fiscalYear: z.object({ start: isoDay, end: isoDay, label: z.string() }),
  asOf: isoDay,
  /** Last day with any stored spend, or null if none this fiscal year. */
  dataThrough: isoDay.nullable(),
  /**
   * `complete`: every source the team spends with has delivered every day to as-of; `estimated`:
   * some days are estimated (see `sources`); `incomplete`: a material source is more than
   * `incompleteAfterDays` behind, so the team is never reported on track or recovered.
   */
  dataStatus: z.enum(DATA_STATUSES).default('complete'),
  /** Per source the team spends with: complete through, estimated days and their estimated spend. */
  sources: z.array(sourceCompletenessSchema).default([]),
  /** Spend of estimated days (in the outlook, not in `spentToDateUsd`). */
  estimatedUsd: z.number().default(0),
  /** The team's planned changes; `applied`: the outlook includes it. */
  plans: z
    .array(
      z.object({
        id: z.string(),
        label: z.string(),
        text: z.string(),
        from: isoDay,
        by: z.string(),
        at: z.string(),
        applied: z.boolean(),
      }),
    )
    .default([]),
  /** null for the `unallocated` team, which has no budget. */
  budgetUsd: z.number().nullable(),
  /** The recorded change that set `budgetUsd` (null: the config's budget). */
  budgetChange: z
    .object({ from: isoDay, by: z.string(), reason: z.string(), at: z.string() })
    .nullable()
    .default(null),
  spentToDateUsd: z.number(),
  /** Spent ÷ budget × 100, one decimal; null without a budget. */
  percentUsed: z.number().nullable(),
  remainingUsd: z.number().nullable(),
  daysElapsed: z.number().int(),
  daysRemaining: z.number().int(),
  outlook: outlookSchema,
  byVendor: z.array(z.object({ vendor: z.string(), usd: z.number(), share: z.number() })),
  /** Top models by spend this fiscal year (at most 10; the rest folded into "other"). */
  byModel: z.array(z.object({ model: z.string(), usd: z.number(), share: z.number() })),
  /** Spend per week (weeks start Monday), the last 12 weeks up to `asOf`, oldest first. */
  trend: z.array(z.object({ weekStart: isoDay, usd: z.number() })),
  /** Last 28 days vs the 28 before, as a ratio (1.2 = +20%); null without enough history. */
  trendChange: z.number().nullable(),
  headcount: z.number().int().nullable(),
  /** Distinct people with per-user usage in the last 28 days (vendors that report users). */
  activeEngineers: z.number().int(),
  /** Last 28 days' spend ÷ active engineers (or headcount), scaled to 30 days. */
  perEngineerMonthlyUsd: z.number().nullable(),
  mergedPullRequests: z.number().int(),
  costPerMergedPrUsd: z.number().nullable(),
  /** Per-person detail; present only in stores/outputs for viewers allowed by config.privacy. */
  people: z.object({ overCap: z.array(z.object({ user: z.string(), monthUsd: z.number() })) }).optional(),
  generatedAt: z.string(),
});
export type BurnReport = z.infer<typeof burnReportSchema>;

export interface BurnReportInput {
  readonly team: string;
  readonly name: string;
  readonly budgetUsd: number | null;
  readonly headcount?: number;
  readonly fiscalYear: FiscalYear;
  readonly asOf: IsoDay;
  /** Day aggregates for this team in the fiscal year (any order, any sources). Rows after asOf are ignored. */
  readonly totals: readonly TeamDaySourceTotal[];
  /** The forecast engine's result; without it the outlook is the trailing run-rate, labelled as such. */
  readonly forecast?: Forecast;
  /** Which days are estimated; without it every day is taken as delivered. */
  readonly completeness?: TeamCompleteness;
  readonly budgetChange?: { from: IsoDay; by: string; reason: string; at: string };
  readonly plans?: BurnReport['plans'];
  readonly now: Date;
}

/** Sum of all sources per day, exact. Rows outside [from, to] are dropped. */
export function dailyMicros(
  totals: readonly TeamDaySourceTotal[],
  from: IsoDay,
  to: IsoDay,
): Map<IsoDay, Micros> {
  const out = new Map<IsoDay, Micros>();
  for (const t of totals) {
    if (t.date < from || t.date > to) continue;
    out.set(t.date, (out.get(t.date) ?? 0n) + t.costMicros);
  }
  return out;
}

const round2 = (n: number) => Math.round(n * 100) / 100;

/**
 * The honest fallback outlook: the last 28 days' average daily spend carried to year end. It has no
 * uncertainty band, so P10 = P50 = P90, and it says so in `method`.
 */
export function trailingRunRateOutlook(
  daily: ReadonlyMap<IsoDay, Micros>,
  fy: FiscalYear,
  asOf: IsoDay,
  budgetUsd: number | null,
): Outlook {
  const elapsed = daysElapsed(fy, asOf);
  const window = Math.min(28, elapsed);
  let spent = 0n;
  let recent = 0n;
  const windowStart = addDays(asOf, -(window - 1));
  for (const [day, micros] of daily) {
    spent += micros;
    if (day >= windowStart) recent += micros;
  }
  const perDay = window > 0 ? microsToUsd(recent) / window : 0;
  const remaining = daysRemaining(fy, asOf);
  const yearEnd = round2(microsToUsd(spent) + perDay * remaining);
  let exhaustion: IsoDay | null = null;
  if (budgetUsd !== null) {
    const left = budgetUsd - microsToUsd(spent);
    if (left < 0) exhaustion = firstDayOver(daily, budgetUsd) ?? asOf;
    else if (perDay > 0) {
      const day = addDays(asOf, Math.ceil(left / perDay));
      exhaustion = day <= fy.end ? day : null;
    }
  }
  const over = budgetUsd !== null && yearEnd > budgetUsd;
  return {
    method: 'trailing-run-rate',
    yearEndUsd: { p10: yearEnd, p50: yearEnd, p90: yearEnd },
    exhaustionDate: { p10: exhaustion, p50: exhaustion, p90: exhaustion },
    probabilityOfExhaustion: null,
    status: exhaustion !== null ? 'critical' : over ? 'warning' : 'ok',
    confidence: elapsed < 28 ? 'low' : 'normal',
    daysEarly: exhaustion ? diffDays(exhaustion, fy.end) : null,
  };
}

/** Stored spend per day plus the estimates of days not yet delivered (the outlook's view). */
function withEstimatedDays(daily: ReadonlyMap<IsoDay, Micros>, c?: TeamCompleteness): Map<IsoDay, Micros> {
  const out = new Map(daily);
  for (const [day, est] of c?.estimatedDaily ?? []) out.set(day, (out.get(day) ?? 0n) + usdToMicros(est));
  return out;
}

function firstDayOver(daily: ReadonlyMap<IsoDay, Micros>, budgetUsd: number): IsoDay | undefined {
  let cum = 0;
  for (const day of [...daily.keys()].sort()) {
    cum += microsToUsd(daily.get(day) ?? 0n);
    if (cum > budgetUsd) return day;
  }
  return undefined;
}

function outlookFromForecast(f: Forecast, fy: FiscalYear): Outlook {
  return {
    method: 'forecast',
    yearEndUsd: f.yearEndUsd,
    exhaustionDate: f.exhaustionDate,
    probabilityOfExhaustion: f.probabilityOfExhaustion,
    status: f.status,
    confidence: f.confidence,
    daysEarly: f.exhaustionDate.p50 ? diffDays(f.exhaustionDate.p50, fy.end) : null,
  };
}

/** Monday on or before `day`. */
export function weekStartOf(day: IsoDay): IsoDay {
  const dow = (new Date(`${day}T00:00:00Z`).getUTCDay() + 6) % 7;
  return addDays(day, -dow);
}

export function computeBurnReport(input: BurnReportInput): BurnReport {
  const { fiscalYear: fy, asOf } = input;
  const rows = input.totals.filter((t) => t.date >= fy.start && t.date <= asOf);
  const daily = dailyMicros(rows, fy.start, asOf);
  // Trends read estimated days too: a source behind must not look like spend falling.
  const seen = withEstimatedDays(daily, input.completeness);
  const spent = [...daily.values()].reduce((a, b) => a + b, 0n);
  const spentUsd = microsToCentsNumber(spent);

  const vendorMicros = new Map<string, Micros>();
  const modelMicros = new Map<string, Micros>();
  let prs = 0;
  for (const r of rows) {
    vendorMicros.set(r.vendor, (vendorMicros.get(r.vendor) ?? 0n) + r.costMicros);
    // Canonical ids again at read time, so rows stored before the vocabulary (or before a new
    // spelling was added to it) merge with the rest.
    for (const [name, m] of Object.entries(r.byModel)) {
      const model = canonicalModelId(name);
      modelMicros.set(model, (modelMicros.get(model) ?? 0n) + m);
    }
    prs += r.outcomes.pullRequests ?? 0;
  }
  const share = (m: Micros) => (spent > 0n ? Math.round((Number(m) / Number(spent)) * 1000) / 1000 : 0);
  const byVendor = [...vendorMicros]
    .sort((a, b) => (b[1] > a[1] ? 1 : b[1] < a[1] ? -1 : a[0] < b[0] ? -1 : 1))
    .map(([vendor, m]) => ({ vendor, usd: microsToCentsNumber(m), share: share(m) }));
  const models = [...modelMicros].sort((a, b) => (b[1] > a[1] ? 1 : b[1] < a[1] ? -1 : a[0] < b[0] ? -1 : 1));
  const top = models
    .slice(0, 10)
    .map(([model, m]) => ({ model, usd: microsToCentsNumber(m), share: share(m) }));
  const rest = models.slice(10).reduce((a, [, m]) => a + m, 0n);
  if (rest > 0n) top.push({ model: 'other', usd: microsToCentsNumber(rest), share: share(rest) });

  // Weekly trend: the 12 Monday-start weeks ending with the week containing asOf.
  const firstWeek = addDays(weekStartOf(asOf), -7 * 11);
  const weekly = new Map<IsoDay, Micros>();
  for (let i = 0; i < 12; i++) weekly.set(addDays(firstWeek, 7 * i), 0n);
  for (const [day, m] of seen) {
    const w = weekStartOf(day);
    if (weekly.has(w)) weekly.set(w, (weekly.get(w) ?? 0n) + m);
  }
  const trend = [...weekly]
    .filter(([w]) => addDays(w, 6) >= fy.start)
    .map(([weekStart, m]) => ({ weekStart, usd: microsToCentsNumber(m) }));

  const sumRange = (from: IsoDay, to: IsoDay) =>
    eachDay(from, to).reduce((a, d) => a + (seen.get(d) ?? 0n), 0n);
  const last28 = sumRange(addDays(asOf, -27), asOf);
  const prev28 = sumRange(addDays(asOf, -55), addDays(asOf, -28));
  const enoughHistory = diffDays(fy.start, asOf) >= 55;
  const trendChange =
    enoughHistory && prev28 > 0n ? Math.round((Number(last28) / Number(prev28)) * 100) / 100 : null;

  const recentFrom = addDays(asOf, -27);
  const activeByDay = rows.filter((r) => r.date >= recentFrom).map((r) => r.activeUsers);
  // Distinct users across days is not derivable from daily counts; the busiest day is a floor.
  const activeEngineers = activeByDay.length ? Math.max(...activeByDay) : 0;
  const engineers = activeEngineers || input.headcount || 0;

  const dataDays = [...daily.keys()].sort();
  const budget = input.budgetUsd;
  return {
    team: input.team,
    name: input.name,
    fiscalYear: { start: fy.start, end: fy.end, label: fy.label },
    asOf,
    dataThrough: dataDays.at(-1) ?? null,
    budgetUsd: budget,
    budgetChange: input.budgetChange
      ? {
          from: input.budgetChange.from,
          by: input.budgetChange.by,
          reason: input.budgetChange.reason,
          at: input.budgetChange.at,
        }
      : null,
    plans: input.plans ?? [],
    spentToDateUsd: spentUsd,
    percentUsed: budget ? Math.round((spentUsd / budget) * 1000) / 10 : null,
    remainingUsd: budget !== null ? round2(budget - spentUsd) : null,
    daysElapsed: daysElapsed(fy, asOf),
    daysRemaining: daysRemaining(fy, asOf),
    dataStatus: input.completeness?.status ?? 'complete',
    sources: (input.completeness?.sources ?? []) as SourceCompleteness[],
    estimatedUsd: input.completeness?.estimatedUsd ?? 0,
    outlook: input.forecast
      ? outlookFromForecast(input.forecast, fy)
      : trailingRunRateOutlook(withEstimatedDays(daily, input.completeness), fy, asOf, budget),
    byVendor,
    byModel: top,
    trend,
    trendChange,
    headcount: input.headcount ?? null,
    activeEngineers,
    perEngineerMonthlyUsd: engineers > 0 ? round2((microsToUsd(last28) / engineers) * (30 / 28)) : null,
    mergedPullRequests: prs,
    costPerMergedPrUsd: prs > 0 ? round2(spentUsd / prs) : null,
    generatedAt: input.now.toISOString(),
  };
}
