import { describe, expect, it } from 'vitest';
import {
  budgetPhasingSchema,
  fiscalQuarters,
  phasedBudgetView,
} from '../../../functions/core/budget-phasing.js';
import { budgetInForce, newBudgetChange } from '../../../functions/core/budgets.js';
import { budgetNote } from '../../../functions/core/burn-text.js';
import { eachDay } from '../../../functions/core/dates.js';
import { fiscalYearOf } from '../../../functions/core/fiscal-calendar.js';
import { usdToMicros } from '../../../functions/core/money.js';

const spendPerDay = (from: string, to: string, usd: number) =>
  new Map(eachDay(from, to).map((d) => [d, usdToMicros(usd)]));

describe('budgets phased by fiscal quarter', () => {
  it('splits a fiscal year into quarters on its start day, the month’s last day where it is shorter', () => {
    const july = fiscalYearOf({ startMonth: 7, startDay: 1 }, '2026-09-15');
    const jan31 = fiscalYearOf({ startMonth: 1, startDay: 31 }, '2026-06-01');
    expect(fiscalQuarters(july).map((q) => [q.label, q.start, q.end])).toEqual([
      ['Q1', '2026-07-01', '2026-09-30'],
      ['Q2', '2026-10-01', '2026-12-31'],
      ['Q3', '2027-01-01', '2027-03-31'],
      ['Q4', '2027-04-01', '2027-06-30'],
    ]);
    expect(fiscalQuarters(jan31).map((q) => q.start)).toEqual([
      '2026-01-31',
      '2026-04-30',
      '2026-07-31',
      '2026-10-31',
    ]);
    expect(fiscalQuarters(jan31).at(-1)?.end).toBe('2027-01-30');
  });

  it('sets spend to date against the quarters gone and the share of this one: $400k at 10/40/25/25', () => {
    // Calendar year; as of 15 May: Q1 is $40,000, Q2 $160,000 with 45 of its 91 days gone.
    const fy = fiscalYearOf({ startMonth: 1, startDay: 1 }, '2026-05-15');
    const view = phasedBudgetView(
      400_000,
      [10, 40, 25, 25],
      fy,
      '2026-05-15',
      spendPerDay('2026-01-01', '2026-05-15', 1_000),
    );

    expect(view.current).toBe('Q2');
    expect(view.quarters.map((q) => [q.label, q.budgetUsd, q.spentUsd])).toEqual([
      ['Q1', 40_000, 90_000],
      ['Q2', 160_000, 45_000],
      ['Q3', 100_000, 0],
      ['Q4', 100_000, 0],
    ]);
    // 40,000 + 160,000 × 45/91 = 119,120.88; spent 135,000.
    expect(view.budgetToDateUsd).toBe(119_120.88);
    expect(view.overPhaseUsd).toBe(15_879.12);
    expect(budgetNote({ budgetUsd: 400_000, budgetChange: null, asOf: '2026-05-15', phasing: view })).toBe(
      'Q2 budget $160,000, $45,000 spent; $15,879 over the phased budget to date',
    );
  });

  it('keeps the team’s phasing through a budget change that has none, and takes a change’s own', () => {
    const fy = fiscalYearOf({ startMonth: 1, startDay: 1 }, '2026-05-15');
    const change = (phasing?: number[]) =>
      newBudgetChange({
        team: 'payments',
        annualUsd: 300_000,
        from: '2026-04-01',
        reason: 'cut',
        by: 'dana',
        at: '2026-04-01T09:00:00.000Z',
        ...(phasing ? { phasing } : {}),
      });
    expect(budgetInForce(400_000, [change()], '2026-05-15', fy, [10, 40, 25, 25]).phasing).toEqual([
      10, 40, 25, 25,
    ]);
    expect(
      budgetInForce(400_000, [change([25, 25, 25, 25])], '2026-05-15', fy, [10, 40, 25, 25]).phasing,
    ).toEqual([25, 25, 25, 25]);
    expect(budgetInForce(400_000, [], '2026-05-15', fy).phasing).toBeUndefined();
  });

  it('refuses a phasing that is not four shares adding up to 100, saying so', () => {
    expect(budgetPhasingSchema.safeParse([50, 50]).error?.issues[0]?.message).toMatch(
      /give four percentages/,
    );
    expect(budgetPhasingSchema.safeParse([30, 30, 30, 30]).error?.issues[0]?.message).toBe(
      'the four quarters must add up to 100 (these add up to 120)',
    );
    expect(budgetPhasingSchema.safeParse([20, 30, 25, 25]).success).toBe(true);
  });
});
