import { addDays, dayOfWeek, diffDays, type IsoDay } from '../dates.js';
import { daysElapsed } from '../fiscal-calendar.js';
import { hashSeed, mulberry32, normal } from '../random.js';
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

/** Tuned on rolling-origin backtests (npm run bench:forecast); see docs/forecasting.md. */
export const ENGINE_PARAMS = {
  /** Weekly damping of the trend: growth fades with a half-life of about 6.6 weeks. */
  phi: 0.9,
  /** Range of per-path trend damping: some futures keep growing longer, some flatten sooner. */
  phiMin: 0.85,
  phiMax: 0.98,
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
  /** Weeks of history before any trend is extrapolated. */
  trendMinWeeks: 4,
  /** Pooled prior for the weekly random-walk sd, and its weight in weeks. */
  rwPrior: 0.04,
  rwPriorWeight: 8,
  trendTRamp: 1,
  /** A day is a spike when its deseasonalised value exceeds this many robust deviations and ratio. */
  spikeMads: 6,
  spikeRatio: 2,
  /** From this many spike episodes on, even the largest is expected to recur. */
  heavyTailEpisodes: 3,
  /** A week-over-week level change (log) beyond this marks a step change. */
  stepLog: 0.3,
  /** A split counts when its residuals are this fraction of a line's, with t and size above these. */
  stepVsLine: 0.5,
  stepT: 3,
  stepMinLog: 0.15,
  /** Drop a regime's leading transition week beyond trimMads deviations (and trimMinLog). */
  trimMads: 3,
  trimMinLog: 0.1,
  /** Random-walk sd of the weekly log level (floor), uncertainty of the current level, trend sd floor. */
  rwFloor: 0.045,
  levelSdFloor: 0.06,
  trendSdFloor: 0.02,
  /** Unforeseeable step changes (onboarding, price change, cap): rate per week and log size sd. */
  jumpRatePerWeek: 0.03,
  jumpSd: 0.4,
  /** Overall spread multiplier, calibrated so ~80% of outcomes fall inside P10–P90. */
  spread: 0.7,
};

const DEFAULT_PROFILE = [0.35, 1.13, 1.13, 1.13, 1.13, 1.13, 0.35]; // Sun..Sat, weekly mean 1

function median(xs: number[]): number {
  if (xs.length === 0) return 0;
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? (s[mid] ?? 0) : ((s[mid - 1] ?? 0) + (s[mid] ?? 0)) / 2;
}

function quantileSorted(sorted: Float64Array | number[], q: number): number {
  if (sorted.length === 0) return 0;
  const pos = (sorted.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  const a = sorted[lo] ?? 0;
  const b = sorted[hi] ?? 0;
  return a + (b - a) * (pos - lo);
}

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

/** Weekday multipliers (Sun..Sat, mean 1) from recent history, shrunk to a default office rhythm. */
function weekdayProfile(
  x: number[],
  start: number,
  isHoliday: (i: number) => boolean,
  dows: number[],
): number[] {
  const from = Math.max(start, x.length - 56);
  const ratios: number[][] = [[], [], [], [], [], [], []];
  for (let i = from; i + 7 <= x.length; i += 7) {
    let sum = 0;
    for (let k = i; k < i + 7; k++) sum += x[k] ?? 0;
    const mean = sum / 7;
    if (mean <= 0) continue;
    for (let k = i; k < i + 7; k++) if (!isHoliday(k)) ratios[dows[k] ?? 0]?.push((x[k] ?? 0) / mean);
  }
  const weeks = Math.min(...ratios.map((r) => r.length));
  const w = weeks / (weeks + 2);
  const raw = ratios.map((r, d) =>
    r.length ? w * median(r) + (1 - w) * (DEFAULT_PROFILE[d] ?? 1) : (DEFAULT_PROFILE[d] ?? 1),
  );
  const mean = raw.reduce((a, b) => a + b, 0) / 7;
  return raw.map((v) => Math.max(0.05, v / (mean || 1)));
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
  const P = ENGINE_PARAMS;
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
  const P = ENGINE_PARAMS;
  const bar = (P.trendTMin * studentT95(weeks - 2)) / 1.645;
  return Math.min(1, Math.max(0, (t - bar) / P.trendTRamp));
}

interface Fit {
  /** Deseasonalised level per day at the as-of date. */
  level: number;
  /** Log growth per week before damping. */
  growth: number;
  levelSd: number;
  growthSd: number;
  rwSd: number;
}

/**
 * Level and trend from the last few weekly blocks. A block's level is its spend divided by the sum of
 * its day multipliers, so a full week is unbiased whatever the weekday profile, and a week with a
 * holiday is not mistaken for a dip.
 */
function fitLevel(x: number[], m: number[], start: number): Fit {
  const n = x.length;
  const P = ENGINE_PARAMS;
  const history = n - start;
  if (history < 7) {
    let sx = 0;
    let sm = 0;
    for (let k = start; k < n; k++) {
      sx += x[k] ?? 0;
      sm += m[k] ?? 1;
    }
    const level = sx / Math.max(sm, 1e-9);
    return { level, growth: 0, levelSd: 0.35, growthSd: 0.06, rwSd: 0.08 };
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
    return {
      level: Math.exp(lastLevel),
      growth: 0,
      levelSd: k < 2 ? 0.25 : 0.15,
      growthSd: 0.05,
      rwSd: 0.07,
    };
  }
  const short = logTrend(logs);
  // Only extrapolate a trend the data insist on: weight by its t-statistic, so a noisy flat team is
  // averaged over all its recent weeks while a real ramp keeps its growth.
  const weight = k < P.trendMinWeeks ? 0 : trendWeight(short.t, k);
  let rawGrowth = short.slope * weight;
  let growthSe = short.se * weight;
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
        growthSe = long.se * longWeight;
      } else if (weight > 0) {
        rawGrowth = smaller * Math.max(weight, longWeight);
        growthSe = Math.max(short.se * weight, long.se * longWeight);
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
  const diffs = logs.slice(1).map((l, i) => l - (logs[i] ?? 0) - growth);
  // Week-to-week drift: a few weeks say little about it, so shrink toward the pooled prior.
  const ss = diffs.reduce((a, d) => a + d * d, 0);
  const rw = Math.sqrt((ss + P.rwPriorWeight * P.rwPrior ** 2) / (diffs.length + P.rwPriorWeight));
  return {
    level,
    growth,
    levelSd: Math.max(P.levelSdFloor, short.residSd / Math.sqrt(window)),
    growthSd: Math.max(P.trendSdFloor, growthSe),
    rwSd: Math.max(P.rwFloor, Math.min(0.15, rw)),
  };
}

/** Forecast year-end spend, exhaustion date and status. Pure and deterministic for a given seed. */
export function forecastSpend(input: ForecastInput, options: ForecastOptions = {}): Forecast {
  const P = ENGINE_PARAMS;
  const { fiscalYear: fy, asOf, budgetUsd } = input;
  const nPaths = options.paths ?? 600;
  const n = daysElapsed(fy, asOf); // days of history, as-of day included
  const N = fy.days;
  const holidays = new Set(input.holidays ?? []);

  // Daily spend from fiscal-year start to as-of; absent days are $0, rows after as-of are ignored.
  const x = new Array<number>(n).fill(0);
  for (const row of input.daily) {
    const i = diffDays(fy.start, row.date);
    if (i >= 0 && i < n && Number.isFinite(row.usd)) x[i] = (x[i] ?? 0) + Math.max(0, row.usd);
  }
  const spent = x.reduce((a, b) => a + b, 0);
  const start = x.findIndex((v) => v > 0);
  const dows = Array.from({ length: N }, (_, i) => dayOfWeek(addDays(fy.start, i)));
  const isHoliday = (i: number) => holidays.has(addDays(fy.start, i));

  if (start < 0) return emptyForecast(input, spent);

  const profile = weekdayProfile(x, start, isHoliday, dows);
  const holidayMult = Math.min(profile[0] ?? 1, profile[6] ?? 1);
  const mult = (i: number) => (isHoliday(i) ? holidayMult : (profile[dows[i] ?? 0] ?? 1));

  // Clip one-off spikes (a runaway agent loop), judged on deseasonalised days against the previous
  // four weeks: a spike stands far above both the typical day (median + MADs) and the busy days (the
  // upper quartile), so an intermittent team's ordinary active days, far above its many $0 days, stay.
  // Ordinary heavy-tailed days stay too: they are real spend.
  const m = Array.from({ length: n }, (_, i) => mult(i));
  const z = x.map((v, i) => v / (m[i] ?? 1));
  const clipped = [...x];
  // Spend above the clip, per episode (consecutive clipped days): one runaway loop is a one-off, but a
  // team that has had several will likely have more, so all but the largest count as a recurring rate.
  const episodes: number[] = [];
  let inEpisode = false;
  for (let i = start; i < n; i++) {
    const window = z.slice(Math.max(start, i - 28), i).sort((a, b) => a - b);
    if (window.length < 7) continue;
    const med = quantileSorted(window, 0.5);
    const busy = quantileSorted(window, 0.75);
    if (busy <= 0) continue;
    const mad = 1.4826 * median(window.map((v) => Math.abs(v - med)));
    const limit = Math.max(med + P.spikeMads * Math.max(mad, 0.1 * med), P.spikeRatio * busy);
    if ((z[i] ?? 0) > limit) {
      clipped[i] = limit * (m[i] ?? 1);
      // Later days compare against the clipped value, so a multi-day loop does not raise the bar.
      z[i] = limit;
      const excess = (x[i] ?? 0) - (clipped[i] ?? 0);
      if (inEpisode) episodes[episodes.length - 1] = (episodes.at(-1) ?? 0) + excess;
      else episodes.push(excess);
      inEpisode = true;
    } else inEpisode = false;
  }
  // With several episodes the spikes are the team's heavy tail, not one-offs: all of them recur.
  const oneOff = episodes.length >= P.heavyTailEpisodes ? 0 : Math.max(0, ...episodes);
  const recurringSpikes = (episodes.reduce((a, b) => a + b, 0) - oneOff) / Math.max(1, n - start);
  const fit = fitLevel(clipped, m, start);
  const history = n - start;
  const confidence: Forecast['confidence'] = history < 28 ? 'low' : 'normal';

  // Expected multiplier of each future day (weekday rhythm), index 0 = the day after as-of.
  const future = N - n;
  const dayMult = new Float64Array(future);
  for (let t = 0; t < future; t++) dayMult[t] = mult(n + t);

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
