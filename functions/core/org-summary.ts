import * as z from 'zod';
import { type BurnReport, burnReportSchema } from './burn-report.js';

/**
 * What `/burn` and `/burn all` show of each team, pre-computed once a day (issue 14): one item the
 * slash command reads instead of every team's whole burn report (200 teams' reports are megabytes a
 * request; their lines are a few dozen kilobytes).
 */
export const teamLineSchema = burnReportSchema.pick({
  team: true,
  name: true,
  fiscalYear: true,
  asOf: true,
  dataStatus: true,
  sources: true,
  budgetUsd: true,
  percentUsed: true,
  spentToDateUsd: true,
  outlook: true,
});
export type TeamLine = z.infer<typeof teamLineSchema>;

export const orgSummarySchema = z.object({
  generatedAt: z.string(),
  /** In the order the daily job reported them (config order, `unallocated` last). */
  teams: z.array(teamLineSchema),
});
export type OrgSummary = z.infer<typeof orgSummarySchema>;

const lineOf = (r: BurnReport): TeamLine => teamLineSchema.parse(r);

/**
 * The org summary after a job that reported `reports`: their lines replace the ones `previous` had
 * (a job run for a few teams keeps the others' lines as they were); teams no longer reported by any
 * job stay until the next full run replaces the summary (`complete`).
 */
export function orgSummaryOf(
  reports: readonly BurnReport[],
  generatedAt: string,
  previous?: OrgSummary,
  complete = false,
): OrgSummary {
  const fresh = new Map(reports.map((r) => [r.team, lineOf(r)]));
  if (complete || !previous) return { generatedAt, teams: [...fresh.values()] };
  const kept = previous.teams.map((t) => fresh.get(t.team) ?? t);
  const added = [...fresh.values()].filter((t) => !previous.teams.some((p) => p.team === t.team));
  return { generatedAt, teams: [...kept, ...added] };
}
