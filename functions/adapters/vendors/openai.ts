import * as z from 'zod';
import { addDays, type IsoDay, toDayNumber, utcDayOf } from '../../core/dates.js';
import type { Connector, DayRange } from '../../core/ingest/connector.js';
import { type Micros, usdNumberToMicros } from '../../core/money.js';
import { lineKey, type VendorUsageLine } from '../../core/usage.js';
import { type HttpOptions, requestJson } from './http.js';

/**
 * OpenAI organization costs (`GET /v1/organization/costs`): the money of record, in dollars as JSON
 * numbers, bucketed per UTC day, grouped by project and line item. Needs an Admin key.
 */
const costResult = z.object({
  amount: z.object({ value: z.number({ error: 'expected a number of dollars' }), currency: z.string() }),
  project_id: z.string().nullable().optional(),
  line_item: z.string().nullable().optional(),
});
const bucket = z
  .object({
    start_time: z.number().int(),
    end_time: z.number().int(),
    // The spec says `results`; some generated docs say `result`. Read both.
    results: z.array(costResult).optional(),
    result: z.array(costResult).optional(),
  })
  .transform((b) => ({ startTime: b.start_time, results: b.results ?? b.result ?? [] }));
const costsPage = z.object({
  data: z.array(bucket),
  has_more: z.boolean(),
  next_page: z.string().nullable().optional(),
});

export interface OpenAiOptions extends HttpOptions {
  readonly sourceId: string;
  readonly apiKey: () => Promise<string>;
  /** @default https://api.openai.com/v1 */
  readonly baseUrl?: string;
  /** Buckets are provisional from this day on (today's numbers are still moving). */
  readonly today?: IsoDay;
  readonly maxPages?: number;
  /** Buckets per page (`limit`, 1–180). @default 180 */
  readonly pageSize?: number;
}

const seconds = (day: IsoDay) => toDayNumber(day) * 86_400;

export function createOpenAiConnector(opts: OpenAiOptions): Connector {
  const base = (opts.baseUrl ?? 'https://api.openai.com/v1').replace(/\/$/, '');
  return {
    sourceId: opts.sourceId,
    vendor: 'openai',
    async fetchUsage(range: DayRange): Promise<VendorUsageLine[]> {
      const key = await opts.apiKey();
      // Identical query on every page (OpenAI rejects a page token used with other parameters).
      const query = new URLSearchParams({
        start_time: String(seconds(range.from)),
        end_time: String(seconds(addDays(range.to, 1))),
        bucket_width: '1d',
        limit: String(opts.pageSize ?? 180),
      });
      query.append('group_by[]', 'project_id');
      query.append('group_by[]', 'line_item');
      const byKey = new Map<string, VendorUsageLine>();
      let page: string | undefined;
      for (let n = 1; ; n++) {
        if (n > (opts.maxPages ?? 100))
          throw new Error(`${opts.sourceId} /organization/costs: more than ${opts.maxPages ?? 100} pages`);
        const url = `${base}/organization/costs?${query}${page ? `&page=${encodeURIComponent(page)}` : ''}`;
        const body = await requestJson(
          url,
          { headers: { authorization: `Bearer ${key}`, accept: 'application/json' } },
          costsPage,
          { source: opts.sourceId, endpoint: '/organization/costs', page: n },
          {
            ...opts,
            // Known bug: has_more with a token that the next call rejects; that is the end of the list.
            onStatus: (status, text) =>
              status === 400 && n > 1 && /page token is invalid/i.test(text) ? 'end' : undefined,
          },
        );
        if (body === 'end') break;
        for (const b of body.data) {
          const date = utcDayOf(new Date(b.startTime * 1000));
          if (date < range.from || date > range.to) continue;
          for (const r of b.results) {
            const lineItem = r.line_item ?? 'unspecified';
            const line: VendorUsageLine = {
              date,
              vendor: 'openai',
              identities: { project: r.project_id ?? 'default' },
              lineItem,
              model: lineItem.split(',')[0]?.trim() || lineItem,
              costMicros: usdNumberToMicros(r.amount.value),
              provisional: opts.today !== undefined && date >= opts.today,
            };
            const k = `${date}|${lineKey(line)}`;
            const prev = byKey.get(k);
            byKey.set(
              k,
              prev ? { ...prev, costMicros: (prev.costMicros as Micros) + line.costMicros } : line,
            );
          }
        }
        // The same bug can hand out pages of empty buckets past end_time: that is the end too. Empty
        // buckets inside the window are real (no spend that day) and paging goes on.
        const end = seconds(addDays(range.to, 1));
        const pastEnd =
          body.data.length === 0 || body.data.every((b) => b.startTime >= end && b.results.length === 0);
        if (!body.has_more || !body.next_page || pastEnd) break;
        page = body.next_page;
      }
      return [...byKey.values()];
    },
  };
}
