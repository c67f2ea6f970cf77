import { mapBounded } from './bounded.js';
import type { BudgetPhasing } from './budget-phasing.js';
import { type BudgetChange, type BudgetInForce, budgetsInForce } from './budgets.js';
import { type BurnReport, computeBurnReport, dailyMicros } from './burn-report.js';
import { assessCompleteness, type TeamCompleteness } from './completeness.js';
import {
  alertSettingsFor,
  type BurnwatchConfig,
  type SourceConfig,
  UNALLOCATED_TEAM,
} from './config/schema.js';
import { type IsoDay, monthOf } from './dates.js';
import { type FiscalYear, fiscalYearOf } from './fiscal-calendar.js';
import { forecastSpend } from './forecast/engine.js';
import type { DailySpend, Forecast, ForecastPlan } from './forecast/types.js';
import { companyHolidays } from './holidays.js';
import { type SourceCoverage, summarizeCoverage } from './ingest/coverage.js';
import { microsToUsd } from './money.js';
import { seatActivityDays } from './outcomes/collect.js';
import { type OutcomeStore, outcomesOfOrg } from './outcomes/team-outcomes.js';
import { capRows, type PersonCost, type PersonKey, peopleOverCap, personKeyOf } from './person-costs.js';
import { activePlans, planBasis, planLabel, toForecastPlan } from './plans.js';
import {
  type SourceDayManifest,
  systemClock,
  type TeamDaySourceTotal,
  type TeamRecordStore,
  type UsageStore,
} from './ports.js';

/** Team reads in flight at once: enough to hide DynamoDB's latency, few enough to stay in its burst. */
export const TEAM_READS_IN_FLIGHT = 8;

/** A team as reported: every configured team plus `unallocated` (no budget). */
export interface ReportedTeam {
  readonly id: string;
  readonly name: string;
  readonly budgetUsd: number | null;
  readonly headcount?: number;
  /** The recorded change that set the budget in force, when not the config's. */
  readonly budgetChange?: BudgetChange;
  /** Quarter shares of the budget in force, when it is phased. */
  readonly budgetPhasing?: BudgetPhasing;
}

export function reportedTeams(
  config: BurnwatchConfig,
  budgets: ReadonlyMap<string, BudgetInForce> = new Map(),
): ReportedTeam[] {
  return [
    ...config.teams.map((t) => {
      const budget = budgets.get(t.id);
      return {
        id: t.id,
        name: t.name,
        budgetUsd: budget?.usd ?? t.annualBudgetUsd,
        headcount: t.headcount,
        ...(budget?.change ? { budgetChange: budget.change } : {}),
        ...((budget?.phasing ?? t.budgetPhasing)
          ? { budgetPhasing: budget?.phasing ?? t.budgetPhasing }
          : {}),
      };
    }),
    { id: UNALLOCATED_TEAM, name: 'Unallocated', budgetUsd: null },
  ];
}

/**
 * Forecasts one team's daily spend; absent → the burn report uses the trailing run-rate outlook.
 * `daily` includes the estimated spend of days a source has not delivered; `estimated` says how much
 * of it is estimated and how uncertain that is (ForecastInput.estimated).
 */
export type TeamForecaster = (input: {
  team: ReportedTeam;
  daily: DailySpend[];
  fiscalYear: FiscalYear;
  asOf: IsoDay;
  estimated?: { readonly usd: number; readonly sdUsd: number };
  /** The team's planned changes as the engine applies them. */
  plans?: readonly ForecastPlan[];
}) => Forecast | undefined;

export interface TeamBurn {
  readonly report: BurnReport;
  /** Day aggregates the report was computed from (for charts and alert rules). */
  readonly totals: readonly TeamDaySourceTotal[];
  /** Stored spend per day (estimated days excluded). */
  readonly daily: DailySpend[];
  readonly forecast?: Forecast;
  /** Why the team's forecast failed this run (its outlook is then the trailing run-rate). */
  readonly forecastProblem?: string;
  readonly completeness: TeamCompleteness;
  /**
   * Each person's cost this month to `asOf` (core/person-costs.ts), read with the team's days when
   * the team has a per-engineer cap: the cap rule's input, from the store's rollups.
   */
  readonly people?: readonly PersonCost[];
}

/** A source's coverage of the fiscal year to as-of, with its vendor (for messages). */
export type CoverageOfSource = SourceCoverage & { readonly vendor: string };

/** Every team's burn and the coverage of every source it was computed from. */
export interface OrgBurns {
  readonly asOf: IsoDay;
  readonly burns: TeamBurn[];
  readonly coverage: readonly CoverageOfSource[];
  /** Teams whose forecast failed (their outlook is the trailing run-rate), one line each. */
  readonly problems: readonly string[];
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

/** The vendor a source's spend is reported as. */
export function vendorOfSource(s: SourceConfig): string {
  if (s.type === 'import') return s.vendor;
  // Outcome sources (issue 17): Copilot's usage metrics are Copilot's; merged PRs are GitHub's.
  if (s.type === 'copilot-metrics') return 'copilot';
  return s.type;
}

/**
 * Coverage of every enabled source over the fiscal year of `asOf` up to `asOf`: one query per source,
 * read once for all teams. The manifests come back too, so team reads need not fetch them again.
 */
export async function readCoverage(
  config: BurnwatchConfig,
  store: UsageStore,
  asOf: IsoDay,
): Promise<{ coverage: CoverageOfSource[]; manifests: SourceDayManifest[] }> {
  const fy = fiscalYearOf(config.fiscalYear, asOf);
  const range = { from: fy.start, to: asOf };
  const coverage: CoverageOfSource[] = [];
  const manifests: SourceDayManifest[] = [];
  for (const source of config.sources.filter((s) => s.enabled)) {
    const days = await store.sourceDays(source.id, range.from, range.to);
    manifests.push(...days);
    coverage.push({ ...summarizeCoverage(source.id, days, range), vendor: vendorOfSource(source) });
  }
  return { coverage, manifests };
}

/**
 * Reads every team's day aggregates for the fiscal year of `asOf` (one query per team, no scans) and
 * computes its burn report: spend to date from stored days, and an outlook whose input fills the days
 * a source has not delivered with estimates, handed to the forecaster with their uncertainty (so the
 * band, P(exhaustion) and the exhaustion dates all carry it), so missing data never reads as zero
 * spend.
 */
export async function computeTeamBurns(opts: {
  config: BurnwatchConfig;
  store: UsageStore & TeamRecordStore & OutcomeStore;
  asOf: IsoDay;
  now: Date;
  forecaster?: TeamForecaster;
  teams?: readonly string[];
  /**
   * With `teams`, read the other teams' last 30 days too, so a seat in use under another team is
   * not called idle (`burnwatch burn TEAM` shows idle seats); answers that show none (what-if,
   * limits) leave it off: for a big org it is a read per team and day.
   */
  orgWideSeatActivity?: boolean;
}): Promise<OrgBurns> {
  const { config, asOf } = opts;
  const fy = fiscalYearOf(config.fiscalYear, asOf);
  const budgets = await budgetsInForce(config, opts.store, asOf);
  const reported = reportedTeams(config, budgets);
  const teams = reported.filter((t) => !opts.teams || opts.teams.includes(t.id));
  const { coverage, manifests } = await readCoverage(config, opts.store, asOf);
  const holidays = new Set(companyHolidays(config.holidayCalendar, fy.start, fy.end, config.holidays));
  // Each team's year (and, with a cap, its people's month) is an independent read: a few at a time
  // (issue 14), then each team is forecast in turn.
  const read = await mapBounded(teams, TEAM_READS_IN_FLIGHT, async (team) => {
    const totals = await opts.store.teamDailyTotals(team.id, fy.start, asOf, manifests);
    const rows = capRows(totals, asOf);
    const capped = alertSettingsFor(config, team.id).perEngineerMonthlyCapUsd !== undefined;
    const people =
      capped && team.id !== UNALLOCATED_TEAM
        ? rows.length
          ? await opts.store.personMonthToDate(team.id, monthOf(asOf), asOf, rows, manifests)
          : []
        : undefined;
    return { totals, people };
  });
  const totalsByTeam = new Map<string, TeamDaySourceTotal[]>();
  const completenessByTeam = new Map<string, TeamCompleteness>();
  for (const [i, team] of teams.entries()) {
    const totals = read[i]?.totals ?? [];
    totalsByTeam.set(team.id, totals);
    completenessByTeam.set(
      team.id,
      assessCompleteness({ totals, coverage, asOf, holidays, settings: alertSettingsFor(config, team.id) }),
    );
  }
  // Seat activity is org-wide: a seat assigned through one team is in use when its holder's usage is
  // attributed to another. Computing only some teams for an answer that shows idle seats
  // (`burnwatch burn TEAM`), the others' last 30 days are read too, for who was active only.
  const seatDays =
    opts.orgWideSeatActivity && teams.length < reported.length ? seatActivityDays(config, asOf) : undefined;
  const otherTeamsTotals = seatDays
    ? new Map(
        await mapBounded(
          reported.filter((t) => !teams.includes(t)),
          TEAM_READS_IN_FLIGHT,
          async (t) =>
            [t.id, await opts.store.teamDailyTotals(t.id, seatDays.from, seatDays.to, manifests)] as const,
        ),
      )
    : undefined;
  // What the spend bought (issue 17): read once for the organization, then per team.
  const outcomes = await outcomesOfOrg({
    config,
    store: opts.store,
    asOf,
    teams,
    totalsByTeam,
    completenessByTeam,
    manifests,
    ...(otherTeamsTotals ? { otherTeamsTotals } : {}),
  });
  const burns: TeamBurn[] = [];
  const problems: string[] = [];
  const personKey = personKeyOf(config.identities);
  for (const [i, team] of teams.entries()) {
    const totals = read[i]?.totals ?? [];
    const people = read[i]?.people;
    const daily = dailySpend(totals, fy, asOf);
    const completeness = completenessByTeam.get(team.id) as TeamCompleteness;
    const estimated = estimateOf(completeness);
    const plans = team.budgetUsd !== null ? await activePlans(opts.store, team.id) : [];
    const teamOutcomes = outcomes.get(team.id);
    const { people: outcomePeople, ...outcomeFigures } = teamOutcomes ?? {};
    const overCap = overCapOf(people, alertSettingsFor(config, team.id).perEngineerMonthlyCapUsd, personKey);
    // New engineers are priced at the spend per distinct active engineer, as /burn's what-if does.
    const basis = planBasis(totals, asOf, teamOutcomes?.activeEngineers28d || team.headcount || 0);
    const applied = plans.map((p) => ({ plan: p, forecast: toForecastPlan(p, basis) }));
    const forecastPlans = applied.flatMap((a) => (a.forecast ? [a.forecast] : []));
    let raw: ReturnType<TeamForecaster> | undefined;
    let forecastProblem: string | undefined;
    try {
      raw =
        team.budgetUsd !== null
          ? opts.forecaster?.({
              team,
              daily: withEstimates(daily, completeness),
              fiscalYear: fy,
              asOf,
              ...(estimated ? { estimated } : {}),
              ...(forecastPlans.length ? { plans: forecastPlans } : {}),
            })
          : undefined;
    } catch (err) {
      // One team's failure must not cost every other team its forecast and its alerts: this team
      // falls back to the trailing run-rate outlook, and the run says so.
      forecastProblem = `forecast failed (${err instanceof Error ? err.message : String(err)})`;
      problems.push(`${team.id}: ${forecastProblem}; its outlook is the trailing run-rate`);
    }
    // Spent to date is what is stored; the estimates are in the outlook only.
    const forecast =
      raw && estimated ? { ...raw, spentToDateUsd: round2(daily.reduce((a, d) => a + d.usd, 0)) } : raw;
    const report = computeBurnReport({
      team: team.id,
      name: team.name,
      budgetUsd: team.budgetUsd,
      headcount: team.headcount,
      ...(team.budgetChange ? { budgetChange: team.budgetChange } : {}),
      ...(team.budgetPhasing ? { budgetPhasing: team.budgetPhasing } : {}),
      plans: applied.map(({ plan, forecast }) => ({
        id: plan.id,
        label: planLabel(plan),
        text: plan.text,
        from: plan.from,
        by: plan.by,
        at: plan.at,
        applied: forecast !== undefined && raw !== undefined,
      })),
      fiscalYear: fy,
      asOf,
      totals,
      forecast,
      completeness,
      now: opts.now,
      ...outcomeFigures,
      ...(outcomePeople || overCap.length
        ? { people: { idleSeats: [], unmatchedIdentities: [], ...outcomePeople, overCap } }
        : {}),
    });
    burns.push({
      report,
      totals,
      daily,
      forecast,
      completeness,
      ...(people ? { people } : {}),
      ...(forecastProblem ? { forecastProblem } : {}),
    });
  }
  return { asOf, burns, coverage, problems };
}

/** Who is over the per-engineer cap this month (the cap rule's test), for viewers config.privacy allows. */
function overCapOf(
  people: readonly PersonCost[] | undefined,
  capUsd: number | undefined,
  personKey: PersonKey,
): { user: string; monthUsd: number }[] {
  if (!people || capUsd === undefined) return [];
  return peopleOverCap(people, capUsd, new Map(), personKey).map(({ user, monthUsd }) => ({
    user,
    monthUsd,
  }));
}

/** Stored daily spend plus the estimated spend of days not yet delivered: what the forecast reads. */
export function withEstimates(daily: readonly DailySpend[], c: TeamCompleteness): DailySpend[] {
  if (c.estimatedDaily.size === 0) return [...daily];
  const byDay = new Map(daily.map((d) => [d.date, d.usd]));
  for (const [date, usd] of c.estimatedDaily) byDay.set(date, (byDay.get(date) ?? 0) + usd);
  return [...byDay].sort(([a], [b]) => (a < b ? -1 : 1)).map(([date, usd]) => ({ date, usd }));
}

/** The estimated part of the forecast's input and its standard deviation; undefined when none. */
function estimateOf(c: TeamCompleteness): { usd: number; sdUsd: number } | undefined {
  if (c.estimatedDaily.size === 0) return undefined;
  // The sum of the days filled in, not the rounded per-source total: exactly what `daily` gained.
  let usd = 0;
  for (const v of c.estimatedDaily.values()) usd += v;
  return { usd, sdUsd: c.estimateSdUsd };
}

const round2 = (n: number) => Math.round(n * 100) / 100;

/**
 * The forecaster every command and Lambda uses: the forecast engine with the team's alert thresholds
 * and the company holidays from config (the built-in calendar plus the days listed).
 */
export function engineForecaster(config: BurnwatchConfig): TeamForecaster {
  return ({ team, daily, fiscalYear, asOf, estimated, plans }) => {
    if (team.budgetUsd === null) return undefined;
    const settings = alertSettingsFor(config, team.id);
    return forecastSpend(
      {
        daily,
        budgetUsd: team.budgetUsd,
        fiscalYear,
        asOf,
        holidays: companyHolidays(config.holidayCalendar, fiscalYear.start, fiscalYear.end, config.holidays),
        ...(estimated ? { estimated } : {}),
        ...(plans?.length ? { plans } : {}),
      },
      { criticalProbability: settings.criticalProbability, warningProbability: settings.warningProbability },
    );
  };
}

/** Every team's (or the listed teams') burn as of `asOf`, with the forecast engine's outlook. */
export function forecastTeamBurns(
  config: BurnwatchConfig,
  store: UsageStore & TeamRecordStore & OutcomeStore,
  asOf: IsoDay,
  opts: { teams?: readonly string[]; now?: Date; orgWideSeatActivity?: boolean } = {},
): Promise<OrgBurns> {
  return computeTeamBurns({
    config,
    store,
    asOf,
    now: opts.now ?? systemClock.now(),
    forecaster: engineForecaster(config),
    ...(opts.teams ? { teams: opts.teams } : {}),
    ...(opts.orgWideSeatActivity ? { orgWideSeatActivity: true } : {}),
  });
}
