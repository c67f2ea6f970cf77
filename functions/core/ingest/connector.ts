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
 * A source of vendor usage: one per configured source. `fetchUsage` returns every line for every day
 * in the range, fully paged and validated, before anything is stored; it throws on any bad page so
 * the source's stored data stays as it was.
 */
export interface Connector {
  readonly sourceId: string;
  readonly vendor: Vendor;
  fetchUsage(range: DayRange, signal?: AbortSignal): Promise<UsageFetch>;
}

/** The source's share of the run's time ran out: it stops where it is, and the run goes on. */
export class SourceOutOfTimeError extends Error {
  override readonly name = 'SourceOutOfTimeError';
  constructor(where: string) {
    super(`${where}: stopped, the source's time for this run ran out`);
  }
}
