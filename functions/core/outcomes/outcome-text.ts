import type { BurnReport } from '../burn-report.js';
import { usd } from '../burn-text.js';
import { formatUsd, usdToMicros } from '../money.js';
import type { IdleSeats, OutcomeFigures, TeamOutcomes } from './metrics.js';

/**
 * The words for outcome figures, shared by `/burn TEAM outcomes`, the digest, the report, the CLI
 * and the cost-per-PR alert. Team figures only: nothing here names a person.
 */

/** 0.38 → "up 38%", −0.12 → "down 12%", |x| < 0.5% → "flat". */
export function changeWords(change: number | null, window = 'in 4 weeks'): string {
  if (change === null) return '';
  const p = Math.round(change * 100);
  if (p === 0) return `flat ${window}`;
  return `${p > 0 ? 'up' : 'down'} ${Math.abs(p)}% ${window}`;
}

/** "+38%" / "−12%" for tables; "—" when unknown. */
export function changeCell(change: number | null): string {
  if (change === null) return '—';
  const p = Math.round(change * 100);
  return p === 0 ? '0%' : `${p > 0 ? '+' : '−'}${Math.abs(p)}%`;
}

/**
 * Dollars with cents below $10, and to a hundredth of a cent below 10¢: spend per accepted line is
 * often a fraction of a cent ($0.0044), stored to 4 decimals, and must not read "$0.00". One format
 * for `/burn TEAM outcomes`, the CLI and the HTML report (they all show `figureRows`).
 */
export function usdFine(n: number): string {
  const abs = Math.abs(n);
  if (abs >= 10) return usd(n);
  return formatUsd(usdToMicros(n), abs > 0 && abs < 0.1 ? { decimals: 4 } : { cents: true });
}

export const percent = (share: number | null) => (share === null ? '—' : `${Math.round(share * 100)}%`);

const SEAT_NAMES = { copilot: 'Copilot', cursor: 'Cursor' } as const;

/** "14 idle Copilot seats, $546/month" per vendor with idle seats. */
export function idleSeatWords(seats: readonly IdleSeats[]): string[] {
  return seats
    .filter((s) => s.idle > 0)
    .map(
      (s) =>
        `${s.idle} idle ${SEAT_NAMES[s.vendor]} seat${s.idle === 1 ? '' : 's'}, ${usd(s.monthlyUsd)}/month`,
    );
}

/** "$412 per merged PR, up 38% in 4 weeks" (or without the change when it is unknown). */
export function perPrWords(o: TeamOutcomes): string | undefined {
  const now = o.last4Weeks.spendPerMergedPrUsd;
  if (now === null) return undefined;
  const change = changeWords(o.change.spendPerMergedPr);
  return `${usd(now)} per merged PR${change ? `, ${change}` : ''}`;
}

/**
 * The digest's line for a team: "$412 per merged PR, up 38% in 4 weeks; 14 idle Copilot seats,
 * $266/month", or undefined when there is nothing to say.
 */
export function outcomeSummary(r: Pick<BurnReport, 'outcomes'>): string | undefined {
  const o = r.outcomes;
  if (!o) return undefined;
  const parts = [perPrWords(o), ...idleSeatWords(o.idleSeats)].filter((p): p is string => Boolean(p));
  return parts.length ? parts.join('; ') : undefined;
}

/** The figures that are shares (0–1), each shown as a percent with its change. */
type ShareFigure =
  | 'aiAssistedShare'
  | 'adoption'
  | 'flagshipShare'
  | 'editAcceptance'
  | 'suggestionAcceptance';

/** One row per figure: name, last 4 weeks, the 4 before, change. */
export function figureRows(o: TeamOutcomes): Array<[string, string, string, string]> {
  const l = o.last4Weeks;
  const p = o.previous4Weeks;
  const money = (f: OutcomeFigures, k: 'spendPerMergedPrUsd' | 'spendPerActiveEngineerUsd') =>
    f[k] === null ? '—' : usd(f[k]);
  const fine = (f: OutcomeFigures) =>
    f.spendPerAcceptedLineUsd === null ? '—' : usdFine(f.spendPerAcceptedLineUsd);
  const count = (n: number | null) => (n === null ? '—' : n.toLocaleString('en-US'));
  const share = (name: string, k: ShareFigure): [string, string, string, string] => [
    name,
    percent(l[k]),
    percent(p[k]),
    changeCell(o.change[k]),
  ];
  return [
    ['Spend', usd(l.spendUsd), usd(p.spendUsd), changeCell(o.change.spend)],
    ['Merged PRs', count(l.mergedPullRequests), count(p.mergedPullRequests), ''],
    [
      'Spend per merged PR',
      money(l, 'spendPerMergedPrUsd'),
      money(p, 'spendPerMergedPrUsd'),
      changeCell(o.change.spendPerMergedPr),
    ],
    share('AI-assisted PRs', 'aiAssistedShare'),
    ['Accepted AI lines', count(l.acceptedLines), count(p.acceptedLines), ''],
    ['Spend per accepted line', fine(l), fine(p), changeCell(o.change.spendPerAcceptedLine)],
    [
      'Spend per active engineer a week',
      money(l, 'spendPerActiveEngineerUsd'),
      money(p, 'spendPerActiveEngineerUsd'),
      changeCell(o.change.spendPerActiveEngineer),
    ],
    share('Adoption (active ÷ headcount)', 'adoption'),
    share('Flagship-model share', 'flagshipShare'),
    share('Agent edits kept', 'editAcceptance'),
    share('AI suggestions accepted', 'suggestionAcceptance'),
  ];
}
