import { eachDay, type IsoDay } from '../../functions/core/dates.js';
import type { Connector, DayRange, UsageBatch } from '../../functions/core/ingest/connector.js';
import type { VendorUsageLine } from '../../functions/core/usage.js';

/** A fault of a streamed answer: the vendor's `page`-th page (1-based) of `day` is bad. */
export interface StreamFault {
  readonly day: IsoDay;
  readonly page: number;
}

/**
 * A connector that answers with `linesOf(day)` through `streamUsage` in pages of `pageSize`, every
 * day affirmed (a bucketed vendor) unless `buckets` is false, and through `fetchUsage` with the same
 * lines whole: the same answer both ways. `fault` breaks one page of the stream (a bad page mid-day).
 */
export function streamingConnector(
  sourceId: string,
  linesOf: (day: IsoDay) => VendorUsageLine[],
  opts: { pageSize?: number; fault?: StreamFault; buckets?: boolean; stream?: boolean } = {},
): Connector & { asked: DayRange[] } {
  const asked: DayRange[] = [];
  const pageSize = opts.pageSize ?? 3;
  const answered = opts.buckets === false ? undefined : true;
  const connector: Connector & { asked: DayRange[] } = {
    sourceId,
    vendor: 'cursor',
    asked,
    async fetchUsage(range) {
      asked.push(range);
      const days = eachDay(range.from, range.to);
      const lines = days.flatMap((d) => linesOf(d));
      return opts.buckets === false ? { lines } : { lines, answeredDays: new Set(days) };
    },
  };
  if (opts.stream === false) return connector;
  return {
    ...connector,
    async *streamUsage(range): AsyncGenerator<UsageBatch> {
      asked.push(range);
      for (const date of eachDay(range.from, range.to)) {
        const lines = linesOf(date);
        if (lines.length === 0) yield { date, lines: [], ...(answered ? { answered } : {}) };
        for (let i = 0, page = 1; i < lines.length; i += pageSize, page++) {
          if (opts.fault && opts.fault.day === date && opts.fault.page === page)
            throw new Error(
              `${sourceId} usage ${date} page ${page}: data[1].chargedCents: expected a number`,
            );
          yield { date, lines: lines.slice(i, i + pageSize), ...(answered ? { answered } : {}) };
        }
      }
    },
  };
}
