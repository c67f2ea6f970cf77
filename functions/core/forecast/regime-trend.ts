import { median } from './series.js';

/**
 * The regime-aware damped log-linear trend: one member of the combination (combination.ts), and the
 * whole engine before issue 20. Weekly levels after the last step change; a Theil–Sen slope counted
 * only when its t-statistic clears a bar; a slow trend over half a year when the recent weeks agree
 * with it; growth damped by 0.9 a week. docs/forecasting.md explains each rule and what was dropped.
 */
export const REGIME_TREND_PARAMS = {
  /** Weekly damping of the trend: growth fades with a half-life of about 6.6 weeks. */
  phi: 0.9,
  /** Guard rails on the fitted growth per week (log scale): a 28% weekly rise, an 18% weekly fall. */
  maxWeeklyGrowth: 0.25,
  minWeeklyGrowth: -0.2,
  /** Weeks looked at for steps and the trend, and averaged for the level of a flat team. */
  trendWeeks: 12,
  /** Weeks asked for a slow trend when the last trendWeeks show none. */
  longWeeks: 26,
  /** The slow trend counts in full while the recent slope is within this many standard errors of it. */
  longAgreeSe: 2,
  /** Weeks the level of a trending team is read from (its recent weeks, brought forward by the trend). */
  levelWeeks: 3,
  /** A trend counts when its t-statistic clears this bar (raised for few weeks as Student's t is). */
  trendTMin: 2.25,
  /** A week-over-week level change (log) beyond this, and 2.5× the team's own noise, marks a step. */
  stepLog: 0.3,
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

/** Theil–Sen slope of weekly log levels (newest last), its standard error and t-statistic. */
function logTrend(logs: number[]): { slope: number; se: number; t: number } {
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
  return { slope, se, t: Math.abs(slope) / se };
}

/** Student's t 95% one-sided quantile for df degrees of freedom (table, then a close expansion). */
function studentT95(df: number): number {
  const table = [6.314, 2.92, 2.353, 2.132, 2.015, 1.943, 1.895, 1.86, 1.833];
  return table[df - 1] ?? 1.645 + 1.524 / Math.max(df, 1);
}

/**
 * Whether a trend over `weeks` weekly levels is extrapolated: 1 when its t-statistic clears the bar,
 * else 0. The bar is trendTMin for many weeks and rises for few as Student's t does (×1.78 for four
 * weeks, ×3.8 for three): four noisy weeks after the new-year lull look like a ramp far more often
 * than a normal t-statistic allows.
 */
function trendWeight(t: number, weeks: number): number {
  const bar = (REGIME_TREND_PARAMS.trendTMin * studentT95(weeks - 2)) / 1.645;
  return t > bar ? 1 : 0;
}

export interface Fit {
  /** Deseasonalised level per day at the as-of date. */
  level: number;
  /** Log growth per week before damping (damped by `phi` a week from the as-of date on). */
  growth: number;
}

/**
 * Level and trend from the last few weekly blocks of days [start, n) of x (n: the origin, x's length
 * by default). A block's level is its spend divided by the sum of its day multipliers, so a full week
 * is unbiased whatever the weekday profile, and a week with a holiday is not mistaken for a dip.
 */
export function fitLevel(x: readonly number[], m: ArrayLike<number>, start: number, n = x.length): Fit {
  const P = REGIME_TREND_PARAMS;
  if (n - start < 7) {
    let sx = 0;
    let sm = 0;
    for (let k = start; k < n; k++) {
      sx += x[k] ?? 0;
      sm += m[k] ?? 1;
    }
    return { level: sx / Math.max(sm, 1e-9), growth: 0 };
  }
  // Weekly blocks ending at the last day, newest last: up to longWeeks for a slow trend, the last
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
  // After a step change only the new regime counts: the last week-over-week jump beyond both stepLog
  // and this team's own week-to-week noise (intermittent teams are noisy) that has held.
  const weekDiffs = logs.slice(1).map((l, i) => l - (logs[i] ?? 0));
  const diffMad = 1.4826 * median(weekDiffs.map((d) => Math.abs(d - median(weekDiffs))));
  const stepThreshold = Math.max(P.stepLog, 2.5 * diffMad);
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
  if (cut > 0) logs = logs.slice(cut);
  const k = logs.length;
  if (k < 3) {
    const lastLevel = Math.log(blocks.slice(-k).reduce((a, b) => a + b, 0) / k);
    return { level: Math.exp(lastLevel), growth: 0 };
  }
  const short = logTrend(logs);
  // Only extrapolate a trend the data insist on, so a noisy flat team is averaged over all its recent
  // weeks while a real ramp keeps its growth.
  const weight = trendWeight(short.t, k);
  let rawGrowth = short.slope * weight;
  // Slow steady growth hides in twelve noisy weeks but shows over half a year, so with no step in
  // sight the whole history (up to longWeeks) is asked too. Its slope is used as far as the recent
  // weeks agree with it: a recent slope clearly below it (an S-curve saturating) caps the growth.
  if (cut <= 0 && allLogs.length > k + 2) {
    const long = logTrend(allLogs);
    const longWeight = trendWeight(long.t, allLogs.length);
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
  const growth = Math.min(P.maxWeeklyGrowth, Math.max(P.minWeeklyGrowth, rawGrowth));
  // Level at the last day. Flat: the mean of the regime's weeks (more weeks = less noise), brought
  // forward by any slow trend. Trending: its last levelWeeks weeks brought forward by the trend. Each
  // block's centre sits 3 days before its end.
  const window = weight > 0 ? P.levelWeeks : k;
  const recentBlocks = blocks.slice(-window);
  const adjusted = recentBlocks.map((b, i) => b * Math.exp(-growth * (i - (recentBlocks.length - 1))));
  const level = (adjusted.reduce((a, b) => a + b, 0) / adjusted.length) * Math.exp(growth * (3 / 7));
  return { level, growth };
}
