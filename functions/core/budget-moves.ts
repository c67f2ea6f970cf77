import type { BurnReport } from './burn-report.js';
import { usd } from './burn-text.js';
import { alertSettingsFor, type BurnwatchConfig } from './config/schema.js';
import { normalCdf, Z90 } from './forecast/band.js';

/**
 * Budget moves for finance: transfers from teams whose year end stays well under budget to teams at
 * risk, in amounts that keep every donor's chance of running out below its warning threshold.
 *
 * A team's year-end spend is read from its forecast's P10/P50/P90 as a log-normal (the engine's own
 * band shape; the upper spread above P50, the lower below), so its chance of running out on a budget
 * B is P(year end ≥ B). A donor gives at most what keeps that chance at `DONOR_MARGIN` of its warning
 * threshold; a recipient asks for what brings its chance down to the same level.
 */

/** Donors stay at or below this share of their warning threshold after giving. */
export const DONOR_MARGIN = 0.8;
/** Moves are suggested in whole thousands of dollars. */
const ROUND_TO = 1_000;

export interface MoveCandidate {
  readonly report: Pick<BurnReport, 'team' | 'name' | 'budgetUsd' | 'outlook'>;
  readonly warningProbability: number;
}

export interface BudgetMove {
  readonly from: string;
  readonly fromName: string;
  readonly to: string;
  readonly toName: string;
  readonly usd: number;
  /** Chances of running out after the move (0–1). */
  readonly fromAfter: number;
  readonly toBefore: number;
  readonly toAfter: number;
}

/** P(year end ≥ budget) from the year-end quantiles. */
export function chanceOfRunningOut(
  yearEnd: { p10: number; p50: number; p90: number },
  budgetUsd: number,
): number {
  if (yearEnd.p50 <= 0) return 0;
  const up = Math.log(Math.max(yearEnd.p90, yearEnd.p50 * 1.0001) / yearEnd.p50) / Z90;
  const down = Math.log(yearEnd.p50 / Math.max(yearEnd.p10, 1e-9)) / Z90;
  const z = Math.log(budgetUsd / yearEnd.p50);
  return 1 - normalCdf(z / (z >= 0 ? up : Math.max(down, 1e-9)));
}

/** The smallest budget at which the chance of running out is at most `p` (bisection on the curve). */
export function budgetFor(yearEnd: { p10: number; p50: number; p90: number }, p: number): number {
  let lo = 0;
  let hi = Math.max(yearEnd.p90, 1) * 4;
  for (let i = 0; i < 80; i++) {
    const mid = (lo + hi) / 2;
    if (chanceOfRunningOut(yearEnd, mid) > p) lo = mid;
    else hi = mid;
  }
  return hi;
}

/**
 * Suggested moves, riskiest recipient first: each recipient takes from the donors with the most to
 * spare until it is down to the donors' level of risk; no donor goes past `DONOR_MARGIN` of its
 * warning threshold.
 */
export function suggestMoves(candidates: readonly MoveCandidate[]): BudgetMove[] {
  const budgeted = candidates.filter(
    (c) => c.report.budgetUsd !== null && c.report.outlook.yearEndUsd.p50 > 0,
  );
  const spare = new Map<string, number>();
  const need = new Map<string, number>();
  for (const c of budgeted) {
    const budget = c.report.budgetUsd ?? 0;
    const target = budgetFor(c.report.outlook.yearEndUsd, DONOR_MARGIN * c.warningProbability);
    const chance = chanceOfRunningOut(c.report.outlook.yearEndUsd, budget);
    if (chance >= c.warningProbability) need.set(c.report.team, target - budget);
    else if (target < budget) spare.set(c.report.team, Math.floor((budget - target) / ROUND_TO) * ROUND_TO);
  }
  const byTeam = new Map(budgeted.map((c) => [c.report.team, c]));
  const chanceAt = (team: string, budget: number) =>
    chanceOfRunningOut(byTeam.get(team)?.report.outlook.yearEndUsd ?? { p10: 0, p50: 0, p90: 0 }, budget);
  const budgetOf = new Map(budgeted.map((c) => [c.report.team, c.report.budgetUsd ?? 0]));
  const moves: BudgetMove[] = [];
  const recipients = [...need].sort((a, b) => b[1] - a[1]);
  for (const [to, wanted] of recipients) {
    let left = Math.ceil(wanted / ROUND_TO) * ROUND_TO;
    for (const [from, available] of [...spare].sort((a, b) => b[1] - a[1])) {
      if (left <= 0) break;
      const usd = Math.min(left, available);
      if (usd < ROUND_TO) continue;
      const toBefore = chanceAt(to, budgetOf.get(to) ?? 0);
      budgetOf.set(from, (budgetOf.get(from) ?? 0) - usd);
      budgetOf.set(to, (budgetOf.get(to) ?? 0) + usd);
      spare.set(from, available - usd);
      left -= usd;
      moves.push({
        from,
        fromName: byTeam.get(from)?.report.name ?? from,
        to,
        toName: byTeam.get(to)?.report.name ?? to,
        usd,
        fromAfter: chanceAt(from, budgetOf.get(from) ?? 0),
        toBefore,
        toAfter: chanceAt(to, budgetOf.get(to) ?? 0),
      });
    }
  }
  return moves;
}

/** The budget moves among `reports` (teams with a budget), each donor at its own warning threshold. */
export function suggestMovesFor(config: BurnwatchConfig, reports: Iterable<BurnReport>): BudgetMove[] {
  return suggestMoves(
    [...reports]
      .filter((r) => r.budgetUsd !== null)
      .map((r) => ({ report: r, warningProbability: alertSettingsFor(config, r.team).warningProbability })),
  );
}

/** One line naming the suggested moves (the weekly digest), or undefined when there are none. */
export function movesLine(moves: readonly BudgetMove[]): string | undefined {
  if (moves.length === 0) return undefined;
  return `Suggested budget moves: ${moves.map((m) => `${usd(m.usd)} ${m.fromName} → ${m.toName}`).join('; ')} (\`/burn all moves\`)`;
}
