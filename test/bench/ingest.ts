import { performance } from 'node:perf_hooks';
import { BatchWriteItemCommand, type WriteRequest } from '@aws-sdk/client-dynamodb';
import { marshall } from '@aws-sdk/util-dynamodb';
import { createDocumentClient, DynamoStore } from '../../functions/adapters/dynamo/dynamo-store.js';
import { keys } from '../../functions/adapters/dynamo/keys.js';
import { startLocalDynamo } from '../../functions/adapters/dynamo/local-dynamodb.js';
import { ensureTable } from '../../functions/adapters/dynamo/table.js';
import { parseConfig } from '../../functions/core/config/load.js';
import type { Connector } from '../../functions/core/ingest/connector.js';
import { runIngest } from '../../functions/core/ingest/run-ingest.js';
import { lineKey, type VendorUsageLine } from '../../functions/core/usage.js';

/**
 * One day of per-user usage for an org of 85,000 engineers (Cursor-shaped: one line per engineer,
 * email identity, cents as floats) through the real ingest path (connector → attribution →
 * replaceSourceDays on DynamoDB Local), beside DynamoDB Local's raw BatchWriteItem rate for the same
 * line items, pre-marshalled, same concurrency, measured in the same run.
 */
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
const ENGINEERS = Number(process.env.BENCH_ENGINEERS ?? 85_000);
const TEAMS = 200;
const DAY = '2026-03-02';

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

const lines: VendorUsageLine[] = Array.from({ length: ENGINEERS }, (_, i) => ({
  date: DAY,
  vendor: 'cursor',
  identities: { userEmail: `dev${i}@team${i % TEAMS}.corp.example` },
  lineItem: 'claude-4.5-sonnet',
  model: 'claude-4.5-sonnet',
  costMicros: BigInt(1_000_000 + ((i * 7919) % 90_000_000)),
  tokens: { input: 50_000 + i, output: 4_000 },
  provisional: false,
}));
const connector: Connector = { sourceId: 'cursor', vendor: 'cursor', fetchUsage: async () => ({ lines }) };

const local = await startLocalDynamo();
try {
  // Baseline: the same line items, marshalled up front, 25 per BatchWriteItem, 8 in flight.
  await ensureTable(local.client, 'bench-raw');
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
  const rawWrite = async (table: string, items: WriteRequest[]) => {
    const chunks: WriteRequest[][] = [];
    for (let i = 0; i < items.length; i += 25) chunks.push(items.slice(i, i + 25));
    let next = 0;
    await Promise.all(
      Array.from({ length: 8 }, async () => {
        while (next < chunks.length) {
          let pending = chunks[next++] ?? [];
          while (pending.length) {
            const out = await local.client.send(
              new BatchWriteItemCommand({ RequestItems: { [table]: pending } }),
            );
            pending = out.UnprocessedItems?.[table] ?? [];
          }
        }
      }),
    );
  };
  // Warm the JVM first so neither measured run pays for it.
  await ensureTable(local.client, 'bench-warm');
  await rawWrite('bench-warm', requests.slice(0, 5000));
  const t0 = performance.now();
  await rawWrite('bench-raw', requests);
  const rawSeconds = (performance.now() - t0) / 1000;

  await ensureTable(local.client, 'bench-ingest');
  const store = new DynamoStore(createDocumentClient(local.client), { tableName: 'bench-ingest' });
  const t1 = performance.now();
  const [outcome] = await runIngest({
    config,
    store,
    connectors: [connector],
    range: { from: DAY, to: DAY },
    clock: { now: () => new Date('2026-03-03T06:00:00Z') },
  });
  const ingestSeconds = (performance.now() - t1) / 1000;
  if (outcome?.status !== 'ok') throw new Error(`ingest failed: ${outcome?.error}`);

  const rawRate = ENGINEERS / rawSeconds;
  const ingestRate = ENGINEERS / ingestSeconds;
  console.log(
    `\nOne day of per-user usage, ${ENGINEERS.toLocaleString('en-US')} engineers in ${TEAMS} teams, DynamoDB Local`,
  );
  console.log(`${'path'.padEnd(46)}${'seconds'.padStart(9)}${'records/s'.padStart(11)}`);
  console.log(
    `${'raw BatchWriteItem (pre-marshalled lines)'.padEnd(46)}${rawSeconds.toFixed(1).padStart(9)}${rawRate.toFixed(0).padStart(11)}`,
  );
  console.log(
    `${'burnwatch ingest (attribute + replace day)'.padEnd(46)}${ingestSeconds.toFixed(1).padStart(9)}${ingestRate.toFixed(0).padStart(11)}`,
  );
  console.log(
    `\n${outcome.records.toLocaleString('en-US')} records, $${outcome.usd.toLocaleString('en-US')}, unallocated ${(outcome.unallocatedShare * 100).toFixed(1)}%`,
  );
  const ratio = rawRate / ingestRate;
  console.log(
    `ingest takes ${ratio.toFixed(2)}× the raw write time per record (target ≤ 2×): ${ratio <= 2 ? 'PASS' : 'MISS'}`,
  );
} finally {
  await local.stop();
}
