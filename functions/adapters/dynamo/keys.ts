import type { IsoDay } from '../../core/dates.js';

/**
 * Single-table keys (see docs/storage.md). Every item has `pk`, `sk` and `type`.
 * Teams: `TEAM#{team}` holds day aggregates, forecast snapshots, alert states and the summary.
 * Sources: `SOURCE#{source}` holds one manifest per stored day and the ingest state.
 * Lines: `LINES#{source}#{day}#{team}` holds the line items (per model, per identity, per person).
 */
export const keys = {
  teamPk: (team: string) => `TEAM#${team}`,
  teamDaySk: (date: IsoDay, source: string) => `DAY#${date}#${source}`,
  teamDayRange: (from: IsoDay, to: IsoDay) => [`DAY#${from}`, `DAY#${to}#\uffff`] as const,
  forecastSk: (asOf: IsoDay) => `FORECAST#${asOf}`,
  summarySk: () => 'SUMMARY',
  statePk: (scope: string) => `STATE#${scope}`,
  stateSk: (key: string) => key,
  sourcePk: (source: string) => `SOURCE#${source}`,
  sourceDaySk: (date: IsoDay) => `DAY#${date}`,
  linesPk: (source: string, date: IsoDay, team: string) => `LINES#${source}#${date}#${team}`,
} as const;

export const TABLE_KEY = { partitionKey: 'pk', sortKey: 'sk' } as const;
