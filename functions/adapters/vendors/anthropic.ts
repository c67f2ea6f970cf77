import * as z from 'zod';
import { eachDay, type IsoDay } from '../../core/dates.js';
import type { Connector, DayRange, UsageFetch } from '../../core/ingest/connector.js';
import { centsNumberToMicros, centsStringToMicros } from '../../core/money.js';
import { addTokenCounts, lineKey, type OutcomeCounts, type VendorUsageLine } from '../../core/usage.js';
import {
  ANALYTICS_BETA,
  ANALYTICS_GROUP_BY,
  analyticsCostLines,
  analyticsCostPage,
  dayQuery,
} from './anthropic-analytics.js';
import { checkPageLimit, type HttpOptions, requestJson, VendorHttpError } from './http.js';

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

/**
 * Messages usage report (`GET /v1/organizations/usage_report/messages`): tokens per day bucket, here
 * grouped by workspace, API key and model. Ungrouped dimensions come back null; cache creation is
 * nested (`cache_creation.ephemeral_5m_input_tokens`).
 */
const tokenCount = z.number({ error: 'expected a token count' }).int().nonnegative();
const messagesPage = z.object({
  data: z.array(
    z.object({
      starting_at: z.string(),
      ending_at: z.string(),
      results: z.array(
        z.object({
          workspace_id: z.string().nullable().optional(),
          api_key_id: z.string().nullable().optional(),
          model: z.string().nullable().optional(),
          uncached_input_tokens: tokenCount.default(0),
          cache_read_input_tokens: tokenCount.default(0),
          cache_creation: z
            .object({
              ephemeral_1h_input_tokens: tokenCount.default(0),
              ephemeral_5m_input_tokens: tokenCount.default(0),
            })
            .nullable()
            .optional(),
          output_tokens: tokenCount.default(0),
        }),
      ),
    }),
  ),
  has_more: z.boolean(),
  next_page: z.string().nullable().optional(),
});

/** Claude Code analytics: one record per actor per day; `estimated_cost.amount` is cents as a NUMBER. */
const claudeCodePage = z.object({
  data: z.array(
    z.object({
      date: z.string(),
      actor: z.discriminatedUnion('type', [
        z.object({ type: z.literal('user_actor'), email_address: z.string() }),
        z.object({ type: z.literal('api_actor'), api_key_name: z.string() }),
      ]),
      core_metrics: z
        .object({
          num_sessions: z.number().optional(),
          lines_of_code: z
            .object({ added: z.number().optional(), removed: z.number().optional() })
            .optional(),
          commits_by_claude_code: z.number().optional(),
          pull_requests_by_claude_code: z.number().optional(),
        })
        .optional(),
      /** Edit, MultiEdit, Write and NotebookEdit proposals the user accepted or rejected (outcomes). */
      tool_actions: z
        .record(
          z.string(),
          z
            .object({
              accepted: z.number({ error: 'expected a count' }).optional(),
              rejected: z.number({ error: 'expected a count' }).optional(),
            })
            .nullable(),
        )
        .nullable()
        .optional(),
      model_breakdown: z
        .array(
          z.object({
            model: z.string(),
            tokens: z
              .object({
                input: z.number(),
                output: z.number(),
                cache_read: z.number(),
                cache_creation: z.number(),
              })
              .partial()
              .optional(),
            estimated_cost: z.object({
              amount: z.number({ error: 'expected a number of cents' }),
              currency: z.string(),
            }),
          }),
        )
        .nullable()
        .optional()
        .transform((v) => v ?? []),
    }),
  ),
  has_more: z.boolean(),
  next_page: z.string().nullable().optional(),
});

/** The outcome counters Claude Code analytics reports. */
type ClaudeCodeOutcome = Extract<
  keyof OutcomeCounts,
  | 'commits'
  | 'pullRequests'
  | 'linesAdded'
  | 'linesRemoved'
  | 'sessions'
  | 'linesAccepted'
  | 'toolAccepted'
  | 'toolRejected'
>;

export interface AnthropicOptions extends HttpOptions {
  readonly sourceId: string;
  readonly apiKey: () => Promise<string>;
  /** @default https://api.anthropic.com */
  readonly baseUrl?: string;
  readonly today?: IsoDay;
  /** Day buckets per page for the cost and messages reports (1–31). @default 31 */
  readonly pageSize?: number;
  readonly maxPages?: number;
  /** Also pull Claude Code per-user activity (detail lines, not billed twice). @default true */
  readonly includeClaudeCode?: boolean;
  /** Also pull token counts from the messages usage report (detail lines). @default true */
  readonly includeMessagesUsage?: boolean;
  /**
   * The money of record: `analytics` (the Usage and Cost Analytics API, per workspace, API key, model
   * and service tier; where the organization lacks it, the legacy cost report instead, with a note)
   * or `cost-report` (the legacy report). @default 'cost-report'
   */
  readonly costSource?: 'analytics' | 'cost-report';
  /** Rows per page of the analytics API. @default 1000 */
  readonly analyticsPageSize?: number;
}

type Headers = Record<string, string>;

/** Follows `has_more` / `next_page` → `page=` with the query otherwise unchanged, up to `maxPages`. */
async function* pages<S extends z.ZodType<{ has_more: boolean; next_page?: string | null | undefined }>>(
  opts: AnthropicOptions,
  url: string,
  query: URLSearchParams,
  headers: Headers,
  schema: S,
  endpoint: string,
): AsyncGenerator<z.infer<S>> {
  let page: string | undefined;
  for (let n = 1; ; n++) {
    const site = { source: opts.sourceId, endpoint, page: n };
    checkPageLimit(site, opts.maxPages ?? 1000);
    const body = await requestJson(
      `${url}?${query}${page ? `&page=${encodeURIComponent(page)}` : ''}`,
      { headers },
      schema,
      site,
      opts,
    );
    if (body === 'end') return;
    yield body;
    if (!body.has_more || !body.next_page) return;
    page = body.next_page;
  }
}

/**
 * Anthropic Admin API: the cost report is the money of record (billable lines per workspace and
 * description); the messages usage report (tokens per workspace, API key and model) and Claude Code
 * analytics (per-user estimated cost, commits, pull requests, lines) are detail lines
 * (`billable: false`) whose cost is already inside the cost report.
 */
export function createAnthropicConnector(opts: AnthropicOptions): Connector {
  const base = (opts.baseUrl ?? 'https://api.anthropic.com').replace(/\/$/, '');
  const limit = Math.min(31, Math.max(1, opts.pageSize ?? 31));
  const provisional = (date: IsoDay) => opts.today !== undefined && date >= opts.today;
  const inRange = (range: DayRange, date: IsoDay) => date >= range.from && date <= range.to;

  const costReport = async (
    range: DayRange,
    headers: Headers,
    http: AnthropicOptions,
  ): Promise<UsageFetch> => {
    const byKey = new Map<string, VendorUsageLine>();
    const answeredDays = new Set<IsoDay>();
    const query = dayQuery(range, limit, ['workspace_id', 'description']);
    const url = `${base}/v1/organizations/cost_report`;
    for await (const body of pages(http, url, query, headers, costPage, 'cost_report')) {
      for (const bucket of body.data) {
        const date = bucket.starting_at.slice(0, 10);
        if (!inRange(range, date)) continue;
        // Each day comes as a bucket, empty on a day without spend: the report's word for that day.
        answeredDays.add(date);
        for (const r of bucket.results) {
          const line: VendorUsageLine = {
            date,
            vendor: 'anthropic',
            identities: { workspace: r.workspace_id ?? 'default' },
            lineItem: r.description ?? r.cost_type ?? 'unspecified',
            ...(r.model ? { model: r.model } : {}),
            costMicros: centsStringToMicros(r.amount),
            provisional: provisional(date),
          };
          // Rows differing only in dimensions we do not keep (service tier, context window) are summed.
          const k = `${date}|${lineKey(line)}`;
          const prev = byKey.get(k);
          byKey.set(k, prev ? { ...prev, costMicros: prev.costMicros + line.costMicros } : line);
        }
      }
    }
    return { lines: [...byKey.values()], answeredDays };
  };

  const messagesUsage = async (
    range: DayRange,
    headers: Headers,
    http: AnthropicOptions,
  ): Promise<VendorUsageLine[]> => {
    const byKey = new Map<string, VendorUsageLine>();
    const query = dayQuery(range, limit, ['workspace_id', 'api_key_id', 'model']);
    const url = `${base}/v1/organizations/usage_report/messages`;
    for await (const body of pages(http, url, query, headers, messagesPage, 'usage_report/messages')) {
      for (const bucket of body.data) {
        const date = bucket.starting_at.slice(0, 10);
        if (!inRange(range, date)) continue;
        for (const r of bucket.results) {
          const model = r.model ?? 'unknown';
          const tokens = {
            input: r.uncached_input_tokens,
            output: r.output_tokens,
            cacheRead: r.cache_read_input_tokens,
            cacheWrite:
              (r.cache_creation?.ephemeral_1h_input_tokens ?? 0) +
              (r.cache_creation?.ephemeral_5m_input_tokens ?? 0),
          };
          const line: VendorUsageLine = {
            date,
            vendor: 'anthropic',
            // Console / playground usage has no API key.
            identities: {
              workspace: r.workspace_id ?? 'default',
              ...(r.api_key_id ? { apiKey: r.api_key_id } : {}),
            },
            lineItem: `Tokens ${model}`,
            model,
            costMicros: 0n,
            tokens,
            provisional: provisional(date),
            billable: false,
          };
          const k = `${date}|${lineKey(line)}`;
          const prev = byKey.get(k);
          byKey.set(k, prev ? { ...prev, tokens: addTokenCounts(prev.tokens, tokens) } : line);
        }
      }
    }
    return [...byKey.values()];
  };

  /**
   * Per-user Claude Code lines, one per actor, day and model; outcomes (commits, PRs, lines,
   * sessions) summed per actor and day and kept on that actor's first line so they count once.
   * Tokens are left to the messages report, which already includes Claude Code's API traffic.
   */
  const claudeCode = async (
    range: DayRange,
    headers: Headers,
    http: AnthropicOptions,
  ): Promise<VendorUsageLine[]> => {
    const byActorDay = new Map<
      string,
      {
        identities: VendorUsageLine['identities'];
        date: IsoDay;
        outcomes: { -readonly [K in ClaudeCodeOutcome]-?: number };
        models: Map<string, bigint>;
      }
    >();
    const url = `${base}/v1/organizations/usage_report/claude_code`;
    for (const day of eachDay(range.from, range.to)) {
      // One UTC day per call; `limit` here counts records (max 1000).
      const query = new URLSearchParams({ starting_at: day, limit: '1000' });
      for await (const body of pages(http, url, query, headers, claudeCodePage, 'usage_report/claude_code')) {
        for (const r of body.data) {
          // Documented as YYYY-MM-DD, shown in examples as …T00:00:00Z: both read as the UTC day.
          const date = r.date.slice(0, 10);
          if (!inRange(range, date)) continue;
          const identities =
            r.actor.type === 'user_actor'
              ? { userEmail: r.actor.email_address }
              : { apiKey: r.actor.api_key_name };
          const k = `${date}|${lineKey({ identities, lineItem: '' })}`;
          const acc = byActorDay.get(k) ?? {
            identities,
            date,
            outcomes: {
              commits: 0,
              pullRequests: 0,
              linesAdded: 0,
              linesRemoved: 0,
              sessions: 0,
              linesAccepted: 0,
              toolAccepted: 0,
              toolRejected: 0,
            },
            models: new Map<string, bigint>(),
          };
          const cm = r.core_metrics;
          acc.outcomes.commits += cm?.commits_by_claude_code ?? 0;
          acc.outcomes.pullRequests += cm?.pull_requests_by_claude_code ?? 0;
          acc.outcomes.linesAdded += cm?.lines_of_code?.added ?? 0;
          acc.outcomes.linesRemoved += cm?.lines_of_code?.removed ?? 0;
          acc.outcomes.sessions += cm?.num_sessions ?? 0;
          // Claude Code's lines are the edits it made that the user accepted: accepted AI lines.
          acc.outcomes.linesAccepted += cm?.lines_of_code?.added ?? 0;
          for (const t of Object.values(r.tool_actions ?? {})) {
            acc.outcomes.toolAccepted += t?.accepted ?? 0;
            acc.outcomes.toolRejected += t?.rejected ?? 0;
          }
          for (const m of r.model_breakdown) {
            acc.models.set(
              m.model,
              (acc.models.get(m.model) ?? 0n) + centsNumberToMicros(m.estimated_cost.amount),
            );
          }
          byActorDay.set(k, acc);
        }
      }
    }
    const out: VendorUsageLine[] = [];
    for (const a of byActorDay.values()) {
      const models = [...a.models].sort(([x], [y]) => (x < y ? -1 : x > y ? 1 : 0));
      // An actor with activity but no model cost still gets a line, to carry the outcomes.
      const entries: Array<[string | undefined, bigint]> = models.length ? models : [[undefined, 0n]];
      entries.forEach(([model, micros], i) => {
        out.push({
          date: a.date,
          vendor: 'anthropic',
          identities: a.identities,
          lineItem: model ? `Claude Code ${model}` : 'Claude Code activity',
          ...(model ? { model } : {}),
          costMicros: micros,
          ...(i === 0 ? { outcomes: a.outcomes } : {}),
          provisional: provisional(a.date),
          billable: false,
        });
      });
    }
    return out;
  };

  /**
   * Cost from the analytics API. It returns rows only for groups with cost, no empty day buckets, so
   * it affirms no day: a day without rows is "nothing returned" (coverage confirms it on a later run),
   * and `answeredDays` stays undefined. Undefined too when the organization lacks the API (403/404 on
   * the first page): then the legacy cost report answers, and the run says so.
   */
  const analyticsCost = async (
    range: DayRange,
    headers: Headers,
    http: AnthropicOptions,
  ): Promise<UsageFetch | undefined> => {
    const rowsPerPage = Math.min(1000, Math.max(1, opts.analyticsPageSize ?? 1000));
    // The analytics API names the bucket width `time_bucket_width`; the legacy reports `bucket_width`.
    const query = dayQuery(range, rowsPerPage, ANALYTICS_GROUP_BY, 'time_bucket_width');
    const url = `${base}/v1/organizations/analytics/cost`;
    const rows: z.infer<typeof analyticsCostPage>['data'] = [];
    try {
      for await (const body of pages(
        http,
        url,
        query,
        { ...headers, 'anthropic-beta': ANALYTICS_BETA },
        analyticsCostPage,
        'analytics/cost',
      ))
        rows.push(...body.data);
    } catch (err) {
      if (rows.length === 0 && err instanceof VendorHttpError && (err.status === 403 || err.status === 404))
        return undefined;
      throw err;
    }
    return { lines: analyticsCostLines(rows, range, provisional) };
  };

  return {
    sourceId: opts.sourceId,
    vendor: 'anthropic',
    async fetchUsage(range: DayRange, signal?: AbortSignal): Promise<UsageFetch> {
      const http = signal ? { ...opts, signal } : opts;
      const headers: Headers = {
        'x-api-key': await opts.apiKey(),
        'anthropic-version': '2023-06-01',
        'user-agent': 'burnwatch/1.0 (AI spend governance)',
        accept: 'application/json',
      };
      const analytics =
        opts.costSource === 'analytics' ? await analyticsCost(range, headers, http) : undefined;
      const notes =
        opts.costSource === 'analytics' && !analytics
          ? [
              'the Usage and Cost Analytics API is not available to this organization (HTTP 403/404); used the legacy cost report',
            ]
          : [];
      const { lines, answeredDays } = analytics ?? (await costReport(range, headers, http));
      if (opts.includeMessagesUsage !== false) lines.push(...(await messagesUsage(range, headers, http)));
      if (opts.includeClaudeCode !== false) lines.push(...(await claudeCode(range, headers, http)));
      return { lines, ...(answeredDays ? { answeredDays } : {}), ...(notes.length ? { notes } : {}) };
    },
  };
}
