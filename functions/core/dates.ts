/**
 * UTC calendar days as ISO strings (`YYYY-MM-DD`). Every date in burnwatch is one of these unless a
 * fiscal calendar says otherwise; keeping them as strings avoids time-zone drift from `Date` objects.
 */
export type IsoDay = string;

const ISO_DAY = /^(\d{4})-(\d{2})-(\d{2})$/;
const MS_PER_DAY = 86_400_000;

/** True when `value` is a real calendar day in `YYYY-MM-DD` form (rejects 2026-02-30). */
export function isIsoDay(value: string): boolean {
  const m = ISO_DAY.exec(value);
  if (!m) return false;
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  if (mo < 1 || mo > 12 || d < 1) return false;
  return d <= daysInMonth(y, mo);
}

/** Days since 1970-01-01 for a valid ISO day. Throws on anything else: callers validate input first. */
export function toDayNumber(day: IsoDay): number {
  if (!isIsoDay(day)) throw new RangeError(`not a calendar day (YYYY-MM-DD): ${JSON.stringify(day)}`);
  return (
    Date.UTC(Number(day.slice(0, 4)), Number(day.slice(5, 7)) - 1, Number(day.slice(8, 10))) / MS_PER_DAY
  );
}

export function fromDayNumber(n: number): IsoDay {
  return new Date(n * MS_PER_DAY).toISOString().slice(0, 10);
}

export function addDays(day: IsoDay, n: number): IsoDay {
  return fromDayNumber(toDayNumber(day) + n);
}

/** `b - a` in whole days. */
export function diffDays(a: IsoDay, b: IsoDay): number {
  return toDayNumber(b) - toDayNumber(a);
}

/** Inclusive range of days from `from` to `to`; empty when `to` is before `from`. */
export function eachDay(from: IsoDay, to: IsoDay): IsoDay[] {
  const start = toDayNumber(from);
  const end = toDayNumber(to);
  const out: IsoDay[] = [];
  for (let n = start; n <= end; n++) out.push(fromDayNumber(n));
  return out;
}

/** 0 = Sunday … 6 = Saturday. */
export function dayOfWeek(day: IsoDay): number {
  // 1970-01-01 was a Thursday (4).
  return (((toDayNumber(day) + 4) % 7) + 7) % 7;
}

export function isLeapYear(year: number): boolean {
  return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
}

export function daysInMonth(year: number, month: number): number {
  return [31, isLeapYear(year) ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][month - 1] ?? 0;
}

/** The UTC calendar day of an instant. */
export function utcDayOf(instant: Date): IsoDay {
  return instant.toISOString().slice(0, 10);
}

/** `YYYY-MM` of a day. */
export function monthOf(day: IsoDay): string {
  return day.slice(0, 7);
}

/** The last day of the month `YYYY-MM`. */
export function lastDayOfMonth(month: string): IsoDay {
  const days = daysInMonth(Number(month.slice(0, 4)), Number(month.slice(5, 7)));
  return `${month}-${String(days).padStart(2, '0')}`;
}

export function minDay(a: IsoDay, b: IsoDay): IsoDay {
  return a <= b ? a : b;
}

export function maxDay(a: IsoDay, b: IsoDay): IsoDay {
  return a >= b ? a : b;
}
