import {
  CostExplorerClient,
  type CostExplorerClientConfig,
  GetCostAndUsageCommand,
  type GetCostAndUsageCommandOutput,
} from '@aws-sdk/client-cost-explorer';
import * as z from 'zod';
import { addDays, type IsoDay } from '../../core/dates.js';
import {
  type Connector,
  type DayRange,
  SourceOutOfTimeError,
  type UsageFetch,
} from '../../core/ingest/connector.js';
import { usdStringToMicros } from '../../core/money.js';
import type { VendorUsageLine } from '../../core/usage.js';
import {
  checkPageLimit,
  firstProblem,
  redactedExcerpt,
  VendorHttpError,
  VendorResponseError,
} from './http.js';

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
    async fetchUsage(range: DayRange, signal?: AbortSignal): Promise<UsageFetch> {
      const lines: VendorUsageLine[] = [];
      const answeredDays = new Set<IsoDay>();
      let token: string | undefined;
      for (let page = 1; ; page++) {
        const site = `${opts.sourceId} GetCostAndUsage page ${page}`;
        checkPageLimit({ source: opts.sourceId, endpoint: 'GetCostAndUsage', page }, opts.maxPages ?? 100);
        let out: GetCostAndUsageCommandOutput;
        try {
          // Throttling, 5xx and timeouts are retried inside the SDK (client `maxAttempts`).
          out = await opts.client.send(
            new GetCostAndUsageCommand({
              TimePeriod: { Start: range.from, End: addDays(range.to, 1) },
              Granularity: 'DAILY',
              Metrics: ['UnblendedCost'],
              Filter: { Dimensions: { Key: 'SERVICE', Values: [...opts.services] } },
              GroupBy: [{ Type: 'TAG', Key: opts.tagKey }],
              ...(token ? { NextPageToken: token } : {}),
            }),
            signal ? { abortSignal: signal } : {},
          );
        } catch (err) {
          if (signal?.aborted) throw new SourceOutOfTimeError(site);
          throw sdkFailure(site, err, await credentialSecrets(opts.client));
        }
        const parsed = ceResponse.safeParse(out);
        if (!parsed.success) throw new VendorResponseError(`${site}: ${firstProblem(parsed.error)}`);
        for (const result of parsed.data.ResultsByTime) {
          const date = result.TimePeriod.Start.slice(0, 10);
          if (date < range.from || date > range.to) continue;
          // One ResultsByTime entry per day, with no groups on a day without spend.
          answeredDays.add(date);
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
      return { lines, answeredDays };
    },
  };
}

/**
 * What the SDK threw, named by call site like the HTTP connectors' errors: a body that is not JSON
 * (cut off) is a bad response; anything else (retries exhausted, access denied) a transport failure.
 */
function sdkFailure(site: string, err: unknown, secrets: readonly string[]): Error {
  const e = err instanceof Error ? err : new Error(String(err));
  // The SDK's message can carry what the endpoint (or a proxy) sent back, credentials included:
  // redacted before it is cut, like every vendor body (http.ts).
  const detail = redactedExcerpt(e.message.split('\n')[0] ?? '', secrets);
  if (e.name === 'SyntaxError') {
    return new VendorResponseError(`${site}: response is not valid JSON (${detail})`, { cause: e });
  }
  const status = (e as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
  return new VendorHttpError(`${site}: ${e.name}${status ? ` (HTTP ${status})` : ''}: ${detail}`, status, {
    cause: e,
  });
}

/** The client's credentials as strings to redact (none when they cannot be resolved). */
async function credentialSecrets(client: CostExplorerClient): Promise<string[]> {
  try {
    const c = await client.config.credentials();
    return [c.accessKeyId, c.secretAccessKey, c.sessionToken ?? ''].filter((x) => x.length >= 8);
  } catch {
    return [];
  }
}

export interface CostExplorerClientOptions {
  /** Endpoint override for proxies and tests. */
  readonly endpoint?: string;
  /** Per-request timeout; a slower answer is abandoned and retried. @default 30000 */
  readonly timeoutMs?: number;
  /** Fixed credentials (tests); otherwise the environment's (Lambda role, CLI profile). */
  readonly credentials?: CostExplorerClientConfig['credentials'];
}

/** The client for a source: region from config, 5 attempts, and a timeout that throws (and is retried). */
export function costExplorerClient(region: string, opts: CostExplorerClientOptions = {}): CostExplorerClient {
  return new CostExplorerClient({
    region,
    ...(opts.endpoint ? { endpoint: opts.endpoint } : {}),
    ...(opts.credentials ? { credentials: opts.credentials } : {}),
    maxAttempts: 5,
    // Without throwOnRequestTimeout the SDK only logs a warning when requestTimeout passes.
    requestHandler: { requestTimeout: opts.timeoutMs ?? 30_000, throwOnRequestTimeout: true },
  });
}
