import type { BurnwatchConfig } from '../config/schema.js';
import type { IsoDay } from '../dates.js';
import type { DayRange } from '../ingest/connector.js';
import { resolveModel } from '../models.js';
import { formatUsd, type Micros } from '../money.js';
import type { SourceDayManifest, TeamDaySourceTotal, UsageStore } from '../ports.js';
import { detailExpiresAt } from '../retention.js';
import { isBillable, type UsageRecord } from '../usage.js';
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
  /**
   * Source-days (`source date`) whose per-person lines had passed `retention.personDetailMonths`, so
   * their spend was written from the team-day totals instead, by model.
   */
  readonly fromTotals: readonly string[];
}

/** What ChargeDescription says of spend written from a team-day total (its lines are gone). */
export const PAST_RETENTION_NOTE = '(per-person lines past retention; from the team-day total)';

/** The key a team-day total's `byModel` sums a line under (core/team-day.ts). */
const modelKey = (l: UsageRecord) => l.modelId ?? l.model ?? l.lineItem;

/**
 * The FOCUS 1.2 CSV of every source's stored lines in the range (the CLI's `export --format focus`
 * and the daily export Lambda). Every source-team-day's lines are checked against its stored
 * team-day total, so the file carries the spend every other view reports: where DynamoDB's TTL has
 * removed per-person lines (the day is past `retention.personDetailMonths` at `now`), the missing
 * spend is written from the total, one row per model; any other gap fails the export, naming the
 * days. The rows are checked against the spec's column rules before anything is returned: a file
 * that would break them is never written.
 */
export async function exportFocus(
  store: UsageStore,
  config: BurnwatchConfig,
  range: DayRange,
  opts: { readonly now: Date },
): Promise<FocusExport> {
  const records: UsageRecord[] = [];
  const manifests: SourceDayManifest[] = [];
  const read = new Map<string, UsageRecord[]>();
  const at = (source: string, date: IsoDay, team: string) => `${source}|${date}|${team}`;
  for (const source of config.sources) {
    for (const day of await store.sourceDays(source.id, range.from, range.to)) {
      if (day.generation === null) continue;
      manifests.push(day);
      for (const team of day.teams) {
        const lines = await store.teamLines(source.id, day.date, team, day);
        read.set(at(source.id, day.date, team), lines);
        records.push(...lines);
      }
    }
  }

  const months = config.retention.personDetailMonths;
  const pastRetention = (date: IsoDay) => detailExpiresAt(date, months) * 1000 <= opts.now.getTime();
  const fromTotals = new Set<string>();
  const gaps: string[] = [];
  for (const team of [...new Set(manifests.flatMap((m) => m.teams))].sort()) {
    for (const total of await store.teamDailyTotals(team, range.from, range.to, manifests)) {
      const lines = read.get(at(total.source, total.date, team));
      if (!lines) continue;
      const missing = missingByModel(total, lines);
      if (missing.size === 0) continue;
      if (pastRetention(total.date)) {
        records.push(...[...missing].map(([model, micros]) => totalLine(total, team, model, micros)));
        fromTotals.add(`${total.source} ${total.date}`);
      } else {
        const stored = [...missing.values()].reduce((a, m) => a + m, 0n);
        gaps.push(
          `${total.source} ${total.date} ${team}: the lines miss ${formatUsd(stored, { cents: true })} of the team-day total`,
        );
      }
    }
  }
  if (gaps.length)
    throw new FocusExportError(
      `stored lines do not add up to the team-day totals on ${gaps.length} source-team-day(s), within ` +
        `retention.personDetailMonths (${months}) so not its TTL; nothing written (re-ingest those days):\n  ` +
        gaps.slice(0, 10).join('\n  '),
    );

  const rows = focusRows(records, { organization: config.organization.name, sources: config.sources });
  const header = FOCUS_COLUMNS.map((c) => c.name);
  const problems = focusProblems(header, rows);
  if (problems.length)
    throw new FocusExportError(
      `the FOCUS rows break ${problems.length} column rule(s); nothing written:\n  ${problems.slice(0, 10).join('\n  ')}`,
    );
  return { csv: toCsv(header, rows), rows: rows.length, range, fromTotals: [...fromTotals].sort() };
}

/** Per model, what a team-day total holds that its stored billable lines do not (non-zero only). */
function missingByModel(total: TeamDaySourceTotal, lines: readonly UsageRecord[]): Map<string, Micros> {
  const missing = new Map<string, Micros>(Object.entries(total.byModel));
  for (const l of lines)
    if (isBillable(l)) missing.set(modelKey(l), (missing.get(modelKey(l)) ?? 0n) - l.costMicros);
  for (const [model, micros] of missing) if (micros === 0n) missing.delete(model);
  return missing;
}

/** A line standing for a model's spend whose lines are gone: what the team-day total still says. */
function totalLine(total: TeamDaySourceTotal, team: string, model: string, micros: Micros): UsageRecord {
  const known = resolveModel(model);
  return {
    date: total.date,
    source: total.source,
    team,
    vendor: total.vendor,
    identities: {},
    lineItem: `${model} ${PAST_RETENTION_NOTE}`,
    // As ingest does: the canonical model where known, else the spelling kept verbatim.
    modelId: known?.id ?? model,
    ...(known ? { modelFamily: known.family, modelTier: known.tier } : {}),
    costMicros: micros,
    provisional: total.provisional,
  };
}
