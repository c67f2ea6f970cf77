import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../../functions/core/config/load.js';
import { companyHolidays } from '../../../functions/core/holidays.js';

describe('company holiday calendars', () => {
  it('lists the US company holidays of 2026 on their observed weekdays', () => {
    expect(companyHolidays('us', '2026-01-01', '2026-12-31')).toEqual([
      '2026-01-01', // New Year's Day
      '2026-01-19', // Martin Luther King Jr. Day, third Monday
      '2026-05-25', // Memorial Day, last Monday
      '2026-07-03', // Independence Day falls on a Saturday: observed Friday
      '2026-09-07', // Labor Day, first Monday
      '2026-11-26', // Thanksgiving, fourth Thursday
      '2026-11-27',
      '2026-12-24',
      '2026-12-25',
      '2026-12-31',
    ]);
  });

  it('observes a Sunday holiday on Monday and keeps weekends out', () => {
    const days = companyHolidays('us', '2022-12-01', '2023-01-31');
    // Christmas 2022 is a Sunday (observed Monday 26th); Christmas Eve and New Year's Eve are Saturdays.
    expect(days).toEqual(['2022-12-26', '2023-01-02', '2023-01-16']);
  });

  it('crosses fiscal years and merges listed company days; `none` keeps only those', () => {
    const fy = companyHolidays('us', '2026-07-01', '2027-06-30', ['2026-08-14', '2028-01-01']);
    expect(fy[0]).toBe('2026-07-03');
    expect(fy).toContain('2026-08-14');
    expect(fy).toContain('2027-01-18');
    expect(fy).not.toContain('2028-01-01');
    expect(companyHolidays('none', '2026-01-01', '2026-12-31', ['2026-08-14'])).toEqual(['2026-08-14']);
  });

  it('defaults the config to the US calendar and names a wrong one', () => {
    const base = {
      organization: { name: 'Acme' },
      fiscalYear: { startMonth: 1, startDay: 1 },
      teams: [{ id: 'payments', name: 'Payments', annualBudgetUsd: 1000 }],
      finance: { slackChannel: '#finance' },
    };
    expect(parseConfig(base).holidayCalendar).toBe('us');
    expect(() => parseConfig({ ...base, holidayCalendar: 'uk' })).toThrow(
      /holidayCalendar: must be one of us, none/,
    );
  });
});
