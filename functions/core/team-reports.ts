import { type BurnReport, computeBurnReport, dailyMicros } from './burn-report.js';
import { alertSettingsFor, type BurnwatchConfig, UNALLOCATED_TEAM } from './config/schema.js';
import type { IsoDay } from './dates.js';
import { type FiscalYear, fiscalYearOf } from './fiscal-calendar.js';
import { forecastSpend } from './forecast/engine.js';
import type { DailySpend, Forecast } from './forecast/types.js';
import { companyHolidays } from './holidays.js';
import { microsToUsd } from './money.js';
import type { SnapshotStore, TeamDaySourceTotal, UsageStore } from './ports.js';

/** A team as reported: every configured team plus `unallocated` (no budget). */
export interface ReportedTeam {
  readonly id: string;
  readonly name: string;
  readonly budgetUsd: number | null;
  readonly headcount?: number;
}

export function reportedTeams(config: BurnwatchConfig): ReportedTeam[] {
  return [
    ...config.teams.map((t) => ({
      id: t.id,
      name: t.name,
      budgetUsd: t.annualBudgetUsd,
      headcount: t.headcount,
    })),
    { id: UNALLOCATED_TEAM, name: 'Unallocated', budgetUsd: null },
  ];
}

/** Forecasts one team's daily spend; absent → the burn report uses the trailing run-rate outlook. */
export type TeamForecaster = (input: {
  team: ReportedTeam;
  daily: DailySpend[];
  fiscalYear: FiscalYear;
  asOf: IsoDay;
}) => Forecast | undefined;

export interface TeamBurn {
  readonly report: BurnReport;
  /** Day aggregates the report was computed from (for charts and alert rules). */
  readonly totals: readonly TeamDaySourceTotal[];
  readonly daily: DailySpend[];
  readonly forecast?: Forecast;
}

/** Daily spend in USD per day from fiscal-year start to `asOf` (days without rows are absent). */
export function dailySpend(
  totals: readonly TeamDaySourceTotal[],
  fy: FiscalYear,
  asOf: IsoDay,
): DailySpend[] {
  return [...dailyMicros(totals, fy.start, asOf)]
    .sort(([a], [b]) => (a < b ? -1 : 1))
    .map(([date, m]) => ({ date, usd: microsToUsd(m) }));
}

/**
 * Reads every team's day aggregates for the fiscal year of `asOf` (one query per team, no scans) and
 * computes its burn report, with the forecaster's outlook when one is given.
 */
export async function computeTeamBurns(opts: {
  config: BurnwatchConfig;
  store: UsageStore;
  asOf: IsoDay;
  now: Date;
  forecaster?: TeamForecaster;
  teams?: readonly string[];
}): Promise<TeamBurn[]> {
  const fy = fiscalYearOf(opts.config.fiscalYear, opts.asOf);
  const teams = reportedTeams(opts.config).filter((t) => !opts.teams || opts.teams.includes(t.id));
  const out: TeamBurn[] = [];
  for (const team of teams) {
    const totals = await opts.store.teamDailyTotals(team.id, fy.start, opts.asOf);
    const daily = dailySpend(totals, fy, opts.asOf);
    const forecast =
      team.budgetUsd !== null
        ? opts.forecaster?.({ team, daily, fiscalYear: fy, asOf: opts.asOf })
        : undefined;
    const report = computeBurnReport({
      team: team.id,
      name: team.name,
      budgetUsd: team.budgetUsd,
      headcount: team.headcount,
      fiscalYear: fy,
      asOf: opts.asOf,
      totals,
      forecast,
      now: opts.now,
    });
    out.push({ report, totals, daily, forecast });
  }
  return out;
}

/**
 * The forecaster every command and Lambda uses: the forecast engine with the team's alert thresholds
 * and the company holidays from config (the built-in calendar plus the days listed).
 */
export function engineForecaster(config: BurnwatchConfig): TeamForecaster {
  return ({ team, daily, fiscalYear, asOf }) => {
    if (team.budgetUsd === null) return undefined;
    const settings = alertSettingsFor(config, team.id);
    return forecastSpend(
      {
        daily,
        budgetUsd: team.budgetUsd,
        fiscalYear,
        asOf,
        holidays: companyHolidays(config.holidayCalendar, fiscalYear.start, fiscalYear.end, config.holidays),
      },
      { criticalProbability: settings.criticalProbability, warningProbability: settings.warningProbability },
    );
  };
}

/** Stores each team's summary (what `/burn` reads) and, where there is one, its forecast snapshot. */
export async function storeTeamBurns(
  store: SnapshotStore,
  burns: readonly TeamBurn[],
  asOf: IsoDay,
): Promise<void> {
  for (const b of burns) {
    await store.putTeamSummary(b.report.team, b.report);
    if (b.forecast) await store.putForecastSnapshot(b.report.team, asOf, b.forecast);
  }
}

/** Every team's (or the listed teams') burn as of `asOf`, with the forecast engine's outlook. */
export function forecastTeamBurns(
  config: BurnwatchConfig,
  store: UsageStore,
  asOf: IsoDay,
  teams?: readonly string[],
): Promise<TeamBurn[]> {
  return computeTeamBurns({
    config,
    store,
    asOf,
    now: new Date(),
    forecaster: engineForecaster(config),
    ...(teams ? { teams } : {}),
  });
}
