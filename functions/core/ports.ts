import type { IsoDay } from './dates.js';
import type { Micros } from './money.js';
import type { PersonIds } from './outcomes/active-people.js';
import type { PersonCost, PersonDay } from './person-costs.js';
import type { OutcomeCounts, TokenCounts, UsageRecord, Vendor } from './usage.js';

/** One team's spend from one source on one day, pre-aggregated at ingest for fast reads. */
export interface TeamDaySourceTotal {
  readonly team: string;
  readonly date: IsoDay;
  readonly source: string;
  readonly vendor: Vendor;
  readonly costMicros: Micros;
  readonly byModel: Readonly<Record<string, Micros>>;
  readonly tokens: Required<TokenCounts>;
  /** Summed outcome counters (commits, PRs, lines) where the vendor reports them. */
  readonly outcomes: OutcomeCounts;
  /** Distinct people (userEmail identities) with usage that day. */
  readonly activeUsers: number;
  readonly lines: number;
  readonly provisional: boolean;
}

/**
 * How far one source's day can be trusted (see core/ingest/coverage.ts, which decides it):
 * - `complete`: the vendor delivered the day (lines, or an explicit empty bucket: affirmed zero);
 * - `provisional`: delivered, but the vendor may still revise it (AWS `Estimated`, today's data);
 * - `suspect`: the day held spend and the vendor now answered nothing; the stored rows are kept until
 *   the vendor affirms zero or a later run confirms the empty answer;
 * - `unconfirmed`: nothing was ever stored and the vendor answered nothing, which a vendor without
 *   per-day buckets does for a quiet day and for a broken feed alike; a later run confirms it;
 * - `missing`: asked for, but the vendor has not delivered the day (no bucket for it yet);
 * - `failed`: the last attempt failed and nothing was ever stored.
 * A day without a manifest was never asked for: missing too.
 */
export const DAY_STATUSES = [
  'complete',
  'provisional',
  'suspect',
  'unconfirmed',
  'missing',
  'failed',
] as const;
export type DayStatus = (typeof DAY_STATUSES)[number];

/** What the vendor answered for the day on the last attempt. */
export const VENDOR_ANSWERS = ['rows', 'zero', 'nothing', 'absent', 'error'] as const;
export type VendorAnswer = (typeof VENDOR_ANSWERS)[number];

/** The coverage of one source-day as decided by core: the store records it as given. */
export interface DayCoverage {
  readonly status: DayStatus;
  readonly answer: VendorAnswer;
  /** When this attempt asked the vendor (ISO timestamp from the run's clock). */
  readonly attemptedAt: string;
  /** First of a run of empty answers, for the "a later run confirms it" rule. */
  readonly emptySince?: string;
  /** The attempt's error (failed days, or a re-pull that failed over stored rows). */
  readonly error?: string;
}

/**
 * The commit record of one source-day: which generation of rows readers see, what it holds, and its
 * coverage. Writing it is the single commit point of a replacement (docs/storage.md).
 */
export interface SourceDayManifest extends DayCoverage {
  readonly source: string;
  readonly date: IsoDay;
  /** The generation of rows readers see; null when no rows were ever committed for the day. */
  readonly generation: string | null;
  readonly teams: readonly string[];
  readonly records: number;
  readonly costMicros: Micros;
  readonly provisional: boolean;
  /** When the committed rows were fetched; null without rows. */
  readonly fetchedAt: string | null;
  /**
   * When the rows readers see were committed (a replacement; a re-fetch that found them unchanged
   * leaves it): what the FOCUS export asks to find the months a late delivery revised. Absent
   * without rows, and for days committed before the field existed.
   */
  readonly committedAt?: string;
  /**
   * An earlier write of this day did not finish (it died before its commit or its cleanup): readers
   * are unaffected, and the next write of the day removes what it left.
   */
  readonly unfinished?: boolean;
}

/** One day of a source's write: new rows (a replacement) or the stored rows kept, with its coverage. */
export interface SourceDayWrite {
  readonly date: IsoDay;
  /** The day's rows from now on, or `keep` to leave the stored rows and record only the coverage. */
  readonly rows: readonly UsageRecord[] | 'keep';
  readonly coverage: DayCoverage;
  /**
   * When the day's per-person detail (lines naming a person, and their digests) expires, in epoch
   * seconds (core/retention.ts); absent: kept until replaced.
   */
  readonly detailExpiresAt?: number;
}

/**
 * One day whose rows arrive in pages (a streamed vendor answer at 85,000 engineers): the same
 * replacement as `SourceDayWrite`, without holding the day in memory. A day with committed rows is
 * read and validated whole before anything is written (it may be unchanged); a day without is written
 * as it is read, invisible until its commit. `coverage` is asked once every page has been read, with
 * whether any row is provisional.
 */
export interface SourceDayStream {
  readonly date: IsoDay;
  readonly pages: AsyncIterable<readonly UsageRecord[]>;
  /** When this attempt asked the vendor (the rows' `fetchedAt`). */
  readonly attemptedAt: string;
  readonly coverage: (read: { readonly provisional: boolean }) => DayCoverage;
  readonly detailExpiresAt?: number;
}

export interface ReplaceResult {
  readonly days: number;
  readonly written: number;
  readonly deleted: number;
  /** Days whose rows were identical to the stored ones: only their coverage was written. */
  readonly unchanged: number;
}

/**
 * Usage storage. `writeSourceDays` is the only write path for usage: for each day it either makes the
 * stored rows of that source exactly the given rows (re-ingesting a day replaces, never adds) or keeps
 * them, and records the day's coverage. Readers see a day's old rows or its new rows, never both and
 * never neither, whatever point a write dies at.
 */
export interface UsageStore {
  writeSourceDays(source: string, days: readonly SourceDayWrite[]): Promise<ReplaceResult>;
  /** Replaces one day with rows read in pages, holding at most a page (and the day's sums) in memory. */
  replaceSourceDay(source: string, day: SourceDayStream): Promise<ReplaceResult>;
  /**
   * Per-source daily totals of one team in [from, to]. `manifests` are the sources' commit records
   * for the range when the caller has read them already (the daily job reads them once for all teams).
   */
  teamDailyTotals(
    team: string,
    from: IsoDay,
    to: IsoDay,
    manifests?: readonly SourceDayManifest[],
  ): Promise<TeamDaySourceTotal[]>;
  /**
   * Stored line items of one team from one source on one day (includes per-person lines, until they
   * pass `retention.personDetailMonths` and DynamoDB's TTL removes them: fewer lines than the team-day
   * total, or none). `manifest` is the day's commit record when the caller has read it already
   * (saves reading it again).
   */
  teamLines(source: string, date: IsoDay, team: string, manifest?: SourceDayManifest): Promise<UsageRecord[]>;
  /** Manifests (coverage) of one source in [from, to]. */
  sourceDays(source: string, from: IsoDay, to: IsoDay): Promise<SourceDayManifest[]>;
  /**
   * Each person's cost of one team over `days` (team-day rows of the month `YYYY-MM` up to `asOf`),
   * as core/person-costs.ts defines it: from the rollups ingest keeps, read per team, or from the
   * digests and lines where a rollup cannot vouch for a day. `manifests`: the sources' commit records
   * when the caller has read them already (the daily job), so they are not read again per team.
   */
  personMonthToDate(
    team: string,
    month: string,
    asOf: IsoDay,
    days: readonly PersonDay[],
    manifests?: readonly SourceDayManifest[],
  ): Promise<readonly PersonCost[]>;
  /**
   * The people one team's lines of one source-day name (core/outcomes/active-people.ts): from the
   * day's digest where ingest kept the list, else from its lines. `manifest` as for `teamLines`.
   */
  activePeople(
    source: string,
    date: IsoDay,
    team: string,
    manifest?: SourceDayManifest,
  ): Promise<readonly PersonIds[]>;
}

/** Opaque JSON documents keyed by team (forecast snapshots, summaries); owners validate with zod. */
export interface SnapshotStore {
  putForecastSnapshot(team: string, asOf: IsoDay, snapshot: unknown): Promise<void>;
  getForecastSnapshot(team: string, asOf: IsoDay): Promise<unknown | undefined>;
  /** The newest snapshot dated on or before `asOf` (any date when omitted). */
  latestForecastSnapshot(
    team: string,
    asOf?: IsoDay,
  ): Promise<{ asOf: IsoDay; snapshot: unknown } | undefined>;
  putTeamSummary(team: string, summary: unknown): Promise<void>;
  getTeamSummary(team: string): Promise<unknown | undefined>;
  getTeamSummaries(teams: readonly string[]): Promise<Map<string, unknown>>;
  /** Every team's line of `/burn all` in one document (core/org-summary.ts), written by the daily job. */
  putOrgSummary(summary: unknown): Promise<void>;
  getOrgSummary(): Promise<unknown | undefined>;
}

/** A versioned record for compare-and-set updates (alert lifecycle, source state). */
export interface Versioned<T> {
  readonly value: T;
  /** 0 when the record does not exist yet. */
  readonly version: number;
}

export class ConditionalWriteConflictError extends Error {
  override readonly name = 'ConditionalWriteConflictError';
  readonly code = 'CONDITIONAL_WRITE_CONFLICT';
}

export interface StateStore {
  /** State of one alert rule for one team (`ALERT#{rule}`), or one source's ingest state. */
  getState(scope: string, key: string): Promise<Versioned<unknown> | undefined>;
  /**
   * Write `value` only if the stored version is still `expectedVersion` (0 = must not exist).
   * Throws `ConditionalWriteConflictError` otherwise, so a retried run never acts twice. With
   * `expiresAt` (epoch seconds) the store may delete it from then on (a marker needed for a while).
   */
  putState(
    scope: string,
    key: string,
    value: unknown,
    expectedVersion: number,
    opts?: { readonly expiresAt?: number },
  ): Promise<number>;
  /** All states of a scope whose key starts with `prefix`. */
  listStates(scope: string, prefix: string): Promise<Array<{ key: string } & Versioned<unknown>>>;
}

/** Kinds of team records kept with their history: budget changes, planned changes, limit actions. */
export type TeamRecordKind = 'budget' | 'plan' | 'limit';

/**
 * Team records decided by people (budget changes, planned changes): written once under an id, listed
 * per team; a record is never deleted, a later write of the same id supersedes it (a removed plan
 * keeps who removed it and when). Owners validate with zod.
 */
export interface TeamRecordWrite {
  readonly team: string;
  readonly kind: TeamRecordKind;
  readonly id: string;
  readonly record: unknown;
}

export interface TeamRecordStore {
  putTeamRecord(team: string, kind: TeamRecordKind, id: string, record: unknown): Promise<void>;
  /** Several records written all or none (a budget move's two sides): at most 100. */
  putTeamRecords(records: readonly TeamRecordWrite[]): Promise<void>;
  listTeamRecords(team: string, kind: TeamRecordKind): Promise<unknown[]>;
}

export type Store = UsageStore & SnapshotStore & StateStore & TeamRecordStore;

/** Injected time, so forecasts and staleness checks are testable. */
export interface Clock {
  now(): Date;
}

export const systemClock: Clock = { now: () => new Date() };
