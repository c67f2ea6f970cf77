import type { IsoDay } from './dates.js';
import type { Micros } from './money.js';
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

/** What one source stored for one day: which teams, how much. Also the freshness signal. */
export interface SourceDayManifest {
  readonly source: string;
  readonly date: IsoDay;
  readonly teams: readonly string[];
  readonly records: number;
  readonly costMicros: Micros;
  readonly provisional: boolean;
  readonly fetchedAt: string;
}

export interface ReplaceResult {
  readonly days: number;
  readonly written: number;
  readonly deleted: number;
}

/**
 * Usage storage. `replaceSourceDays` is the only write path for usage: for each listed day it makes
 * the stored rows of that source exactly `records` (re-ingesting a day replaces, never adds).
 */
export interface UsageStore {
  replaceSourceDays(
    source: string,
    days: readonly IsoDay[],
    records: readonly UsageRecord[],
  ): Promise<ReplaceResult>;
  /** Per-source daily totals of one team in [from, to]. */
  teamDailyTotals(team: string, from: IsoDay, to: IsoDay): Promise<TeamDaySourceTotal[]>;
  /** Stored line items of one team from one source on one day (includes per-person lines). */
  teamLines(source: string, date: IsoDay, team: string): Promise<UsageRecord[]>;
  /** Manifests of one source in [from, to]. */
  sourceDays(source: string, from: IsoDay, to: IsoDay): Promise<SourceDayManifest[]>;
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
   * Throws `ConditionalWriteConflictError` otherwise, so a retried run never acts twice.
   */
  putState(scope: string, key: string, value: unknown, expectedVersion: number): Promise<number>;
  /** All states of a scope whose key starts with `prefix`. */
  listStates(scope: string, prefix: string): Promise<Array<{ key: string } & Versioned<unknown>>>;
}

export type Store = UsageStore & SnapshotStore & StateStore;

/** Injected time, so forecasts and staleness checks are testable. */
export interface Clock {
  now(): Date;
}

export const systemClock: Clock = { now: () => new Date() };
