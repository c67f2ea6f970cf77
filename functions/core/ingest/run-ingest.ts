import {
  type AttributionSummary,
  type Attributor,
  attributeLines,
  createAttributor,
} from '../attribution.js';
import type { BurnwatchConfig } from '../config/schema.js';
import { addDays, eachDay, type IsoDay, minDay, utcDayOf } from '../dates.js';
import { fiscalYearOf } from '../fiscal-calendar.js';
import { formatUsd, type Micros, microsToCentsNumber } from '../money.js';
import { type Clock, type SourceDayManifest, systemClock, type UsageStore } from '../ports.js';
import { detailExpiresAt } from '../retention.js';
import type { UsageRecord } from '../usage.js';
import { type Connector, type DayRange, SourceOutOfTimeError } from './connector.js';
import {
  chunkRuns,
  dayAnswers,
  dayWrite,
  dueDays,
  failedDayWrite,
  rowsCoverage,
  type SourceCoverage,
  summarizeCoverage,
  trailingDaysOf,
} from './coverage.js';
import { withCanonicalModels } from './model-vocabulary.js';
import { type NegativeDay, NegativeDayTally, negativeTeamDays } from './negative-days.js';
import { type DayOfUsage, daysOf } from './usage-batches.js';

/** What one source's run did. */
export interface IngestOutcome {
  readonly source: string;
  readonly status: 'ok' | 'failed';
  /** The days this run looked at: the fiscal year to yesterday, or the explicit range. */
  readonly range: DayRange;
  /** Days the run set out to fetch: holes, the trailing window, provisional and suspect days. */
  readonly daysDue: number;
  /** Days fetched and recorded (complete chunks); on failure, the days before the failing chunk. */
  readonly days: number;
  readonly records: number;
  readonly usd: number;
  readonly unallocatedUsd: number;
  /** Unallocated ÷ total, 0–1. */
  readonly unallocatedShare: number;
  /** Identities no attribution rule matched, largest first (at most 5). */
  readonly topUnmatched: ReadonlyArray<{ identity: string; usd: number }>;
  readonly provisionalDays: number;
  /** Days that were not delivered before this run and are now (holes healed). */
  readonly healedDays: number;
  /** The source's coverage of `range` after the run. */
  readonly coverage?: SourceCoverage;
  /** Model names the vocabulary (core/models.ts) does not know: kept as written, listed to be added. */
  readonly unknownModels?: readonly string[];
  /**
   * What the run noticed and stored as it is: the connector's notes (a fallback it took) and every
   * team-day that credits or refunds took below zero.
   */
  readonly notes?: readonly string[];
  readonly error?: string;
}

/** A source that failed before it fetched anything: nothing recorded, the reason named. */
export function failedOutcome(source: string, range: DayRange, error: string): IngestOutcome {
  return {
    source,
    status: 'failed',
    range,
    daysDue: 0,
    days: 0,
    records: 0,
    usd: 0,
    unallocatedUsd: 0,
    unallocatedShare: 0,
    topUnmatched: [],
    provisionalDays: 0,
    healedDays: 0,
    error,
  };
}

export interface RunIngestOptions {
  readonly config: BurnwatchConfig;
  readonly store: UsageStore;
  readonly connectors: readonly Connector[];
  /**
   * An explicit window, fetched whole (a manual backfill or re-pull). Otherwise each source fetches
   * what `dueDays` says: every day of the fiscal year to yesterday not yet delivered, oldest first,
   * and its trailing window.
   */
  readonly range?: DayRange;
  /** The one clock: the run's UTC day, the deadline, and every attempt's timestamp. */
  readonly clock?: Clock;
  /**
   * Days fetched at a time: a month keeps memory flat on a year's backfill (a streaming connector
   * writes each day as it completes whatever the chunk).
   */
  readonly chunkDays?: number;
  /**
   * Resuming a chunk (the state machine's retry of it, issue 14): days of `range` already delivered
   * by an attempt at or after this instant (ISO), and left finished, are not fetched again.
   */
  readonly resumeSince?: string;
  readonly onProgress?: (source: string, daysDone: number, daysTotal: number) => void;
  /**
   * How long the run has left, in ms (a Lambda's remaining time less a margin): a duration from the
   * runtime's own timer, not a time of day. Each source gets an even share of what is left when its
   * turn comes, so one vendor that hangs or keeps failing cannot use up the run and leave the sources
   * after it unpulled. What is left undone is still due next run.
   */
  readonly timeLeftMs?: () => number;
}

/** The fiscal year to date that the forecast reads: what a source must have delivered. */
export function coverageWindow(config: BurnwatchConfig, today: IsoDay): DayRange {
  const to = addDays(today, -1);
  return { from: fiscalYearOf(config.fiscalYear, to).start, to };
}

/**
 * Ingests every source independently: one failing does not stop the others. Each chunk of days is
 * fetched completely (every page, validated) before anything is written, then each day is written
 * as `coverage.ts` decides (replaced, kept as suspect, or recorded as not delivered), so a bad page
 * leaves that chunk's stored data as it was, marks its days failed, and the next run fetches them
 * again; a re-run never double counts.
 */
export async function runIngest(opts: RunIngestOptions): Promise<IngestOutcome[]> {
  const outcomes: IngestOutcome[] = [];
  const clock = opts.clock ?? systemClock;
  const today = utcDayOf(clock.now());
  for (const [index, connector] of opts.connectors.entries()) {
    const share =
      opts.timeLeftMs === undefined
        ? undefined
        : Math.max(0, opts.timeLeftMs() / (opts.connectors.length - index));
    const signal = share === undefined ? undefined : AbortSignal.timeout(Math.floor(share));
    try {
      outcomes.push(await ingestSource(opts, connector, today, clock, signal));
    } catch (err) {
      // The store failing outside a chunk (reading the manifests before or after) fails this source
      // only: the sources after it still run.
      outcomes.push(
        failedOutcome(
          connector.sourceId,
          opts.range ?? coverageWindow(opts.config, today),
          `reading or recording its days failed: ${err instanceof Error ? err.message : String(err)}`,
        ),
      );
    }
  }
  return outcomes;
}

async function ingestSource(
  opts: RunIngestOptions,
  connector: Connector,
  today: IsoDay,
  clock: Clock,
  signal: AbortSignal | undefined,
): Promise<IngestOutcome> {
  const sourceId = connector.sourceId;
  const source = opts.config.sources.find((s) => s.id === sourceId);
  const attribute = createAttributor(source?.attribution ?? []);
  const range = opts.range ?? coverageWindow(opts.config, today);
  const trailingDays = trailingDaysOf(source);
  // Early in a fiscal year the trailing days reach back into the last one: its final days are still
  // revised, or may have failed, and the year's final figures need them.
  const fetchFrom = opts.range ? range.from : minDay(range.from, addDays(range.to, -(trailingDays - 1)));
  const before = await opts.store.sourceDays(sourceId, fetchFrom, range.to);
  const stored = new Map<IsoDay, SourceDayManifest>(before.map((m) => [m.date, m]));
  const due = opts.range
    ? eachDay(range.from, range.to).filter((d) => !resumed(stored.get(d), opts.resumeSince))
    : dueDays({ manifests: before, window: { from: fetchFrom, to: range.to }, trailingDays, today });
  const holesBefore = summarizeCoverage(sourceId, before, range).undelivered;
  const run: SourceRun = {
    store: opts.store,
    sourceId,
    attribute,
    stored,
    clock,
    retentionMonths: opts.config.retention.personDetailMonths,
  };
  let done = 0;
  const tally = new IngestTally();
  let error: string | undefined;
  const failures: string[] = [];
  opts.onProgress?.(sourceId, 0, due.length);
  const queue = chunkRuns(due, opts.chunkDays ?? 31);
  let splitsLeft = MAX_SPLITS;
  for (let chunk = queue.shift(); chunk; chunk = queue.shift()) {
    const days = eachDay(chunk.from, chunk.to);
    let failedFrom = chunk.from;
    try {
      if (signal?.aborted) throw new SourceOutOfTimeError(sourceId);
      if (connector.streamUsage) {
        for await (const day of daysOf(connector.streamUsage(chunk, signal), days, sourceId)) {
          failedFrom = day.date;
          tally.merge(await streamDay(run, day));
          // Committed: a failure noticed later (the next day's pages) is not this day's.
          failedFrom = addDays(day.date, 1);
          done++;
          opts.onProgress?.(sourceId, done, due.length);
        }
      } else {
        tally.merge(await fetchChunk(run, connector, chunk, days, signal));
        done += days.length;
      }
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      // Out of time before the vendor was asked: the days are simply still due.
      if (err instanceof SourceOutOfTimeError || failedFrom > chunk.to) {
        error = message;
        break;
      }
      const left = { from: failedFrom, to: chunk.to };
      // A chunk holding a day that already failed in an earlier run is halved, so one day the vendor
      // keeps answering badly is set aside instead of failing every later day with it for good.
      const knownBad = eachDay(left.from, left.to).some((d) => failedBefore(stored.get(d)));
      if (knownBad && left.from < left.to && splitsLeft > 0) {
        splitsLeft--;
        const half = addDays(left.from, Math.floor(eachDay(left.from, left.to).length / 2) - 1);
        queue.unshift({ from: left.from, to: half }, { from: addDays(half, 1), to: left.to });
        continue;
      }
      failures.push(await recordFailure(opts.store, sourceId, left, message, clock));
      // A new failure stops the source's run; a known-bad day alone does not stop the rest.
      if (!(knownBad && left.from === left.to)) break;
    } finally {
      opts.onProgress?.(sourceId, done, due.length);
    }
  }
  // The halves of a set-aside chunk often fail the same way (a vendor that is down): name each once.
  if (failures.length > 0) error = [...new Set([...failures, ...(error ? [error] : [])])].join('; ');
  if (error && done < due.length)
    error = `${error} (${due.length - done} of ${due.length} days still due; the next run fetches them)`;
  const after = await opts.store.sourceDays(sourceId, range.from, range.to);
  const coverage = summarizeCoverage(sourceId, after, range);
  return {
    source: sourceId,
    status: error ? 'failed' : 'ok',
    range,
    daysDue: due.length,
    days: done,
    records: tally.records,
    usd: microsToCentsNumber(tally.total),
    unallocatedUsd: microsToCentsNumber(tally.unallocated),
    unallocatedShare: tally.total > 0n ? Number((tally.unallocated * 10_000n) / tally.total) / 10_000 : 0,
    topUnmatched: [...tally.unmatched]
      .sort((a, b) => (b[1] > a[1] ? 1 : b[1] < a[1] ? -1 : 0))
      .slice(0, 5)
      .map(([identity, m]) => ({ identity, usd: microsToCentsNumber(m) })),
    provisionalDays: tally.provisional.size,
    healedDays: [...holesBefore].filter((d) => !coverage.undelivered.has(d)).length,
    coverage,
    ...(tally.unknownModels.size ? { unknownModels: [...tally.unknownModels].sort() } : {}),
    ...(tally.notes.length ? { notes: [...new Set(tally.notes)] } : {}),
    ...(error ? { error } : {}),
  };
}

/** How many times a run halves chunks around days that failed before (bounds the extra requests). */
const MAX_SPLITS = 10;

/** A day whose last attempt, in an earlier run, failed. */
function failedBefore(m: SourceDayManifest | undefined): boolean {
  return m !== undefined && (m.status === 'failed' || m.error !== undefined);
}

/** A day an attempt since `since` asked and recorded without error, left finished: a resumed chunk skips it. */
function resumed(m: SourceDayManifest | undefined, since: string | undefined): boolean {
  return (
    since !== undefined && m !== undefined && !m.unfinished && m.attemptedAt >= since && m.error === undefined
  );
}

/** What one source's run shares with its chunks and days. */
interface SourceRun {
  readonly store: UsageStore;
  readonly sourceId: string;
  readonly attribute: Attributor;
  /** Manifests as the run found them. */
  readonly stored: ReadonlyMap<IsoDay, SourceDayManifest>;
  readonly clock: Clock;
  readonly retentionMonths: number;
}

/** What a run counted: records, money, unallocated identities, models, notes. */
class IngestTally {
  records = 0;
  total: Micros = 0n;
  unallocated: Micros = 0n;
  readonly unmatched = new Map<string, Micros>();
  readonly provisional = new Set<IsoDay>();
  readonly unknownModels = new Set<string>();
  readonly notes: string[] = [];

  add(records: readonly UsageRecord[], summary: AttributionSummary, unknown: readonly string[]): void {
    this.records += summary.records;
    this.total += summary.totalMicros;
    this.unallocated += summary.unallocatedMicros;
    for (const r of records) if (r.provisional) this.provisional.add(r.date);
    for (const [who, m] of summary.unmatched) this.unmatched.set(who, (this.unmatched.get(who) ?? 0n) + m);
    for (const name of unknown) this.unknownModels.add(name);
  }

  noteNegative(days: readonly NegativeDay[]): void {
    for (const d of days)
      this.notes.push(
        `${d.date}: ${d.team}'s day is ${formatUsd(d.micros, { cents: true })} (credits or refunds exceed its usage); stored as negative`,
      );
  }

  merge(other: IngestTally): void {
    this.records += other.records;
    this.total += other.total;
    this.unallocated += other.unallocated;
    for (const [who, m] of other.unmatched) this.unmatched.set(who, (this.unmatched.get(who) ?? 0n) + m);
    for (const d of other.provisional) this.provisional.add(d);
    for (const n of other.unknownModels) this.unknownModels.add(n);
    this.notes.push(...other.notes);
  }
}

/**
 * A fetched chunk: every page fetched and validated before anything is written, then each day
 * written as `coverage.ts` decides (replaced, kept as suspect, or recorded as not delivered).
 */
async function fetchChunk(
  run: SourceRun,
  connector: Connector,
  chunk: DayRange,
  days: readonly IsoDay[],
  signal: AbortSignal | undefined,
): Promise<IngestTally> {
  const tally = new IngestTally();
  const fetched = await connector.fetchUsage(chunk, signal);
  const named = withCanonicalModels(fetched.lines);
  const { records: attributed, summary } = attributeLines(run.sourceId, named.lines, run.attribute);
  const answers = dayAnswers(days, attributed, fetched.answeredDays);
  const at = run.clock.now().toISOString();
  await run.store.writeSourceDays(
    run.sourceId,
    days.map((day) => {
      const answer = answers.get(day);
      if (!answer) throw new Error(`no answer classified for ${day}`);
      return {
        ...dayWrite(run.stored.get(day), day, answer, at),
        detailExpiresAt: detailExpiresAt(day, run.retentionMonths),
      };
    }),
  );
  tally.add(attributed, summary, named.unknown);
  tally.notes.push(...(fetched.notes ?? []));
  tally.noteNegative(negativeTeamDays(attributed));
  return tally;
}

/**
 * One day of a streaming connector: its pages attributed as they arrive and handed to the store,
 * which writes them as they come (a day with no committed rows) or holds them in a scratch file,
 * not in memory, until the last page has come and been validated. A bad page leaves the stored day
 * as readers saw it. A day without lines is recorded as `coverage.ts` decides, like a fetched one.
 */
async function streamDay(run: SourceRun, day: DayOfUsage): Promise<IngestTally> {
  const tally = new IngestTally();
  const negatives = new NegativeDayTally();
  const at = run.clock.now().toISOString();
  const attributed = async function* (): AsyncGenerator<UsageRecord[]> {
    for await (const page of day.pages) {
      tally.notes.push(...page.notes);
      if (page.lines.length === 0) continue;
      const named = withCanonicalModels(page.lines);
      const { records, summary } = attributeLines(run.sourceId, named.lines, run.attribute);
      tally.add(records, summary, named.unknown);
      negatives.add(records);
      yield records;
    }
  };
  const pages = attributed()[Symbol.asyncIterator]();
  const first = await pages.next();
  if (first.done) {
    const answer = day.answered === true ? 'zero' : day.answered === false ? 'absent' : 'nothing';
    await run.store.writeSourceDays(run.sourceId, [
      dayWrite(run.stored.get(day.date), day.date, { kind: answer }, at),
    ]);
    return tally;
  }
  await run.store.replaceSourceDay(run.sourceId, {
    date: day.date,
    pages: (async function* () {
      yield first.value;
      for (let next = await pages.next(); !next.done; next = await pages.next()) yield next.value;
    })(),
    attemptedAt: at,
    coverage: ({ provisional }) => rowsCoverage(provisional, at),
    detailExpiresAt: detailExpiresAt(day.date, run.retentionMonths),
  });
  tally.noteNegative(negatives.days());
  return tally;
}

/**
 * Marks a failed chunk's days (stored rows untouched); returns the error to report. Each day's status
 * comes from its manifest as it is now, not as the run found it: a day this run already committed
 * (its rows in place under a new generation) must not go back to "not delivered", or readers would
 * count its rows and estimate the day on top of them.
 */
async function recordFailure(
  store: UsageStore,
  sourceId: string,
  chunk: DayRange,
  error: string,
  clock: Clock,
): Promise<string> {
  const at = clock.now().toISOString();
  try {
    const now = new Map((await store.sourceDays(sourceId, chunk.from, chunk.to)).map((m) => [m.date, m]));
    await store.writeSourceDays(
      sourceId,
      eachDay(chunk.from, chunk.to).map((day) => failedDayWrite(now.get(day), day, error, at)),
    );
    return error;
  } catch (err) {
    return `${error}; recording the failed days also failed: ${err instanceof Error ? err.message : String(err)}`;
  }
}
