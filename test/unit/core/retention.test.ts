import { describe, expect, it } from 'vitest';
import { detailExpiresAt } from '../../../functions/core/retention.js';

const iso = (seconds: number) => new Date(seconds * 1000).toISOString();

describe('detailExpiresAt', () => {
  it.each([
    ['2026-03-02', 13, '2027-04-03T00:00:00.000Z'],
    ['2026-12-15', 1, '2027-01-16T00:00:00.000Z'],
    // A day the later month lacks expires at the end of that month's last day.
    ['2026-03-31', 1, '2026-05-01T00:00:00.000Z'],
    ['2027-01-29', 13, '2028-03-01T00:00:00.000Z'],
  ])('%s + %i months ends at %s', (day, months, expected) => {
    expect(iso(detailExpiresAt(day, months))).toBe(expected);
  });
});
