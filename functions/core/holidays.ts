import { addDays, dayOfWeek, type IsoDay } from './dates.js';

/**
 * Built-in company holiday calendars. Spend on AI coding tools follows who is at work, so a holiday
 * looks like a weekend day; a forecast that does not know the year's remaining holidays overshoots
 * by about one working day per holiday. `us` is the common US tech-company list: New Year's Day,
 * Martin Luther King Jr. Day, Memorial Day, Independence Day, Labor Day, Thanksgiving and the day
 * after, Christmas Eve, Christmas Day and New Year's Eve. Teams elsewhere choose `none` and list
 * their own days in the config's `holidays`.
 */
export const HOLIDAY_CALENDARS = ['us', 'none'] as const;
export type HolidayCalendar = (typeof HOLIDAY_CALENDARS)[number];

const iso = (year: number, month: number, day: number): IsoDay =>
  `${String(year).padStart(4, '0')}-${String(month).padStart(2, '0')}-${String(day).padStart(2, '0')}`;

/** The nth (1-based) given weekday (0 = Sunday) of a month; n = -1 for the last. */
function nthWeekday(year: number, month: number, weekday: number, n: number): IsoDay {
  if (n > 0) {
    const first = iso(year, month, 1);
    return addDays(first, ((weekday - dayOfWeek(first) + 7) % 7) + 7 * (n - 1));
  }
  const last = addDays(month === 12 ? iso(year + 1, 1, 1) : iso(year, month + 1, 1), -1);
  return addDays(last, -((dayOfWeek(last) - weekday + 7) % 7));
}

/** A fixed-date holiday on a weekend is observed on the Friday before or the Monday after. */
function observed(day: IsoDay): IsoDay {
  const dow = dayOfWeek(day);
  return dow === 6 ? addDays(day, -1) : dow === 0 ? addDays(day, 1) : day;
}

function usHolidays(year: number): IsoDay[] {
  const thanksgiving = nthWeekday(year, 11, 4, 4);
  const days = [
    observed(iso(year, 1, 1)),
    nthWeekday(year, 1, 1, 3),
    nthWeekday(year, 5, 1, -1),
    observed(iso(year, 7, 4)),
    nthWeekday(year, 9, 1, 1),
    thanksgiving,
    addDays(thanksgiving, 1),
    iso(year, 12, 24),
    observed(iso(year, 12, 25)),
    iso(year, 12, 31),
  ];
  return days.filter((d) => dayOfWeek(d) !== 0 && dayOfWeek(d) !== 6);
}

/** The calendar's holidays from `from` to `to` inclusive, sorted, plus any extra days given. */
export function companyHolidays(
  calendar: HolidayCalendar,
  from: IsoDay,
  to: IsoDay,
  extra: readonly IsoDay[] = [],
): IsoDay[] {
  const days = new Set(extra.filter((d) => d >= from && d <= to));
  if (calendar === 'us') {
    const first = Number(from.slice(0, 4));
    const last = Number(to.slice(0, 4));
    // The year after too: New Year's Day observed on a Friday falls in the year before.
    for (let y = first; y <= last + 1; y++)
      for (const d of usHolidays(y)) if (d >= from && d <= to) days.add(d);
  }
  return [...days].sort();
}
