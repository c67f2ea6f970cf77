import { describe, expect, it } from 'vitest';
import { addDays, eachDay } from '../../../../functions/core/dates.js';
import { fiscalYearFromStart } from '../../../../functions/core/fiscal-calendar.js';
import {
  combineMembers,
  cumulativePath,
  MEMBERS,
  type Member,
} from '../../../../functions/core/forecast/combination.js';
import { prepareSeries } from '../../../../functions/core/forecast/series.js';
import type { DailySpend } from '../../../../functions/core/forecast/types.js';
import { hashSeed, mulberry32, normal } from '../../../../functions/core/random.js';

const fy = fiscalYearFromStart('2026-01-01');

function series(days: number, level: (t: number) => number, seed = 1): DailySpend[] {
  const rand = mulberry32(hashSeed('combination', seed));
  return eachDay(fy.start, addDays(fy.start, days - 1)).map((date, t) => {
    const dow = new Date(`${date}T00:00:00Z`).getUTCDay();
    const rhythm = dow === 0 || dow === 6 ? 0.3 : 1;
    return { date, usd: Math.round(level(t) * rhythm * Math.exp(0.15 * normal(rand)) * 100) / 100 };
  });
}

const weightOf = (c: ReturnType<typeof combineMembers>, name: string) =>
  c.members.find((m) => m.name === name)?.weight ?? Number.NaN;

describe('forecast combination', () => {
  it('weighs the members by their own rolling-origin errors, summing to 1', () => {
    // Prepare
    const s = prepareSeries({
      daily: series(200, () => 1000),
      budgetUsd: 1e6,
      fiscalYear: fy,
      asOf: '2026-07-19',
    });
    // Act
    const c = combineMembers(s);
    // Assess
    expect(c.members.map((m) => m.name)).toEqual(MEMBERS.map((m) => m.name));
    expect(c.members.reduce((a, m) => a + m.weight, 0)).toBeCloseTo(1, 12);
    expect(c.origins).toBe(24); // weekly back to the last origin with four weeks to fit on
    expect(c.cumulative).toHaveLength(fy.days - 200);
  });

  it('gives equal weights before any origin can be judged', () => {
    const s = prepareSeries({
      daily: series(30, () => 1000),
      budgetUsd: 1e6,
      fiscalYear: fy,
      asOf: '2026-01-30',
    });
    const c = combineMembers(s);
    expect(c.origins).toBe(0);
    for (const m of c.members) expect(m.weight).toBeCloseTo(1 / 3, 12);
  });

  it('leans on the trend for a steadily growing team and on the levels for a steady one', () => {
    // Prepare: +3% a week, and flat, 200 days each
    const growing = prepareSeries({
      daily: series(200, (t) => 1000 * Math.exp((0.03 * t) / 7)),
      budgetUsd: 1e6,
      fiscalYear: fy,
      asOf: '2026-07-19',
    });
    const steady = prepareSeries({
      daily: series(200, () => 1000),
      budgetUsd: 1e6,
      fiscalYear: fy,
      asOf: '2026-07-19',
    });
    // Act
    const g = combineMembers(growing);
    const f = combineMembers(steady);
    // Assess
    expect(weightOf(g, 'regime-trend')).toBeGreaterThan(0.6);
    expect(weightOf(f, 'recent-level') + weightOf(f, 'half-year-level')).toBeGreaterThan(0.5);
  });

  it('judges a member by its typical error, so the few origins that straddle a break do not decide', () => {
    // Prepare: a steady team and two members built on the recent level. One is right except at three
    // origins 10–12 weeks back (as every member is, around a step or a pause), 40% high there; the
    // other is 8% high at every origin. Under the mean squared error the second would win.
    const s = prepareSeries({
      daily: series(200, () => 1000),
      budgetUsd: 1e6,
      fiscalYear: fy,
      asOf: '2026-07-19',
    });
    const recent = MEMBERS[0];
    if (!recent) throw new Error('no recent-level member');
    const offAt = new Set([s.n - 70, s.n - 77, s.n - 84]);
    const scaled = (factor: (o: number) => number): Member => ({
      name: '',
      fit: (series, o, regime) => {
        const p = recent.fit(series, o, regime);
        return { ...p, level: p.level * factor(o) };
      },
    });
    const members = [
      { ...scaled((o) => (offAt.has(o) ? 1.4 : 1)), name: 'usually-right' },
      { ...scaled(() => 1.08), name: 'always-8%-high' },
    ];
    // Act
    const c = combineMembers(s, members);
    // Assess
    expect(c.origins).toBe(24);
    expect(weightOf(c, 'usually-right')).toBeGreaterThan(0.8);
  });

  it('accumulates a damped path: week w runs at level × exp(growth × (φ + … + φ^(w+1)))', () => {
    const mult = new Float64Array(21).fill(1);
    const c = cumulativePath({ level: 100, growth: 0.1, phi: 0.5 }, mult, 0, 21);
    expect(c[6]).toBeCloseTo(7 * 100 * Math.exp(0.05), 9);
    expect((c[13] ?? 0) - (c[6] ?? 0)).toBeCloseTo(7 * 100 * Math.exp(0.075), 9);
    expect((c[20] ?? 0) - (c[13] ?? 0)).toBeCloseTo(7 * 100 * Math.exp(0.0875), 9);
  });
});
