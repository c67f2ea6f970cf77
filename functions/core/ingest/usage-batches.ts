import type { IsoDay } from '../dates.js';
import type { VendorUsageLine } from '../usage.js';
import type { UsageBatch } from './connector.js';

/** One day of a streamed answer: its first batch's `answered`, and every batch of the day in turn. */
export interface DayOfUsage {
  readonly date: IsoDay;
  readonly answered: boolean | undefined;
  /** The day's pages; must be read to the end (or left) before the next day is asked for. */
  readonly pages: AsyncIterable<{
    readonly lines: readonly VendorUsageLine[];
    readonly notes: readonly string[];
  }>;
}

/** A connector's stream broke its contract (UsageBatch): the source fails, naming what was wrong. */
export class UsageStreamError extends Error {
  override readonly name = 'UsageStreamError';
  readonly code = 'USAGE_STREAM';
}

/**
 * Groups a connector's day-ordered batches into days, checking the contract as they pass: every day
 * of `days` in order, at least one batch each, every line dated its batch's day. A line or batch of a
 * day outside the range fails the source (as `dayAnswers` does for a fetched answer).
 */
export async function* daysOf(
  batches: AsyncIterable<UsageBatch>,
  days: readonly IsoDay[],
  source: string,
): AsyncGenerator<DayOfUsage> {
  const it = batches[Symbol.asyncIterator]();
  let head = await it.next();
  const check = (b: UsageBatch) => {
    for (const l of b.lines)
      if (l.date !== b.date)
        throw new UsageStreamError(`${source}: a batch of ${b.date} holds a line dated ${l.date}`);
  };
  for (const date of days) {
    if (head.done || head.value.date !== date) {
      const got = head.done ? 'the end of the answer' : `a batch of ${head.value.date}`;
      const outside = !head.done && !days.includes(head.value.date);
      throw new UsageStreamError(
        outside
          ? `${source}: the vendor returned lines dated ${head.value.date}, outside the days asked for`
          : `${source}: expected the batches of ${date} next, got ${got} (batches come in day order, one at least per day)`,
      );
    }
    const first = head.value;
    check(first);
    const pages = async function* () {
      yield { lines: first.lines, notes: first.notes ?? [] };
      for (;;) {
        head = await it.next();
        if (head.done || head.value.date !== date) return;
        check(head.value);
        yield { lines: head.value.lines, notes: head.value.notes ?? [] };
      }
    };
    yield { date, answered: first.answered, pages: pages() };
    // A consumer that stopped early: skip the rest of the day, so the next starts at its first batch.
    while (!head.done && head.value.date === date) head = await it.next();
  }
  if (!head.done)
    throw new UsageStreamError(
      `${source}: the vendor returned lines dated ${head.value.date}, outside the days asked for`,
    );
}
