import * as z from 'zod';
import { addDays, type IsoDay, toDayNumber, utcDayOf } from '../../core/dates.js';
import type { Connector, DayRange, UsageFetch } from '../../core/ingest/connector.js';
import { usdNumberToMicros, usdStringToMicros } from '../../core/money.js';
import { addTokenCounts, lineKey, type VendorUsageLine } from '../../core/usage.js';
import { checkPageLimit, type HttpOptions, requestJson, VendorResponseError } from './http.js';

/**
 * OpenAI organization costs (`GET /v1/organization/costs`): the money of record, in dollars as JSON
 * numbers, bucketed per UTC day, grouped by project and line item. Needs an Admin key.
 */
const DOLLARS = 'expected dollars as a number or a decimal string';
const costResult = z.object({
  // The spec says a number; live answers have also carried a decimal string ("12.50"). Read both,
  // the string without going through a float.
  amount: z.object({
    value: z.union([z.number(), z.string().regex(/^-?\d+(\.\d+)?$/, DOLLARS)], { error: DOLLARS }),
    currency: z.string(),
  }),
  project_id: z.string().nullable().optional(),
  line_item: z.string().nullable().optional(),
});
/** A page of day buckets; the spec says `results`, some generated docs say `result`: read both. */
function bucketPage<R extends z.ZodType>(result: R) {
  return z.object({
    data: z.array(
      z
        .object({
          start_time: z.number().int(),
          end_time: z.number().int(),
          results: z.array(result).optional(),
          result: z.array(result).optional(),
        })
        .transform((b) => ({
          startTime: b.start_time,
          results: (b.results ?? b.result ?? []) as z.infer<R>[],
        })),
    ),
    has_more: z.boolean(),
    next_page: z.string().nullable().optional(),
  });
}
const costsPage = bucketPage(costResult);

/**
 * Completions usage (`GET /v1/organization/usage/completions`): tokens per day, grouped by project,
 * model and API key. OpenAI says usage may not match costs, so these are detail lines only.
 */
const tokens = z.number({ error: 'expected a token count' }).int().nonnegative();
const usagePage = bucketPage(
  z.object({
    project_id: z.string().nullable().optional(),
    api_key_id: z.string().nullable().optional(),
    model: z.string().nullable().optional(),
    input_tokens: tokens.default(0),
    input_cached_tokens: tokens.nullable().optional(),
    input_cache_write_tokens: tokens.nullable().optional(),
    output_tokens: tokens.default(0),
    num_model_requests: z.number().int().nonnegative().optional(),
  }),
);

export interface OpenAiOptions extends HttpOptions {
  readonly sourceId: string;
  readonly apiKey: () => Promise<string>;
  /** @default https://api.openai.com/v1 */
  readonly baseUrl?: string;
  /** Buckets are provisional from this day on (today's numbers are still moving). */
  readonly today?: IsoDay;
  readonly maxPages?: number;
  /** Day buckets per page of costs (`limit`, 1–180). @default 180 */
  readonly pageSize?: number;
  /** Day buckets per page of completions usage (`limit`, 1–31 at `1d`). @default 31 */
  readonly usagePageSize?: number;
  /** Also pull token counts from the completions usage endpoint (detail lines). @default true */
  readonly includeUsage?: boolean;
}

const seconds = (day: IsoDay) => toDayNumber(day) * 86_400;

/**
 * Every day bucket of one endpoint for the range. The query is identical on every page (OpenAI
 * rejects a page token sent with other parameters); its known paging bug (a `next_page` whose use
 * answers 400 "page token is invalid", or pages of empty buckets past `end_time`) ends the list
 * once every day of the range has been served.
 */
async function allBuckets<R>(
  opts: OpenAiOptions,
  key: string,
  endpoint: string,
  range: DayRange,
  limit: number,
  groupBy: readonly string[],
  schema: z.ZodType<{
    data: Array<{ startTime: number; results: R[] }>;
    has_more: boolean;
    next_page?: string | null | undefined;
  }>,
): Promise<Array<{ date: IsoDay; results: R[] }>> {
  const base = (opts.baseUrl ?? 'https://api.openai.com/v1').replace(/\/$/, '');
  const end = seconds(addDays(range.to, 1));
  const query = new URLSearchParams({
    start_time: String(seconds(range.from)),
    end_time: String(end),
    bucket_width: '1d',
    limit: String(limit),
  });
  for (const g of groupBy) query.append('group_by[]', g);
  const out: Array<{ date: IsoDay; results: R[] }> = [];
  let page: string | undefined;
  for (let n = 1; ; n++) {
    const site = { source: opts.sourceId, endpoint, page: n };
    checkPageLimit(site, opts.maxPages ?? 1000);
    const body = await requestJson(
      `${base}${endpoint}?${query}${page ? `&page=${encodeURIComponent(page)}` : ''}`,
      { headers: { authorization: `Bearer ${key}`, accept: 'application/json' } },
      schema,
      site,
      {
        ...opts,
        onStatus: (status, text) =>
          status === 400 && n > 1 && /page token is invalid/i.test(text) ? 'end' : undefined,
      },
    );
    if (body === 'end') {
      // Only the end of the list may be cut this way: a rejected token before the last day of the
      // range would silently drop days, so that is an error and the source stores nothing.
      const last = out.at(-1)?.date;
      if (last === undefined || last < range.to)
        throw new VendorResponseError(
          `${opts.sourceId} ${endpoint} page ${n}: page token rejected before ${range.to} (last day served ${last ?? 'none'}); re-run the ingest`,
        );
      break;
    }
    for (const b of body.data) {
      const date = utcDayOf(new Date(b.startTime * 1000));
      if (date >= range.from && date <= range.to) out.push({ date, results: b.results });
    }
    // Empty buckets inside the window are real (no spend that day) and paging goes on.
    const pastEnd =
      body.data.length === 0 || body.data.every((b) => b.startTime >= end && b.results.length === 0);
    if (!body.has_more || !body.next_page || pastEnd) break;
    page = body.next_page;
  }
  return out;
}

/**
 * OpenAI organization API: costs by project and line item (the money of record, dollars as JSON
 * numbers) and, as detail, completions tokens by project, model and API key. Needs an Admin key.
 */
export function createOpenAiConnector(opts: OpenAiOptions): Connector {
  const provisional = (date: IsoDay) => opts.today !== undefined && date >= opts.today;
  return {
    sourceId: opts.sourceId,
    vendor: 'openai',
    async fetchUsage(range: DayRange, signal?: AbortSignal): Promise<UsageFetch> {
      const http = signal ? { ...opts, signal } : opts;
      const key = await opts.apiKey();
      const byKey = new Map<string, VendorUsageLine>();
      const add = (line: VendorUsageLine) => {
        const k = `${line.date}|${lineKey(line)}`;
        const prev = byKey.get(k);
        byKey.set(
          k,
          prev
            ? {
                ...prev,
                costMicros: prev.costMicros + line.costMicros,
                ...(line.tokens ? { tokens: addTokenCounts(prev.tokens, line.tokens) } : {}),
              }
            : line,
        );
      };
      const costs = await allBuckets(
        http,
        key,
        '/organization/costs',
        range,
        Math.min(180, Math.max(1, opts.pageSize ?? 180)),
        ['project_id', 'line_item'],
        costsPage,
      );
      for (const { date, results } of costs) {
        for (const r of results) {
          const lineItem = r.line_item ?? 'unspecified';
          add({
            date,
            vendor: 'openai',
            identities: { project: r.project_id ?? 'default' },
            lineItem,
            // Line items read "gpt-5, input": the model is the part before the comma.
            model: lineItem.split(',')[0]?.trim() || lineItem,
            costMicros:
              typeof r.amount.value === 'string'
                ? usdStringToMicros(r.amount.value)
                : usdNumberToMicros(r.amount.value),
            provisional: provisional(date),
          });
        }
      }
      if (opts.includeUsage !== false) {
        const usage = await allBuckets(
          http,
          key,
          '/organization/usage/completions',
          range,
          Math.min(31, Math.max(1, opts.usagePageSize ?? 31)),
          ['project_id', 'model', 'api_key_id'],
          usagePage,
        );
        for (const { date, results } of usage) {
          for (const r of results) {
            const model = r.model ?? 'unknown';
            const cached = r.input_cached_tokens ?? 0;
            add({
              date,
              vendor: 'openai',
              identities: {
                project: r.project_id ?? 'default',
                ...(r.api_key_id ? { apiKey: r.api_key_id } : {}),
              },
              lineItem: `Tokens ${model}`,
              model,
              costMicros: 0n,
              // input_tokens includes the cached ones; keep them apart like Anthropic's report does.
              tokens: {
                input: Math.max(0, r.input_tokens - cached),
                output: r.output_tokens,
                cacheRead: cached,
                cacheWrite: r.input_cache_write_tokens ?? 0,
              },
              provisional: provisional(date),
              billable: false,
            });
          }
        }
      }
      // The costs endpoint answers every day with a bucket, empty on a day without spend.
      return { lines: [...byKey.values()], answeredDays: new Set(costs.map((c) => c.date)) };
    },
  };
}
