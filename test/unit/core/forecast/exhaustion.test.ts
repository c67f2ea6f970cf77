import { describe, expect, it } from 'vitest';
import { addDays, eachDay } from '../../../../functions/core/dates.js';
import { fiscalYearFromStart } from '../../../../functions/core/fiscal-calendar.js';
import { forecastSpend } from '../../../../functions/core/forecast/engine.js';
import type { DailySpend } from '../../../../functions/core/forecast/types.js';
import { hashSeed, mulberry32, normal } from '../../../../functions/core/random.js';

const fy = fiscalYearFromStart('2026-01-01');

function series(days: number, level: (t: number) => number): DailySpend[] {
  const rand = mulberry32(hashSeed('exhaustion'));
  return eachDay(fy.start, addDays(fy.start, days - 1)).map((date, t) => {
    const dow = new Date(`${date}T00:00:00Z`).getUTCDay();
    const rhythm = dow === 0 || dow === 6 ? 0.3 : 1;
    return { date, usd: Math.round(level(t) * rhythm * Math.exp(0.15 * normal(rand)) * 100) / 100 };
  });
}

describe('forecast exhaustion dates (analytic, issue 20)', () => {
  it('orders P10 ≤ P50 ≤ P90 and gives a P50 date exactly when P(exhaust) ≥ 0.5', () => {
    // Prepare: one team, budgets from far below to far above its pace (~$290k a year)
    const daily = series(120, () => 1000);
    for (const budgetUsd of [150_000, 250_000, 290_000, 330_000, 500_000]) {
      // Act
      const f = forecastSpend({ daily, budgetUsd, fiscalYear: fy, asOf: '2026-04-30' });
      const { p10, p50, p90 } = f.exhaustionDate;
      // Assess
      expect(p50 !== null).toBe(f.probabilityOfExhaustion >= 0.5);
      expect(p10 !== null).toBe(f.probabilityOfExhaustion >= 0.1);
      if (p10 && p50) expect(p10 <= p50).toBe(true);
      if (p50 && p90) expect(p50 <= p90).toBe(true);
      expect(f.status === 'critical').toBe(f.probabilityOfExhaustion >= 0.5);
    }
  });

  it('never reports a probability that rounds across the threshold its status and dates were decided on', () => {
    // Prepare: for each threshold, the budget where the decision flips, found by bisection; beside it
    // P(exhaust) is within a hair of the threshold, so rounding to 0.001 could carry it across
    const daily = series(120, () => 1000);
    const at = (budgetUsd: number) =>
      forecastSpend({ daily, budgetUsd, fiscalYear: fy, asOf: '2026-04-30' }, { band: false });
    const decisions: Array<[threshold: number, decided: (f: ReturnType<typeof at>) => boolean]> = [
      [0.1, (f) => f.exhaustionDate.p10 !== null],
      [0.5, (f) => f.status === 'critical'],
      [0.5, (f) => f.exhaustionDate.p50 !== null],
      [0.9, (f) => f.exhaustionDate.p90 !== null],
      [0.3, (f) => f.status !== 'ok'],
    ];
    for (const [threshold, decided] of decisions) {
      let lo = 100_000; // decided (a small budget runs out)
      let hi = 1_000_000; // not decided
      for (let i = 0; i < 50; i++) {
        const mid = (lo + hi) / 2;
        if (decided(at(mid))) lo = mid;
        else hi = mid;
      }
      // Act
      const below = at(hi);
      const above = at(lo);
      // Assess
      expect(below.probabilityOfExhaustion).toBeLessThan(threshold);
      expect(above.probabilityOfExhaustion).toBeGreaterThanOrEqual(threshold);
    }
  });

  it('puts the earliest date where the band P90 crosses the budget', () => {
    const daily = series(120, () => 1000);
    const f = forecastSpend({ daily, budgetUsd: 250_000, fiscalYear: fy, asOf: '2026-04-30' });
    const p10 = f.exhaustionDate.p10 ?? '';
    const weekBefore = f.band.filter((b) => b.date < p10).at(-1);
    const weekAfter = f.band.find((b) => b.date >= p10);
    expect(weekBefore?.p90 ?? 0).toBeLessThan(250_000);
    expect(weekAfter?.p90 ?? 0).toBeGreaterThanOrEqual(250_000);
  });

  it('does not depend on the seed: there is no sampling', () => {
    const input = { daily: series(120, () => 1000), budgetUsd: 290_000, fiscalYear: fy, asOf: '2026-04-30' };
    expect(JSON.stringify(forecastSpend({ ...input, seed: 1 }))).toBe(
      JSON.stringify(forecastSpend({ ...input, seed: 2 })),
    );
  });

  it.each(['2025-12-31', '2027-01-01'])(
    'refuses an as-of date (%s) outside the fiscal year rather than answer with dates outside it',
    (asOf) => {
      const input = { daily: series(120, () => 1000), budgetUsd: 250_000, fiscalYear: fy, asOf };
      expect(() => forecastSpend(input)).toThrow(
        new RangeError(`as-of ${asOf} is outside the fiscal year ${fy.start} → ${fy.end}`),
      );
    },
  );

  it('takes a budget spent to the cent as exhausted the next day', () => {
    const daily = series(120, () => 1000);
    const spent = daily.reduce((a, d) => a + d.usd, 0);
    const f = forecastSpend({ daily, budgetUsd: spent, fiscalYear: fy, asOf: '2026-04-30' });
    expect(f.probabilityOfExhaustion).toBe(1);
    expect(f.exhaustionDate).toEqual({ p10: '2026-05-01', p50: '2026-05-01', p90: '2026-05-01' });
  });
});
