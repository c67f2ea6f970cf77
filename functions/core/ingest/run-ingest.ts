import { attributeLines, createAttributor } from '../attribution.js';
import type { BurnwatchConfig } from '../config/schema.js';
import { addDays, eachDay, type IsoDay, utcDayOf } from '../dates.js';
import { fiscalYearOf } from '../fiscal-calendar.js';
import { formatUsd, type Micros, microsToCentsNumber } from '../money.js';
import { type Clock, type SourceDayManifest, systemClock, type UsageStore } from '../ports.js';
import { type Connector, type DayRange, SourceOutOfTimeError } from './connector.js';
import {
  chunkRuns,
  dayAnswers,
  dayWrite,
  dueDays,
  failedDayWrite,
  type SourceCoverage,
  summarizeCoverage,
} from './coverage.js';
import { withCanonicalModels } from './model-vocabulary.js';
import { negativeTeamDays } from './negative-days.js';

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
  /** Days fetched and written at a time: a month keeps memory flat on a year's backfill. */
  readonly chunkDays?: number;
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
    outcomes.push(await ingestSource(opts, connector, today, clock, signal));
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
  const before = await opts.store.sourceDays(sourceId, range.from, range.to);
  const stored = new Map<IsoDay, SourceDayManifest>(before.map((m) => [m.date, m]));
  const due = opts.range
    ? eachDay(range.from, range.to)
    : dueDays({ manifests: before, window: range, trailingDays: source?.trailingDays ?? 7, today });
  const holesBefore = summarizeCoverage(sourceId, before, range).undelivered;
  let done = 0;
  let records = 0;
  let total: Micros = 0n;
  let unallocated: Micros = 0n;
  const provisional = new Set<IsoDay>();
  const unmatched = new Map<string, Micros>();
  let error: string | undefined;
  const unknownModels = new Set<string>();
  const notes: string[] = [];
  opts.onProgress?.(sourceId, 0, due.length);
  for (const chunk of chunkRuns(due, opts.chunkDays ?? 31)) {
    const days = eachDay(chunk.from, chunk.to);
    try {
      if (signal?.aborted) throw new SourceOutOfTimeError(sourceId);
      const fetched = await connector.fetchUsage(chunk, signal);
      const named = withCanonicalModels(fetched.lines);
      const { records: attributed, summary } = attributeLines(sourceId, named.lines, attribute);
      const answers = dayAnswers(days, attributed, fetched.answeredDays);
      const at = clock.now().toISOString();
      await opts.store.writeSourceDays(
        sourceId,
        days.map((day) => {
          const answer = answers.get(day);
          if (!answer) throw new Error(`no answer classified for ${day}`);
          return dayWrite(stored.get(day), day, answer, at);
        }),
      );
      records += summary.records;
      total += summary.totalMicros;
      unallocated += summary.unallocatedMicros;
      for (const r of attributed) if (r.provisional) provisional.add(r.date);
      for (const [who, m] of summary.unmatched) unmatched.set(who, (unmatched.get(who) ?? 0n) + m);
      for (const name of named.unknown) unknownModels.add(name);
      notes.push(...(fetched.notes ?? []));
      for (const d of negativeTeamDays(attributed))
        notes.push(
          `${d.date}: ${d.team}'s day is ${formatUsd(d.micros, { cents: true })} (credits or refunds exceed its usage); stored as negative`,
        );
      done += days.length;
    } catch (err) {
      error = err instanceof Error ? err.message : String(err);
      // Out of time before the vendor was asked: the days are simply still due.
      if (!(err instanceof SourceOutOfTimeError))
        error = await recordFailure(opts.store, sourceId, chunk, stored, error, clock);
      break;
    } finally {
      opts.onProgress?.(sourceId, done, due.length);
    }
  }
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
    records,
    usd: microsToCentsNumber(total),
    unallocatedUsd: microsToCentsNumber(unallocated),
    unallocatedShare: total > 0n ? Number((unallocated * 10_000n) / total) / 10_000 : 0,
    topUnmatched: [...unmatched]
      .sort((a, b) => (b[1] > a[1] ? 1 : b[1] < a[1] ? -1 : 0))
      .slice(0, 5)
      .map(([identity, m]) => ({ identity, usd: microsToCentsNumber(m) })),
    provisionalDays: provisional.size,
    healedDays: [...holesBefore].filter((d) => !coverage.undelivered.has(d)).length,
    coverage,
    ...(unknownModels.size ? { unknownModels: [...unknownModels].sort() } : {}),
    ...(notes.length ? { notes: [...new Set(notes)] } : {}),
    ...(error ? { error } : {}),
  };
}

/** Marks a failed chunk's days (stored rows untouched); returns the error to report. */
async function recordFailure(
  store: UsageStore,
  sourceId: string,
  chunk: DayRange,
  stored: ReadonlyMap<IsoDay, SourceDayManifest>,
  error: string,
  clock: Clock,
): Promise<string> {
  const at = clock.now().toISOString();
  try {
    await store.writeSourceDays(
      sourceId,
      eachDay(chunk.from, chunk.to).map((day) => failedDayWrite(stored.get(day), day, error, at)),
    );
    return error;
  } catch (err) {
    return `${error}; recording the failed days also failed: ${err instanceof Error ? err.message : String(err)}`;
  }
}
