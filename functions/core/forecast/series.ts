import { dayOfWeek, diffDays, isIsoDay, toDayNumber } from '../dates.js';
import { daysElapsed } from '../fiscal-calendar.js';
import type { ForecastInput } from './types.js';

/**
 * One team's daily spend prepared for forecasting (docs/forecasting.md, steps 1–5): the days from
 * fiscal-year start to as-of, the weekday and holiday rhythm of every day of the year, and a copy with
 * one-off spikes clipped for fitting. Only rows dated on or before as-of are read.
 */
export interface PreparedSeries {
  /**
   * Spend per day from fiscal-year start to as-of (index 0 = first day); absent days are $0, and a day
   * credits or refunds took below zero is $0 here (its credit is in `spent`).
   */
  readonly x: readonly number[];
  /** `x` with one-off spikes clipped (what the forecasters fit). */
  readonly clipped: readonly number[];
  /** Expected multiplier of every day of the fiscal year (weekday rhythm, holidays), weekly mean ≈ 1. */
  readonly mult: Float64Array;
  /** Index of the first day with spend (-1 when none). */
  readonly start: number;
  /** Days of history (as-of day included) and days in the fiscal year. */
  readonly n: number;
  readonly N: number;
  /** Spend to date, net of credits and refunds. */
  readonly spent: number;
  /** Spend above the clip expected again per day (recurring runaway loops). */
  readonly recurringSpikes: number;
}

/** A day is a spike when it exceeds this many robust deviations over the median of the previous four weeks… */
const SPIKE_MADS = 6;
/** …and this multiple of their busy (upper-quartile) day. */
const SPIKE_RATIO = 2;
/** From this many spike episodes on, even the largest is expected to recur (the team's heavy tail). */
const HEAVY_TAIL_EPISODES = 3;

const DEFAULT_PROFILE = [0.35, 1.13, 1.13, 1.13, 1.13, 1.13, 0.35]; // Sun..Sat, weekly mean 1

export function median(xs: readonly number[]): number {
  if (xs.length === 0) return 0;
  // A typed array sorts numerically without a comparator: several times faster on the hot paths.
  const s = Float64Array.from(xs).sort();
  const mid = s.length >> 1;
  return s.length % 2 ? (s[mid] ?? 0) : ((s[mid - 1] ?? 0) + (s[mid] ?? 0)) / 2;
}

export function quantileSorted(sorted: ArrayLike<number>, q: number): number {
  if (sorted.length === 0) return 0;
  const pos = (sorted.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  const a = sorted[lo] ?? 0;
  const b = sorted[hi] ?? 0;
  return a + (b - a) * (pos - lo);
}

/** Weekday multipliers (Sun..Sat, mean 1) from recent history, shrunk to a default office rhythm. */
function weekdayProfile(
  x: readonly number[],
  start: number,
  isHoliday: (i: number) => boolean,
  dows: readonly number[],
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

/**
 * Net spend per day from fiscal-year start to as-of (index 0 = first day); absent days are $0. Rows of
 * one day are summed, credits and refunds included, so a day they took below zero is negative: it is
 * stored so (docs/ingest.md "Credits and refunds") and the burn report's spend to date nets it.
 */
export function spendByDay(input: ForecastInput): number[] {
  const n = daysElapsed(input.fiscalYear, input.asOf);
  const x = new Array<number>(n).fill(0);
  for (const row of input.daily) {
    const i = diffDays(input.fiscalYear.start, row.date);
    if (i >= 0 && i < n && Number.isFinite(row.usd)) x[i] = (x[i] ?? 0) + row.usd;
  }
  return x;
}

/** Reads the input into a prepared series; `start` is -1 when the team has no spend yet. */
export function prepareSeries(input: ForecastInput): PreparedSeries {
  const { fiscalYear: fy, asOf } = input;
  const n = daysElapsed(fy, asOf); // days of history, as-of day included
  const N = fy.days;
  const day0 = toDayNumber(fy.start);
  // Holidays as day indexes of the fiscal year (ISO strings compared once, not per day).
  const holidays = new Set<number>();
  for (const h of input.holidays ?? []) if (isIsoDay(h)) holidays.add(toDayNumber(h) - day0);
  const net = spendByDay(input);
  // A refund is money back, not less usage: it counts in spend to date, but the fit reads its day as
  // $0 (as a spike's cost counts and its level is clipped). Without credits x is `net` exactly.
  const x = net.map((v) => Math.max(0, v));
  const spent = net.reduce((a, b) => a + b, 0);
  const start = x.findIndex((v) => v > 0);
  const mult = new Float64Array(N).fill(1);
  if (start < 0) return { x, clipped: x, mult, start, n, N, spent, recurringSpikes: 0 };

  const dow0 = dayOfWeek(fy.start);
  const dows = Array.from({ length: N }, (_, i) => (dow0 + i) % 7);
  const isHoliday = (i: number) => holidays.has(i);
  const profile = weekdayProfile(x, start, isHoliday, dows);
  const holidayMult = Math.min(profile[0] ?? 1, profile[6] ?? 1);
  for (let i = 0; i < N; i++) mult[i] = isHoliday(i) ? holidayMult : (profile[dows[i] ?? 0] ?? 1);

  // Clip one-off spikes (a runaway agent loop), judged on deseasonalised days against the previous
  // four weeks: a spike stands far above both the typical day (median + MADs) and the busy days (the
  // upper quartile), so an intermittent team's ordinary active days, far above its many $0 days, stay.
  // Ordinary heavy-tailed days stay too: they are real spend.
  const z = x.map((v, i) => v / (mult[i] ?? 1));
  const clipped = [...x];
  // Spend above the clip, per episode (consecutive clipped days): one runaway loop is a one-off, but a
  // team that has had several will likely have more, so all but the largest count as a recurring rate.
  const episodes: number[] = [];
  let inEpisode = false;
  for (let i = start; i < n; i++) {
    const window = Float64Array.from(z.slice(Math.max(start, i - 28), i)).sort();
    if (window.length < 7) continue;
    const med = quantileSorted(window, 0.5);
    const busy = quantileSorted(window, 0.75);
    if (busy <= 0) continue;
    const mad = 1.4826 * median(Array.from(window, (v) => Math.abs(v - med)));
    const limit = Math.max(med + SPIKE_MADS * Math.max(mad, 0.1 * med), SPIKE_RATIO * busy);
    if ((z[i] ?? 0) > limit) {
      clipped[i] = limit * (mult[i] ?? 1);
      // Later days compare against the clipped value, so a multi-day loop does not raise the bar.
      z[i] = limit;
      const excess = (x[i] ?? 0) - (clipped[i] ?? 0);
      if (inEpisode) episodes[episodes.length - 1] = (episodes.at(-1) ?? 0) + excess;
      else episodes.push(excess);
      inEpisode = true;
    } else inEpisode = false;
  }
  // With several episodes the spikes are the team's heavy tail, not one-offs: all of them recur.
  const oneOff = episodes.length >= HEAVY_TAIL_EPISODES ? 0 : Math.max(0, ...episodes);
  const recurringSpikes = (episodes.reduce((a, b) => a + b, 0) - oneOff) / Math.max(1, n - start);
  return { x, clipped, mult, start, n, N, spent, recurringSpikes };
}
