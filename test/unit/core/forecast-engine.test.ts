import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { addDays, eachDay } from '../../../functions/core/dates.js';
import { fiscalYearFromStart } from '../../../functions/core/fiscal-calendar.js';
import { forecastSpend } from '../../../functions/core/forecast/engine.js';
import type { DailySpend } from '../../../functions/core/forecast/types.js';
import { companyHolidays } from '../../../functions/core/holidays.js';
import { hashSeed, mulberry32, normal } from '../../../functions/core/random.js';

/** A synthetic team: weekday rhythm, log-normal noise, level(t) in USD per weekday. */
function series(start: string, days: number, level: (t: number) => number, seed = 1): DailySpend[] {
  const rand = mulberry32(hashSeed(seed));
  return eachDay(start, addDays(start, days - 1)).map((date, t) => {
    const dow = new Date(`${date}T00:00:00Z`).getUTCDay();
    const rhythm = dow === 0 || dow === 6 ? 0.3 : 1;
    return { date, usd: Math.round(level(t) * rhythm * Math.exp(0.15 * normal(rand)) * 100) / 100 };
  });
}

const fy = fiscalYearFromStart('2026-01-01');

describe('forecast engine', () => {
  it('returns the contract with ordered quantiles', () => {
    const f = forecastSpend({
      daily: series('2026-01-01', 120, () => 1000),
      budgetUsd: 300_000,
      fiscalYear: fy,
      asOf: '2026-04-30',
    });
    expect(Object.keys(f).slice(0, 7)).toEqual([
      'asOf',
      'spentToDateUsd',
      'yearEndUsd',
      'exhaustionDate',
      'probabilityOfExhaustion',
      'status',
      'confidence',
    ]);
    expect(f.yearEndUsd.p10).toBeLessThanOrEqual(f.yearEndUsd.p50);
    expect(f.yearEndUsd.p50).toBeLessThanOrEqual(f.yearEndUsd.p90);
    expect(f.band.at(-1)?.date).toBe('2026-12-31');
  });

  it('is byte-identical whatever rows after the as-of date contain', () => {
    const history = series('2026-01-01', 200, (t) => 800 + 4 * t);
    const future = history.map((r) => (r.date > '2026-05-15' ? { ...r, usd: r.usd * 50 } : r));
    const a = forecastSpend({ daily: history, budgetUsd: 400_000, fiscalYear: fy, asOf: '2026-05-15' });
    const b = forecastSpend({ daily: future, budgetUsd: 400_000, fiscalYear: fy, asOf: '2026-05-15' });
    expect(JSON.stringify(b)).toBe(JSON.stringify(a));
  });

  it('does not turn critical on a one-off runaway-agent spike', () => {
    // Prepare: a flat team heading for ~85% of budget, with a $40k/day loop for three days
    const daily = series('2026-01-01', 100, () => 1000).map((r) =>
      r.date >= '2026-04-05' && r.date <= '2026-04-07' ? { ...r, usd: r.usd + 40_000 } : r,
    );
    // Act
    const f = forecastSpend({ daily, budgetUsd: 460_000, fiscalYear: fy, asOf: '2026-04-10' });
    // Assess: the spike's cost counts, but it is not extrapolated
    expect(f.spentToDateUsd).toBeGreaterThan(120_000 + 70_000);
    expect(f.status).not.toBe('critical');
    expect(f.yearEndUsd.p50).toBeLessThan(440_000); // ~$292k run-rate + $120k loop, not $120k a week
  });

  it('warns weeks ahead when an adoption surge will exhaust the budget', () => {
    const surge = series('2026-01-01', 75, (t) => 300 + 3000 / (1 + Math.exp(-(t - 45) / 10)));
    const f = forecastSpend({ daily: surge, budgetUsd: 240_000, fiscalYear: fy, asOf: '2026-03-16' });
    expect(f.status).toBe('critical');
    expect(f.exhaustionDate.p50 && f.exhaustionDate.p50 < '2026-07-01').toBe(true);
    expect(f.probabilityOfExhaustion).toBeGreaterThan(0.9);
  });

  it('labels a ten-day-old team low confidence with a wide band', () => {
    const young = series('2026-06-01', 10, () => 2000);
    const f = forecastSpend({ daily: young, budgetUsd: 500_000, fiscalYear: fy, asOf: '2026-06-10' });
    const settled = forecastSpend({
      daily: series('2026-01-01', 161, () => 2000),
      budgetUsd: 500_000,
      fiscalYear: fy,
      asOf: '2026-06-10',
    });
    expect(f.confidence).toBe('low');
    expect(settled.confidence).toBe('normal');
    const width = (x: typeof f) =>
      (x.yearEndUsd.p90 - x.yearEndUsd.p10) / (x.yearEndUsd.p50 - x.spentToDateUsd);
    expect(width(f)).toBeGreaterThan(width(settled));
  });

  it('works on a fiscal year starting Jul 1 and reports an exhaustion already past', () => {
    const fyJul = fiscalYearFromStart('2026-07-01');
    const daily = series('2026-07-01', 90, () => 3000);
    const over = forecastSpend({ daily, budgetUsd: 150_000, fiscalYear: fyJul, asOf: '2026-09-28' });
    expect(over.exhaustionDate.p50 && over.exhaustionDate.p50 < '2026-09-28').toBe(true);
    expect(over.probabilityOfExhaustion).toBe(1);
    expect(over.status).toBe('critical');
    expect(over.band.at(-1)?.date).toBe('2027-06-30');
  });

  it('treats missing days as no spend and a team with none as ok', () => {
    const f = forecastSpend({ daily: [], budgetUsd: 1000, fiscalYear: fy, asOf: '2026-03-01' });
    expect(f).toMatchObject({ spentToDateUsd: 0, status: 'ok', probabilityOfExhaustion: 0 });
  });

  it('keeps an intermittent team at its level: active days are not spikes', () => {
    // Prepare: a small team active on 60% of days, $250 a day when it is, noisy
    const rand = mulberry32(hashSeed('intermittent'));
    const daily = eachDay('2026-01-01', '2026-05-31').map((date) => {
      const weekend = [0, 6].includes(new Date(`${date}T00:00:00Z`).getUTCDay());
      const usd = rand() < 0.6 ? 250 * (weekend ? 0.3 : 1) * Math.exp(0.5 * normal(rand)) : 0;
      return { date, usd: Math.round(usd * 100) / 100 };
    });
    const spent = daily.reduce((a, d) => a + d.usd, 0);
    // Act
    const f = forecastSpend({ daily, budgetUsd: 80_000, fiscalYear: fy, asOf: '2026-05-31' });
    // Assess: the rest of the year continues at about the same daily average
    const expected = spent + (spent / 151) * 214;
    expect(f.yearEndUsd.p50).toBeGreaterThan(0.85 * expected);
    expect(f.yearEndUsd.p50).toBeLessThan(1.15 * expected);
    expect(f.yearEndUsd.p10).toBeLessThan(expected);
    expect(f.yearEndUsd.p90).toBeGreaterThan(expected);
  });

  it('expects less spend when the remaining year holds holidays', () => {
    const daily = series('2026-01-01', 300, () => 1000);
    const input = { daily, budgetUsd: 400_000, fiscalYear: fy, asOf: '2026-10-27' };
    const without = forecastSpend(input);
    const withHolidays = forecastSpend({
      ...input,
      holidays: ['2026-11-26', '2026-11-27', '2026-12-24', '2026-12-25', '2026-12-31'],
    });
    // Five weekdays at weekend rhythm: about 5 × $700 less.
    const less = without.yearEndUsd.p50 - withHolidays.yearEndUsd.p50;
    expect(less).toBeGreaterThan(2_500);
    expect(less).toBeLessThan(4_500);
  });

  it('carries slow steady growth that twelve noisy weeks cannot show to year end', () => {
    // Prepare: +1.2% a week under 15% daily noise, eight teams; as of Aug 30
    const errors = [1, 2, 3, 4, 5, 6, 7, 8].map((seed) => {
      const year = series('2026-01-01', 365, (t) => 1000 * Math.exp((0.012 * t) / 7), seed);
      const truth = year.reduce((a, r) => a + r.usd, 0);
      // Act
      const f = forecastSpend({ daily: year, budgetUsd: 500_000, fiscalYear: fy, asOf: '2026-08-30' });
      return Math.abs(f.yearEndUsd.p50 / truth - 1);
    });
    // Assess: a flat reading of the recent weeks misses by ~6%. The combination (issue 20) carries the
    // trend but keeps some weight on the recent level, which the team's own past cannot yet tell apart
    // from the trend at this noise: 3.4% measured with median-error weights (3.6% with mean-error
    // weights; the engine before issue 20: under 3%).
    expect(errors.sort((x, y) => x - y)[4]).toBeLessThan(0.045);
  });

  it('rarely calls a flat team critical on four weeks that start with the new-year lull', () => {
    // Prepare: sixty flat teams whose first week of January runs at 85%, each heading for ~88% of
    // budget; four noisy weeks that happen to rise look like a ramp
    const critical = Array.from({ length: 60 }, (_, i) => {
      const daily = series('2026-01-01', 28, (t) => (t < 7 ? 850 : 1000), i + 1);
      // Act
      return forecastSpend(
        { daily, budgetUsd: 330_000, fiscalYear: fy, asOf: '2026-01-28' },
        { band: false },
      );
    }).filter((f) => f.status === 'critical').length;
    // Assess: a 4-week t-statistic has two degrees of freedom; judged as if it had many, 8 of 60 flip
    expect(critical).toBeLessThanOrEqual(4);
  });

  it('reads a price cut as a new level, not a falling trend', () => {
    // Prepare: flat at $2,000 a weekday, then 45% off on Jul 1; six weeks later
    const daily = series('2026-01-01', 223, (t) => (t < 181 ? 2000 : 1100));
    // Act
    const f = forecastSpend({ daily, budgetUsd: 700_000, fiscalYear: fy, asOf: '2026-08-11' });
    // Assess: the rest of the year at the new level, neither the old one nor declining further
    const atNewLevel = f.spentToDateUsd + (142 * 1100 * (5 + 2 * 0.3)) / 7;
    expect(f.yearEndUsd.p50).toBeGreaterThan(0.96 * atNewLevel);
    expect(f.yearEndUsd.p50).toBeLessThan(1.04 * atNewLevel);
  });

  it('is calibrated on the public scenarios: 75–92% of year-end outcomes inside P10–P90', () => {
    const dir = new URL('../../fixtures/scenarios/', import.meta.url);
    const index: Array<{
      file: string;
      fiscalYearStart: string;
      annualBudgetUsd: number;
      actualYearEndUsd: number;
    }> = JSON.parse(readFileSync(new URL('index.json', dir), 'utf8'));
    let inside = 0;
    let total = 0;
    for (const sc of index) {
      const daily = readFileSync(new URL(sc.file, dir), 'utf8')
        .trim()
        .split('\n')
        .slice(1)
        .map((l) => ({ date: l.split(',')[0] ?? '', usd: Number(l.split(',')[1]) }));
      const scFy = fiscalYearFromStart(sc.fiscalYearStart);
      for (let day = 56; day <= 336; day += 28) {
        const f = forecastSpend(
          {
            daily,
            budgetUsd: sc.annualBudgetUsd,
            fiscalYear: scFy,
            asOf: addDays(scFy.start, day - 1),
            holidays: companyHolidays('us', scFy.start, scFy.end),
          },
          { band: false },
        );
        if (f.spentToDateUsd === 0) continue;
        total++;
        if (sc.actualYearEndUsd >= f.yearEndUsd.p10 && sc.actualYearEndUsd <= f.yearEndUsd.p90) inside++;
      }
    }
    expect(inside / total).toBeGreaterThanOrEqual(0.75);
    expect(inside / total).toBeLessThanOrEqual(0.92);
  });
});
