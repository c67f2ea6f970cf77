import type { BurnReport } from '../core/burn-report.js';
import { dataNotes, shortDate, statusLabel, usd } from '../core/burn-text.js';

/** Plain-text table for terminals: columns padded, numbers right-aligned. */
export function renderTable(headers: readonly string[], rows: ReadonlyArray<ReadonlyArray<string>>): string {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const numeric = headers.map(
    (_, i) => rows.length > 0 && rows.every((r) => /^[-+$\d.,%()kM× ]*$/.test(r[i] ?? '')),
  );
  const line = (cells: ReadonlyArray<string>) =>
    cells
      .map((c, i) => (numeric[i] ? c.padStart(widths[i] ?? 0) : c.padEnd(widths[i] ?? 0)))
      .join('  ')
      .trimEnd();
  return [line(headers), widths.map((w) => '─'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}

/** Every team in one table: the view `burn` (no team) and `demo` print. */
export function renderBurnTable(reports: readonly BurnReport[]): string {
  return renderTable(
    ['Team', 'Budget', 'Spent YTD', 'Used', 'Year-end P50', 'P10–P90', 'Runs out', 'Status'],
    reports.map((r) => [
      r.name,
      r.budgetUsd === null ? '—' : usd(r.budgetUsd),
      usd(r.spentToDateUsd),
      r.percentUsed === null ? '—' : `${r.percentUsed}%`,
      usd(r.outlook.yearEndUsd.p50),
      r.outlook.method === 'forecast'
        ? `${usd(r.outlook.yearEndUsd.p10)}–${usd(r.outlook.yearEndUsd.p90)}`
        : '—',
      r.outlook.exhaustionDate.p50 ? shortDate(r.outlook.exhaustionDate.p50, r.asOf) : '—',
      statusLabel(r),
    ]),
  );
}

/** One line per team whose recent days are estimated: which source, through when, how many days. */
export function renderDataNotes(reports: readonly BurnReport[]): string[] {
  return reports.flatMap((r) => {
    const notes = dataNotes(r);
    return notes.length
      ? [`${r.name}: ${notes.join('; ')}${r.dataStatus === 'incomplete' ? ' — incomplete data' : ''}`]
      : [];
  });
}
