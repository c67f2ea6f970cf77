import { performance } from 'node:perf_hooks';
import * as z from 'zod';
import { createDocumentClient, DynamoStore } from '../../functions/adapters/dynamo/dynamo-store.js';
import { localClient } from '../../functions/adapters/dynamo/local-dynamodb.js';
import { runDailyJob } from '../../functions/core/daily-job.js';
import { runIngest } from '../../functions/core/ingest/run-ingest.js';
import { engineForecaster } from '../../functions/core/team-reports.js';
import { meterWrites } from './capacity-meter.js';
import { perUserConnector, scaleConfig } from './scale-org.js';

/**
 * One measured step of `bench:scale`, in its own process (started with a heap cap by scale.ts) so
 * its peak memory is its own: a per-user ingest (a backfill chunk or the daily run) or the daily
 * job. Prints one JSON line: seconds, peak RSS and heap, and what it wrote.
 */
const args = z
  .object({
    endpoint: z.string(),
    table: z.string(),
    engineers: z.number().int().positive(),
    step: z.enum(['ingest', 'job']),
    cap: z.boolean().default(false),
    now: z.string(),
    from: z.string().optional(),
    to: z.string().optional(),
    revise: z.string().optional(),
    asOf: z.string().optional(),
  })
  .parse(JSON.parse(process.argv[2] ?? '{}'));

let peakRss = 0;
let peakHeap = 0;
const sample = () => {
  const m = process.memoryUsage();
  peakRss = Math.max(peakRss, m.rss);
  peakHeap = Math.max(peakHeap, m.heapUsed);
};
const sampler = setInterval(sample, 25);

const client = localClient(args.endpoint);
const meter = meterWrites(client);
const store = new DynamoStore(createDocumentClient(client), { tableName: args.table });
const clock = { now: () => new Date(args.now) };
const config = scaleConfig(args.engineers, args.cap);
sample();
const t0 = performance.now();
let detail: Record<string, unknown>;
if (args.step === 'ingest') {
  const [outcome] = await runIngest({
    config,
    store,
    connectors: [
      perUserConnector(args.engineers, {
        today: args.now.slice(0, 10),
        ...(args.revise ? { revise: args.revise } : {}),
      }),
    ],
    clock,
    ...(args.from && args.to ? { range: { from: args.from, to: args.to } } : {}),
  });
  if (outcome?.status !== 'ok') throw new Error(`ingest failed: ${outcome?.error}`);
  detail = { days: outcome.days, records: outcome.records };
} else {
  const result = await runDailyJob(
    { config, store, clock, forecaster: engineForecaster(config), digest: 'never' },
    args.asOf ?? '',
  );
  const capConditions = result.alerts.conditions.filter((c) => c.rule === 'engineer-cap');
  detail = {
    teams: result.burns.length,
    conditions: result.alerts.conditions.length,
    overCap: capConditions.reduce((n, c) => n + (c.metric ?? 0), 0),
    problems: result.alerts.problems.length,
  };
}
const seconds = (performance.now() - t0) / 1000;
sample();
clearInterval(sampler);
client.destroy();
process.stdout.write(
  `${JSON.stringify({ seconds, peakRssMb: peakRss / 2 ** 20, peakHeapMb: peakHeap / 2 ** 20, meter, ...detail })}\n`,
);
