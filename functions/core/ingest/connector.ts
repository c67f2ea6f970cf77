import type { IsoDay } from '../dates.js';
import type { VendorUsageLine } from '../usage.js';
import type { Vendor } from '../vendors.js';

/** Inclusive UTC day range. */
export interface DayRange {
  readonly from: IsoDay;
  readonly to: IsoDay;
}

/**
 * What a vendor answered for a day range: every line, and which days it answered explicitly.
 * `answeredDays` lists the days the vendor returned a day bucket for, even an empty one (OpenAI and
 * Anthropic cost buckets, Cost Explorer's `ResultsByTime`, a Copilot seat list that covers the
 * range): an empty bucket affirms zero spend, a missing bucket means the vendor has not delivered
 * that day yet. Vendors without per-day answers (usage events, an import file) leave it undefined:
 * there a day without lines is only "nothing returned", which is not proof of zero.
 */
export interface UsageFetch {
  readonly lines: VendorUsageLine[];
  readonly answeredDays?: ReadonlySet<IsoDay>;
  /** What the connector wants the run report to say (a fallback it took), never an error. */
  readonly notes?: readonly string[];
}

/**
 * Part of one day of a vendor's answer, as a streaming connector yields it (issue 14: an org of
 * 85,000 engineers answers with millions of per-user lines a month, more than a Lambda can hold).
 * A stream yields batches in day order, at least one for every day of the range asked (a day's
 * batches consecutive), so a day is complete when the next day's first batch (or the end) arrives.
 * `answered` keeps `UsageFetch.answeredDays`' meaning: true when the vendor returned a day bucket for
 * the day (an empty bucket affirms zero), false when it buckets by day and returned none (not
 * delivered yet), undefined for vendors without per-day answers (no lines is only "nothing returned").
 */
export interface UsageBatch {
  readonly date: IsoDay;
  /** Lines dated `date`: a page, any size (possibly none). */
  readonly lines: readonly VendorUsageLine[];
  readonly answered?: boolean;
  /** What the connector wants the run report to say (a fallback it took), never an error. */
  readonly notes?: readonly string[];
}

/**
 * A source of vendor usage: one per configured source. `fetchUsage` returns every line for every day
 * in the range, fully paged and validated, before anything is stored; it throws on any bad page so
 * the source's stored data stays as it was. A connector whose answer can be too big to hold may also
 * offer `streamUsage`: then each day is written as soon as its last batch has arrived (validated), and
 * a bad page leaves that day and the days after it as they were; the days before it are stored.
 */
export interface Connector {
  readonly sourceId: string;
  readonly vendor: Vendor;
  fetchUsage(range: DayRange, signal?: AbortSignal): Promise<UsageFetch>;
  streamUsage?(range: DayRange, signal?: AbortSignal): AsyncIterable<UsageBatch>;
}

/** The source's share of the run's time ran out: it stops where it is, and the run goes on. */
export class SourceOutOfTimeError extends Error {
  override readonly name = 'SourceOutOfTimeError';
  constructor(where: string) {
    super(`${where}: stopped, the source's time for this run ran out`);
  }
}
