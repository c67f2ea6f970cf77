import * as z from 'zod';
import { addDays, eachDay, type IsoDay } from '../../core/dates.js';
import type { Connector, DayRange } from '../../core/ingest/connector.js';
import { centsNumberToMicros, centsStringToMicros, type Micros } from '../../core/money.js';
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

/** Claude Code analytics: one record per actor per day; `estimated_cost.amount` is cents as a NUMBER. */
const claudeCodePage = z.object({
  data: z.array(
    z.object({
      date: z.string(),
      actor: z.union([
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
        .default([]),
    }),
  ),
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
  /** Also pull Claude Code per-user activity (detail lines, not billed twice). @default true */
  readonly includeClaudeCode?: boolean;
}

export function createAnthropicConnector(opts: AnthropicOptions): Connector {
  const base = (opts.baseUrl ?? 'https://api.anthropic.com').replace(/\/$/, '');
  /**
   * Per-user Claude Code lines: the estimated cost is already inside the cost report (the money of
   * record), so these are `billable: false`; they carry the per-person cost the engineer-cap rule
   * reads and the commits / pull requests / lines behind cost-per-PR.
   */
  const claudeCode = async (range: DayRange, headers: Record<string, string>): Promise<VendorUsageLine[]> => {
    const out: VendorUsageLine[] = [];
    for (const day of eachDay(range.from, range.to)) {
      let page: string | undefined;
      for (let n = 1; ; n++) {
        if (n > (opts.maxPages ?? 100))
          throw new Error(`${opts.sourceId} claude_code: more than ${opts.maxPages ?? 100} pages`);
        const query = new URLSearchParams({ starting_at: day, limit: '1000' });
        if (page) query.set('page', page);
        const body = await requestJson(
          `${base}/v1/organizations/usage_report/claude_code?${query}`,
          { headers },
          claudeCodePage,
          { source: opts.sourceId, endpoint: 'usage_report/claude_code', page: n },
          opts,
        );
        if (body === 'end') break;
        for (const r of body.data) {
          // Documented as YYYY-MM-DD, shown in examples as …T00:00:00Z: both read as the UTC day.
          const date = r.date.slice(0, 10);
          const identities =
            r.actor.type === 'user_actor'
              ? { userEmail: r.actor.email_address }
              : { apiKey: r.actor.api_key_name };
          const cm = r.core_metrics;
          r.model_breakdown.forEach((m, i) => {
            out.push({
              date,
              vendor: 'anthropic',
              identities,
              lineItem: `Claude Code ${m.model}`,
              model: m.model,
              costMicros: centsNumberToMicros(m.estimated_cost.amount),
              tokens: {
                input: m.tokens?.input ?? 0,
                output: m.tokens?.output ?? 0,
                cacheRead: m.tokens?.cache_read ?? 0,
                cacheWrite: m.tokens?.cache_creation ?? 0,
              },
              // Outcomes are per actor and day: count them once, on the first model line.
              ...(i === 0 && cm
                ? {
                    outcomes: {
                      commits: cm.commits_by_claude_code ?? 0,
                      pullRequests: cm.pull_requests_by_claude_code ?? 0,
                      linesAdded: cm.lines_of_code?.added ?? 0,
                      linesRemoved: cm.lines_of_code?.removed ?? 0,
                      sessions: cm.num_sessions ?? 0,
                    },
                  }
                : {}),
              provisional: opts.today !== undefined && date >= opts.today,
              billable: false,
            });
          });
        }
        if (!body.has_more || !body.next_page) break;
        page = body.next_page;
      }
    }
    return out;
  };
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
      const lines = [...byKey.values()];
      if (opts.includeClaudeCode !== false) lines.push(...(await claudeCode(range, headers)));
      return lines;
    },
  };
}
