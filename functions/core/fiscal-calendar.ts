import { addDays, daysInMonth, diffDays, type IsoDay, isIsoDay } from './dates.js';

/**
 * A fiscal year that starts on the same month/day every year (Jan 1, Jul 1, Feb 1 …).
 * A year starting Feb 29 is not allowed: it would not exist three years in four.
 */
export interface FiscalCalendar {
  readonly startMonth: number;
  readonly startDay: number;
}

export interface FiscalYear {
  /** First day, inclusive. Also the fiscal year's identifier in storage. */
  readonly start: IsoDay;
  /** Last day, inclusive. */
  readonly end: IsoDay;
  /** 365 or 366. */
  readonly days: number;
  /** Human label: `FY2026` when it starts Jan 1, else `FY2026-27`. */
  readonly label: string;
}

export const CALENDAR_YEAR: FiscalCalendar = { startMonth: 1, startDay: 1 };

/** Why a calendar is invalid, or null. Used by the config schema so the error names the field. */
export function fiscalCalendarProblem(
  cal: FiscalCalendar,
): { field: 'startMonth' | 'startDay'; message: string } | null {
  if (!Number.isInteger(cal.startMonth) || cal.startMonth < 1 || cal.startMonth > 12) {
    return { field: 'startMonth', message: 'must be a whole number from 1 to 12' };
  }
  // 2025 is not a leap year, so Feb 29 is rejected here too.
  const max = daysInMonth(2025, cal.startMonth);
  if (!Number.isInteger(cal.startDay) || cal.startDay < 1 || cal.startDay > max) {
    return {
      field: 'startDay',
      message: `must be a whole number from 1 to ${max} for month ${cal.startMonth}`,
    };
  }
  return null;
}

function startIn(cal: FiscalCalendar, year: number): IsoDay {
  return `${String(year).padStart(4, '0')}-${String(cal.startMonth).padStart(2, '0')}-${String(cal.startDay).padStart(2, '0')}`;
}

/** The fiscal year containing `day`. */
export function fiscalYearOf(cal: FiscalCalendar, day: IsoDay): FiscalYear {
  if (!isIsoDay(day)) throw new RangeError(`not a calendar day (YYYY-MM-DD): ${JSON.stringify(day)}`);
  const year = Number(day.slice(0, 4));
  const startYear = day >= startIn(cal, year) ? year : year - 1;
  return fiscalYearStarting(cal, startYear);
}

/** The fiscal year that starts in calendar year `startYear`. */
export function fiscalYearStarting(cal: FiscalCalendar, startYear: number): FiscalYear {
  const start = startIn(cal, startYear);
  const nextStart = startIn(cal, startYear + 1);
  const end = addDays(nextStart, -1);
  const isJan1 = cal.startMonth === 1 && cal.startDay === 1;
  const label = isJan1
    ? `FY${startYear}`
    : `FY${startYear}-${String((startYear + 1) % 100).padStart(2, '0')}`;
  return { start, end, days: diffDays(start, nextStart), label };
}

/** The fiscal year whose first day is `start`; throws if `start` is not a first day under `cal`. */
export function fiscalYearFromStart(start: IsoDay): FiscalYear {
  const cal = { startMonth: Number(start.slice(5, 7)), startDay: Number(start.slice(8, 10)) };
  return fiscalYearOf(cal, start);
}

/** Days from the fiscal year's start to `asOf`, inclusive of both (1 on the first day). */
export function daysElapsed(fy: FiscalYear, asOf: IsoDay): number {
  return Math.min(fy.days, Math.max(0, diffDays(fy.start, asOf) + 1));
}

/** Days after `asOf` up to and including the fiscal year's last day. */
export function daysRemaining(fy: FiscalYear, asOf: IsoDay): number {
  return fy.days - daysElapsed(fy, asOf);
}
