import { describe, expect, it } from 'vitest';
import { dayOfWeek, eachDay } from '../../../../functions/core/dates.js';
import { fiscalYearFromStart } from '../../../../functions/core/fiscal-calendar.js';
import { forecastSpend } from '../../../../functions/core/forecast/engine.js';
import type { DailySpend } from '../../../../functions/core/forecast/types.js';

const fy = fiscalYearFromStart('2026-01-01');
const weekday = (d: string) => dayOfWeek(d) !== 0 && dayOfWeek(d) !== 6;
/** $1,000 a weekday and $250 a weekend day; from `stepFrom` on, 1.5× that (20 engineers join 40). */
const spend = (to: string, stepFrom?: string): DailySpend[] =>
  eachDay(fy.start, to).map((date) => ({
    date,
    usd: (weekday(date) ? 1_000 : 250) * (stepFrom && date >= stepFrom ? 1.5 : 1),
  }));
const truth = spend(fy.end, '2026-06-01').reduce((a, d) => a + d.usd, 0);
const plan = { from: '2026-06-01', factor: 1.5, sd: (0.35 * 0.5) / 1.5 };
const base = { budgetUsd: 400_000, fiscalYear: fy, holidays: [] };

describe('planned changes in the forecast', () => {
  it('an onboarding entered a month ahead makes the forecast rise at its date', () => {
    // Act
    const without = forecastSpend({ ...base, daily: spend('2026-05-01'), asOf: '2026-05-01' });
    const withPlan = forecastSpend({
      ...base,
      daily: spend('2026-05-01'),
      asOf: '2026-05-01',
      plans: [plan],
    });

    // Assess: the same until 1 Jun, then rising 1.5× as fast; the year end near the truth.
    const weekUsd = (f: typeof without, from: string, to: string) => {
      const a = f.band.find((b) => b.date >= from)?.p50 ?? 0;
      const b = f.band.find((b) => b.date >= to)?.p50 ?? 0;
      return b - a;
    };
    expect(weekUsd(withPlan, '2026-05-08', '2026-05-22')).toBeCloseTo(
      weekUsd(without, '2026-05-08', '2026-05-22'),
      -2,
    );
    expect(
      weekUsd(withPlan, '2026-07-03', '2026-07-17') / weekUsd(without, '2026-07-03', '2026-07-17'),
    ).toBeCloseTo(1.5, 1);
    expect(Math.abs(withPlan.yearEndUsd.p50 - truth) / truth).toBeLessThan(0.03);
    expect(Math.abs(without.yearEndUsd.p50 - truth) / truth).toBeGreaterThan(0.15);
    // A plan still ahead carries its own uncertainty.
    expect(withPlan.yearEndUsd.p90 - withPlan.yearEndUsd.p10).toBeGreaterThan(
      without.yearEndUsd.p90 - without.yearEndUsd.p10,
    );
  });

  it('once the step has happened, it is not taken for a surprise: on the truth at once, no wider for it', () => {
    // Prepare: two weeks after the onboarding.
    const daily = spend('2026-06-14', '2026-06-01');

    // Act
    const without = forecastSpend({ ...base, daily, asOf: '2026-06-14' });
    const withPlan = forecastSpend({ ...base, daily, asOf: '2026-06-14', plans: [plan] });

    // Assess
    const error = (f: typeof without) => Math.abs(f.yearEndUsd.p50 - truth) / truth;
    expect(error(withPlan)).toBeLessThan(0.02);
    expect(error(withPlan)).toBeLessThan(error(without));
    // The rest of the year is no more uncertain for the step (it is known, not a surprise break).
    const spent = daily.reduce((a, d) => a + d.usd, 0);
    const logWidth = (f: typeof without) => Math.log((f.yearEndUsd.p90 - spent) / (f.yearEndUsd.p10 - spent));
    expect(logWidth(withPlan)).toBeLessThanOrEqual(logWidth(without) + 1e-9);
    expect(truth).toBeGreaterThan(withPlan.yearEndUsd.p10);
    expect(truth).toBeLessThan(withPlan.yearEndUsd.p90);
    expect(withPlan.spentToDateUsd).toBe(spent);
  });
});
