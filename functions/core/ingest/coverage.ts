import { addDays, eachDay, type IsoDay, maxDay, utcDayOf } from '../dates.js';
import type { DayCoverage, DayStatus, SourceDayManifest, SourceDayWrite } from '../ports.js';
import type { UsageRecord } from '../usage.js';
import type { DayRange } from './connector.js';

/**
 * Data completeness, decided once: what a vendor's answer for a day means (replace, keep, or wait
 * for confirmation), which days a source has delivered, what "complete through" means, and which
 * days a run must (re)fetch. The store only records what this module decides.
 */

/** What a vendor said about one day of a successful fetch. */
export type DayAnswer =
  /** Lines for the day (at least one). */
  | { readonly kind: 'rows'; readonly records: readonly UsageRecord[] }
  /** An explicit empty day bucket: the vendor affirms zero spend. */
  | { readonly kind: 'zero' }
  /** No lines, from a vendor without per-day buckets: not proof of zero. */
  | { readonly kind: 'nothing' }
  /** No bucket for the day from a vendor that buckets by day: not delivered yet. */
  | { readonly kind: 'absent' };

/** Days with rows a reader can count: delivered by the vendor, even if it may still revise them. */
const DELIVERED: ReadonlySet<DayStatus> = new Set<DayStatus>(['complete', 'provisional', 'suspect']);

/** Whether the source has delivered this day (its stored rows, possibly none, are the vendor's word). */
export function isDelivered(m: SourceDayManifest | undefined): boolean {
  return m !== undefined && m.generation !== null && DELIVERED.has(m.status);
}

/** A stored day that held something: replacing it with nothing needs the vendor's word or a second look. */
const heldRows = (m: SourceDayManifest | undefined) =>
  m !== undefined && m.generation !== null && m.records > 0;

/** True when `earlier` (an ISO timestamp) falls on an earlier UTC day than `at`. */
const onEarlierDay = (earlier: string | undefined, at: string) =>
  earlier !== undefined && utcDayOf(new Date(earlier)) < utcDayOf(new Date(at));

/**
 * The write for one day of a successful fetch, given what is stored (`prev`):
 * - lines replace the day (`provisional` when any line is);
 * - an explicit empty bucket replaces it with nothing (affirmed zero);
 * - "nothing" from a vendor without buckets never deletes at once: a day that held rows becomes
 *   `suspect` (rows kept), a day that never did `unconfirmed`; an empty answer again on a later UTC
 *   day confirms it, and the day is then replaced with nothing (complete);
 * - no bucket for the day leaves the stored rows as they are (a day never delivered stays missing).
 */
export function dayWrite(
  prev: SourceDayManifest | undefined,
  date: IsoDay,
  answer: DayAnswer,
  at: string,
): SourceDayWrite {
  switch (answer.kind) {
    case 'rows':
      return {
        date,
        rows: answer.records,
        coverage: rowsCoverage(
          answer.records.some((r) => r.provisional),
          at,
        ),
      };
    case 'zero':
      return { date, rows: [], coverage: { status: 'complete', answer: 'zero', attemptedAt: at } };
    case 'nothing': {
      const waiting = prev?.status === 'suspect' || prev?.status === 'unconfirmed';
      const since = waiting ? prev?.emptySince : undefined;
      // Already known to be empty (affirmed or confirmed zero): still complete, nothing to replace.
      if (prev && isDelivered(prev) && !heldRows(prev))
        return { date, rows: 'keep', coverage: { status: 'complete', answer: 'nothing', attemptedAt: at } };
      if (onEarlierDay(since, at))
        return { date, rows: [], coverage: { status: 'complete', answer: 'nothing', attemptedAt: at } };
      return {
        date,
        rows: 'keep',
        coverage: {
          status: heldRows(prev) ? 'suspect' : 'unconfirmed',
          answer: 'nothing',
          attemptedAt: at,
          emptySince: since ?? at,
        },
      };
    }
    case 'absent':
      return {
        date,
        rows: 'keep',
        coverage: isDelivered(prev)
          ? { ...keptCoverage(prev), attemptedAt: at }
          : {
              status: 'missing',
              answer: 'absent',
              attemptedAt: at,
              error: 'the vendor has not delivered this day yet (no day bucket in its answer)',
            },
      };
  }
}

/**
 * The coverage of a day the vendor answered with lines: `provisional` while any of them may still be
 * revised. A streamed day learns that only once its last page is read, so this is the rule alone.
 */
export function rowsCoverage(provisional: boolean, at: string): DayCoverage {
  return { status: provisional ? 'provisional' : 'complete', answer: 'rows', attemptedAt: at };
}

/** The write for one day of a fetch that failed: stored rows are kept; a day without them is `failed`. */
export function failedDayWrite(
  prev: SourceDayManifest | undefined,
  date: IsoDay,
  error: string,
  at: string,
): SourceDayWrite {
  return {
    date,
    rows: 'keep',
    coverage: isDelivered(prev)
      ? { ...keptCoverage(prev), attemptedAt: at, error }
      : { status: 'failed', answer: 'error', attemptedAt: at, error },
  };
}

function keptCoverage(prev: SourceDayManifest | undefined): SourceDayWrite['coverage'] {
  if (!prev) throw new Error('keptCoverage needs a stored day');
  return {
    status: prev.status,
    answer: prev.answer,
    attemptedAt: prev.attemptedAt,
    ...(prev.emptySince ? { emptySince: prev.emptySince } : {}),
  };
}

/** Every day of a successful fetch of `days`, classified from the vendor's lines and buckets. */
export function dayAnswers(
  days: readonly IsoDay[],
  records: readonly UsageRecord[],
  answeredDays: ReadonlySet<IsoDay> | undefined,
): Map<IsoDay, DayAnswer> {
  const byDay = new Map<IsoDay, UsageRecord[]>();
  for (const r of records) {
    const list = byDay.get(r.date);
    if (list) list.push(r);
    else byDay.set(r.date, [r]);
  }
  const out = new Map<IsoDay, DayAnswer>();
  for (const day of days) {
    const rows = byDay.get(day);
    if (rows?.length) out.set(day, { kind: 'rows', records: rows });
    else if (!answeredDays) out.set(day, { kind: 'nothing' });
    else out.set(day, answeredDays.has(day) ? { kind: 'zero' } : { kind: 'absent' });
  }
  for (const day of byDay.keys())
    if (!out.has(day)) throw new Error(`the vendor returned lines dated ${day}, outside the days asked for`);
  return out;
}

/** A source's coverage over a range, as `ingest --status`, burn reports and the stale rule read it. */
export interface SourceCoverage {
  readonly source: string;
  readonly range: DayRange;
  /**
   * The last day of the unbroken run of delivered days from the start of the range: every day up to
   * it is stored as the vendor delivered it. Null when the range's first day is not delivered.
   */
  readonly completeThrough: IsoDay | null;
  /** Runs of days not delivered (never fetched, failed, unconfirmed or not delivered yet), oldest first. */
  readonly holes: readonly DayRange[];
  readonly missingDays: number;
  readonly provisionalDays: readonly IsoDay[];
  /** Days that held spend the vendor now answers nothing for: rows kept, awaiting confirmation. */
  readonly suspectDays: readonly IsoDay[];
  /** The newest unresolved error of an attempt (a failed day, or a failed re-pull over stored rows). */
  readonly lastError: { readonly date: IsoDay; readonly at: string; readonly message: string } | null;
  readonly lastFetchedAt: string | null;
  /** Days of the range not delivered, for the burn report's estimates. */
  readonly undelivered: ReadonlySet<IsoDay>;
}

/** The one definition of what a source has delivered in `range` (see `SourceCoverage`). */
export function summarizeCoverage(
  source: string,
  manifests: readonly SourceDayManifest[],
  range: DayRange,
): SourceCoverage {
  const byDay = new Map(manifests.map((m) => [m.date, m]));
  let completeThrough: IsoDay | null = null;
  let broken = false;
  const holes: DayRange[] = [];
  const undelivered = new Set<IsoDay>();
  const provisionalDays: IsoDay[] = [];
  const suspectDays: IsoDay[] = [];
  let lastError: SourceCoverage['lastError'] = null;
  let lastFetchedAt: string | null = null;
  for (const day of eachDay(range.from, range.to)) {
    const m = byDay.get(day);
    if (m?.error && (!lastError || m.attemptedAt > lastError.at))
      lastError = { date: day, at: m.attemptedAt, message: m.error };
    if (m?.fetchedAt && (!lastFetchedAt || m.fetchedAt > lastFetchedAt)) lastFetchedAt = m.fetchedAt;
    if (isDelivered(m)) {
      if (!broken) completeThrough = day;
      if (m?.status === 'provisional') provisionalDays.push(day);
      if (m?.status === 'suspect') suspectDays.push(day);
      continue;
    }
    broken = true;
    undelivered.add(day);
    const last = holes.at(-1);
    if (last && addDays(last.to, 1) === day) holes[holes.length - 1] = { from: last.from, to: day };
    else holes.push({ from: day, to: day });
  }
  return {
    source,
    range,
    completeThrough,
    holes,
    missingDays: undelivered.size,
    provisionalDays,
    suspectDays,
    lastError,
    lastFetchedAt,
    undelivered,
  };
}

/** Days each run re-fetches when a source sets no `trailingDays`: vendors revise recent numbers. */
export const DEFAULT_TRAILING_DAYS = 7;

/** How many of the latest days every ingest run re-fetches for a source. */
export function trailingDaysOf(source: { readonly trailingDays?: number | undefined } | undefined): number {
  return source?.trailingDays ?? DEFAULT_TRAILING_DAYS;
}

/**
 * The days a run fetches for a source, oldest first: every day of `window` not delivered (holes heal
 * themselves, however old or long the outage), plus the trailing days vendors still revise and any
 * provisional or suspect day, unless this UTC day's run already fetched them (a Lambda retry or a
 * re-run continues instead of repeating).
 */
export function dueDays(opts: {
  readonly manifests: readonly SourceDayManifest[];
  readonly window: DayRange;
  readonly trailingDays: number;
  /** The run's UTC day. */
  readonly today: IsoDay;
}): IsoDay[] {
  const byDay = new Map(opts.manifests.map((m) => [m.date, m]));
  const trailingFrom = maxDay(opts.window.from, addDays(opts.window.to, -(opts.trailingDays - 1)));
  const fetchedToday = (m: SourceDayManifest) => utcDayOf(new Date(m.attemptedAt)) >= opts.today;
  return eachDay(opts.window.from, opts.window.to).filter((day) => {
    const m = byDay.get(day);
    // A day whose last attempt failed is due again, even if that attempt was today (a retry of the
    // run) or it is still delivered from before (the stored rows stay until a fetch succeeds).
    if (!m || !isDelivered(m) || m.unfinished || m.error !== undefined) return true;
    const revisable = day >= trailingFrom || m.status === 'provisional' || m.status === 'suspect';
    return revisable && !fetchedToday(m);
  });
}

/** Consecutive runs of `days` (sorted), each cut to at most `max` days: the chunks a run fetches. */
export function chunkRuns(days: readonly IsoDay[], max: number): DayRange[] {
  const out: DayRange[] = [];
  let from: IsoDay | undefined;
  let to: IsoDay | undefined;
  let length = 0;
  for (const day of days) {
    if (from !== undefined && to !== undefined && addDays(to, 1) === day && length < max) {
      to = day;
      length++;
      continue;
    }
    if (from !== undefined && to !== undefined) out.push({ from, to });
    from = day;
    to = day;
    length = 1;
  }
  if (from !== undefined && to !== undefined) out.push({ from, to });
  return out;
}

/**
 * The writes for a vendor answer that covers `days` completely (every day answered, empty days
 * affirmed as zero): what a bucketed vendor's successful fetch produces. Seeds stores in tests and
 * benchmarks through the same rules as ingest.
 */
export function affirmedDayWrites(
  days: readonly IsoDay[],
  records: readonly UsageRecord[],
  at: string,
): SourceDayWrite[] {
  const answers = dayAnswers(days, records, new Set(days));
  return days.map((day) => dayWrite(undefined, day, answers.get(day) ?? { kind: 'zero' }, at));
}
