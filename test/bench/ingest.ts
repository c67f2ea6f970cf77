import { performance } from 'node:perf_hooks';
import {
  BatchWriteItemCommand,
  DeleteTableCommand,
  type DynamoDBClient,
  type WriteRequest,
} from '@aws-sdk/client-dynamodb';
import { marshall } from '@aws-sdk/util-dynamodb';
import { createDocumentClient, DynamoStore } from '../../functions/adapters/dynamo/dynamo-store.js';
import { keys } from '../../functions/adapters/dynamo/keys.js';
import { localClient, startLocalDynamo } from '../../functions/adapters/dynamo/local-dynamodb.js';
import { ensureTable } from '../../functions/adapters/dynamo/table.js';
import { parseConfig } from '../../functions/core/config/load.js';
import type { Connector, UsageBatch } from '../../functions/core/ingest/connector.js';
import { type IngestOutcome, runIngest } from '../../functions/core/ingest/run-ingest.js';
import { lineKey, type VendorUsageLine } from '../../functions/core/usage.js';
import { meterWrites, type WriteMeter } from './capacity-meter.js';

/**
 * One day of per-user usage for an org of 85,000 engineers (Cursor-shaped: one line per engineer,
 * email identity) through the real ingest path (connector → attribution → the crash-safe replacement
 * on DynamoDB Local), fetched whole and streamed page by page, beside DynamoDB Local's raw
 * BatchWriteItem rate for the same line items, pre-marshalled, at the fastest concurrency found
 * (8, 16, 32 and 64 in flight are tried), all measured in the same run, each on a table of its own
 * that is dropped after it (so no run pays for the ones before in DynamoDB Local's heap). Each ingest
 * path runs twice, the second time after the fastest raw concurrency runs again, and keeps its faster
 * run, as the raw baseline keeps its fastest: the machine is shared, and one unlucky run either way
 * would decide the ratio. The timed runs ask DynamoDB for nothing the raw writes do not (no consumed
 * capacity). Then what a day costs in writes, metered on runs of their own: its first pull, a re-pull
 * that finds it unchanged, and a re-pull of a revision (5% of the lines changed), in items and in the
 * write units DynamoDB Local reports.
 */
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
const ENGINEERS = Number(process.env.BENCH_ENGINEERS ?? 85_000);
const TEAMS = 200;
const DAY = '2026-03-02';
const CONCURRENCIES = [8, 16, 32, 64];

const config = parseConfig({
  organization: { name: 'Bench' },
  fiscalYear: { startMonth: 1, startDay: 1 },
  teams: Array.from({ length: TEAMS }, (_, t) => ({
    id: `team-${t}`,
    name: `Team ${t}`,
    annualBudgetUsd: 1_000_000,
  })),
  sources: [
    {
      id: 'cursor',
      type: 'cursor',
      // Domain rules, as a real org writes them (one per team).
      attribution: Array.from({ length: TEAMS }, (_, t) => ({
        match: { userEmail: `*@team${t}.corp.example` },
        team: `team-${t}`,
      })),
    },
  ],
  finance: { slackChannel: '#finance' },
});

const linesOf = (revised: boolean): VendorUsageLine[] =>
  Array.from({ length: ENGINEERS }, (_, i) => ({
    date: DAY,
    vendor: 'cursor',
    identities: { userEmail: `dev${i}@team${i % TEAMS}.corp.example` },
    lineItem: 'claude-4.5-sonnet',
    model: 'claude-4.5-sonnet',
    costMicros: BigInt(1_000_000 + ((i * 7919) % 90_000_000) + (revised && i % 20 === 0 ? 10_000 : 0)),
    tokens: { input: 50_000 + i, output: 4_000 },
    provisional: false,
  }));
const lines = linesOf(false);
const revisedLines = linesOf(true);

/** The same answer fetched whole (`fetchUsage`) or streamed in pages of 1,000 (`streamUsage`). */
function connectorOf(day: readonly VendorUsageLine[], streamed: boolean): Connector {
  const fetched: Connector = {
    sourceId: 'cursor',
    vendor: 'cursor',
    fetchUsage: async () => ({ lines: [...day], answeredDays: new Set([DAY]) }),
  };
  if (!streamed) return fetched;
  return {
    ...fetched,
    async *streamUsage(): AsyncGenerator<UsageBatch> {
      for (let i = 0; i < day.length; i += 1_000)
        yield { date: DAY, lines: day.slice(i, i + 1_000), answered: true };
    },
  };
}

/** The line items as raw BatchWriteItem requests, marshalled before the clock starts. */
const requests: WriteRequest[] = lines.map((l) => ({
  PutRequest: {
    Item: marshall(
      {
        pk: keys.linesPk(
          'cursor',
          DAY,
          `team-${Number(/team(\d+)/.exec(l.identities.userEmail ?? '')?.[1])}`,
        ),
        sk: lineKey(l),
        type: 'line',
        date: l.date,
        identities: l.identities,
        lineItem: l.lineItem,
        model: l.model,
        costMicros: l.costMicros,
        tokens: l.tokens,
        provisional: false,
        billable: true,
      },
      { removeUndefinedValues: true },
    ),
  },
}));

async function rawWrite(client: DynamoDBClient, table: string, items: WriteRequest[], inFlight: number) {
  const chunks: WriteRequest[][] = [];
  for (let i = 0; i < items.length; i += 25) chunks.push(items.slice(i, i + 25));
  let next = 0;
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: inFlight }, async () => {
      while (next < chunks.length) {
        let pending = chunks[next++] ?? [];
        while (pending.length) {
          const out = await client.send(new BatchWriteItemCommand({ RequestItems: { [table]: pending } }));
          pending = out.UnprocessedItems?.[table] ?? [];
        }
      }
    }),
  );
  return (performance.now() - t0) / 1000;
}

const local = await startLocalDynamo();
let tables = 0;
const freshTable = async () => {
  const name = `bench-${++tables}`;
  await ensureTable(local.client, name);
  return name;
};
/**
 * Runs `fn` on a fresh table and drops the table after: DynamoDB Local holds every table in the one
 * JVM's memory, so without the drop each run would pay the garbage collection of all the runs before
 * it, and the later runs (the ingest ones) would be measured on a fuller heap than the raw ones.
 */
async function onFreshTable<T>(fn: (table: string) => Promise<T>): Promise<T> {
  const table = await freshTable();
  try {
    return await fn(table);
  } finally {
    await local.client.send(new DeleteTableCommand({ TableName: table }));
  }
}
/**
 * Ingests `day` on `table` with its own client; the outcome, seconds and, when `metered`, writes
 * (asking DynamoDB for each write's consumed capacity, which the timed comparisons leave out).
 */
async function ingest(
  table: string,
  day: readonly VendorUsageLine[],
  streamed: boolean,
  now: string,
  metered = false,
): Promise<{ outcome: IngestOutcome; seconds: number; meter: WriteMeter | undefined }> {
  const client = localClient(local.endpoint);
  const meter = metered ? meterWrites(client) : undefined;
  const store = new DynamoStore(createDocumentClient(client), { tableName: table });
  const t0 = performance.now();
  const [outcome] = await runIngest({
    config,
    store,
    connectors: [connectorOf(day, streamed)],
    range: { from: DAY, to: DAY },
    clock: { now: () => new Date(now) },
  });
  const seconds = (performance.now() - t0) / 1000;
  client.destroy();
  if (outcome?.status !== 'ok') throw new Error(`ingest failed: ${outcome?.error}`);
  return { outcome, seconds, meter };
}

try {
  // Warm the JVM first (JIT, SQLite pages) so no measured run pays for it.
  await onFreshTable(async (warm) => {
    for (let i = 0; i < 3; i++)
      await rawWrite(local.client, warm, requests.slice(i * 20_000, (i + 1) * 20_000), 16);
  });

  const raw: Array<{ inFlight: number; seconds: number }> = [];
  for (const inFlight of CONCURRENCIES)
    raw.push({ inFlight, seconds: await onFreshTable((t) => rawWrite(local.client, t, requests, inFlight)) });
  const FIRST = '2026-03-03T06:00:00Z';
  const fetchedRuns = [await onFreshTable((t) => ingest(t, lines, false, FIRST))];
  const streamedRuns = [await onFreshTable((t) => ingest(t, lines, true, FIRST))];
  const best = raw.reduce((a, b) => (b.seconds < a.seconds ? b : a));
  // The fastest concurrency once more, after the ingest runs: the baseline is the faster of the two.
  const again = await onFreshTable((t) => rawWrite(local.client, t, requests, best.inFlight));
  const baseline = Math.min(best.seconds, again);
  fetchedRuns.push(await onFreshTable((t) => ingest(t, lines, false, FIRST)));
  streamedRuns.push(await onFreshTable((t) => ingest(t, lines, true, FIRST)));
  const fastest = <T extends { seconds: number }>(runs: T[]) =>
    runs.reduce((a, b) => (b.seconds < a.seconds ? b : a));
  const fetched = fastest(fetchedRuns);
  const streamed = fastest(streamedRuns);
  // What pulls of a day cost in writes, metered: the first, then unchanged (the trailing window's
  // usual case), then revised.
  const [first, unchanged, revised] = await onFreshTable(async (t) => [
    await ingest(t, lines, true, FIRST, true),
    await ingest(t, lines, true, '2026-03-04T06:00:00Z', true),
    await ingest(t, revisedLines, true, '2026-03-05T06:00:00Z', true),
  ]);

  const rate = (s: number) => (ENGINEERS / s).toFixed(0).padStart(11);
  console.log(
    `\nOne day of per-user usage, ${ENGINEERS.toLocaleString('en-US')} engineers in ${TEAMS} teams, DynamoDB Local`,
  );
  console.log(
    `${'path'.padEnd(52)}${'seconds'.padStart(9)}${'records/s'.padStart(11)}${'÷ fastest raw'.padStart(15)}`,
  );
  for (const r of raw)
    console.log(
      `${`raw BatchWriteItem, ${r.inFlight} in flight`.padEnd(52)}${r.seconds.toFixed(1).padStart(9)}${rate(r.seconds)}${(r.seconds / baseline).toFixed(2).padStart(15)}`,
    );
  console.log(
    `${`raw BatchWriteItem, ${best.inFlight} in flight, after the ingest runs`.padEnd(52)}${again.toFixed(1).padStart(9)}${rate(again)}${(again / baseline).toFixed(2).padStart(15)}`,
  );
  for (const [name, runs] of [
    ['burnwatch ingest, the day fetched whole', fetchedRuns],
    ['burnwatch ingest, the day streamed (pages of 1,000)', streamedRuns],
  ] as const)
    runs.forEach((run, i) => {
      console.log(
        `${`${name}, run ${i + 1}`.padEnd(52)}${run.seconds.toFixed(1).padStart(9)}${rate(run.seconds)}${(run.seconds / baseline).toFixed(2).padStart(15)}`,
      );
    });
  console.log(
    `\n${streamed.outcome.records.toLocaleString('en-US')} records, $${streamed.outcome.usd.toLocaleString('en-US')}, unallocated ${(streamed.outcome.unallocatedShare * 100).toFixed(1)}%; ingest also writes 200 team-day totals, 200 per-person digests, 200 month rollups and the manifest`,
  );

  console.log(
    '\nWrites per day (the streamed path, metered runs; write units as DynamoDB Local reports them)',
  );
  console.log(
    `${'pull of the day'.padEnd(40)}${'puts'.padStart(10)}${'deletes'.padStart(10)}${'single'.padStart(8)}${'write units'.padStart(13)}${'seconds'.padStart(9)}`,
  );
  for (const [name, run] of [
    ['first pull', first],
    ['re-pull, unchanged', unchanged],
    ['re-pull, 5% of lines revised', revised],
  ] as const) {
    const meter = run.meter ?? { puts: 0, deletes: 0, singles: 0, writeUnits: 0 };
    console.log(
      `${name.padEnd(40)}${meter.puts.toLocaleString('en-US').padStart(10)}${meter.deletes.toLocaleString('en-US').padStart(10)}${String(meter.singles).padStart(8)}${meter.writeUnits.toLocaleString('en-US').padStart(13)}${run.seconds.toFixed(1).padStart(9)}`,
    );
  }

  const ratio = Math.max(fetched.seconds, streamed.seconds) / baseline;
  console.log(
    `\ningest takes ${(fetched.seconds / baseline).toFixed(2)}× (fetched) and ${(streamed.seconds / baseline).toFixed(2)}× (streamed), the faster run of each, the fastest raw write time (${best.inFlight} in flight; target ≤ 1.5×): ${ratio <= 1.5 ? 'PASS' : 'MISS'}`,
  );
} finally {
  await local.stop();
}
