import { describe, expect, it } from 'vitest';
import { dayOfWeek } from '../../../functions/core/dates.js';
import { realisticScenarios } from '../../bench/forecast-realistic-scenarios.js';
import type { Scenario } from '../../bench/forecast-scenarios.js';

const byName = (set: Scenario[], name: string): Scenario => {
  const s = set.find((x) => x.name === name);
  if (!s) throw new Error(`${name} missing`);
  return s;
};
const sum = (xs: readonly { usd: number }[]) => xs.reduce((a, d) => a + d.usd, 0);
/** Weekly sums (whole weeks from the start). */
const weeks = (s: Scenario) =>
  Array.from({ length: Math.floor(s.daily.length / 7) }, (_, w) => sum(s.daily.slice(7 * w, 7 * w + 7)));
function lag1(xs: number[]): number {
  const mean = xs.reduce((a, b) => a + b, 0) / xs.length;
  let num = 0;
  let den = 0;
  for (let i = 0; i < xs.length; i++) {
    den += ((xs[i] ?? 0) - mean) ** 2;
    if (i > 0) num += ((xs[i] ?? 0) - mean) * ((xs[i - 1] ?? 0) - mean);
  }
  return num / den;
}

describe('realistic development scenarios (bench:forecast --realistic)', () => {
  const main = realisticScenarios();

  it('is deterministic, and a second draw reseeds the noise of the same shapes', () => {
    expect(realisticScenarios()).toEqual(main);
    const r1 = realisticScenarios('-r1');
    expect(r1.map((s) => s.name)).toEqual(main.map((s) => `${s.name}-r1`));
    expect(r1[0]?.daily[10]?.usd).not.toBe(main[0]?.daily[10]?.usd);
    expect(main).toHaveLength(16);
    // Some years exhaust early (an alert is owed), some are quiet (an alert would be false).
    expect(main.filter((s) => s.actualExhaustionDate).length).toBeGreaterThanOrEqual(6);
    expect(main.filter((s) => s.quietFrom).length).toBeGreaterThanOrEqual(5);
  });

  it('has a weekday rhythm and a persistent week-scale wobble of the level', () => {
    const flat = byName(main, 'real-holiday-heavy-oct');
    const weekdays = flat.daily.filter((d) => dayOfWeek(d.date) >= 1 && dayOfWeek(d.date) <= 5);
    const weekend = flat.daily.filter((d) => dayOfWeek(d.date) === 0 || dayOfWeek(d.date) === 6);
    expect(sum(weekend) / weekend.length / (sum(weekdays) / weekdays.length)).toBeLessThan(0.4);
    // The same draw without the wobble: log(with / without) is the wobble itself (up to the cent
    // rounding), persistent from day to day and a few percent in size.
    const plain = byName(realisticScenarios('', { wobble: false }), 'real-holiday-heavy-oct');
    const drift = flat.daily.map((d, i) => Math.log(d.usd / (plain.daily[i]?.usd ?? 1)));
    expect(lag1(drift)).toBeGreaterThan(0.9);
    const sd = Math.sqrt(drift.reduce((a, x) => a + x * x, 0) / drift.length);
    expect(sd).toBeGreaterThan(0.02);
    expect(sd).toBeLessThan(0.1);
    // By the week: weekly sums one week apart still move together.
    const ratio = weeks(flat).map((w, i) => Math.log(w / (weeks(plain)[i] ?? 1)));
    expect(lag1(ratio)).toBeGreaterThan(0.5);
  });

  it('has multi-day runaway bursts, quarter-end crunches, a price hike and a licence cancellation', () => {
    const bursts = byName(main, 'real-runaway-bursts-oct');
    const before = sum(bursts.daily.slice(47, 75)) / 28;
    const during = sum(bursts.daily.slice(75, 81)) / 6;
    expect(during / before).toBeGreaterThan(4);
    const crunch = byName(main, 'real-flat-crunch-feb');
    const quarter = crunch.daily.length / 4;
    const endOfQ1 = sum(crunch.daily.slice(Math.ceil(quarter - 10), Math.floor(quarter)));
    const midQ2 = sum(crunch.daily.slice(120, 120 + Math.floor(quarter) - Math.ceil(quarter - 10)));
    expect(endOfQ1 / midQ2).toBeGreaterThan(1.4);
    const hike = byName(main, 'real-price-hike-jan');
    expect(sum(hike.daily.slice(150, 178)) / sum(hike.daily.slice(122, 150))).toBeGreaterThan(1.15);
    const cancel = byName(main, 'real-licence-cancel-apr');
    expect(sum(cancel.daily.slice(210, 238)) / sum(cancel.daily.slice(182, 210))).toBeLessThan(0.75);
  });
});
