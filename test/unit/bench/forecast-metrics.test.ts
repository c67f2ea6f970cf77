import { describe, expect, it } from 'vitest';
import { errRatioInterval, type ScenarioRun, summarise } from '../../bench/forecast-metrics.js';

/** A scenario whose every as-of date misses the truth by `bw` (burnwatch) and `rr28` (run-rate). */
function run(name: string, misses: ReadonlyArray<readonly [bw: number, rr28: number]>): ScenarioRun {
  const truth = 1000;
  return {
    scenario: {
      name,
      fiscalYearStart: '2026-01-01',
      annualBudgetUsd: 2000,
      actualYearEndUsd: truth,
      actualExhaustionDate: null,
      quietFrom: null,
      daily: [],
    },
    points: misses.map(([bw, rr28], i) => ({
      asOf: `2026-02-${String(i + 1).padStart(2, '0')}`,
      truth,
      bw: { p10: truth * 0.9, p50: truth * (1 + bw), p90: truth * 1.1, critical: false },
      rrYtd: truth,
      rr28: truth * (1 + rr28),
      quiet: false,
    })),
    early: false,
  };
}

describe('the error ratio interval of bench:forecast', () => {
  it('is the ratio itself when every scenario has the same ratio', () => {
    const runs = [run('a', [[0.05, 0.1]]), run('b', [[-0.02, 0.04]]), run('c', [[0.1, -0.2]])];
    const [lo, hi] = errRatioInterval(runs);
    expect(lo).toBeCloseTo(0.5, 12);
    expect(hi).toBeCloseTo(0.5, 12);
  });

  it('spans the scenarios when a few of them decide the pooled median', () => {
    // Half the years burnwatch's miss is a fifth of the run-rate's, half it is twice it: the pooled
    // ratio depends on which years a set happens to hold.
    const runs = [
      ...Array.from({ length: 6 }, (_, i) => run(`good-${i}`, [[0.01 * (i + 1), 0.05 * (i + 1)]])),
      ...Array.from({ length: 6 }, (_, i) => run(`bad-${i}`, [[0.02 * (i + 1), 0.01 * (i + 1)]])),
    ];
    const point = summarise(runs).errRatio;
    const [lo, hi] = errRatioInterval(runs);
    expect(lo).toBeLessThan(point);
    expect(hi).toBeGreaterThan(point);
    expect(lo).toBeLessThan(0.6);
    expect(hi).toBeGreaterThan(1);
    // Seeded: the same runs give the same interval, in the summary too.
    expect(errRatioInterval(runs)).toEqual([lo, hi]);
    expect(summarise(runs).errRatioCi).toEqual([lo, hi]);
  });
});
