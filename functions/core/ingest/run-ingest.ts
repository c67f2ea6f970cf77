import { attributeLines, createAttributor } from '../attribution.js';
import type { BurnwatchConfig } from '../config/schema.js';
import { addDays, eachDay, type IsoDay, maxDay } from '../dates.js';
import { fiscalYearOf } from '../fiscal-calendar.js';
import { type Micros, microsToCentsNumber } from '../money.js';
import type { UsageStore } from '../ports.js';
import { type Connector, type DayRange, SourceOutOfTimeError } from './connector.js';

/** What one source's run did. */
export interface IngestOutcome {
  readonly source: string;
  readonly status: 'ok' | 'failed';
  readonly range: DayRange;
  /** Days written (complete chunks); on failure, the days before the failing chunk. */
  readonly days: number;
  readonly records: number;
  readonly usd: number;
  readonly unallocatedUsd: number;
  /** Unallocated ÷ total, 0–1. */
  readonly unallocatedShare: number;
  /** Identities no attribution rule matched, largest first (at most 5). */
  readonly topUnmatched: ReadonlyArray<{ identity: string; usd: number }>;
  readonly provisionalDays: number;
  readonly error?: string;
}

export interface RunIngestOptions {
  readonly config: BurnwatchConfig;
  readonly store: UsageStore;
  readonly connectors: readonly Connector[];
  /** Explicit window; otherwise each source's trailing window, or the fiscal year to date on first run. */
  readonly range?: DayRange;
  /** Today (UTC); the default window ends yesterday, the last complete day. */
  readonly today: IsoDay;
  /** Days fetched and written at a time: a month keeps memory flat on a year's backfill. */
  readonly chunkDays?: number;
  readonly onProgress?: (source: string, daysDone: number, daysTotal: number) => void;
  /**
   * When the run must be over (epoch ms; a Lambda's timeout less a margin). Each source gets an even
   * share of the time left when its turn comes, so one vendor that hangs or keeps failing cannot use
   * up the run and leave the sources after it unpulled.
   */
  readonly deadline?: number;
  readonly now?: () => number;
}

/** The days one source re-pulls: explicit, trailing (default 7), or a backfill of the fiscal year. */
export async function ingestWindow(opts: RunIngestOptions, connector: Connector): Promise<DayRange> {
  if (opts.range) return opts.range;
  const to = addDays(opts.today, -1);
  const fy = fiscalYearOf(opts.config.fiscalYear, to);
  const stored = await opts.store.sourceDays(connector.sourceId, fy.start, to);
  if (stored.length === 0) return { from: fy.start, to };
  const trailing = opts.config.sources.find((s) => s.id === connector.sourceId)?.trailingDays ?? 7;
  const from = addDays(to, -(trailing - 1));
  return { from: maxDay(from, fy.start), to };
}

/**
 * Ingests every source independently: one failing does not stop the others. Each chunk of days is
 * fetched completely (every page, validated) before it is written, and written as a replacement of
 * those days, so a bad page leaves that chunk's stored data as it was and a re-run never double counts.
 */
export async function runIngest(opts: RunIngestOptions): Promise<IngestOutcome[]> {
  const outcomes: IngestOutcome[] = [];
  const now = opts.now ?? Date.now;
  for (const [index, connector] of opts.connectors.entries()) {
    const share =
      opts.deadline === undefined
        ? undefined
        : Math.max(0, (opts.deadline - now()) / (opts.connectors.length - index));
    const signal = share === undefined ? undefined : AbortSignal.timeout(Math.floor(share));
    const source = opts.config.sources.find((s) => s.id === connector.sourceId);
    const attribute = createAttributor(source?.attribution ?? []);
    const range = await ingestWindow(opts, connector);
    const days = eachDay(range.from, range.to);
    const chunk = opts.chunkDays ?? 31;
    let written = 0;
    let records = 0;
    let total: Micros = 0n;
    let unallocated: Micros = 0n;
    const provisional = new Set<IsoDay>();
    const unmatched = new Map<string, Micros>();
    let error: string | undefined;
    for (let i = 0; i < days.length; i += chunk) {
      const chunkDays = days.slice(i, i + chunk);
      const chunkRange = { from: chunkDays[0] ?? range.from, to: chunkDays.at(-1) ?? range.to };
      try {
        if (signal?.aborted) throw new SourceOutOfTimeError(connector.sourceId);
        const lines = await connector.fetchUsage(chunkRange, signal);
        const { records: attributed, summary } = attributeLines(connector.sourceId, lines, attribute);
        await opts.store.replaceSourceDays(connector.sourceId, chunkDays, attributed);
        written += chunkDays.length;
        records += summary.records;
        total += summary.totalMicros;
        unallocated += summary.unallocatedMicros;
        for (const r of attributed) if (r.provisional) provisional.add(r.date);
        for (const [who, m] of summary.unmatched) unmatched.set(who, (unmatched.get(who) ?? 0n) + m);
      } catch (err) {
        error = err instanceof Error ? err.message : String(err);
        break;
      }
      opts.onProgress?.(connector.sourceId, written, days.length);
    }
    outcomes.push({
      source: connector.sourceId,
      status: error ? 'failed' : 'ok',
      range,
      days: written,
      records,
      usd: microsToCentsNumber(total),
      unallocatedUsd: microsToCentsNumber(unallocated),
      unallocatedShare: total > 0n ? Number((unallocated * 10_000n) / total) / 10_000 : 0,
      topUnmatched: [...unmatched]
        .sort((a, b) => (b[1] > a[1] ? 1 : b[1] < a[1] ? -1 : 0))
        .slice(0, 5)
        .map(([identity, m]) => ({ identity, usd: microsToCentsNumber(m) })),
      provisionalDays: provisional.size,
      ...(error ? { error } : {}),
    });
  }
  return outcomes;
}
