import * as z from 'zod';
import { addDays, type IsoDay, toDayNumber, utcDayOf } from '../../core/dates.js';
import type { Connector, DayRange } from '../../core/ingest/connector.js';
import { centsNumberToMicros } from '../../core/money.js';
import type { VendorUsageLine } from '../../core/usage.js';
import { type HttpOptions, requestJson } from './http.js';

/**
 * Cursor Admin API usage events (`POST /teams/filtered-usage-events`): one event per request with
 * `chargedCents` (cents, fractional), rolled up here to one line per user, model and UTC day.
 * Basic auth with the key as the user name; dates are epoch ms, both bounds inclusive.
 */
const usageEvent = z.object({
  timestamp: z.string().regex(/^\d+$/, 'expected epoch milliseconds as a string'),
  userEmail: z.string().optional(),
  serviceAccountId: z.string().optional(),
  model: z.string().optional(),
  chargedCents: z.number({ error: 'expected a number of cents' }).optional(),
  tokenUsage: z
    .object({
      inputTokens: z.number().optional(),
      outputTokens: z.number().optional(),
      cacheReadTokens: z.number().optional(),
      cacheWriteTokens: z.number().optional(),
    })
    .optional(),
});
const eventsPage = z.object({
  usageEvents: z.array(usageEvent),
  pagination: z.object({ hasNextPage: z.boolean(), currentPage: z.number().int() }),
});

export interface CursorOptions extends HttpOptions {
  readonly sourceId: string;
  readonly apiKey: () => Promise<string>;
  /** @default https://api.cursor.com */
  readonly baseUrl?: string;
  readonly today?: IsoDay;
  /** Events per page (≤ 1000). @default 1000 */
  readonly pageSize?: number;
  readonly maxPages?: number;
}

export function createCursorConnector(opts: CursorOptions): Connector {
  const base = (opts.baseUrl ?? 'https://api.cursor.com').replace(/\/$/, '');
  return {
    sourceId: opts.sourceId,
    vendor: 'cursor',
    async fetchUsage(range: DayRange): Promise<VendorUsageLine[]> {
      const auth = `Basic ${Buffer.from(`${await opts.apiKey()}:`).toString('base64')}`;
      const startDate = toDayNumber(range.from) * 86_400_000;
      const endDate = toDayNumber(addDays(range.to, 1)) * 86_400_000 - 1; // inclusive
      type Acc = {
        micros: bigint;
        input: number;
        output: number;
        cacheRead: number;
        cacheWrite: number;
        line: Omit<VendorUsageLine, 'costMicros' | 'tokens'>;
      };
      const byKey = new Map<string, Acc>();
      for (let page = 1; ; page++) {
        if (page > (opts.maxPages ?? 1000))
          throw new Error(`${opts.sourceId} filtered-usage-events: more than ${opts.maxPages ?? 1000} pages`);
        const body = await requestJson(
          `${base}/teams/filtered-usage-events`,
          {
            method: 'POST',
            headers: { authorization: auth, 'content-type': 'application/json', accept: 'application/json' },
            body: JSON.stringify({ startDate, endDate, page, pageSize: opts.pageSize ?? 1000 }),
          },
          eventsPage,
          { source: opts.sourceId, endpoint: 'filtered-usage-events', page },
          opts,
        );
        if (body === 'end') break;
        for (const e of body.usageEvents) {
          const date = utcDayOf(new Date(Number(e.timestamp)));
          if (date < range.from || date > range.to) continue;
          const who = e.userEmail ?? e.serviceAccountId ?? 'unknown';
          const model = e.model ?? 'unknown';
          const key = `${date}|${who}|${model}`;
          const acc =
            byKey.get(key) ??
            ({
              micros: 0n,
              input: 0,
              output: 0,
              cacheRead: 0,
              cacheWrite: 0,
              line: {
                date,
                vendor: 'cursor',
                identities: e.userEmail ? { userEmail: e.userEmail } : { account: who },
                lineItem: model,
                model,
                provisional: opts.today !== undefined && date >= opts.today,
              },
            } satisfies Acc);
          acc.micros += centsNumberToMicros(e.chargedCents ?? 0);
          acc.input += e.tokenUsage?.inputTokens ?? 0;
          acc.output += e.tokenUsage?.outputTokens ?? 0;
          acc.cacheRead += e.tokenUsage?.cacheReadTokens ?? 0;
          acc.cacheWrite += e.tokenUsage?.cacheWriteTokens ?? 0;
          byKey.set(key, acc);
        }
        if (!body.pagination.hasNextPage) break;
      }
      return [...byKey.values()].map((a) => ({
        ...a.line,
        costMicros: a.micros,
        tokens: { input: a.input, output: a.output, cacheRead: a.cacheRead, cacheWrite: a.cacheWrite },
      }));
    },
  };
}
