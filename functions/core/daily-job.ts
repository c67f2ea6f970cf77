import { snapshotOf } from './alerts/digest.js';
import { type AlertRunDeps, type AlertRunResult, runAlerts } from './alerts/run-alerts.js';
import { mapBounded } from './bounded.js';
import type { IsoDay } from './dates.js';
import { orgSummaryOf, orgSummarySchema } from './org-summary.js';
import type { SnapshotStore } from './ports.js';
import { type PublishedReport, publishDailyReport, type ReportPublisher } from './report/report-publisher.js';
import { computeTeamBurns, type OrgBurns, type TeamBurn, type TeamForecaster } from './team-reports.js';

/**
 * The daily job, the one application service behind the forecast Lambda, `burnwatch forecast`,
 * `burnwatch alerts` and the demo: forecast every team as of a day, store what `/burn` and next
 * week's digest read, publish the day's HTML report (when there is a publisher), then (unless only
 * forecasting) evaluate and deliver alerts, the digest linking the report.
 */
export interface DailyJobDeps extends AlertRunDeps {
  /** Absent: the trailing run-rate outlook. */
  readonly forecaster?: TeamForecaster;
  /** Where the day's HTML report is published (the stack's data bucket); absent: not published. */
  readonly reports?: ReportPublisher;
}

export interface DailyJobResult extends OrgBurns {
  readonly alerts: AlertRunResult;
  /** The published report, when there is a publisher and it worked. */
  readonly report?: PublishedReport;
}

/** Summaries and snapshots written at once by the daily job. */
const WRITES_IN_FLIGHT = 8;

/**
 * Stores each team's summary (what `/burn TEAM` reads) and, for budgeted teams, its forecast snapshot
 * (the Forecast contract, or the run-rate outlook's fields where there is no forecast), then the org
 * summary (what `/burn` and `/burn all` read: one item, core/org-summary.ts). `allTeams`: the burns
 * are every reported team, so the org summary is replaced rather than merged into.
 */
export async function storeTeamBurns(
  store: SnapshotStore,
  burns: readonly TeamBurn[],
  asOf: IsoDay,
  opts: { now: Date; allTeams?: boolean },
): Promise<void> {
  await mapBounded(burns, WRITES_IN_FLIGHT, async (b) => {
    await store.putTeamSummary(b.report.team, b.report);
    if (b.report.budgetUsd !== null)
      await store.putForecastSnapshot(b.report.team, asOf, b.forecast ?? snapshotOf(b.report));
  });
  const stored = opts.allTeams ? undefined : orgSummarySchema.safeParse(await store.getOrgSummary());
  await store.putOrgSummary(
    orgSummaryOf(
      burns.map((b) => b.report),
      opts.now.toISOString(),
      stored?.success ? stored.data : undefined,
      opts.allTeams,
    ),
  );
}

/** Forecast every team as of `asOf` and store the results (nothing is written with `dryRun`). */
export async function runForecastJob(deps: DailyJobDeps, asOf: IsoDay): Promise<OrgBurns> {
  const org = await computeTeamBurns({
    config: deps.config,
    store: deps.store,
    asOf,
    now: deps.clock.now(),
    ...(deps.forecaster ? { forecaster: deps.forecaster } : {}),
  });
  if (!deps.dryRun)
    await storeTeamBurns(deps.store, org.burns, asOf, { allTeams: true, now: deps.clock.now() });
  return org;
}

/** The whole daily job: forecast and store, then alerts (Slack, SNS, the weekly digest). */
export async function runDailyJob(deps: DailyJobDeps, asOf: IsoDay): Promise<DailyJobResult> {
  const org = await runForecastJob(deps, asOf);
  let report: PublishedReport | undefined;
  const problems: string[] = [...org.problems];
  if (deps.reports && !deps.dryRun) {
    try {
      report = await publishDailyReport({
        config: deps.config,
        store: deps.store,
        org,
        publisher: deps.reports,
        now: deps.clock.now(),
      });
    } catch (err) {
      // The alerts matter more than the page: they go out, the digest without its link.
      problems.push(`report: not published (${err instanceof Error ? err.message : String(err)})`);
    }
  }
  const alerts = await runAlerts(deps, {
    asOf,
    burns: org.burns,
    coverage: org.coverage,
    ...(report ? { report } : {}),
  });
  return {
    ...org,
    alerts: { ...alerts, problems: [...problems, ...alerts.problems] },
    ...(report ? { report } : {}),
  };
}
