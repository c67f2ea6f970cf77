import { addDays, diffDays, type IsoDay } from '../../functions/core/dates.js';
import { type FiscalYear, fiscalYearFromStart } from '../../functions/core/fiscal-calendar.js';
import type { DailySpend, ForecastInput } from '../../functions/core/forecast/types.js';
import { companyHolidays } from '../../functions/core/holidays.js';
import { hashSeed, mulberry32 } from '../../functions/core/random.js';
import type { Scenario } from './forecast-scenarios.js';

/**
 * Rolling-origin scoring shared by `npm run bench:forecast` (issue 3, issue 20): as of every 3rd day
 * from day 28 to 14 days before year end, judged once the team has 14 days of spend, against the
 * straight-line YTD run-rate and the trailing-28-day run-rate computed in the same run. A baseline is
 * "critical" when its projected year-end exceeds the budget.
 */

/** What the bench needs from a forecaster: the year-end band and whether it is critical. */
export interface BenchForecast {
  readonly p10: number;
  readonly p50: number;
  readonly p90: number;
  readonly critical: boolean;
}
export type BenchForecaster = (input: ForecastInput) => BenchForecast;

/** One as-of date of one scenario. */
export interface BacktestPoint {
  readonly asOf: string;
  readonly truth: number;
  readonly bw: BenchForecast;
  readonly rrYtd: number;
  readonly rr28: number;
  /** After the scenario's quietFrom: a critical status here is a false alarm. */
  readonly quiet: boolean;
}

export interface ScenarioRun {
  readonly scenario: Scenario;
  readonly points: BacktestPoint[];
  /** Exhaustion at least 14 days before year end: an alert is owed, with lead time. */
  readonly early: boolean;
}

/** Projected year-end of a run-rate baseline as of `asOf`. */
export function baseline(
  method: 'rr-ytd' | 'rr-28',
  daily: readonly DailySpend[],
  start: string,
  asOf: string,
  days: number,
): number {
  const hist = daily.filter((d) => d.date >= start && d.date <= asOf);
  const spent = hist.reduce((a, d) => a + d.usd, 0);
  const elapsed = diffDays(start, asOf) + 1;
  if (method === 'rr-ytd') return (spent / elapsed) * days;
  const from = addDays(asOf, -27);
  const last28 = hist.filter((d) => d.date >= from).reduce((a, d) => a + d.usd, 0);
  return spent + (last28 / 28) * (days - elapsed);
}

/**
 * The backtest's as-of dates of a scenario: every third day from day 28 to two weeks before year end,
 * once the scenario has spent for two weeks; with its fiscal year and the holidays `forecast-series`
 * uses by default (the built-in US calendar).
 */
export function backtestOrigins(sc: Scenario): {
  fy: FiscalYear;
  holidays: ReturnType<typeof companyHolidays>;
  origins: IsoDay[];
} {
  const fy = fiscalYearFromStart(sc.fiscalYearStart);
  const firstSpend = sc.daily.find((d) => d.usd > 0)?.date;
  const origins: IsoDay[] = [];
  for (let day = 28; day <= fy.days - 14; day += 3) {
    const asOf = addDays(fy.start, day - 1);
    if (firstSpend && diffDays(firstSpend, asOf) >= 13) origins.push(asOf);
  }
  return { fy, holidays: companyHolidays('us', fy.start, fy.end), origins };
}

export function backtestScenario(sc: Scenario, forecaster: BenchForecaster): ScenarioRun {
  const { fy, holidays, origins } = backtestOrigins(sc);
  const points: BacktestPoint[] = [];
  for (const asOf of origins) {
    points.push({
      asOf,
      truth: sc.actualYearEndUsd,
      bw: forecaster({ daily: sc.daily, budgetUsd: sc.annualBudgetUsd, fiscalYear: fy, asOf, holidays }),
      rrYtd: baseline('rr-ytd', sc.daily, fy.start, asOf, fy.days),
      rr28: baseline('rr-28', sc.daily, fy.start, asOf, fy.days),
      quiet: sc.quietFrom !== null && asOf >= sc.quietFrom,
    });
  }
  const early = sc.actualExhaustionDate !== null && diffDays(sc.actualExhaustionDate, fy.end) >= 14;
  return { scenario: sc, points, early };
}

export const median = (xs: readonly number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length === 0 ? Number.NaN : s.length % 2 ? (s[m] ?? 0) : ((s[m - 1] ?? 0) + (s[m] ?? 0)) / 2;
};
export const mean = (xs: readonly number[]): number =>
  xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : Number.NaN;

/** Days from the first as-of date that `critical` holds to the true exhaustion; null when missed. */
export function leadOf(run: ScenarioRun, critical: (p: BacktestPoint) => boolean): number | null {
  const exhaustion = run.scenario.actualExhaustionDate;
  if (!run.early || !exhaustion) return null;
  const first = run.points.find(critical)?.asOf;
  return first && first <= exhaustion ? diffDays(first, exhaustion) : null;
}

/**
 * Interval score of a central 80% interval [lo, hi] (Gneiting & Raftery 2007): its width plus 2/α
 * (= 10) times how far the truth falls outside. Lower is better; a point forecast scores 10× its miss.
 * Divided by the truth so years of different sizes weigh alike.
 */
export function intervalScore(lo: number, hi: number, truth: number): number {
  const alpha = 0.2;
  const miss = lo > truth ? lo - truth : truth > hi ? truth - hi : 0;
  return (hi - lo + (2 / alpha) * miss) / truth;
}

export interface SetSummary {
  readonly mdape: { readonly bw: number; readonly rrYtd: number; readonly rr28: number };
  readonly errRatio: number;
  /**
   * 90% interval of errRatio over resampled scenario sets (errRatioInterval): how far the ratio moves
   * when the set had held other years of the same kinds.
   */
  readonly errRatioCi: readonly [number, number];
  readonly coverage: number;
  /** Mean lead over the early exhaustions each method caught (the old figure; misses left out). */
  readonly rawLead: { readonly bw: number; readonly rrYtd: number; readonly rr28: number };
  readonly early: number;
  readonly missed: number;
  readonly falseCrit: { readonly bw: number; readonly rr28: number };
  /**
   * The trailing run-rate judged at burnwatch's false-alarm rate: "critical" when its projection exceeds
   * the budget by `margin`, the smallest margin (negative allowed) whose false-critical rate is at most
   * burnwatch's. Leads are means over the early exhaustions with a miss counted as 0 days.
   */
  readonly matched: {
    readonly margin: number;
    readonly rrFalseCrit: number;
    readonly rrLead: number;
    readonly rrMissed: number;
    readonly bwLead: number;
    readonly ratio: number;
  };
  /**
   * Mean interval score (÷ truth) of burnwatch's P10–P90, and of the trailing run-rate with the
   * constant ±width that, in hindsight, holds 80% of this set's outcomes (a band tuned on the answers,
   * so generous to the run-rate).
   */
  readonly intervalScore: { readonly bw: number; readonly rr28: number; readonly rr28Width: number };
}

/**
 * Scenario bootstrap of the error ratio: `resamples` sets of as many scenarios as `runs`, drawn with
 * replacement (each with all its as-of dates, which within a year are strongly dependent), and the
 * 5th and 95th percentiles of their pooled median error ÷ the trailing-28's. A set of 10–16 years is
 * small, and which few mid-error years sit at the pooled median moves the ratio by a tenth (the
 * independent draws differ only in noise: 0.81–1.00×), so a ratio is read against this interval.
 * Seeded, so the same runs give the same interval.
 */
export function errRatioInterval(runs: readonly ScenarioRun[], resamples = 1000): [number, number] {
  if (runs.length === 0) return [Number.NaN, Number.NaN];
  const errs = runs.map((r) => ({
    bw: r.points.map((p) => Math.abs(p.bw.p50 - p.truth) / p.truth),
    rr28: r.points.map((p) => Math.abs(p.rr28 - p.truth) / p.truth),
  }));
  const rand = mulberry32(hashSeed('err-ratio-bootstrap', ...runs.map((r) => r.scenario.name)));
  const ratios: number[] = [];
  for (let b = 0; b < resamples; b++) {
    const bw: number[] = [];
    const rr28: number[] = [];
    for (let i = 0; i < errs.length; i++) {
      const e = errs[Math.floor(rand() * errs.length)];
      if (e) {
        bw.push(...e.bw);
        rr28.push(...e.rr28);
      }
    }
    const ratio = median(bw) / median(rr28);
    if (Number.isFinite(ratio)) ratios.push(ratio);
  }
  ratios.sort((a, b) => a - b);
  const at = (q: number) => ratios[Math.min(ratios.length - 1, Math.floor(q * ratios.length))] ?? Number.NaN;
  return [at(0.05), at(0.95)];
}

export function summarise(runs: readonly ScenarioRun[]): SetSummary {
  const points = runs.flatMap((r) => r.points);
  const ape = (f: (p: BacktestPoint) => number) => points.map((p) => Math.abs(f(p) - p.truth) / p.truth);
  const mdape = {
    bw: median(ape((p) => p.bw.p50)),
    rrYtd: median(ape((p) => p.rrYtd)),
    rr28: median(ape((p) => p.rr28)),
  };
  const inside = points.filter((p) => p.truth >= p.bw.p10 && p.truth <= p.bw.p90).length;
  const budgetOf = new Map(runs.map((r) => [r, r.scenario.annualBudgetUsd]));
  const crit = {
    bw: (_r: ScenarioRun) => (p: BacktestPoint) => p.bw.critical,
    rrYtd: (r: ScenarioRun) => (p: BacktestPoint) => p.rrYtd > (budgetOf.get(r) ?? 0),
    rr28: (r: ScenarioRun) => (p: BacktestPoint) => p.rr28 > (budgetOf.get(r) ?? 0),
  };
  const earlyRuns = runs.filter((r) => r.early);
  const caught = (c: (r: ScenarioRun) => (p: BacktestPoint) => boolean) =>
    earlyRuns.map((r) => leadOf(r, c(r))).filter((x): x is number => x !== null);
  const rawLead = {
    bw: mean(caught(crit.bw)),
    rrYtd: mean(caught(crit.rrYtd)),
    rr28: mean(caught(crit.rr28)),
  };
  const missed = earlyRuns.length - caught(crit.bw).length;

  const quiet = runs.flatMap((r) => r.points.filter((p) => p.quiet).map((p) => ({ r, p })));
  const rate = (c: (r: ScenarioRun, p: BacktestPoint) => boolean) =>
    quiet.length ? quiet.filter(({ r, p }) => c(r, p)).length / quiet.length : Number.NaN;
  const bwFalse = rate((_r, p) => p.bw.critical);
  const rr28False = rate((r, p) => p.rr28 > r.scenario.annualBudgetUsd);

  // Margin matching: the run-rate is critical when rr28 / budget − 1 > margin. Allowing k false days,
  // the margin is the (k+1)-th largest excess over the quiet days (or below every excess seen anywhere).
  const excess = quiet.map(({ r, p }) => p.rr28 / r.scenario.annualBudgetUsd - 1).sort((a, b) => b - a);
  const allowed = Number.isNaN(bwFalse) ? quiet.length : Math.floor(bwFalse * quiet.length + 1e-9);
  const allExcess = runs.flatMap((r) => r.points.map((p) => p.rr28 / r.scenario.annualBudgetUsd - 1));
  const margin = excess[allowed] ?? Math.min(0, ...allExcess) - 1e-9;
  const marginCrit = (r: ScenarioRun) => (p: BacktestPoint) =>
    p.rr28 / r.scenario.annualBudgetUsd - 1 > margin;
  const rrLeads = earlyRuns.map((r) => leadOf(r, marginCrit(r)));
  const bwLeads = earlyRuns.map((r) => leadOf(r, crit.bw(r)));
  const rrLead = mean(rrLeads.map((x) => x ?? 0));
  const bwLead = mean(bwLeads.map((x) => x ?? 0));

  const rrErr = points.map((p) => Math.abs(p.truth / p.rr28 - 1)).sort((a, b) => a - b);
  const width = rrErr[Math.min(rrErr.length - 1, Math.ceil(0.8 * rrErr.length) - 1)] ?? 0;
  return {
    mdape,
    errRatio: mdape.bw / mdape.rr28,
    errRatioCi: errRatioInterval(runs),
    coverage: inside / points.length,
    rawLead,
    early: earlyRuns.length,
    missed,
    falseCrit: { bw: bwFalse, rr28: rr28False },
    matched: {
      margin,
      rrFalseCrit: rate((r, p) => marginCrit(r)(p)),
      rrLead,
      rrMissed: rrLeads.filter((x) => x === null).length,
      bwLead,
      ratio: bwLead / rrLead,
    },
    intervalScore: {
      bw: mean(points.map((p) => intervalScore(p.bw.p10, p.bw.p90, p.truth))),
      rr28: mean(points.map((p) => intervalScore(p.rr28 * (1 - width), p.rr28 * (1 + width), p.truth))),
      rr28Width: width,
    },
  };
}

/** The issue-20 targets, each with the figure it was judged on. */
export function checks(s: SetSummary): Array<{ what: string; value: string; ok: boolean }> {
  const pct = (x: number) => (Number.isNaN(x) ? '—' : `${(x * 100).toFixed(1)}%`);
  const ratio = s.matched.ratio;
  return [
    {
      what: 'median year-end error ≤ 0.9× trailing-28',
      value: `${s.errRatio.toFixed(2)}×`,
      ok: s.errRatio <= 0.9,
    },
    {
      what: 'P10–P90 coverage 75–88%',
      value: pct(s.coverage),
      ok: s.coverage >= 0.75 && s.coverage <= 0.88,
    },
    {
      what: `no early exhaustion missed (${s.early} scenarios)`,
      value: `${s.missed} missed`,
      ok: s.missed === 0,
    },
    {
      what: 'critical ≤ 3% of days after quietFrom',
      value: pct(s.falseCrit.bw),
      ok: !(s.falseCrit.bw > 0.03),
    },
    {
      what: 'lead ≥ 2× trailing-28 at matched false alarms',
      value: s.early === 0 ? 'n/a' : Number.isFinite(ratio) ? `${ratio.toFixed(2)}×` : '∞',
      ok: s.early === 0 || !(ratio < 2),
    },
  ];
}
