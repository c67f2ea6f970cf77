import type { IsoDay } from '../dates.js';
import type { Vendor, VendorUsageLine } from '../usage.js';

/** Inclusive UTC day range. */
export interface DayRange {
  readonly from: IsoDay;
  readonly to: IsoDay;
}

/**
 * A source of vendor usage: one per configured source. `fetchUsage` returns every line for every day
 * in the range, fully paged and validated, before anything is stored; it throws on any bad page so
 * the source's stored data stays as it was.
 */
export interface Connector {
  readonly sourceId: string;
  readonly vendor: Vendor;
  fetchUsage(range: DayRange, signal?: AbortSignal): Promise<VendorUsageLine[]>;
}

/** The source's share of the run's time ran out: it stops where it is, and the run goes on. */
export class SourceOutOfTimeError extends Error {
  override readonly name = 'SourceOutOfTimeError';
  constructor(where: string) {
    super(`${where}: stopped, the source's time for this run ran out`);
  }
}
