import type { BurnReport } from '../burn-report.js';
import { budgetNote, dataNotes } from '../burn-text.js';
import type { AlertSettings, IdentityKind } from '../config/schema.js';
import { addDays, diffDays, eachDay, type IsoDay, monthOf } from '../dates.js';
import { canonicalModelId } from '../models.js';
import { type Micros, microsToUsd } from '../money.js';
import {
  capRows,
  type MonthToDateReader,
  type PersonKey,
  peopleOverCap,
  personCostsFromLines,
} from '../person-costs.js';
import type { TeamDaySourceTotal } from '../ports.js';
import type { CoverageOfSource } from '../team-reports.js';
import { identityMayNamePerson, type UsageRecord } from '../usage.js';
import type {
  AlertCondition,
  BudgetFacts,
  Driver,
  EngineerCapFacts,
  Severity,
  SpikeFacts,
  SpikeIdentity,
  StaleFacts,
} from './types.js';
import { ORG_SCOPE } from './types.js';

export const ruleKey = (rule: string, sub?: string) => `ALERT#${rule}${sub ? `#${sub}` : ''}`;

function median(values: readonly number[]): number {
  if (values.length === 0) return 0;
  const s = [...values].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? (s[mid] ?? 0) : ((s[mid - 1] ?? 0) + (s[mid] ?? 0)) / 2;
}

/** The greatest of ISO strings (days or timestamps sort as text). */
const latest = (values: readonly string[]): string | undefined => [...values].sort().at(-1);

/** Nearest-rank quantile. */
function quantile(values: readonly number[], q: number): number {
  const s = [...values].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil(q * s.length) - 1))] ?? 0;
}

/** P(exhaustion) a low-confidence (short-history) forecast needs before it alerts. */
export const LOW_CONFIDENCE_CRITICAL = 0.9;

/** Days of data a team needs before a day can be judged a spike. */
export const MIN_HISTORY_DAYS = 14;

const byDesc =
  <T>(score: (t: T) => number) =>
  (a: T, b: T) =>
    score(b) - score(a);

/** Sum of `totals` in [from, to] grouped by `key`, in micros. */
function sumBy(
  totals: readonly TeamDaySourceTotal[],
  from: IsoDay,
  to: IsoDay,
  key: (t: TeamDaySourceTotal) => Iterable<[string, Micros]>,
): Map<string, Micros> {
  const out = new Map<string, Micros>();
  for (const t of totals) {
    if (t.date < from || t.date > to) continue;
    for (const [k, m] of key(t)) out.set(k, (out.get(k) ?? 0n) + m);
  }
  return out;
}

/**
 * The main driver: the vendor whose last-28-day spend grew most over the 28 days before (or, without
 * that history, the biggest one), with its fastest-growing model.
 */
export function mainDriver(totals: readonly TeamDaySourceTotal[], asOf: IsoDay): Driver | undefined {
  const recentFrom = addDays(asOf, -27);
  const priorFrom = addDays(asOf, -55);
  const priorTo = addDays(asOf, -28);
  const hasPrior = totals.some((t) => t.date >= priorFrom && t.date <= priorTo);
  const vendorOf = (t: TeamDaySourceTotal): Iterable<[string, Micros]> => [[t.vendor, t.costMicros]];
  const recent = sumBy(totals, recentFrom, asOf, vendorOf);
  const prior = sumBy(totals, priorFrom, priorTo, vendorOf);
  const total = [...recent.values()].reduce((a, b) => a + b, 0n);
  if (total <= 0n) return undefined;
  const growth = (k: string, r: Map<string, Micros>, p: Map<string, Micros>) =>
    microsToUsd((r.get(k) ?? 0n) - (p.get(k) ?? 0n));
  const vendors = [...recent.keys()].sort(
    hasPrior ? byDesc((v) => growth(v, recent, prior)) : byDesc((v) => microsToUsd(recent.get(v) ?? 0n)),
  );
  const vendor = vendors[0];
  if (!vendor) return undefined;
  const modelsOf = (t: TeamDaySourceTotal): Iterable<[string, Micros]> =>
    t.vendor === vendor ? Object.entries(t.byModel).map(([m, v]) => [canonicalModelId(m), v]) : [];
  const recentModels = sumBy(totals, recentFrom, asOf, modelsOf);
  const priorModels = sumBy(totals, priorFrom, priorTo, modelsOf);
  const model = [...recentModels.keys()].sort(
    hasPrior
      ? byDesc((m) => growth(m, recentModels, priorModels))
      : byDesc((m) => microsToUsd(recentModels.get(m) ?? 0n)),
  )[0];
  return {
    vendor,
    ...(model ? { model } : {}),
    share: Math.round((Number(recent.get(vendor) ?? 0n) / Number(total)) * 100) / 100,
    growthUsd: hasPrior ? Math.round(growth(vendor, recent, prior)) : null,
  };
}

/** Vendors of a team's spend this year, biggest first (drives the "what to do" links). */
function vendorsOf(report: BurnReport): string[] {
  return report.byVendor.filter((v) => v.usd > 0).map((v) => v.vendor);
}

/**
 * Exhaust-before-year-end (critical) and at-risk (warning). With a forecast, the team's thresholds
 * apply to P(exhaustion) (a short-history, low-confidence forecast alerts only when near-certain);
 * the run-rate outlook (no distribution) uses its own status. Spending past the budget already is
 * critical whatever the outlook says.
 */
export function evaluateBudget(
  report: BurnReport,
  totals: readonly TeamDaySourceTotal[],
  settings: AlertSettings,
): AlertCondition | undefined {
  if (report.budgetUsd === null) return undefined;
  const o = report.outlook;
  const p = o.probabilityOfExhaustion;
  let severity: Severity;
  if (report.spentToDateUsd > report.budgetUsd) severity = 'critical';
  else if (p !== null && o.confidence === 'low')
    // Weeks of history only: the band is wide, so only a near-certain overrun is worth a message.
    severity = p >= Math.max(settings.criticalProbability, LOW_CONFIDENCE_CRITICAL) ? 'critical' : 'ok';
  else if (p !== null)
    severity =
      p >= settings.criticalProbability ? 'critical' : p >= settings.warningProbability ? 'warning' : 'ok';
  else severity = o.status;
  const driver = mainDriver(totals, report.asOf);
  const facts: BudgetFacts = {
    kind: 'budget',
    teamName: report.name,
    asOf: report.asOf,
    fiscalYearEnd: report.fiscalYear.end,
    fiscalYearLabel: report.fiscalYear.label,
    budgetUsd: report.budgetUsd,
    spentToDateUsd: report.spentToDateUsd,
    percentUsed: report.percentUsed ?? 0,
    yearEndUsd: o.yearEndUsd,
    exhaustionDate: o.exhaustionDate,
    probabilityOfExhaustion: p,
    daysEarly: o.daysEarly,
    method: o.method,
    ...(driver ? { driver } : {}),
    vendors: vendorsOf(report),
    dataStatus: report.dataStatus,
    dataNotes: dataNotes(report),
    ...(budgetNote(report) ? { budgetNote: budgetNote(report) } : {}),
    ...(report.plans.some((p) => p.applied)
      ? { plans: report.plans.filter((p) => p.applied).map((p) => p.label) }
      : {}),
  };
  return {
    team: report.team,
    rule: 'budget',
    key: ruleKey('budget'),
    severity,
    exhaustionP50: o.exhaustionDate.p50,
    ...(report.dataStatus === 'incomplete' ? { dataIncomplete: true } : {}),
    facts,
  };
}

/** Reads a day's line items for one source (injected so rules stay pure and testable). */
export type LinesOf = (source: string, date: IsoDay) => Promise<readonly UsageRecord[]>;

const IDENTITY_ORDER = [
  'apiKey',
  'project',
  'workspace',
  'userEmail',
  'account',
  'tag',
  'githubTeam',
] as const;

/** The identity with the most cost among `lines` (preferring lines of `model`). */
function topIdentity(lines: readonly UsageRecord[], model?: string): SpikeIdentity | undefined {
  const named = (l: UsageRecord) => canonicalModelId(l.modelId ?? l.model ?? l.lineItem) === model;
  const pool = model && lines.some(named) ? lines.filter(named) : lines;
  const sums = new Map<string, { kind: IdentityKind; value: string; micros: Micros }>();
  for (const l of pool) {
    const kind = IDENTITY_ORDER.find((k) => l.identities[k]);
    if (!kind) continue;
    const value = l.identities[kind] ?? '';
    const key = `${kind}=${value}`;
    const cur = sums.get(key) ?? { kind, value, micros: 0n };
    cur.micros += l.costMicros;
    sums.set(key, cur);
  }
  const top = [...sums.values()].sort((a, b) => (b.micros > a.micros ? 1 : b.micros < a.micros ? -1 : 0))[0];
  return top
    ? {
        kind: top.kind,
        value: top.value,
        person: identityMayNamePerson(top.kind),
        usd: microsToUsd(top.micros),
      }
    : undefined;
}

/** What the rules that read a team's day aggregates and lines are given. */
export interface TeamRuleInput {
  readonly team: string;
  readonly teamName: string;
  readonly totals: readonly TeamDaySourceTotal[];
  readonly asOf: IsoDay;
  readonly settings: AlertSettings;
  readonly linesOf: LinesOf;
  /**
   * Each person's cost over team-day rows (issue 14: the store's per-team month rollups, one read per
   * team). Absent: summed from `linesOf`, the same answer read the slow way.
   */
  readonly monthToDate?: MonthToDateReader;
  /**
   * Who each `userEmail` is (`personKeyOf(config.identities)`: case and `identities.people[]`
   * aliases). Absent: emails differing only in case are one person.
   */
  readonly personKey?: PersonKey;
}

/**
 * Spend spike: the latest day with data is above `spikeMultiplier` × the median of the 28 days before
 * it, above 1.5 × their 90th percentile (so a heavy-tailed team's routine big days are not spikes)
 * and above `spikeMinUsd`. The median ignores earlier one-off spikes, so one runaway day does not
 * raise the bar for the next. Names the vendor and model with the largest excess and the identity
 * (API key, project, workspace or user) that spent most of it.
 */
export async function evaluateSpike(opts: TeamRuleInput): Promise<AlertCondition> {
  const { totals, settings } = opts;
  const base = { team: opts.team, rule: 'spike' as const, key: ruleKey('spike') };
  const days = totals.filter((t) => t.date <= opts.asOf).map((t) => t.date);
  const day = latest(days);
  // Data a few days old says nothing about a runaway today; staleness has its own rule.
  if (!day || diffDays(day, opts.asOf) > 2) return { ...base, severity: 'ok' };
  const window = eachDay(addDays(day, -28), addDays(day, -1));
  const dayTotal = (d: IsoDay, pick: (t: TeamDaySourceTotal) => Micros = (t) => t.costMicros) =>
    microsToUsd(totals.filter((t) => t.date === d).reduce((a, t) => a + pick(t), 0n));
  // Two weeks of data at least: a baseline of mostly empty days would call any first spend a spike.
  const first = [...days].sort()[0] ?? day;
  if (diffDays(first, day) < MIN_HISTORY_DAYS) return { ...base, severity: 'ok' };
  const usd = dayTotal(day);
  const history = window.map((d) => dayTotal(d));
  const baselineUsd = median(history);
  // Heavy-tailed teams have big days routinely: a spike must also clear 1.5× the recent busy days (P90).
  const isSpike =
    usd > settings.spikeMinUsd &&
    usd > settings.spikeMultiplier * baselineUsd &&
    usd > 1.5 * quantile(history, 0.9);
  if (!isSpike) return { ...base, severity: 'ok' };

  const excess = (pick: (t: TeamDaySourceTotal) => Micros) =>
    dayTotal(day, pick) - median(window.map((d) => dayTotal(d, pick)));
  const sources = [...new Set(totals.filter((t) => t.date === day).map((t) => t.source))];
  const source =
    sources.sort(byDesc((s) => excess((t) => (t.source === s ? t.costMicros : 0n))))[0] ?? 'unknown';
  const row = totals.find((t) => t.date === day && t.source === source);
  const models = Object.keys(row?.byModel ?? {});
  const model = models.sort(
    byDesc((m) => excess((t) => (t.source === source ? (t.byModel[m] ?? 0n) : 0n))),
  )[0];
  const identity = topIdentity(await opts.linesOf(source, day), model);
  const facts: SpikeFacts = {
    kind: 'spike',
    teamName: opts.teamName,
    date: day,
    usd: Math.round(usd * 100) / 100,
    baselineUsd: Math.round(baselineUsd * 100) / 100,
    multiple: baselineUsd > 0 ? Math.round((usd / baselineUsd) * 10) / 10 : Number.POSITIVE_INFINITY,
    vendor: row?.vendor ?? 'other',
    source,
    ...(model ? { model } : {}),
    ...(identity ? { identity } : {}),
    vendors: [row?.vendor ?? 'other'],
  };
  return { ...base, severity: 'warning', facts };
}

/**
 * Per-engineer monthly cap: sums each person's cost (lines with a userEmail identity, as Cursor and
 * Claude Code report, one person however each vendor spells their email; core/person-costs.ts) over
 * the calendar month of `asOf`. Only days and sources
 * that had active users count. Re-alerts when more people go over.
 */
export async function evaluateEngineerCap(opts: TeamRuleInput): Promise<AlertCondition | undefined> {
  const cap = opts.settings.perEngineerMonthlyCapUsd;
  if (cap === undefined) return undefined;
  const month = monthOf(opts.asOf);
  // A new month starts a new count: the key carries the month so last month's state does not mask it.
  const base = { team: opts.team, rule: 'engineer-cap' as const, key: ruleKey('engineer-cap', month) };
  const rows = capRows(opts.totals, opts.asOf);
  // Every row here has lines naming a person, all of its source's vendor.
  const vendors = new Set<string>(rows.map((r) => r.vendor));
  const vendorOfSource = new Map(rows.map((r) => [r.source, r.vendor]));
  const read = opts.monthToDate ?? personCostsFromLines(opts.linesOf);
  // The vendors a cap could be set at for each person (issue 19): those they spent with this month.
  const people = peopleOverCap(rows.length ? await read(rows) : [], cap, vendorOfSource, opts.personKey);
  if (people.length === 0) return { ...base, severity: 'ok', metric: 0 };
  const facts: EngineerCapFacts = {
    kind: 'engineer-cap',
    teamName: opts.teamName,
    month,
    asOf: opts.asOf,
    capUsd: cap,
    overCount: people.length,
    people,
    vendors: [...vendors],
  };
  return { ...base, severity: 'warning', metric: people.length, facts };
}

/**
 * Stale or missing data for one source, judged by what it has delivered, not by when it was last
 * asked (an empty or failing answer is not fresh data): stale when its data is complete only up to a
 * day more than `staleAfterHours` before the end of the as-of day, or not at all. Names the last
 * complete day, the days missing and the last error.
 */
export function evaluateStaleness(opts: {
  coverage: CoverageOfSource;
  asOf: IsoDay;
  settings: AlertSettings;
}): AlertCondition {
  const { coverage, settings } = opts;
  const last = coverage.completeThrough;
  const hoursBehind = last === null ? null : 24 * diffDays(last, opts.asOf);
  const stale = hoursBehind === null || hoursBehind > settings.staleAfterHours;
  const facts: StaleFacts = {
    kind: 'stale-data',
    source: coverage.source,
    vendor: coverage.vendor,
    lastCompleteDay: last,
    missingDays: coverage.missingDays,
    holes: coverage.holes.slice(0, 3),
    lastError: coverage.lastError,
    lastFetchedAt: coverage.lastFetchedAt,
    hoursBehind,
    staleAfterHours: settings.staleAfterHours,
  };
  return {
    team: ORG_SCOPE,
    rule: 'stale-data',
    key: ruleKey('stale-data', coverage.source),
    severity: stale ? 'warning' : 'ok',
    facts,
  };
}
