import * as z from 'zod';
import type { BurnReport } from '../burn-report.js';
import { dataNotes, shortDate, usd } from '../burn-text.js';
import { addDays, diffDays, type IsoDay, isIsoDay } from '../dates.js';
import { formatUsdCompact } from '../money.js';
import { outcomeSummary } from '../outcomes/outcome-text.js';
import type { SnapshotStore } from '../ports.js';
import type { TeamBurn } from '../team-reports.js';
import {
  BLOCK_KIT_LIMITS,
  type Block,
  context,
  escapeMrkdwn,
  header,
  plain,
  type SlackMessage,
  section,
} from './block-kit.js';
import type { AlertCondition, Severity } from './types.js';
import { SEVERITY_RANK } from './types.js';

const isoDay = z.string().refine(isIsoDay);

/**
 * The fields of a stored forecast snapshot the digest compares with. Lenient on purpose: snapshots
 * are written by the forecast job (the Forecast contract) and must stay readable as it grows.
 */
export const snapshotSchema = z.object({
  spentToDateUsd: z.number(),
  yearEndUsd: z.object({ p10: z.number(), p50: z.number(), p90: z.number() }),
  exhaustionDate: z.object({ p50: isoDay.nullable() }),
  probabilityOfExhaustion: z.number().nullable().optional(),
  status: z.enum(['critical', 'warning', 'ok']),
});
export type ComparableSnapshot = z.infer<typeof snapshotSchema>;

/** The snapshot the alert job stores per team and day (a subset of the Forecast contract). */
export function snapshotOf(report: BurnReport): ComparableSnapshot & { asOf: IsoDay; method: string } {
  return {
    asOf: report.asOf,
    spentToDateUsd: report.spentToDateUsd,
    yearEndUsd: report.outlook.yearEndUsd,
    exhaustionDate: report.outlook.exhaustionDate,
    probabilityOfExhaustion: report.outlook.probabilityOfExhaustion,
    status: report.outlook.status,
    method: report.outlook.method,
  };
}

export interface DigestRow {
  readonly report: BurnReport;
  /** The budget rule's severity for this team (its own thresholds). */
  readonly severity: Severity;
  /** Last week's snapshot, when there is one. */
  readonly lastWeek?: ComparableSnapshot;
}

function riskScore(r: DigestRow): number[] {
  const o = r.report.outlook;
  const ex = o.exhaustionDate.p50;
  return [
    // Incomplete data ranks above on track: it must not sink to the end where teams are cut off.
    SEVERITY_RANK[r.severity] + (r.report.dataStatus === 'incomplete' && r.severity === 'ok' ? 0.5 : 0),
    o.probabilityOfExhaustion ?? (ex ? 1 : 0),
    ex ? -diffDays(r.report.asOf, ex) : Number.NEGATIVE_INFINITY,
    r.report.budgetUsd ? o.yearEndUsd.p50 / r.report.budgetUsd : 0,
  ];
}

/** Riskiest first: severity, chance of running out, earliest exhaustion, forecast ÷ budget. */
export function sortByRisk(rows: readonly DigestRow[]): DigestRow[] {
  return [...rows].sort((a, b) => {
    const sa = riskScore(a);
    const sb = riskScore(b);
    for (let i = 0; i < sa.length; i++) {
      const d = (sb[i] ?? 0) - (sa[i] ?? 0);
      if (d !== 0) return d;
    }
    return a.report.team.localeCompare(b.report.team);
  });
}

const ICON: Record<Severity, string> = { critical: '🔴', warning: '🟠', ok: '🟢' };

/** Incomplete data with no alert already due: the team can be neither on track nor better. */
const isIncomplete = (row: DigestRow) =>
  row.report.dataStatus === 'incomplete' && row.severity !== 'critical';

/** "year-end +$40k, runs out 9 days earlier" vs last week, or "new" without a snapshot. */
export function changeText(row: DigestRow): string {
  const prev = row.lastWeek;
  if (!prev) return 'no snapshot from last week';
  // Estimates stand in for missing days: an improvement since last week proves nothing yet.
  if (isIncomplete(row)) return `incomplete data: ${dataNotes(row.report).join('; ')}`;
  const o = row.report.outlook;
  const delta = o.yearEndUsd.p50 - prev.yearEndUsd.p50;
  const parts = [
    `year-end ${delta >= 0 ? '+' : '−'}${formatUsdCompact(Math.abs(delta))}`,
    `spent +${formatUsdCompact(Math.max(0, row.report.spentToDateUsd - prev.spentToDateUsd))}`,
  ];
  const now = o.exhaustionDate.p50;
  const was = prev.exhaustionDate.p50;
  if (now && was && now !== was) {
    const days = diffDays(now, was);
    parts.push(
      `runs out ${Math.abs(days)} day${Math.abs(days) === 1 ? '' : 's'} ${days > 0 ? 'earlier' : 'later'}`,
    );
  } else if (now && !was) parts.push('now runs out before year end');
  else if (!now && was) parts.push('no longer runs out');
  if (prev.status !== row.severity && SEVERITY_RANK[row.severity] !== SEVERITY_RANK[prev.status])
    parts.push(`was ${prev.status === 'ok' ? 'on track' : prev.status}`);
  return parts.join(', ');
}

function rowLine(row: DigestRow): string {
  const r = row.report;
  const o = r.outlook;
  const ex = o.exhaustionDate.p50;
  const band =
    o.method === 'forecast'
      ? ` (P10 ${formatUsdCompact(o.yearEndUsd.p10)}–P90 ${formatUsdCompact(o.yearEndUsd.p90)})`
      : '';
  const budget = r.budgetUsd ?? 0;
  const icon = isIncomplete(row) ? '⚪' : ICON[row.severity];
  const label = r.dataStatus === 'incomplete' ? ' · _incomplete data_' : '';
  const notes = dataNotes(r);
  const week = isIncomplete(row)
    ? changeText(row)
    : `${changeText(row)}${notes.length ? `; ${notes.join('; ')}` : ''}`;
  // Outcomes (issue 17): "$412 per merged PR, up 38% in 4 weeks; 14 idle Copilot seats, $266/month".
  const outcome = outcomeSummary(r);
  return (
    `${icon} *${escapeMrkdwn(r.name)}*${label}: spent ${formatUsdCompact(r.spentToDateUsd)} of ${formatUsdCompact(budget)} (${r.percentUsed ?? 0}%) · year-end ${formatUsdCompact(o.yearEndUsd.p50)}${band}` +
    `${ex ? ` · *runs out ${shortDate(ex, r.asOf)}*` : ''}\n      _Week: ${escapeMrkdwn(week)}_` +
    (outcome ? `\n      _Outcomes: ${escapeMrkdwn(outcome)}_` : '')
  );
}

/**
 * The finance digest: every budgeted team in one message, riskiest first, with the change since last
 * week. Lines are packed into sections under Slack's 3,000-character and 50-block limits; teams that
 * do not fit are counted at the end (on-track teams sort last, so the risky ones always fit).
 */
export function digestMessage(opts: {
  organization: string;
  asOf: IsoDay;
  rows: readonly DigestRow[];
  unallocatedUsd?: number;
  /** Lines for finance under the table (suggested budget moves). */
  notes?: readonly string[];
  /** The day's published HTML report (every team, charts, freshness, alert history). */
  report?: { readonly url: string; readonly expiresHours: number; readonly location: string };
}): SlackMessage {
  const rows = sortByRisk(opts.rows);
  const count = (s: Severity) => rows.filter((r) => r.severity === s && !isIncomplete(r)).length;
  const incomplete = rows.filter(isIncomplete).length;
  const summary = `${rows.length} teams: ${count('critical')} critical, ${count('warning')} at risk, ${count('ok')} on track${incomplete ? `, ${incomplete} with incomplete data` : ''}`;
  const blocks: Block[] = [
    header(`Weekly AI spend digest: ${opts.organization}`),
    context(`As of ${opts.asOf} · ${summary} · riskiest first`),
  ];
  // What follows the teams is laid out first and its blocks held back, so the teams never crowd out
  // the report link (where the teams left out can be read) or the footer: one context of notes (the
  // "…and N more teams" line may be needed), the report's blocks, the footer.
  const trailing = opts.report ? reportBlocks(opts.report) : [];
  const maxBlocks = BLOCK_KIT_LIMITS.blocksPerMessage - 1 - trailing.length - 1;
  let chunk: string[] = [];
  let shown = 0;
  const flush = () => {
    if (chunk.length) blocks.push(section(chunk.join('\n')));
    chunk = [];
  };
  for (const row of rows) {
    const line = rowLine(row);
    if ([...chunk, line].join('\n').length > 2900) {
      flush();
      if (blocks.length >= maxBlocks) break;
    }
    chunk.push(line);
    shown++;
  }
  if (blocks.length < maxBlocks) flush();
  else shown -= chunk.length;
  // One line each: context elements render side by side, which would run the sentences together.
  const notes: string[] = [];
  if (shown < rows.length) notes.push(`…and ${rows.length - shown} more teams (see \`burnwatch burn\`)`);
  if (opts.unallocatedUsd && opts.unallocatedUsd > 0)
    notes.push(`${usd(opts.unallocatedUsd)} this year matched no team (unallocated): fix attribution rules.`);
  notes.push(...(opts.notes ?? []));
  if (notes.length) blocks.push(context(notes.join('\n')));
  blocks.push(...trailing);
  blocks.push(context('burnwatch weekly digest · forecasts from daily vendor usage'));
  const top = rows[0];
  return {
    text: `Weekly AI spend digest for ${opts.organization}: ${summary}.${top && top.severity !== 'ok' ? ` Riskiest: ${top.report.name}.` : ''}`,
    blocks,
  };
}

/**
 * The report link: a button while the presigned URL fits one (Slack takes 3,000 characters), the
 * report's place in the bucket otherwise; either way how long the link works and how to get another.
 */
function reportBlocks(report: { url: string; expiresHours: number; location: string }): Block[] {
  const fits = report.url.length <= BLOCK_KIT_LIMITS.buttonUrl;
  const hours = `${report.expiresHours} hour${report.expiresHours === 1 ? '' : 's'}`;
  return [
    ...(fits
      ? [
          {
            type: 'actions' as const,
            elements: [
              {
                type: 'button' as const,
                text: plain('Open the full report', 75),
                url: report.url,
                action_id: 'burnwatch.report',
              },
            ],
          },
        ]
      : []),
    context(
      fits
        ? `The link works for ${hours} at most; afterwards \`burnwatch report\` renders it, or open ${report.location}.`
        : `The full report is at ${report.location} (its link was too long for Slack).`,
    ),
  ];
}

/**
 * The digest's rows: every budgeted team with its budget rule's severity and last week's snapshot
 * (the one stored a week before, or the newest before that), plus this year's unallocated spend.
 */
export async function collectDigestRows(opts: {
  readonly burns: readonly TeamBurn[];
  readonly conditions: readonly AlertCondition[];
  readonly asOf: IsoDay;
  readonly snapshots: Pick<SnapshotStore, 'getForecastSnapshot' | 'latestForecastSnapshot'>;
}): Promise<{ rows: DigestRow[]; unallocatedUsd: number }> {
  const rows: DigestRow[] = [];
  let unallocatedUsd = 0;
  const weekAgo = addDays(opts.asOf, -7);
  for (const b of opts.burns) {
    if (b.report.budgetUsd === null) {
      unallocatedUsd += b.report.spentToDateUsd;
      continue;
    }
    const cond = opts.conditions.find((c) => c.team === b.report.team && c.rule === 'budget');
    const snap =
      (await opts.snapshots.getForecastSnapshot(b.report.team, weekAgo)) ??
      (await opts.snapshots.latestForecastSnapshot(b.report.team, weekAgo))?.snapshot;
    const last = snap === undefined ? undefined : snapshotSchema.safeParse(snap);
    rows.push({
      report: b.report,
      severity: cond?.severity ?? b.report.outlook.status,
      ...(last?.success ? { lastWeek: last.data } : {}),
    });
  }
  return { rows, unallocatedUsd };
}
