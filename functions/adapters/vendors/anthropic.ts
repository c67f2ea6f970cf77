import * as z from 'zod';
import { addDays, type IsoDay } from '../../core/dates.js';
import type { Connector, DayRange } from '../../core/ingest/connector.js';
import { centsStringToMicros, type Micros } from '../../core/money.js';
import { lineKey, type VendorUsageLine } from '../../core/usage.js';
import { type HttpOptions, requestJson } from './http.js';

/**
 * Anthropic Admin API cost report (`GET /v1/organizations/cost_report`): USD per UTC day, grouped by
 * workspace and description. `amount` is a decimal string in CENTS ("123.45" = $1.23); reading it as
 * dollars overstates spend 100×. `workspace_id` null is the default workspace.
 */
const costResult = z.object({
  amount: z
    .string({ error: 'expected a decimal string of cents' })
    .regex(/^-?\d+(\.\d+)?$/, 'expected a decimal string of cents'),
  currency: z.literal('USD', { error: 'expected "USD"' }),
  workspace_id: z.string().nullable().optional(),
  description: z.string().nullable().optional(),
  model: z.string().nullable().optional(),
  cost_type: z.string().nullable().optional(),
});
const costPage = z.object({
  data: z.array(z.object({ starting_at: z.string(), ending_at: z.string(), results: z.array(costResult) })),
  has_more: z.boolean(),
  next_page: z.string().nullable().optional(),
});

export interface AnthropicOptions extends HttpOptions {
  readonly sourceId: string;
  readonly apiKey: () => Promise<string>;
  /** @default https://api.anthropic.com */
  readonly baseUrl?: string;
  readonly today?: IsoDay;
  /** Day buckets per page (1–31). @default 31 */
  readonly pageSize?: number;
  readonly maxPages?: number;
}

export function createAnthropicConnector(opts: AnthropicOptions): Connector {
  const base = (opts.baseUrl ?? 'https://api.anthropic.com').replace(/\/$/, '');
  return {
    sourceId: opts.sourceId,
    vendor: 'anthropic',
    async fetchUsage(range: DayRange): Promise<VendorUsageLine[]> {
      const key = await opts.apiKey();
      const query = new URLSearchParams({
        starting_at: `${range.from}T00:00:00Z`,
        ending_at: `${addDays(range.to, 1)}T00:00:00Z`,
        bucket_width: '1d',
        limit: String(opts.pageSize ?? 31),
      });
      query.append('group_by[]', 'workspace_id');
      query.append('group_by[]', 'description');
      const headers = {
        'x-api-key': key,
        'anthropic-version': '2023-06-01',
        'user-agent': 'burnwatch (AI spend governance)',
        accept: 'application/json',
      };
      const byKey = new Map<string, VendorUsageLine>();
      let page: string | undefined;
      for (let n = 1; ; n++) {
        if (n > (opts.maxPages ?? 100))
          throw new Error(`${opts.sourceId} cost_report: more than ${opts.maxPages ?? 100} pages`);
        const url = `${base}/v1/organizations/cost_report?${query}${page ? `&page=${encodeURIComponent(page)}` : ''}`;
        const body = await requestJson(
          url,
          { headers },
          costPage,
          { source: opts.sourceId, endpoint: 'cost_report', page: n },
          opts,
        );
        if (body === 'end') break;
        for (const bucket of body.data) {
          const date = bucket.starting_at.slice(0, 10);
          if (date < range.from || date > range.to) continue;
          for (const r of bucket.results) {
            const lineItem = r.description ?? r.cost_type ?? 'unspecified';
            const line: VendorUsageLine = {
              date,
              vendor: 'anthropic',
              identities: { workspace: r.workspace_id ?? 'default' },
              lineItem,
              ...(r.model ? { model: r.model } : {}),
              costMicros: centsStringToMicros(r.amount),
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
        if (!body.has_more || !body.next_page) break;
        page = body.next_page;
      }
      return [...byKey.values()];
    },
  };
}
