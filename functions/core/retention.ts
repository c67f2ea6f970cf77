import { daysInMonth, type IsoDay, toDayNumber } from './dates.js';

/**
 * When a day's per-person detail expires (the DynamoDB TTL attribute, epoch seconds): the end of the
 * same calendar day `months` months later (2026-03-31 + 1 month → end of 2026-04-30).
 *
 * @example detailExpiresAt('2026-03-02', 13) // end of 2027-04-02
 */
export function detailExpiresAt(date: IsoDay, months: number): number {
  const total = Number(date.slice(0, 4)) * 12 + Number(date.slice(5, 7)) - 1 + months;
  const year = Math.floor(total / 12);
  const month = (total % 12) + 1;
  const day = Math.min(Number(date.slice(8, 10)), daysInMonth(year, month));
  const iso = `${year}-${String(month).padStart(2, '0')}-${String(day).padStart(2, '0')}`;
  return (toDayNumber(iso) + 1) * 86_400;
}
