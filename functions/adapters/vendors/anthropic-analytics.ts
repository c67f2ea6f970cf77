import * as z from 'zod';
import { addDays, type IsoDay } from '../../core/dates.js';
import type { DayRange } from '../../core/ingest/connector.js';
import { centsNumberToMicros, centsStringToMicros } from '../../core/money.js';
import { lineKey, type VendorUsageLine } from '../../core/usage.js';

/**
 * Anthropic's Usage and Cost Analytics API, cost endpoint (beta): `GET /v1/organizations/analytics/cost`
 * with `anthropic-beta: analytics-usage-cost-2026-08-24`. One row per day bucket
 * (`time_bucket_width=1d`) and combination of the `group_by[]` dimensions that has cost:
 * `{ starting_at, ending_at, group: {…}, cost: { amount, currency, list_amount, request_count } }`,
 * `amount` in fractional CENTS after discounts and before credits. Paged by `has_more` /
 * `next_page` → `page=`.
 */
export const ANALYTICS_BETA = 'analytics-usage-cost-2026-08-24';
export const ANALYTICS_GROUP_BY = ['workspace_id', 'api_key_id', 'model', 'service_tier'] as const;

const cents = z.union(
  [
    z.string().regex(/^-?\d+(\.\d+)?$/, 'expected a decimal amount of cents'),
    z.number().refine(Number.isFinite, 'expected a decimal amount of cents'),
  ],
  { error: 'expected a decimal amount of cents' },
);
const optionalText = z
  .string()
  .nullable()
  .optional()
  .transform((v) => v ?? undefined);
export const analyticsCostPage = z.object({
  data: z.array(
    z.object({
      starting_at: z
        .string({ error: 'expected an RFC 3339 timestamp' })
        .regex(/^\d{4}-\d{2}-\d{2}T/, 'expected an RFC 3339 timestamp'),
      ending_at: z.string(),
      group: z
        .object({
          workspace_id: optionalText,
          api_key_id: optionalText,
          model: optionalText,
          service_tier: optionalText,
        })
        .default({
          workspace_id: undefined,
          api_key_id: undefined,
          model: undefined,
          service_tier: undefined,
        }),
      cost: z.object({ amount: cents, currency: z.literal('USD', { error: 'expected "USD"' }) }),
    }),
  ),
  has_more: z.boolean(),
  next_page: z.string().nullable().optional(),
});

/**
 * `starting_at`/`ending_at` for a day range in 1-day buckets, `limit` and `group_by[]`: the query of
 * the Admin API's reports (`bucket_width`) and of the analytics API (`time_bucket_width`), identical
 * on every page but for `page`.
 */
export function dayQuery(
  range: DayRange,
  limit: number,
  groupBy: readonly string[],
  widthParam: 'bucket_width' | 'time_bucket_width' = 'bucket_width',
): URLSearchParams {
  const query = new URLSearchParams({
    starting_at: `${range.from}T00:00:00Z`,
    ending_at: `${addDays(range.to, 1)}T00:00:00Z`,
    [widthParam]: '1d',
    limit: String(limit),
  });
  for (const g of groupBy) query.append('group_by[]', g);
  return query;
}

/**
 * The lines of analytics cost rows: one per day, workspace, API key, model and service tier (a
 * non-standard tier named in the line item, as it is priced apart), summed where rows repeat a key.
 */
export function analyticsCostLines(
  rows: z.infer<typeof analyticsCostPage>['data'],
  range: DayRange,
  provisional: (day: IsoDay) => boolean,
): VendorUsageLine[] {
  const byKey = new Map<string, VendorUsageLine>();
  for (const r of rows) {
    const date = r.starting_at.slice(0, 10);
    if (date < range.from || date > range.to) continue;
    const { workspace_id, api_key_id, model, service_tier } = r.group;
    const tier = service_tier && service_tier !== 'standard' ? ` (${service_tier})` : '';
    const line: VendorUsageLine = {
      date,
      vendor: 'anthropic',
      identities: { workspace: workspace_id ?? 'default', ...(api_key_id ? { apiKey: api_key_id } : {}) },
      lineItem: `${model ?? 'unspecified'}${tier}`,
      ...(model ? { model } : {}),
      costMicros:
        typeof r.cost.amount === 'string'
          ? centsStringToMicros(r.cost.amount)
          : centsNumberToMicros(r.cost.amount),
      provisional: provisional(date),
    };
    const k = `${date}|${lineKey(line)}`;
    const prev = byKey.get(k);
    byKey.set(k, prev ? { ...prev, costMicros: prev.costMicros + line.costMicros } : line);
  }
  return [...byKey.values()];
}
