import { type Fit, fitLevel, REGIME_TREND_PARAMS } from './regime-trend.js';
import { median, type PreparedSeries } from './series.js';

/**
 * The point forecast: a few simple forecasters, each weighted by how well it has forecast this team's
 * own past (docs/forecasting.md "Point forecast"). M4's lesson is that combinations beat any single
 * method; weighting by the team's own rolling-origin errors lets a steady team lean on long averages
 * and a growing one on its trend, without a rule for either.
 */

/**
 * A deseasonalised daily level that grows by `growth` (log, per week) damped by `phi` a week: week w
 * after the origin (w = 0 for its first seven days) runs at level × exp(growth × (phi + … + phi^(w+1))).
 */
export interface LevelPath {
  readonly level: number;
  readonly growth: number;
  readonly phi: number;
}

export interface Member {
  readonly name: string;
  /**
   * The member's path from `origin`, fitted on days [0, origin) only; `regime` is the regime-aware
   * trend fitted on the same days (shared: it also says where the current regime starts).
   */
  readonly fit: (series: PreparedSeries, origin: number, regime: Fit) => LevelPath;
}

/** Weekday-adjusted mean level of the last `days` days before `origin` (the run-rate, done right). */
function weekdayLevel(s: PreparedSeries, origin: number, days: number): LevelPath {
  let sx = 0;
  let sm = 0;
  for (let k = Math.max(s.start, origin - days); k < origin; k++) {
    sx += s.clipped[k] ?? 0;
    sm += s.mult[k] ?? 1;
  }
  return { level: sx / Math.max(sm, 1e-9), growth: 0, phi: 0 };
}

/**
 * The members. Two flat levels, one recent (8 weeks: two months, long enough to average out weekly
 * noise, short enough to follow a step within weeks) and one long (26 weeks: half a year, the least
 * noisy estimate of a team that is not changing), and the regime-aware damped trend, which follows
 * growth and steps. docs/forecasting.md gives the members measured and left out.
 */
export const MEMBERS: readonly Member[] = [
  { name: 'recent-level', fit: (s, o) => weekdayLevel(s, o, 56) },
  { name: 'half-year-level', fit: (s, o) => weekdayLevel(s, o, 182) },
  {
    name: 'regime-trend',
    fit: (_s, _o, regime) => ({ level: regime.level, growth: regime.growth, phi: REGIME_TREND_PARAMS.phi }),
  },
];

/** Rolling origins: one a week, back to this many weeks before the as-of date. */
const MAX_ORIGINS = 26;
/**
 * From each origin a member is judged on the spend of the next 8 weeks (or up to the as-of date):
 * long enough to tell a level from a trend, short enough that an origin long before a step change is
 * not charged for it, and that the newest origins are judged on their full horizon. (13 weeks before
 * the weights took the median; under the median 8 and 13 weeks are within noise on the development
 * sets, 8 slightly ahead: docs/forecasting.md.)
 */
const SCORE_DAYS = 56;
/** A member is judged from an origin only once it has four weeks of spend to fit on. */
const MIN_FIT_DAYS = 28;
/**
 * Floor on a member's median squared log error (≈ a 3% miss): no member is trusted as more precise
 * than that, so a lucky streak cannot take all the weight.
 */
const MSE_FLOOR = 1e-3;
/** Weight ∝ error^−WEIGHT_POWER: sharper than Bates–Granger's inverse MSE, far from picking one. */
const WEIGHT_POWER = 2;

/** Cumulative spend of `path` over days [from, from + days): out[t] = spend of days from … from + t. */
export function cumulativePath(
  path: LevelPath,
  mult: Float64Array,
  from: number,
  days: number,
): Float64Array {
  const out = new Float64Array(days);
  let logLevel = Math.log(Math.max(path.level, 1e-12));
  let damp = path.phi;
  let cum = 0;
  for (let t = 0; t < days; t++) {
    if (t % 7 === 0 && path.growth !== 0) {
      logLevel += path.growth * damp;
      damp *= path.phi;
    }
    cum += Math.exp(logLevel) * (mult[from + t] ?? 1);
    out[t] = cum;
  }
  return out;
}

function pathTotal(path: LevelPath, mult: Float64Array, from: number, days: number): number {
  return days > 0 ? (cumulativePath(path, mult, from, days)[days - 1] ?? 0) : 0;
}

export interface Combination {
  /** Each member's weight (sums to 1) and its path from the as-of date. */
  readonly members: ReadonlyArray<{
    readonly name: string;
    readonly weight: number;
    readonly path: LevelPath;
  }>;
  /** Rolling origins the weights were judged on (0: equal weights). */
  readonly origins: number;
  /** Expected cumulative spend from the day after as-of to each day of the rest of the year. */
  readonly cumulative: Float64Array;
}

/**
 * Weights from this team's own past: from each origin (weekly, up to 26 weeks back) every member
 * forecasts the spend of the next 8 weeks (or up to the as-of date), fitted only on the days before
 * the origin; its error is log(actual / forecast) of that sum (clipped spikes on both sides). A
 * member's weight is (median over the origins of its squared error + floor)^−2, normalised; with no
 * origin yet all weigh the same. The median, not the mean: one break (a step, a pause, the end of a
 * ramp) charges every member heavily at the few origins that straddle it, and under the mean those
 * few origins decide the weights for half a year; the median reads how each member does as a rule.
 */
export function combineMembers(s: PreparedSeries, members: readonly Member[] = MEMBERS): Combination {
  const sq: number[][] = members.map(() => []);
  let origins = 0;
  for (let k = 1; k <= MAX_ORIGINS; k++) {
    const o = s.n - 7 * k;
    if (o - s.start < MIN_FIT_DAYS) break;
    const h = Math.min(SCORE_DAYS, s.n - o);
    let actual = 0;
    for (let i = o; i < o + h; i++) actual += s.clipped[i] ?? 0;
    if (actual <= 0) continue;
    const regime = fitLevel(s.clipped, s.mult, s.start, o);
    members.forEach((m, j) => {
      const forecast = pathTotal(m.fit(s, o, regime), s.mult, o, h);
      const e = Math.log(actual / Math.max(forecast, 1e-9));
      sq[j]?.push(e * e);
    });
    origins++;
  }
  const raw = sq.map((es) => (origins ? (median(es) + MSE_FLOOR) ** -WEIGHT_POWER : 1));
  const total = raw.reduce((a, b) => a + b, 0);
  const future = s.N - s.n;
  const cumulative = new Float64Array(future);
  const regime = fitLevel(s.clipped, s.mult, s.start);
  const fitted = members.map((m, j) => {
    const path = m.fit(s, s.n, regime);
    const weight = (raw[j] ?? 0) / total;
    const c = cumulativePath(path, s.mult, s.n, future);
    for (let t = 0; t < future; t++) cumulative[t] = (cumulative[t] ?? 0) + weight * (c[t] ?? 0);
    return { name: m.name, weight, path };
  });
  // Runaway loops seen more than once are expected again at the rate seen.
  for (let t = 0; t < future; t++) cumulative[t] = (cumulative[t] ?? 0) + s.recurringSpikes * (t + 1);
  return { members: fitted, origins, cumulative };
}
