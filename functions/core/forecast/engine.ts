import { addDays, type IsoDay } from '../dates.js';
import { cumulativeQuantile, exceedProbability, logSd, spendNodes, weeklyNoise, Z90 } from './band.js';
import { type Combination, combineMembers } from './combination.js';
import { applyPlans, withoutPlans } from './plans.js';
import { type PreparedSeries, prepareSeries, spendByDay } from './series.js';
import type { Forecast, ForecastInput, ForecastStatus } from './types.js';

/**
 * Year-end spend and budget-exhaustion forecast for one team.
 *
 * Method (docs/forecasting.md): deseasonalise daily spend by a weekday and holiday rhythm and clip
 * one-off spikes (series.ts); forecast the rest of the year with a combination of a recent level, a
 * half-year level and a regime-aware damped trend, each weighted by its rolling-origin accuracy on the
 * team's own past (combination.ts); spread cumulative spend around it by a pooled, conformally
 * calibrated log-normal band (band.ts). Cumulative spend never falls, so P(exhausted by day d) =
 * P(C(d) ≥ budget), and the band's quantiles give the exhaustion-date distribution directly.
 * Analytic and deterministic: no sampling, and only rows dated on or before as-of are read.
 */

export interface ForecastOptions {
  /** P(exhaust before year end) at or above which the status is critical. */
  readonly criticalProbability?: number;
  /** P(exhaust) at or above which the status is warning. */
  readonly warningProbability?: number;
  /** Compute the cumulative band for charts (skipped by backtests for speed). */
  readonly band?: boolean;
}

/** What the forecast is made of, for the bench's calibration and for reports. */
export interface ForecastParts {
  readonly series: PreparedSeries;
  readonly combination: Combination;
  /** The team's week-to-week noise (band.ts). */
  readonly noise: number;
}

/** The prepared series, the weighted members and the noise behind a forecast (undefined: no spend yet). */
export function forecastParts(input: ForecastInput): ForecastParts | undefined {
  const series = prepareSeries(input);
  if (series.start < 0) return undefined;
  return { series, combination: combineMembers(series), noise: weeklyNoise(series) };
}

/**
 * Forecast year-end spend, exhaustion date and status. Pure and deterministic.
 * @throws RangeError when `asOf` is outside `fiscalYear`: before it the team would read as $0 spent,
 * after it the answer's as-of date would be outside the year it forecasts (a caller's error).
 */
export function forecastSpend(input: ForecastInput, options: ForecastOptions = {}): Forecast {
  const { asOf, budgetUsd, fiscalYear: fy } = input;
  if (!(asOf >= fy.start && asOf <= fy.end))
    throw new RangeError(`as-of ${asOf} is outside the fiscal year ${fy.start} → ${fy.end}`);
  const plans = input.plans ?? [];
  // Fitted as if no plan had happened (forecast/plans.ts), then the plans are applied ahead.
  const parts = forecastParts(plans.length ? { ...input, daily: withoutPlans(input.daily, plans) } : input);
  if (!parts) return emptyForecast(input);
  const { series, combination, noise } = parts;
  const { n, N, start } = series;
  // Spend to date as it was (net of refunds; not as it would have been without the plans).
  const x = spendByDay(input);
  const spent = plans.length ? x.reduce((a, v) => a + v, 0) : series.spent;
  const history = n - start;
  const confidence: Forecast['confidence'] = history < 28 ? 'low' : 'normal';
  const future = N - n;
  const planned = plans.length ? applyPlans(combination.cumulative, asOf, plans) : undefined;
  const point = planned?.point ?? combination.cumulative;
  const baseSd = (t: number) => logSd(t + 1, noise, history);
  const sdAt = planned
    ? (t: number) => Math.sqrt(baseSd(t) ** 2 + (planned.extraLogVariance[t] ?? 0))
    : baseSd;
  // Spend to date: `spent` exactly, or stored + an estimate with its own uncertainty (band.ts).
  const nodes = spendNodes(spent, input.estimated);
  // Quantile qz (in sd) of cumulative spend to day t after as-of (t = 0: the day after).
  const cumAt = (t: number, qz: number) => cumulativeQuantile(nodes, point[t] ?? 0, sdAt(t), qz);
  const r = (v: number) => Math.round(v * 100) / 100;

  // P(exhausted by day t) = P(C(t) ≥ budget); cumulative spend never falls, so neither may this.
  // Exactly at the budget counts as exhausted: the next day with any spend exceeds it.
  const alreadyOver = budgetUsd - spent < 0;
  const exhaustedBy = (t: number) => exceedProbability(nodes, budgetUsd, point[t] ?? 0, sdAt(t));
  let probability = alreadyOver ? 1 : 0;
  const firstDay = { p10: -1, p50: -1, p90: -1 };
  if (!alreadyOver && future === 0) {
    // The year's last day: nothing is ahead, and what is uncertain is the estimated spend to date.
    // Without an estimate spend is known and not over (no next day takes it past a budget it meets).
    probability = nodes.length > 1 ? exceedProbability(nodes, budgetUsd, 0, 1) : 0;
    if (probability >= 0.1) firstDay.p10 = 0;
    if (probability >= 0.5) firstDay.p50 = 0;
    if (probability >= 0.9) firstDay.p90 = 0;
  } else if (!alreadyOver) {
    for (let t = 0; t < future; t++) {
      probability = Math.max(probability, exhaustedBy(t));
      if (firstDay.p10 < 0 && probability >= 0.1) firstDay.p10 = t;
      if (firstDay.p50 < 0 && probability >= 0.5) firstDay.p50 = t;
      if (firstDay.p90 < 0 && probability >= 0.9) firstDay.p90 = t;
    }
  }
  let crossed = fy.start;
  if (alreadyOver) {
    let c = 0;
    for (let i = 0; i < n; i++) {
      c += x[i] ?? 0;
      if (c > budgetUsd) {
        crossed = addDays(fy.start, i);
        break;
      }
    }
  }
  // Day t after as-of; on the year's last day, by as-of itself (somewhere in the estimated days).
  const exDate = (t: number): IsoDay | null => (t >= 0 ? addDays(asOf, future === 0 ? 0 : t + 1) : null);

  const band: Array<{ date: IsoDay; p10: number; p50: number; p90: number }> = [];
  if (options.band ?? true) {
    const days: number[] = [];
    for (let t = 6; t < future; t += 7) days.push(t);
    if (future > 0 && days.at(-1) !== future - 1) days.push(future - 1);
    for (const t of days)
      band.push({
        date: addDays(asOf, t + 1),
        p10: r(cumAt(t, -Z90)),
        p50: r(cumAt(t, 0)),
        p90: r(cumAt(t, Z90)),
      });
  }
  const last = future - 1;
  return {
    asOf,
    spentToDateUsd: r(spent),
    yearEndUsd:
      future > 0
        ? { p10: r(cumAt(last, -Z90)), p50: r(cumAt(last, 0)), p90: r(cumAt(last, Z90)) }
        : { p10: r(cumAt(0, -Z90)), p50: r(cumAt(0, 0)), p90: r(cumAt(0, Z90)) },
    exhaustionDate: alreadyOver
      ? { p10: crossed, p50: crossed, p90: crossed }
      : { p10: exDate(firstDay.p10), p50: exDate(firstDay.p50), p90: exDate(firstDay.p90) },
    probabilityOfExhaustion: roundProbability(probability, [0.1, 0.5, 0.9, ...thresholdsOf(options)]),
    status: statusOf(probability, options),
    confidence,
    band,
  };
}

function thresholdsOf(options: ForecastOptions): [critical: number, warning: number] {
  // "On track to exhaust" = the median path runs out before year end.
  return [options.criticalProbability ?? 0.5, options.warningProbability ?? 0.3];
}

function statusOf(probability: number, options: ForecastOptions): ForecastStatus {
  const [critical, warning] = thresholdsOf(options);
  if (probability >= critical) return 'critical';
  if (probability >= warning) return 'warning';
  return 'ok';
}

/**
 * P(exhaust) to 0.001, never rounded across a threshold the status or an exhaustion date was decided
 * on (0.4997 beside a warning and no P50 date reads 0.499, not 0.5), so the contract's numbers agree.
 */
function roundProbability(p: number, thresholds: readonly number[]): number {
  const r = Math.round(p * 1000) / 1000;
  for (const t of thresholds) {
    if (p < t && r >= t) return Math.floor(p * 1000) / 1000;
    if (p >= t && r < t) return Math.ceil(p * 1000) / 1000;
  }
  return r;
}

function emptyForecast(input: ForecastInput): Forecast {
  // No usage yet, but a credit or refund may have come in: it is spend to date, and nothing is ahead.
  const spent = Math.round(spendByDay(input).reduce((a, v) => a + v, 0) * 100) / 100;
  return {
    asOf: input.asOf,
    spentToDateUsd: spent,
    yearEndUsd: { p10: spent, p50: spent, p90: spent },
    exhaustionDate: { p10: null, p50: null, p90: null },
    probabilityOfExhaustion: 0,
    status: 'ok',
    confidence: 'low',
    band: [],
  };
}
