import type { IsoDay } from '../dates.js';
import { computeTeamBurns, type TeamBurn, type TeamForecaster } from '../team-reports.js';
import { snapshotOf } from './digest.js';
import { type AlertRunDeps, type AlertRunResult, runAlerts } from './run-alerts.js';

export interface DailyJobResult {
  readonly burns: readonly TeamBurn[];
  readonly alerts: AlertRunResult;
}

/**
 * The forecast+alert job: forecast every team as of `asOf`, store each team's summary (what `/burn`
 * reads) and forecast snapshot (what next week's digest compares with), then evaluate and deliver
 * alerts. With `dryRun` nothing is written and nothing sent.
 */
export async function runDailyJob(
  deps: AlertRunDeps & { readonly forecaster?: TeamForecaster },
  asOf: IsoDay,
): Promise<DailyJobResult> {
  const burns = await computeTeamBurns({
    config: deps.config,
    store: deps.store,
    asOf,
    now: deps.clock.now(),
    ...(deps.forecaster ? { forecaster: deps.forecaster } : {}),
  });
  if (!deps.dryRun) {
    for (const b of burns) {
      await deps.store.putTeamSummary(b.report.team, b.report);
      // The Forecast contract, as `burnwatch forecast` stores it; the run-rate outlook's fields otherwise.
      if (b.report.budgetUsd !== null)
        await deps.store.putForecastSnapshot(b.report.team, asOf, b.forecast ?? snapshotOf(b.report));
    }
  }
  const alerts = await runAlerts(deps, { asOf, burns });
  return { burns, alerts };
}
