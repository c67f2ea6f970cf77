import { eachDay, type IsoDay } from '../../functions/core/dates.js';
import type { Connector, DayRange } from '../../functions/core/ingest/connector.js';

/** A run's clock at 06:00 UTC on `day`. */
export const at = (day: IsoDay) => ({ now: () => new Date(`${day}T06:00:00Z`) });

/**
 * An OpenAI source that answers $1 a day for project `x`, except that a request `failsOn` returns an
 * error for is refused with it (a bad page, a 5xx after retries). Records every range it was asked.
 */
export function dollarADayVendor(
  failsOn: (r: DayRange) => Error | undefined,
): Connector & { asked: DayRange[] } {
  const asked: DayRange[] = [];
  return {
    sourceId: 'openai',
    vendor: 'openai',
    asked,
    async fetchUsage(r) {
      asked.push(r);
      const refusal = failsOn(r);
      if (refusal) throw refusal;
      const days = eachDay(r.from, r.to);
      return {
        lines: days.map((date) => ({
          date,
          vendor: 'openai',
          identities: { project: 'x' },
          lineItem: 'gpt',
          costMicros: 1_000_000n,
          provisional: false,
        })),
        answeredDays: new Set(days),
      };
    },
  };
}
