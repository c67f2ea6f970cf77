import { describe, expect, it } from 'vitest';
import { dayOfWeek, eachDay } from '../../../../functions/core/dates.js';
import { fiscalYearFromStart } from '../../../../functions/core/fiscal-calendar.js';
import { forecastSpend } from '../../../../functions/core/forecast/engine.js';
import type { DailySpend } from '../../../../functions/core/forecast/types.js';

const fy = fiscalYearFromStart('2026-01-01');
const asOf = '2026-04-30';
/** $1,000 a weekday and $300 a weekend day: $96,200 to the end of April. */
const usage: DailySpend[] = eachDay(fy.start, asOf).map((date) => ({
  date,
  usd: dayOfWeek(date) === 0 || dayOfWeek(date) === 6 ? 300 : 1_000,
}));
const total = (rows: readonly DailySpend[]) => rows.reduce((a, d) => a + d.usd, 0);

describe('credits and refunds in the forecast', () => {
  // A team's day that credits or refunds take below zero is stored as negative (docs/ingest.md
  // "Credits and refunds"); the burn report's spend to date nets it, so the forecast must too.
  const refundDay = '2026-04-15'; // a Wednesday: $1,000 of usage less a $20,000 refund
  const refunded = usage.map((d) => (d.date === refundDay ? { date: d.date, usd: -19_000 } : d));
  const dayAtZero = usage.map((d) => (d.date === refundDay ? { date: d.date, usd: 0 } : d));

  it('nets a day that a refund took below zero into spend to date', () => {
    // Act
    const f = forecastSpend({ daily: refunded, budgetUsd: 300_000, fiscalYear: fy, asOf });
    // Assess
    expect(f.spentToDateUsd).toBe(total(refunded)); // $76,200, not the $95,200 of the day at $0
  });

  it('does not call a team over budget that a refund brought back under it', () => {
    // Prepare: $95,200 of usage, $76,200 after the refund, against $90,000
    // Act
    const f = forecastSpend({ daily: refunded, budgetUsd: 90_000, fiscalYear: fy, asOf });
    // Assess: it runs out ahead, not on a day already past
    expect(f.exhaustionDate.p50 !== null && f.exhaustionDate.p50 > asOf).toBe(true);
    expect(f.exhaustionDate.p10 !== null && f.exhaustionDate.p10 > asOf).toBe(true);
  });

  it('reads the refund as money back, not as a change in usage: the spend ahead is as if the day were $0', () => {
    // Act
    const withRefund = forecastSpend({ daily: refunded, budgetUsd: 300_000, fiscalYear: fy, asOf });
    const atZero = forecastSpend({ daily: dayAtZero, budgetUsd: 300_000, fiscalYear: fy, asOf });
    // Assess
    const ahead = (f: typeof atZero) => f.yearEndUsd.p50 - f.spentToDateUsd;
    expect(ahead(withRefund)).toBeCloseTo(ahead(atZero), 1);
    expect(withRefund.yearEndUsd.p50).toBeCloseTo(atZero.yearEndUsd.p50 - 19_000, 1);
  });

  it('nets a credit row against the same day’s usage rows', () => {
    // Prepare: the day's usage and a $300 credit as two rows
    const split = [...usage, { date: refundDay, usd: -300 }];
    const netted = usage.map((d) => (d.date === refundDay ? { date: d.date, usd: 700 } : d));
    // Act
    const a = forecastSpend({ daily: split, budgetUsd: 300_000, fiscalYear: fy, asOf });
    const b = forecastSpend({ daily: netted, budgetUsd: 300_000, fiscalYear: fy, asOf });
    // Assess
    expect(JSON.stringify(a)).toBe(JSON.stringify(b));
  });

  it('counts a credit that came before any usage of the year in spend to date', () => {
    // Prepare: a refund of last year's overcharge posted on Jan 2, no usage yet (the engine's
    // "no spend yet" answer, which read the day as $0 as the whole engine did before 57bf0b5).
    const daily = [{ date: '2026-01-02', usd: -500 }];
    // Act
    const f = forecastSpend({ daily, budgetUsd: 300_000, fiscalYear: fy, asOf: '2026-01-05' });
    // Assess
    expect(f.spentToDateUsd).toBe(-500);
    expect(f.yearEndUsd).toEqual({ p10: -500, p50: -500, p90: -500 });
    expect(f.status).toBe('ok');
  });
});
