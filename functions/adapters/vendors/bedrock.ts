import { CostExplorerClient, GetCostAndUsageCommand } from '@aws-sdk/client-cost-explorer';
import * as z from 'zod';
import { addDays, type IsoDay } from '../../core/dates.js';
import type { Connector, DayRange } from '../../core/ingest/connector.js';
import { usdStringToMicros } from '../../core/money.js';
import type { VendorUsageLine } from '../../core/usage.js';
import { firstProblem, VendorResponseError } from './http.js';

/**
 * AWS Bedrock spend from Cost Explorer `GetCostAndUsage`: DAILY, filtered to the configured services,
 * grouped by the team cost-allocation tag (`team$payments`; `team$` = untagged). Amounts are decimal
 * strings of dollars; `Estimated` days are provisional. End is exclusive. Each page costs $0.01.
 */
const ceResponse = z.object({
  ResultsByTime: z.array(
    z.object({
      TimePeriod: z.object({ Start: z.string() }),
      Estimated: z.boolean().optional(),
      Groups: z
        .array(
          z.object({
            Keys: z.array(z.string()).min(1),
            Metrics: z.object({
              UnblendedCost: z.object({
                Amount: z.string({ error: 'expected a decimal string of dollars' }),
                Unit: z.string(),
              }),
            }),
          }),
        )
        .default([]),
    }),
  ),
  NextPageToken: z.string().optional(),
});

export interface BedrockOptions {
  readonly sourceId: string;
  readonly tagKey: string;
  readonly services: readonly string[];
  readonly client: CostExplorerClient;
  readonly today?: IsoDay;
  readonly maxPages?: number;
}

export function createBedrockConnector(opts: BedrockOptions): Connector {
  return {
    sourceId: opts.sourceId,
    vendor: 'bedrock',
    async fetchUsage(range: DayRange): Promise<VendorUsageLine[]> {
      const lines: VendorUsageLine[] = [];
      let token: string | undefined;
      for (let page = 1; ; page++) {
        if (page > (opts.maxPages ?? 100))
          throw new Error(`${opts.sourceId} GetCostAndUsage: more than ${opts.maxPages ?? 100} pages`);
        const out = await opts.client.send(
          new GetCostAndUsageCommand({
            TimePeriod: { Start: range.from, End: addDays(range.to, 1) },
            Granularity: 'DAILY',
            Metrics: ['UnblendedCost'],
            Filter: { Dimensions: { Key: 'SERVICE', Values: [...opts.services] } },
            GroupBy: [{ Type: 'TAG', Key: opts.tagKey }],
            ...(token ? { NextPageToken: token } : {}),
          }),
        );
        const parsed = ceResponse.safeParse(out);
        if (!parsed.success) {
          throw new VendorResponseError(
            `${opts.sourceId} GetCostAndUsage page ${page}: ${firstProblem(parsed.error)}`,
          );
        }
        for (const result of parsed.data.ResultsByTime) {
          const date = result.TimePeriod.Start.slice(0, 10);
          if (date < range.from || date > range.to) continue;
          for (const g of result.Groups) {
            const key = g.Keys[0] ?? '';
            const tag = key.includes('$') ? key.slice(key.indexOf('$') + 1) : key;
            lines.push({
              date,
              vendor: 'bedrock',
              identities: { tag },
              lineItem: opts.services.join(', '),
              costMicros: usdStringToMicros(g.Metrics.UnblendedCost.Amount),
              provisional: result.Estimated === true || (opts.today !== undefined && date >= opts.today),
            });
          }
        }
        token = parsed.data.NextPageToken;
        if (!token) break;
      }
      return lines;
    },
  };
}

/** The client for a source: region from config, endpoint override for proxies and tests. */
export function costExplorerClient(region: string, endpoint?: string): CostExplorerClient {
  return new CostExplorerClient({ region, ...(endpoint ? { endpoint } : {}), maxAttempts: 5 });
}
