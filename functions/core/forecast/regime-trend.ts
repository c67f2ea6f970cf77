import { median } from './series.js';

/**
 * The regime-aware damped log-linear trend (the engine before issue 20, now one member of the
 * combination): weekly levels after the last step change, a Theil–Sen slope counted only as far as its
 * t-statistic insists, a slow trend over half a year, damped growth. docs/forecasting.md explains each rule.
 */

/** Tuned on rolling-origin backtests of the development sets before issue 20; see docs/forecasting.md. */
export const REGIME_TREND_PARAMS = {
  /** Weekly damping of the trend: growth fades with a half-life of about 6.6 weeks. */
  phi: 0.9,
  /** Cap on the fitted growth per week (log scale), both directions. */
  maxWeeklyGrowth: 0.25,
  minWeeklyGrowth: -0.2,
  /** Weeks of history looked at for steps and the trend, and for the level of a trending team. */
  trendWeeks: 12,
  /** Weeks of the current regime asked for a slow trend when the last trendWeeks show none. */
  longWeeks: 26,
  /** The long trend counts in full while the recent slope is within this many standard errors. */
  longAgreeSe: 2,
  levelWeeks: 3,
  /** Weeks averaged for the level of a flat team (more weeks, less noise). */
  flatWeeks: 10,
  /** A trend counts from this t-statistic (raised for few weeks), fully from that + trendTRamp. */
  trendTMin: 2.25,
  trendTRamp: 1,
  /** Weeks of history before any trend is extrapolated. */
  trendMinWeeks: 4,
  /** A week-over-week level change (log) beyond this marks a step change. */
  stepLog: 0.3,
  /** A split counts when its residuals are this fraction of a line's, with t and size above these. */
  stepVsLine: 0.5,
  stepT: 3,
  stepMinLog: 0.15,
  /** Drop a regime's leading transition week beyond trimMads deviations (and trimMinLog). */
  trimMads: 3,
  trimMinLog: 0.1,
};

/** Theil–Sen slope and intercept (at x = 0) of y on x. */
function theilSen(xs: number[], ys: number[]): { slope: number; intercept: number } {
  const slopes: number[] = [];
  for (let i = 0; i < xs.length; i++) {
    for (let j = i + 1; j < xs.length; j++) {
      const dx = (xs[j] ?? 0) - (xs[i] ?? 0);
      if (dx !== 0) slopes.push(((ys[j] ?? 0) - (ys[i] ?? 0)) / dx);
    }
  }
  const slope = median(slopes);
  const intercept = median(xs.map((x, i) => (ys[i] ?? 0) - slope * x));
  return { slope, intercept };
}

/** Residual sum of squares of ys about their mean, and of the least-squares line through them. */
function sseMean(ys: number[]): number {
  const mean = ys.reduce((a, b) => a + b, 0) / (ys.length || 1);
  return ys.reduce((a, y) => a + (y - mean) ** 2, 0);
}
function sseLine(ys: number[]): number {
  const n = ys.length;
  const mx = (n - 1) / 2;
  const my = ys.reduce((a, b) => a + b, 0) / (n || 1);
  let sxy = 0;
  let sxx = 0;
  for (let i = 0; i < n; i++) {
    sxy += (i - mx) * ((ys[i] ?? 0) - my);
    sxx += (i - mx) ** 2;
  }
  const b = sxx ? sxy / sxx : 0;
  return ys.reduce((a, y, i) => a + (y - my - b * (i - mx)) ** 2, 0);
}

/**
 * Where weekly log levels split best into two flat regimes (index of the first week after), if two
 * regimes explain them clearly better than one line and the jump stands out from the noise.
 */
function bestSplit(logs: number[]): number | undefined {
  const P = REGIME_TREND_PARAMS;
  const k = logs.length;
  if (k < 5) return undefined;
  let best: { j: number; sse: number } | undefined;
  for (let j = 2; j <= k - 2; j++) {
    const sse = sseMean(logs.slice(0, j)) + sseMean(logs.slice(j));
    if (!best || sse < best.sse) best = { j, sse };
  }
  if (!best) return undefined;
  const before = logs.slice(0, best.j);
  const after = logs.slice(best.j);
  const delta =
    after.reduce((a, b) => a + b, 0) / after.length - before.reduce((a, b) => a + b, 0) / before.length;
  const sd = Math.sqrt(best.sse / (k - 2)) || 1e-9;
  const t = Math.abs(delta) / (sd * Math.sqrt(1 / before.length + 1 / after.length));
  const clearlyStep = best.sse < P.stepVsLine * sseLine(logs);
  return clearlyStep && t > P.stepT && Math.abs(delta) > P.stepMinLog ? best.j : undefined;
}

/** Theil–Sen slope of weekly log levels (newest last), its standard error and t-statistic. */
function logTrend(logs: number[]): { slope: number; se: number; t: number; residSd: number } {
  const k = logs.length;
  const xs = logs.map((_, i) => i - (k - 1));
  const { slope } = theilSen(xs, logs);
  const meanX = xs.reduce((a, b) => a + b, 0) / k;
  const sxx = xs.reduce((a, x) => a + (x - meanX) ** 2, 0) || 1;
  const resid = logs.map((l, i) => l - slope * (xs[i] ?? 0));
  const centre = median(resid);
  // Heavy-tailed weeks (a few users dominate) fool a MAD alone into seeing a trend: take the larger
  // of the robust and the plain deviation.
  const rms = Math.sqrt(resid.reduce((a, r) => a + (r - centre) ** 2, 0) / Math.max(1, k - 2));
  const residSd = Math.max(0.02, 1.4826 * median(resid.map((r) => Math.abs(r - centre))), rms);
  const se = residSd / Math.sqrt(sxx);
  return { slope, se, t: Math.abs(slope) / se, residSd };
}

/** Student's t 95% one-sided quantile for df degrees of freedom (table, then a close expansion). */
function studentT95(df: number): number {
  const table = [6.314, 2.92, 2.353, 2.132, 2.015, 1.943, 1.895, 1.86, 1.833];
  return table[df - 1] ?? 1.645 + 1.524 / Math.max(df, 1);
}

/**
 * How much of a trend over `weeks` weekly levels to extrapolate: 0 below a bar, 1 from the bar +
 * trendTRamp. The bar is trendTMin for many weeks and rises for few as Student's t does: four noisy
 * weeks after the new-year lull look like a ramp far more often than a normal t-statistic allows.
 */
function trendWeight(t: number, weeks: number): number {
  const P = REGIME_TREND_PARAMS;
  const bar = (P.trendTMin * studentT95(weeks - 2)) / 1.645;
  return Math.min(1, Math.max(0, (t - bar) / P.trendTRamp));
}

export interface Fit {
  /** Deseasonalised level per day at the as-of date. */
  level: number;
  /** Log growth per week before damping (damped by `phi` a week from the as-of date on). */
  growth: number;
}

/**
 * Level and trend from the last few weekly blocks. A block's level is its spend divided by the sum of
 * its day multipliers, so a full week is unbiased whatever the weekday profile, and a week with a
 * holiday is not mistaken for a dip.
 */
export function fitLevel(x: readonly number[], m: ArrayLike<number>, start: number): Fit {
  const n = x.length;
  const P = REGIME_TREND_PARAMS;
  const history = n - start;
  if (history < 7) {
    let sx = 0;
    let sm = 0;
    for (let k = start; k < n; k++) {
      sx += x[k] ?? 0;
      sm += m[k] ?? 1;
    }
    const level = sx / Math.max(sm, 1e-9);
    return { level, growth: 0 };
  }
  // Weekly blocks ending at the as-of day, newest last: up to longWeeks for a slow trend, the last
  // trendWeeks for steps, the trend and the level.
  const allBlocks: number[] = [];
  for (let end = n; end - 7 >= start && allBlocks.length < P.longWeeks; end -= 7) {
    let sx = 0;
    let sm = 0;
    for (let k = end - 7; k < end; k++) {
      sx += x[k] ?? 0;
      sm += m[k] ?? 1;
    }
    allBlocks.unshift(sx / Math.max(sm, 1e-9));
  }
  const blocks = allBlocks.slice(-P.trendWeeks);
  const allLogs = allBlocks.map((b) => Math.log(Math.max(b, 1e-6)));
  let logs = allLogs.slice(-P.trendWeeks);
  // A step must stand out from this team's own week-to-week noise (intermittent teams are noisy).
  const weekDiffs = logs.slice(1).map((l, i) => l - (logs[i] ?? 0));
  const diffMad = 1.4826 * median(weekDiffs.map((d) => Math.abs(d - median(weekDiffs))));
  const stepThreshold = Math.max(P.stepLog, 2.5 * diffMad);
  // After a step change only the new regime counts. The last jump that held is found two ways: a
  // week-over-week jump beyond the noise, or the best split of recent weeks into two flat regimes
  // when two flat regimes explain them clearly better than one line does (a cap or a price cut is
  // a step, not a trend; steady growth is a line, not a step).
  let cut = -1;
  for (let j = logs.length - 1; j >= 1; j--) {
    const after = median(logs.slice(j));
    const before = median(logs.slice(Math.max(0, j - 3), j));
    if (Math.abs(after - before) > stepThreshold) {
      const heldFor = logs.length - j;
      // A jump in the newest week alone may be a spike-week; trust it once it holds two weeks.
      if (heldFor >= 2 || Math.abs((logs[logs.length - 1] ?? 0) - before) > 2 * stepThreshold) {
        cut = j;
        break;
      }
    }
  }
  const split = bestSplit(logs);
  if (split) cut = Math.max(cut, split);
  if (cut > 0) logs = logs.slice(cut);
  // The first weeks of a regime may still be in transition (a step mid-week, the end of a ramp):
  // drop a leading week that stands apart from the rest of the regime.
  while (cut > 0 && logs.length > 3) {
    const rest = logs.slice(1);
    const centre = median(rest);
    const noise = 1.4826 * median(rest.map((l) => Math.abs(l - centre)));
    if (Math.abs((logs[0] ?? 0) - centre) <= Math.max(P.trimMinLog, P.trimMads * noise)) break;
    logs = rest;
    cut++;
  }
  const k = logs.length;
  if (k < 3) {
    const lastLevel = Math.log(blocks.slice(-k).reduce((a, b) => a + b, 0) / k);
    return { level: Math.exp(lastLevel), growth: 0 };
  }
  const short = logTrend(logs);
  // Only extrapolate a trend the data insist on: weight by its t-statistic, so a noisy flat team is
  // averaged over all its recent weeks while a real ramp keeps its growth.
  const weight = k < P.trendMinWeeks ? 0 : trendWeight(short.t, k);
  let rawGrowth = short.slope * weight;
  // Slow steady growth hides in twelve noisy weeks but shows over half a year, so with no step in
  // sight the whole regime (up to longWeeks) is asked too. Its slope is used as far as the recent
  // weeks agree with it: a recent slope clearly below it (an S-curve saturating) caps the growth.
  if (cut <= 0 && allBlocks.length > k + 2) {
    const split = bestSplit(allLogs);
    const longLogs = split ? allLogs.slice(split) : allLogs;
    if (longLogs.length > k + 2) {
      const long = logTrend(longLogs);
      const longWeight = trendWeight(long.t, longLogs.length);
      const agree = Math.sign(long.slope) === Math.sign(short.slope);
      const smaller = agree
        ? Math.sign(short.slope) * Math.min(Math.abs(short.slope), Math.abs(long.slope))
        : 0;
      if (weight === 0 && longWeight > 0) {
        const consistent = Math.abs(long.slope - short.slope) < P.longAgreeSe * short.se;
        rawGrowth = (consistent ? long.slope : smaller) * longWeight;
      } else if (weight > 0) {
        rawGrowth = smaller * Math.max(weight, longWeight);
      }
    }
  }
  const growth = Math.min(P.maxWeeklyGrowth, Math.max(P.minWeeklyGrowth, rawGrowth));
  // Level at the as-of day. Flat: the mean of the recent weeks (more weeks = less noise), brought
  // forward by any slow trend. Trending: the fitted line's end. Each block's centre sits 3 days before its end.
  const window = weight > 0 ? P.levelWeeks : Math.min(k, P.flatWeeks);
  const recentBlocks = blocks.slice(-window);
  const adjusted = recentBlocks.map((b, i) => b * Math.exp(-growth * (i - (recentBlocks.length - 1))));
  const level = (adjusted.reduce((a, b) => a + b, 0) / adjusted.length) * Math.exp(growth * (3 / 7));
  return { level, growth };
}
