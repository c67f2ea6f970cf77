import { describe, expect, it } from 'vitest';
import { budgetFor, chanceOfRunningOut, suggestMoves } from '../../../functions/core/budget-moves.js';
import type { Outlook } from '../../../functions/core/burn-report.js';

const outlook = (p10: number, p50: number, p90: number): Outlook => ({
  method: 'forecast',
  yearEndUsd: { p10, p50, p90 },
  exhaustionDate: { p10: null, p50: null, p90: null },
  probabilityOfExhaustion: null,
  status: 'ok',
  confidence: 'normal',
  daysEarly: null,
});
const team = (id: string, budgetUsd: number, o: Outlook) => ({
  report: { team: id, name: id[0]?.toUpperCase() + id.slice(1), budgetUsd, outlook: o },
  warningProbability: 0.3,
});

describe('budget moves', () => {
  it('reads the chance of running out from the year-end band: 50% at P50, 10% at P90, 90% at P10', () => {
    const y = { p10: 80, p50: 100, p90: 130 };
    expect(chanceOfRunningOut(y, 100)).toBeCloseTo(0.5, 6);
    expect(chanceOfRunningOut(y, 130)).toBeCloseTo(0.1, 6);
    expect(chanceOfRunningOut(y, 80)).toBeCloseTo(0.9, 6);
    expect(chanceOfRunningOut(y, budgetFor(y, 0.24))).toBeCloseTo(0.24, 4);
  });

  it('moves money from teams well under budget to teams at risk, never pushing a donor to its warning threshold', () => {
    // Prepare: Payments heads for $300k on $240k; Search and Web are far under theirs.
    const teams = [
      team('payments', 240_000, outlook(250_000, 300_000, 380_000)),
      team('search', 420_000, outlook(280_000, 300_000, 330_000)),
      team('web', 210_000, outlook(100_000, 120_000, 150_000)),
      team('mobile', 180_000, outlook(150_000, 175_000, 210_000)), // at risk itself: neither gives nor is far off
    ];

    // Act
    const moves = suggestMoves(teams);

    // Assess: Payments gets enough to be below the donors' risk level; donors stay below warning.
    expect(moves.length).toBeGreaterThan(0);
    expect(moves.every((m) => m.to === 'payments' || m.to === 'mobile')).toBe(true);
    expect(moves.every((m) => m.from === 'search' || m.from === 'web')).toBe(true);
    for (const m of moves) {
      expect(m.fromAfter).toBeLessThanOrEqual(0.8 * 0.3 + 1e-9);
      expect(m.usd % 1_000).toBe(0);
    }
    const toPayments = moves.filter((m) => m.to === 'payments').reduce((a, m) => a + m.usd, 0);
    expect(
      chanceOfRunningOut({ p10: 250_000, p50: 300_000, p90: 380_000 }, 240_000 + toPayments),
    ).toBeLessThanOrEqual(0.3);
    // Each donor, after all its moves, is still below its warning threshold.
    for (const donor of ['search', 'web']) {
      const given = moves.filter((m) => m.from === donor).reduce((a, m) => a + m.usd, 0);
      const t = teams.find((x) => x.report.team === donor);
      expect(
        chanceOfRunningOut(
          t?.report.outlook.yearEndUsd ?? { p10: 0, p50: 0, p90: 0 },
          (t?.report.budgetUsd ?? 0) - given,
        ),
      ).toBeLessThan(0.3);
    }
  });

  it('suggests nothing when nobody is at risk', () => {
    expect(suggestMoves([team('search', 420_000, outlook(280_000, 300_000, 330_000))])).toEqual([]);
  });
});
