import { describe, expect, it } from 'vitest';
import { addDays, eachDay } from '../../../../functions/core/dates.js';
import { fiscalYearFromStart } from '../../../../functions/core/fiscal-calendar.js';
import { cumulativeQuantile, spendNodes, Z90 } from '../../../../functions/core/forecast/band.js';
import { forecastSpend } from '../../../../functions/core/forecast/engine.js';
import type { DailySpend, ForecastInput } from '../../../../functions/core/forecast/types.js';
import { hashSeed, mulberry32, normal } from '../../../../functions/core/random.js';

const fy = fiscalYearFromStart('2026-01-01');
const asOf = '2026-11-30';

/**
 * A steady team, ~$1,000 a working day, whose last 30 days a silent source has not delivered: the
 * caller (team-reports) fills them at the team's level, as completeness.ts estimates them. Late in
 * the year, so what is already spent matters more than the month left.
 */
function filledSeries(): { daily: DailySpend[]; estimatedUsd: number } {
  const rand = mulberry32(hashSeed('estimated'));
  const silentFrom = addDays(asOf, -29);
  let estimatedUsd = 0;
  const daily = eachDay(fy.start, asOf).map((date) => {
    const dow = new Date(`${date}T00:00:00Z`).getUTCDay();
    const rhythm = dow === 0 || dow === 6 ? 0.3 : 1;
    if (date >= silentFrom) {
      estimatedUsd += 1000 * rhythm;
      return { date, usd: 1000 * rhythm };
    }
    return { date, usd: Math.round(1000 * rhythm * Math.exp(0.15 * normal(rand)) * 100) / 100 };
  });
  return { daily, estimatedUsd };
}

describe('estimated days enter the forecast with their own uncertainty (issue 20 item 3)', () => {
  it('raises P(exhaustion) of a team near its budget, brings the earliest date forward and widens the band', () => {
    // Prepare: a budget just above the year-end median (~$297k at this pace): at risk, not on track to exhaust
    const { daily, estimatedUsd } = filledSeries();
    const input: ForecastInput = { daily, budgetUsd: 300_000, fiscalYear: fy, asOf };
    // Act: the same series, the ~$24k estimate exact, then uncertain by $10k (an erratic source)
    const exact = forecastSpend({ ...input, estimated: { usd: estimatedUsd, sdUsd: 0 } });
    const uncertain = forecastSpend({ ...input, estimated: { usd: estimatedUsd, sdUsd: 10_000 } });
    // Assess
    expect(exact.probabilityOfExhaustion).toBeLessThan(0.3);
    expect(uncertain.probabilityOfExhaustion).toBeGreaterThan(exact.probabilityOfExhaustion + 0.05);
    expect(uncertain.exhaustionDate.p10 ?? '').toMatch(/^2026-12-/);
    expect((uncertain.exhaustionDate.p10 ?? '') < (exact.exhaustionDate.p10 ?? '9999')).toBe(true);
    expect(uncertain.yearEndUsd.p90).toBeGreaterThan(exact.yearEndUsd.p90 + 5_000);
    expect(uncertain.yearEndUsd.p10).toBeLessThan(exact.yearEndUsd.p10 - 5_000);
    // The median moves little (the estimate is skewed, not biased); every band point is wider.
    expect(Math.abs(uncertain.yearEndUsd.p50 - exact.yearEndUsd.p50)).toBeLessThan(
      0.01 * exact.yearEndUsd.p50,
    );
    expect(uncertain.band.length).toBe(exact.band.length);
    uncertain.band.forEach((b, i) => {
      const e = exact.band[i];
      expect(b.date).toBe(e?.date);
      expect(b.p90 - b.p10).toBeGreaterThan((e?.p90 ?? 0) - (e?.p10 ?? 0));
    });
    // Next week's band is mostly the estimate's uncertainty.
    const first = uncertain.band[0];
    expect((first?.p90 ?? 0) - (first?.p10 ?? 0)).toBeGreaterThan(1.5 * 10_000);
    // Spent to date is the series' spend as read (team-reports reports the stored part).
    expect(uncertain.spentToDateUsd).toBe(exact.spentToDateUsd);
  });

  it('gives exactly the forecast of the same series without the field when the sd is 0', () => {
    // Prepare
    const { daily, estimatedUsd } = filledSeries();
    for (const budgetUsd of [150_000, 290_000, 400_000]) {
      const input: ForecastInput = { daily, budgetUsd, fiscalYear: fy, asOf };
      // Act
      const without = forecastSpend(input);
      const withExact = forecastSpend({ ...input, estimated: { usd: estimatedUsd, sdUsd: 0 } });
      // Assess
      expect(JSON.stringify(withExact)).toBe(JSON.stringify(without));
    }
  });

  it('never lets an estimate take spend to date below what is stored, and keeps its mean', () => {
    // Prepare: $1,000 of $10,000 estimated, with an sd of $3,000
    const nodes = spendNodes(10_000, { usd: 1_000, sdUsd: 3_000 });
    // Act
    const lowest = Math.min(...nodes.map((n) => n.spent));
    const mean = nodes.reduce((a, n) => a + n.weight * n.spent, 0);
    const p10 = cumulativeQuantile(nodes, 0, 0.1, -Z90);
    // Assess
    expect(lowest).toBeGreaterThan(9_000);
    expect(nodes.reduce((a, n) => a + n.weight, 0)).toBeCloseTo(1, 12);
    expect(mean).toBeCloseTo(10_000, -1);
    expect(p10).toBeGreaterThan(9_000);
  });

  it('on the year’s last day, takes P(exhaustion) from the estimate: the band’s P90 over the budget is not an ok', () => {
    // Prepare: a steady team as of 31 December whose last 30 days are an estimate of ~$24k, sd $10k,
    // with a budget between the year-end P50 and P90
    const rand = mulberry32(hashSeed('last-day'));
    const last = fy.end;
    let estimatedUsd = 0;
    const daily = eachDay(fy.start, last).map((date) => {
      const dow = new Date(`${date}T00:00:00Z`).getUTCDay();
      const usd = (dow === 0 || dow === 6 ? 0.3 : 1) * 1000;
      if (date > addDays(last, -30)) {
        estimatedUsd += usd;
        return { date, usd };
      }
      return { date, usd: Math.round(usd * Math.exp(0.15 * normal(rand)) * 100) / 100 };
    });
    const input: ForecastInput = { daily, budgetUsd: 0, fiscalYear: fy, asOf: last };
    const probe = forecastSpend({
      ...input,
      budgetUsd: 1e9,
      estimated: { usd: estimatedUsd, sdUsd: 10_000 },
    });
    const budgetUsd = Math.round((probe.yearEndUsd.p50 + probe.yearEndUsd.p90) / 2);

    // Act
    const f = forecastSpend({ ...input, budgetUsd, estimated: { usd: estimatedUsd, sdUsd: 10_000 } });

    // Assess: some but not most of the estimate's outcomes pass the budget, and the dates say by when
    expect(f.yearEndUsd.p90).toBeGreaterThan(budgetUsd);
    expect(f.probabilityOfExhaustion).toBeGreaterThan(0.1);
    expect(f.probabilityOfExhaustion).toBeLessThan(0.5);
    expect(f.exhaustionDate).toEqual({ p10: last, p50: null, p90: null });
    expect(f.status).toBe(f.probabilityOfExhaustion >= 0.3 ? 'warning' : 'ok');
    // Without the estimate, a year that ends exactly at its budget did not exceed it.
    const spent = forecastSpend({ ...input, budgetUsd: 1e9 }).spentToDateUsd;
    expect(forecastSpend({ ...input, budgetUsd: spent })).toMatchObject({
      probabilityOfExhaustion: 0,
      status: 'ok',
    });
  });
});
