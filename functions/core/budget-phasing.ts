import * as z from 'zod';
import { addDays, daysInMonth, diffDays, type IsoDay } from './dates.js';
import type { FiscalYear } from './fiscal-calendar.js';
import { type Micros, microsToCentsNumber } from './money.js';

/**
 * A budget phased by fiscal quarter: finance plans spend unevenly (hiring lands in Q2, a renewal in
 * Q4), so "32% used" can be on plan in one team and behind in another. The phasing is four shares
 * of the annual budget in force; the view says how this quarter and the year to date stand against
 * them. The forecast and its exhaustion date stay annual: phasing changes the plan, not the money.
 */

/** Four percentages of the annual budget, Q1 first, adding up to 100. */
export const budgetPhasingSchema = z
  .array(z.number().min(0, 'a quarter cannot have a negative share').max(100))
  .length(4, 'give four percentages, one per fiscal quarter (Q1 first), e.g. [20, 30, 25, 25]')
  .superRefine((shares, ctx) => {
    const total = shares.reduce((a, b) => a + b, 0);
    if (Math.abs(total - 100) >= 0.001)
      ctx.addIssue({
        code: 'custom',
        message: `the four quarters must add up to 100 (these add up to ${total})`,
      });
  });
export type BudgetPhasing = z.infer<typeof budgetPhasingSchema>;

export interface FiscalQuarter {
  /** Q1 … Q4. */
  readonly label: string;
  readonly start: IsoDay;
  readonly end: IsoDay;
}

/**
 * The fiscal year's quarters: each starts three months after the previous one on the year's start
 * day (the month's last day where it is shorter: a 31 Jan year has quarters from 30 Apr, 31 Jul, 31 Oct).
 */
export function fiscalQuarters(fy: FiscalYear): FiscalQuarter[] {
  const year = Number(fy.start.slice(0, 4));
  const month = Number(fy.start.slice(5, 7));
  const day = Number(fy.start.slice(8, 10));
  const starts = [0, 3, 6, 9].map((add) => {
    const m0 = month - 1 + add;
    const y = year + Math.floor(m0 / 12);
    const m = (m0 % 12) + 1;
    const d = Math.min(day, daysInMonth(y, m));
    return `${y}-${String(m).padStart(2, '0')}-${String(d).padStart(2, '0')}`;
  });
  return starts.map((start, i) => ({
    label: `Q${i + 1}`,
    start,
    end: i < 3 ? addDays(starts[i + 1] as IsoDay, -1) : fy.end,
  }));
}

export interface PhasedBudgetView {
  quarters: Array<FiscalQuarter & { budgetUsd: number; spentUsd: number }>;
  /** The quarter containing as-of. */
  readonly current: string;
  /** Earlier quarters' budgets plus the current one's in proportion to its days gone. */
  readonly budgetToDateUsd: number;
  /** Spend to date above (+) or below (−) `budgetToDateUsd`. */
  readonly overPhaseUsd: number;
}

/** How spend to `asOf` stands against the phased budget; `dailyMicros` is spend per day. */
export function phasedBudgetView(
  annualUsd: number,
  phasing: BudgetPhasing,
  fy: FiscalYear,
  asOf: IsoDay,
  dailyMicros: ReadonlyMap<IsoDay, Micros>,
): PhasedBudgetView {
  const cents = (usd: number) => Math.round(usd * 100) / 100;
  const quarters = fiscalQuarters(fy).map((q, i) => {
    let spent = 0n;
    for (const [day, m] of dailyMicros) if (day >= q.start && day <= q.end && day <= asOf) spent += m;
    return {
      ...q,
      budgetUsd: cents((annualUsd * (phasing[i] ?? 0)) / 100),
      spentUsd: microsToCentsNumber(spent),
    };
  });
  const index = Math.max(
    0,
    quarters.findIndex((q) => asOf >= q.start && asOf <= q.end),
  );
  const current = quarters[index] as (typeof quarters)[number];
  const gone = (diffDays(current.start, asOf) + 1) / (diffDays(current.start, current.end) + 1);
  const budgetToDate =
    quarters.slice(0, index).reduce((a, q) => a + q.budgetUsd, 0) + current.budgetUsd * gone;
  const spentToDate = quarters.reduce((a, q) => a + q.spentUsd, 0);
  return {
    quarters,
    current: current.label,
    budgetToDateUsd: cents(budgetToDate),
    overPhaseUsd: cents(spentToDate - budgetToDate),
  };
}
