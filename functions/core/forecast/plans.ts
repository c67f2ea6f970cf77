import { addDays, type IsoDay } from '../dates.js';
import type { DailySpend, ForecastPlan } from './types.js';

/**
 * Planned changes inside the forecast (issue 18): a plan is a known step in the team's spend from a
 * date ("+20 engineers from 1 Mar", "−30% from a model switch on 15 Jan", "Cursor ends 30 Jun"),
 * turned by core/plans.ts into a multiplicative factor on the team's daily spend from that date.
 *
 * The engine fits the series as if no plan had happened (days on and after a plan's date divided by
 * its factor), so a step people announced is not taken for a surprise break, then applies every
 * plan to the forecast days from its date. A plan still ahead adds its own uncertainty (its `sd`,
 * relative, on the spend it changes); one already in the data adds none (its effect is observed).
 */

/** The product of the factors of the plans in force on `day`. */
export function factorOn(day: IsoDay, plans: readonly ForecastPlan[]): number {
  let f = 1;
  for (const p of plans) if (p.from <= day) f *= p.factor;
  return f;
}

/** The daily series as it would have been without the plans (what the engine fits). */
export function withoutPlans(daily: readonly DailySpend[], plans: readonly ForecastPlan[]): DailySpend[] {
  if (plans.length === 0) return [...daily];
  return daily.map((d) => {
    const f = factorOn(d.date, plans);
    return f === 1 || f <= 0 ? d : { date: d.date, usd: d.usd / f };
  });
}

/**
 * The forecast's cumulative path with the plans applied: `point[t]` is the spend from the day after
 * as-of to day t, fitted without plans; each day's spend is multiplied by the plans in force then.
 * Also the extra log-variance at each t from the plans still ahead of as-of.
 */
export function applyPlans(
  point: ArrayLike<number>,
  asOf: IsoDay,
  plans: readonly ForecastPlan[],
): { point: number[]; extraLogVariance: number[] } {
  const out: number[] = [];
  const extra: number[] = [];
  const ahead = plans.filter((p) => p.from > asOf && p.sd > 0);
  const affected = ahead.map(() => 0);
  let cum = 0;
  let prev = 0;
  for (let t = 0; t < point.length; t++) {
    const day = addDays(asOf, t + 1);
    const base = (point[t] ?? 0) - prev;
    prev = point[t] ?? 0;
    const inc = base * factorOn(day, plans);
    cum += inc;
    out.push(cum);
    let v = 0;
    ahead.forEach((p, i) => {
      if (p.from <= day) affected[i] = (affected[i] ?? 0) + inc;
      const share = cum > 0 ? (affected[i] ?? 0) / cum : 0;
      v += (p.sd * share) ** 2;
    });
    extra.push(v);
  }
  return { point: out, extraLogVariance: extra };
}
