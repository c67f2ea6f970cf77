import { addDays, type IsoDay } from '../dates.js';
import { hashSeed, mulberry32, normal } from '../random.js';
import { fitLevel } from './regime-trend.js';
import { prepareSeries, quantileSorted } from './series.js';
import type { Forecast, ForecastInput, ForecastStatus } from './types.js';

/**
 * Year-end spend and budget-exhaustion forecast for one team.
 *
 * Method (docs/forecasting.md): deseasonalise daily spend by a weekday profile, clip one-off spikes,
 * estimate the current level and a damped log-linear trend from recent weeks (after the last step
 * change), then simulate seeded paths to year end with level, trend and random-walk uncertainty plus
 * rare step jumps. Quantiles of cumulative spend give the year-end band and the exhaustion-date
 * distribution (cumulative spend never falls, so P(exhausted by d) = P(C(d) ≥ budget)).
 */

export interface ForecastOptions {
  /** P(exhaust before year end) at or above which the status is critical. */
  readonly criticalProbability?: number;
  /** P(exhaust) at or above which the status is warning. */
  readonly warningProbability?: number;
  /** Monte Carlo paths. */
  readonly paths?: number;
  /** Compute the cumulative band for charts (skipped by backtests for speed). */
  readonly band?: boolean;
}

/** Monte Carlo constants; see docs/forecasting.md. */
export const ENGINE_PARAMS = {
  /** Weekly damping of the trend in the point forecast. */
  phi: 0.9,
  /** Range of per-path trend damping: some futures keep growing longer, some flatten sooner. */
  phiMin: 0.85,
  phiMax: 0.98,
  /** Unforeseeable step changes (onboarding, price change, cap): rate per week and log size sd. */
  jumpRatePerWeek: 0.03,
  jumpSd: 0.4,
  /** Overall spread multiplier, calibrated so ~80% of outcomes fall inside P10–P90. */
  spread: 0.7,
};

/** Forecast year-end spend, exhaustion date and status. Pure and deterministic for a given seed. */
export function forecastSpend(input: ForecastInput, options: ForecastOptions = {}): Forecast {
  const P = ENGINE_PARAMS;
  const { fiscalYear: fy, asOf, budgetUsd } = input;
  const nPaths = options.paths ?? 600;
  const series = prepareSeries(input);
  const { x, clipped, mult, start, n, N, spent, recurringSpikes } = series;
  if (start < 0) return emptyForecast(input, spent);
  const m = Array.from(mult.subarray(0, n));
  const fit = fitLevel(clipped, m, start);
  const history = n - start;
  const confidence: Forecast['confidence'] = history < 28 ? 'low' : 'normal';

  // Expected multiplier of each future day (weekday rhythm), index 0 = the day after as-of.
  const future = N - n;
  const dayMult = new Float64Array(future);
  for (let t = 0; t < future; t++) dayMult[t] = mult[n + t] ?? 1;

  const rand = mulberry32(input.seed ?? hashSeed('burnwatch-forecast', asOf, Math.round(spent * 100)));
  const spread = P.spread * (history < 14 ? 1.6 : history < 28 ? 1.25 : 1);
  const { phi } = P;

  // Point forecast of the remaining spend: current level, damped trend, weekday rhythm.
  let pointRemaining = 0;
  {
    let logLevel = Math.log(Math.max(fit.level, 1e-9));
    let damp = phi;
    for (let t = 0; t < future; t++) {
      if (t % 7 === 0) {
        logLevel += fit.growth * damp;
        damp *= phi;
      }
      pointRemaining += Math.exp(logLevel) * (dayMult[t] ?? 1);
    }
    pointRemaining += recurringSpikes * future;
  }

  // Simulated paths of cumulative remaining spend (row per path).
  const cumRem = new Float64Array(nPaths * Math.max(future, 1));
  const finals = new Float64Array(nPaths);
  for (let p = 0; p < nPaths; p++) {
    const g = fit.growth + spread * fit.growthSd * normal(rand);
    let logLevel = Math.log(Math.max(fit.level, 1e-9)) + spread * fit.levelSd * normal(rand);
    let cum = 0;
    // How long a trend persists is itself uncertain: each path draws its own damping.
    const pathPhi = P.phiMin + (P.phiMax - P.phiMin) * rand();
    let damp = pathPhi;
    const row = p * future;
    for (let t = 0; t < future; t++) {
      if (t % 7 === 0) {
        // A new week: damped trend, random-walk drift, and a rare step change.
        logLevel += g * damp + spread * fit.rwSd * normal(rand);
        damp *= pathPhi;
        if (rand() < P.jumpRatePerWeek) logLevel += P.jumpSd * normal(rand);
      }
      cum += Math.exp(logLevel) * (dayMult[t] ?? 1);
      cumRem[row + t] = cum;
    }
    finals[p] = cum;
  }
  // Sums of log-normal paths are right-skewed; centre them so the median path is the point forecast.
  const sortedFinals = Float64Array.from(finals).sort();
  const medianRemaining = quantileSorted(sortedFinals, 0.5);
  const scale = future > 0 && medianRemaining > 0 ? pointRemaining / medianRemaining : 1;

  const alreadyOver = spent > budgetUsd;
  let crossedDay = -1;
  if (alreadyOver) {
    let c = 0;
    for (let i = 0; i < n; i++) {
      c += x[i] ?? 0;
      if (c > budgetUsd) {
        crossedDay = i;
        break;
      }
    }
  }
  // First future day each path's cumulative spend exceeds the budget (binary search: it never falls).
  const exhaust = new Float64Array(nPaths);
  const need = (budgetUsd - spent) / scale;
  for (let p = 0; p < nPaths; p++) {
    const row = p * future;
    if (alreadyOver) exhaust[p] = -1;
    else if (future === 0 || (cumRem[row + future - 1] ?? 0) <= need) exhaust[p] = Number.POSITIVE_INFINITY;
    else {
      let lo = 0;
      let hi = future - 1;
      while (lo < hi) {
        const mid = (lo + hi) >> 1;
        if ((cumRem[row + mid] ?? 0) > need) hi = mid;
        else lo = mid + 1;
      }
      exhaust[p] = lo;
    }
  }
  exhaust.sort();
  const yearEnd = sortedFinals.map((v) => spent + v * scale);
  const q = (qq: number) => Math.round(quantileSorted(yearEnd, qq) * 100) / 100;
  const probability = alreadyOver
    ? 1
    : exhaust.reduce((a, e) => a + (e < Number.POSITIVE_INFINITY ? 1 : 0), 0) / nPaths;
  const exDate = (qq: number): IsoDay | null => {
    // The qq-quantile of the exhaustion day; Infinity (never) sorts last.
    const idx = Math.min(nPaths - 1, Math.max(0, Math.ceil(qq * nPaths) - 1));
    const e = exhaust[idx] ?? Number.POSITIVE_INFINITY;
    return Number.isFinite(e) ? addDays(asOf, e + 1) : null;
  };
  const status = statusOf(probability, options);

  // Weekly points of the cumulative band for charts, and the last day.
  const band: Array<{ date: IsoDay; p10: number; p50: number; p90: number }> = [];
  if (options.band ?? true) {
    const days: number[] = [];
    for (let t = 6; t < future; t += 7) days.push(t);
    if (future > 0 && days.at(-1) !== future - 1) days.push(future - 1);
    const col = new Float64Array(nPaths);
    const r = (v: number) => Math.round(v * 100) / 100;
    for (const t of days) {
      for (let p = 0; p < nPaths; p++) col[p] = spent + (cumRem[p * future + t] ?? 0) * scale;
      col.sort();
      band.push({
        date: addDays(asOf, t + 1),
        p10: r(quantileSorted(col, 0.1)),
        p50: r(quantileSorted(col, 0.5)),
        p90: r(quantileSorted(col, 0.9)),
      });
    }
  }
  const crossed = addDays(fy.start, Math.max(crossedDay, 0));
  return {
    asOf,
    spentToDateUsd: Math.round(spent * 100) / 100,
    yearEndUsd: { p10: q(0.1), p50: q(0.5), p90: q(0.9) },
    exhaustionDate: alreadyOver
      ? { p10: crossed, p50: crossed, p90: crossed }
      : { p10: exDate(0.1), p50: exDate(0.5), p90: exDate(0.9) },
    probabilityOfExhaustion: Math.round(probability * 1000) / 1000,
    status,
    confidence,
    band,
  };
}

function statusOf(probability: number, options: ForecastOptions): ForecastStatus {
  // "On track to exhaust" = the median path runs out before year end.
  const critical = options.criticalProbability ?? 0.5;
  const warning = options.warningProbability ?? 0.3;
  if (probability >= critical) return 'critical';
  if (probability >= warning) return 'warning';
  return 'ok';
}

function emptyForecast(input: ForecastInput, spent: number): Forecast {
  return {
    asOf: input.asOf,
    spentToDateUsd: Math.round(spent * 100) / 100,
    yearEndUsd: { p10: 0, p50: 0, p90: 0 },
    exhaustionDate: { p10: null, p50: null, p90: null },
    probabilityOfExhaustion: 0,
    status: 'ok',
    confidence: 'low',
    band: [],
  };
}
