import type { PreparedSeries } from './series.js';

/**
 * The spread of cumulative spend around the point forecast (docs/forecasting.md "Band"). The score
 * s = log(actual / forecast) of the spend from the day after as-of to a day t ahead is modelled as
 * normal with sd(t)² = POOLED_SCALE² · t/365 + noise² · (7/t + 1/weeks):
 *   - POOLED_SCALE · √(t/365): drift and breaks nobody can see coming. One team's history says little
 *     about these (most teams have had none yet), so it is a pooled conformal quantile: the 83rd
 *     percentile, over every as-of date of the five development sets, of the smallest scale whose
 *     P10–P90 would have held the true year-end (`npm run bench:forecast -- --calibrate`).
 *   - noise² · 7/t: the team's own week-to-week noise, which averages out over a long horizon but not
 *     over the next week or two.
 *   - noise² / weeks: how well a young team's level is known from the weeks it has.
 */

/** Pooled conformal scale of log(actual / forecast) per √year of horizon (development sets). */
export const POOLED_SCALE = 0.38;
/** Weekly noise of a typical team (median over the development sets) … */
const NOISE_PRIOR = 0.12;
/** … counted as this many weeks of evidence beside the team's own. */
const NOISE_PRIOR_WEEKS = 2;
/** Weeks of weekly levels the team's noise is read from. */
const NOISE_WEEKS = 13;

/**
 * The team's week-to-week noise: the root mean square of the relative change between consecutive
 * deseasonalised weekly levels over the last 13 weeks, ÷ √2 (each change holds two weeks' noise),
 * shrunk toward a typical team's for young teams.
 */
export function weeklyNoise(s: PreparedSeries): number {
  const levels: number[] = [];
  for (let end = s.n; end - 7 >= s.start && levels.length <= NOISE_WEEKS; end -= 7) {
    let sx = 0;
    let sm = 0;
    for (let k = end - 7; k < end; k++) {
      sx += s.clipped[k] ?? 0;
      sm += s.mult[k] ?? 1;
    }
    levels.push(sx / Math.max(sm, 1e-9));
  }
  let ss = 0;
  let k = 0;
  for (let i = 1; i < levels.length; i++) {
    const a = levels[i] ?? 0;
    const b = levels[i - 1] ?? 0;
    if (a + b <= 0) continue;
    ss += ((b - a) / ((a + b) / 2)) ** 2 / 2;
    k++;
  }
  return Math.sqrt((ss + NOISE_PRIOR_WEEKS * NOISE_PRIOR ** 2) / (k + NOISE_PRIOR_WEEKS));
}

/** The team's own part of the variance of log(actual / forecast) `days` ahead: noise² · (7/days + 1/weeks). */
export function ownVariance(days: number, noise: number, historyDays: number): number {
  return noise ** 2 * (7 / Math.max(days, 1) + 1 / Math.max(1, historyDays / 7));
}

/** sd of log(actual / forecast) of the cumulative spend `days` ahead (≥ 1). */
export function logSd(days: number, noise: number, historyDays: number, scale = POOLED_SCALE): number {
  return Math.sqrt(scale ** 2 * (days / 365) + ownVariance(days, noise, historyDays));
}

/** Standard normal CDF (Abramowitz & Stegun 26.2.17, |error| < 7.5e-8). */
export function normalCdf(z: number): number {
  const t = 1 / (1 + 0.2316419 * Math.abs(z));
  const poly =
    t * (0.31938153 + t * (-0.356563782 + t * (1.781477937 + t * (-1.821255978 + t * 1.330274429))));
  const tail = Math.exp((-z * z) / 2) * 0.3989422804014327 * poly;
  return z >= 0 ? 1 - tail : tail;
}

/** z of the 90th percentile of the standard normal: P10–P90 is ±Z90 sd. */
export const Z90 = 1.2815515655446004;

/**
 * Estimated spend to date (ForecastInput.estimated): days a source has not delivered are in the
 * series at their expected spend, but that spend is a guess with its own standard deviation, and it
 * moves every outcome of the year by the same amount. So spend to date is taken as stored + E and
 * integrated over E with Gauss–Hermite nodes: each node is one possible spend to date with its weight,
 * and the spread of the rest of the year (the log-normal above) is added to each. Seven nodes
 * integrate a polynomial of degree 13 exactly; P(exhaustion) is smooth in E, and where E dominates
 * the near-term band its quantiles are resolved to about a node.
 */
const HERMITE_NODES: ReadonlyArray<readonly [z: number, weight: number]> = [
  [-3.7504397177257425, 0.000548268855972217],
  [-2.366759410734541, 0.03075712396758652],
  [-1.1544053947399682, 0.2401231786050127],
  [0, 0.45714285714285724],
  [1.1544053947399682, 0.2401231786050127],
  [2.366759410734541, 0.03075712396758652],
  [3.7504397177257425, 0.000548268855972217],
];

/** One possible spend to date and its probability. */
export interface SpendNode {
  readonly spent: number;
  readonly weight: number;
}

/**
 * The possible spends to date: `spent` (the series' spend, estimates at their expected value) alone
 * when nothing is estimated or the estimate is exact; else stored + E at the Gauss–Hermite nodes.
 * E has the estimate's mean and sd but is log-normal rather than normal: spend is never negative, and
 * a normal floored at $0 would raise the mean whenever the sd is a large part of the estimate (a long
 * outage of an erratic source), while the log-normal keeps both moments and is the normal's twin when
 * the sd is small.
 */
export function spendNodes(
  spent: number,
  estimated?: { readonly usd: number; readonly sdUsd: number },
): SpendNode[] {
  const sd = estimated?.sdUsd ?? 0;
  // The estimate is part of the series' spend; more than all of it would be a caller's error.
  const usd = Math.min(estimated?.usd ?? 0, spent);
  if (!Number.isFinite(sd) || !Number.isFinite(usd) || sd <= 0 || usd <= 0) return [{ spent, weight: 1 }];
  const logVar = Math.log1p((sd / usd) ** 2);
  const logMean = Math.log(usd) - logVar / 2;
  const stored = spent - usd;
  return HERMITE_NODES.map(([z, weight]) => ({
    spent: stored + Math.exp(logMean + Math.sqrt(logVar) * z),
    weight,
  }));
}

/**
 * P(C ≥ budget) where C = spend to date (a node) + the forecast spend ahead × exp(sd · Z).
 * A node already at or over the budget counts as exhausted.
 */
export function exceedProbability(
  nodes: readonly SpendNode[],
  budget: number,
  forecast: number,
  sd: number,
): number {
  let p = 0;
  for (const { spent, weight } of nodes) {
    const need = budget - spent;
    p += weight * (need <= 0 ? 1 : forecast <= 0 ? 0 : 1 - normalCdf(Math.log(need / forecast) / sd));
  }
  return p;
}

/**
 * The quantile at z (in sd of the standard normal) of C = spend to date + forecast × exp(sd · Z):
 * closed form for one node, else the root of the mixture's CDF, which lies between the nodes' own
 * quantiles (bisection to a tenth of a cent).
 */
export function cumulativeQuantile(
  nodes: readonly SpendNode[],
  forecast: number,
  sd: number,
  z: number,
): number {
  const own = nodes.map((node) => node.spent + forecast * Math.exp(z * sd));
  if (own.length === 1) return own[0] ?? 0;
  const target = normalCdf(z);
  const cdf = (c: number) => {
    let p = 0;
    for (const { spent, weight } of nodes) {
      const ahead = c - spent;
      if (ahead <= 0) continue;
      p += weight * (forecast <= 0 ? 1 : normalCdf(Math.log(ahead / forecast) / sd));
    }
    return p;
  };
  let lo = Math.min(...own);
  let hi = Math.max(...own);
  for (let i = 0; i < 60 && hi - lo > 1e-3; i++) {
    const mid = (lo + hi) / 2;
    if (cdf(mid) < target) lo = mid;
    else hi = mid;
  }
  return (lo + hi) / 2;
}
