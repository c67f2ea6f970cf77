import type { IsoDay } from '../../core/dates.js';
import type { TeamRecordKind } from '../../core/ports.js';

/**
 * Single-table keys (see docs/storage.md). Every item has `pk`, `sk` and `type`.
 * Teams: `TEAM#{team}` holds day aggregates, forecast snapshots, alert states and the summary.
 * Sources: `SOURCE#{source}` holds one manifest per stored day and the ingest state.
 * Lines: `LINES#{source}#{day}#{team}` holds the line items (per model, per identity, per person),
 * sorted under the generation of the write that made them.
 */
export const keys = {
  teamPk: (team: string) => `TEAM#${team}`,
  /** Generation `''` (items from before generations) keeps the old key. */
  teamDaySk: (date: IsoDay, source: string, generation: string) =>
    generation ? `DAY#${date}#${source}#${generation}` : `DAY#${date}#${source}`,
  teamDayRange: (from: IsoDay, to: IsoDay) => [`DAY#${from}`, `DAY#${to}#\uffff`] as const,
  forecastSk: (asOf: IsoDay) => `FORECAST#${asOf}`,
  summarySk: () => 'SUMMARY',
  /** `BUDGET#{id}` / `PLAN#{id}`: budget changes and planned changes in the team's partition. */
  teamRecordSk: (kind: TeamRecordKind, id: string) => `${kind.toUpperCase()}#${id}`,
  statePk: (scope: string) => `STATE#${scope}`,
  stateSk: (key: string) => key,
  sourcePk: (source: string) => `SOURCE#${source}`,
  sourceDaySk: (date: IsoDay) => `DAY#${date}`,
  /**
   * A team-day's per-person costs from one source under one generation (a digest, in chunks of people):
   * `PEOPLE#{day}#{source}#{generation}#{chunk}` in the team's partition, outside the `DAY#` range.
   */
  peopleDaySk: (date: IsoDay, source: string, generation: string, chunk: number) =>
    `PEOPLE#${date}#${source}#${generation}#${String(chunk).padStart(3, '0')}`,
  peopleDayPrefix: (date: IsoDay, source: string, generation: string) =>
    `PEOPLE#${date}#${source}#${generation}#`,
  /** A team's per-person month-to-date rollup of one source: `PEOPLEMONTH#{YYYY-MM}#{source}`. */
  peopleMonthSk: (month: string, source: string) => `PEOPLEMONTH#${month}#${source}`,
  /** The pre-computed summary of every team `/burn all` reads: one item. */
  orgPk: () => 'ORG',
  linesPk: (source: string, date: IsoDay, team: string) => `LINES#${source}#${date}#${team}`,
  lineSk: (generation: string, lineKey: string) => (generation ? `${generation}#${lineKey}` : lineKey),
} as const;

export const TABLE_KEY = { partitionKey: 'pk', sortKey: 'sk' } as const;
