import type { IsoDay } from '../dates.js';
import type { FiscalYear } from '../fiscal-calendar.js';

/** One day of a team's spend. Days absent from the input are treated as $0 (no spend recorded). */
export interface DailySpend {
  readonly date: IsoDay;
  readonly usd: number;
}

export interface ForecastInput {
  /** Spend per day since the fiscal year's start; any order; rows after `asOf` are ignored. */
  readonly daily: readonly DailySpend[];
  readonly budgetUsd: number;
  readonly fiscalYear: FiscalYear;
  readonly asOf: IsoDay;
  /** Company holidays / shutdowns, treated like weekend days. */
  readonly holidays?: readonly IsoDay[];
  /**
   * The part of `daily`'s spend to date that is an estimate, not delivered data (days a source has not
   * delivered, filled in `daily` at their expected spend; functions/core/completeness.ts), and the
   * standard deviation of that estimate. The engine takes spend to date as stored + E with
   * E ~ N(usd, sdUsd) (never below $0), so the band, P(exhaustion) and the exhaustion dates carry the
   * estimate's uncertainty. Absent or sdUsd 0: the spend to date is taken as exact.
   */
  readonly estimated?: { readonly usd: number; readonly sdUsd: number };
  /**
   * Planned changes the team knows about (forecast/plans.ts): from each `from` day on, the team's
   * daily spend is multiplied by `factor`. The engine fits the series without them and applies them
   * to the forecast, so an announced step is neither missed nor taken for a surprise.
   */
  readonly plans?: readonly ForecastPlan[];
  /**
   * Accepted for compatibility: the forecast used to be a seeded Monte Carlo. It is analytic now
   * (issue 20), so the same input gives byte-identical output whatever the seed.
   */
  readonly seed?: number;
}

/** A planned change as the engine applies it. */
export interface ForecastPlan {
  readonly from: IsoDay;
  /** Daily spend from `from` on is multiplied by this (1.2 = +20%; 0.7 = −30%). */
  readonly factor: number;
  /** Relative uncertainty of the change's effect while it is still ahead (0.3 = ±30% of it). */
  readonly sd: number;
}

export type ForecastStatus = 'critical' | 'warning' | 'ok';

export interface Quantiles<T> {
  readonly p10: T;
  readonly p50: T;
  readonly p90: T;
}

/**
 * The forecast contract (DESIGN.md "Forecast"; also one element of `forecast-series --json`).
 * The first seven fields are the public JSON contract; the rest are extras for reports and charts.
 */
export interface Forecast {
  readonly asOf: IsoDay;
  readonly spentToDateUsd: number;
  readonly yearEndUsd: Quantiles<number>;
  /** Quantile of the day cumulative spend first exceeds the budget; null when it falls after year end. */
  readonly exhaustionDate: Quantiles<IsoDay | null>;
  readonly probabilityOfExhaustion: number;
  readonly status: ForecastStatus;
  /** `low` for short histories (wide band). */
  readonly confidence: 'low' | 'normal';
  /** Cumulative spend band from the day after `asOf` to year end (for burn-up charts). */
  readonly band: ReadonlyArray<{ readonly date: IsoDay } & Quantiles<number>>;
}
