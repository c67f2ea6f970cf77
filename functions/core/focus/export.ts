import type { BurnwatchConfig } from '../config/schema.js';
import type { DayRange } from '../ingest/connector.js';
import type { UsageStore } from '../ports.js';
import type { UsageRecord } from '../usage.js';
import { focusProblems } from './check.js';
import { toCsv } from './csv.js';
import { focusRows } from './rows.js';
import { FOCUS_COLUMNS } from './spec.js';

export class FocusExportError extends Error {
  override readonly name = 'FocusExportError';
  readonly code = 'FOCUS_INVALID';
}

export interface FocusExport {
  readonly csv: string;
  readonly rows: number;
  readonly range: DayRange;
}

/**
 * The FOCUS 1.2 CSV of every source's stored lines in the range (the CLI's `export --format focus`
 * and the daily export Lambda). The rows are checked against the spec's column rules before anything
 * is returned: a file that would break them is never written.
 */
export async function exportFocus(
  store: UsageStore,
  config: BurnwatchConfig,
  range: DayRange,
): Promise<FocusExport> {
  const records: UsageRecord[] = [];
  for (const source of config.sources) {
    for (const day of await store.sourceDays(source.id, range.from, range.to)) {
      if (day.generation === null) continue;
      for (const team of day.teams) records.push(...(await store.teamLines(source.id, day.date, team)));
    }
  }
  const rows = focusRows(records, { organization: config.organization.name, sources: config.sources });
  const header = FOCUS_COLUMNS.map((c) => c.name);
  const problems = focusProblems(header, rows);
  if (problems.length)
    throw new FocusExportError(
      `the FOCUS rows break ${problems.length} column rule(s); nothing written:\n  ${problems.slice(0, 10).join('\n  ')}`,
    );
  return { csv: toCsv(header, rows), rows: rows.length, range };
}
