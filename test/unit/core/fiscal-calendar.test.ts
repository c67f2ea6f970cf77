import { describe, expect, it } from 'vitest';
import { addDays, dayOfWeek, diffDays, eachDay, isIsoDay } from '../../../functions/core/dates.js';
import {
  daysElapsed,
  daysRemaining,
  fiscalCalendarProblem,
  fiscalYearOf,
} from '../../../functions/core/fiscal-calendar.js';

describe('fiscal calendar', () => {
  it('puts a day in the fiscal year that contains it for a Jul 1 start', () => {
    const cal = { startMonth: 7, startDay: 1 };
    expect(fiscalYearOf(cal, '2026-06-30')).toEqual({
      start: '2025-07-01',
      end: '2026-06-30',
      days: 365,
      label: 'FY2025-26',
    });
    expect(fiscalYearOf(cal, '2026-07-01').start).toBe('2026-07-01');
  });

  it('counts 366 days in a year holding Feb 29', () => {
    expect(fiscalYearOf({ startMonth: 1, startDay: 1 }, '2028-05-01').days).toBe(366);
    expect(fiscalYearOf({ startMonth: 7, startDay: 1 }, '2027-12-01').days).toBe(366); // Jul 2027–Jun 2028
    expect(fiscalYearOf({ startMonth: 3, startDay: 1 }, '2028-02-29')).toMatchObject({
      start: '2027-03-01',
      end: '2028-02-29',
    });
  });

  it('counts days elapsed (inclusive) and remaining', () => {
    const fy = fiscalYearOf({ startMonth: 1, startDay: 1 }, '2026-02-15');
    expect(daysElapsed(fy, '2026-01-01')).toBe(1);
    expect(daysElapsed(fy, '2026-02-15')).toBe(46);
    expect(daysRemaining(fy, '2026-02-15')).toBe(319);
    expect(daysRemaining(fy, '2026-12-31')).toBe(0);
  });

  it('rejects starts that do not exist every year', () => {
    expect(fiscalCalendarProblem({ startMonth: 2, startDay: 29 })?.field).toBe('startDay');
    expect(fiscalCalendarProblem({ startMonth: 13, startDay: 1 })?.field).toBe('startMonth');
    expect(fiscalCalendarProblem({ startMonth: 4, startDay: 30 })).toBeNull();
  });
});

describe('UTC days', () => {
  it('validates real calendar days only', () => {
    expect(isIsoDay('2026-02-28')).toBe(true);
    expect(isIsoDay('2026-02-29')).toBe(false);
    expect(isIsoDay('2024-02-29')).toBe(true);
    expect(isIsoDay('2026-2-1')).toBe(false);
  });

  it('does day arithmetic across month, year and leap boundaries', () => {
    expect(addDays('2024-02-28', 1)).toBe('2024-02-29');
    expect(addDays('2026-12-31', 1)).toBe('2027-01-01');
    expect(diffDays('2026-01-01', '2027-01-01')).toBe(365);
    expect(eachDay('2026-03-30', '2026-04-02')).toEqual([
      '2026-03-30',
      '2026-03-31',
      '2026-04-01',
      '2026-04-02',
    ]);
    expect(dayOfWeek('2026-11-24')).toBe(2); // a Tuesday
  });
});
