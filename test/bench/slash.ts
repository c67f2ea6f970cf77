import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { performance } from 'node:perf_hooks';
import { createDocumentClient, DynamoStore } from '../../functions/adapters/dynamo/dynamo-store.js';
import { startLocalDynamo } from '../../functions/adapters/dynamo/local-dynamodb.js';
import { ensureTable } from '../../functions/adapters/dynamo/table.js';
import { createSlashServer } from '../../functions/cli/commands/serve-slack.js';
import { computeBurnReport } from '../../functions/core/burn-report.js';
import { parseConfig } from '../../functions/core/config/load.js';
import { addDays, eachDay } from '../../functions/core/dates.js';
import { fiscalYearOf } from '../../functions/core/fiscal-calendar.js';
import { forecastSpend } from '../../functions/core/forecast/engine.js';
import { signSlackRequest } from '../../functions/core/slash/verify-signature.js';
import { aTotal } from '../helpers/builders.js';

/**
 * 2,000 signed /burn requests at 50 concurrent over loopback: the real handler (signature check,
 * authorization, one BatchGetItem on DynamoDB Local, Block Kit) beside a no-op server measured the
 * same way in the same run. DynamoDB Local holds 200 teams × 2 fiscal years of forecast snapshots and
 * each team's summary.
 */
const TEAMS = 200;
const REQUESTS = 2000;
const CONCURRENCY = 50;
const SECRET = 'bench-signing-secret';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
const teamId = (i: number) => `team-${String(i).padStart(3, '0')}`;
const managerId = (i: number) => `UMGR${String(i).padStart(4, '0')}`;
const config = parseConfig({
  organization: { name: 'Bench' },
  fiscalYear: { startMonth: 1, startDay: 1 },
  teams: Array.from({ length: TEAMS }, (_, i) => ({
    id: teamId(i),
    name: `Team ${i}`,
    annualBudgetUsd: 100_000 + i * 1000,
    managers: { slackUserIds: [managerId(i)] },
  })),
  finance: { slackChannel: '#finance', slackUserIds: ['UFINANCE1'] },
});

async function seed(store: DynamoStore) {
  const asOf = '2026-11-23';
  const fy = fiscalYearOf(config.fiscalYear, asOf);
  const totals = eachDay(fy.start, asOf).map((d, k) => aTotal(d, 300 + (k % 7) * 20));
  const daily = totals.map((t) => ({ date: t.date, usd: Number(t.costMicros) / 1e6 }));
  const forecast = forecastSpend({ daily, budgetUsd: 120_000, fiscalYear: fy, asOf });
  const report = computeBurnReport({
    team: 'x',
    name: 'x',
    budgetUsd: 120_000,
    fiscalYear: fy,
    asOf,
    totals,
    forecast,
    now: new Date(),
  });
  const writes: Promise<void>[] = [];
  for (let i = 0; i < TEAMS; i++) {
    writes.push(store.putTeamSummary(teamId(i), { ...report, team: teamId(i), name: `Team ${i}` }));
    // Two fiscal years of weekly snapshots: the partition /burn reads from is not empty.
    for (let w = 0; w < 104; w += 1)
      writes.push(store.putForecastSnapshot(teamId(i), addDays('2025-01-05', w * 7), forecast));
    if (writes.length > 200) await Promise.all(writes.splice(0));
  }
  await Promise.all(writes);
}

async function measure(url: string): Promise<{ p50: number; p99: number; errors: number; seconds: number }> {
  const latencies: number[] = [];
  let errors = 0;
  let next = 0;
  const t0 = performance.now();
  const worker = async () => {
    while (next < REQUESTS) {
      const i = next++;
      const asFinance = i % 5 === 0;
      const team = teamId((i * 37) % TEAMS);
      const body = new URLSearchParams({
        command: '/burn',
        text: asFinance ? `${team} vendors` : team,
        user_id: asFinance ? 'UFINANCE1' : managerId((i * 37) % TEAMS),
      }).toString();
      const ts = String(Math.floor(Date.now() / 1000));
      const start = performance.now();
      const res = await fetch(url, {
        method: 'POST',
        headers: { 'x-slack-request-timestamp': ts, 'x-slack-signature': signSlackRequest(SECRET, ts, body) },
        body,
      });
      await res.text();
      latencies.push(performance.now() - start);
      if (res.status !== 200) errors++;
    }
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  const seconds = (performance.now() - t0) / 1000;
  latencies.sort((a, b) => a - b);
  const q = (p: number) => latencies[Math.min(latencies.length - 1, Math.floor(p * latencies.length))] ?? 0;
  return { p50: q(0.5), p99: q(0.99), errors, seconds };
}

const listen = (server: Server) =>
  new Promise<string>((r) =>
    server.listen(0, '127.0.0.1', () => r(`http://127.0.0.1:${(server.address() as AddressInfo).port}/`)),
  );

const local = await startLocalDynamo();
try {
  await ensureTable(local.client, 'bench-slash');
  const store = new DynamoStore(createDocumentClient(local.client), { tableName: 'bench-slash' });
  console.log(`Seeding ${TEAMS} teams × 2 fiscal years (summaries and weekly forecast snapshots)…`);
  await seed(store);
  const real = createSlashServer({
    config,
    summaries: store,
    groupMembers: async () => [],
    signingSecret: async () => SECRET,
    nowSeconds: () => Math.floor(Date.now() / 1000),
  });
  const noop = createServer((req, res) => {
    req.resume();
    req.on('end', () => res.writeHead(200, { 'content-type': 'application/json' }).end('{"text":"ok"}'));
  });
  const realUrl = await listen(real);
  const noopUrl = await listen(noop);
  // Warm both (JIT, client connection pool) so neither pays set-up costs in its measured run.
  await measure(realUrl);
  await measure(noopUrl);
  const noopStats = await measure(noopUrl);
  const realStats = await measure(realUrl);
  real.close();
  noop.close();
  const row = (name: string, s: typeof realStats) =>
    `${name.padEnd(26)}${s.p50.toFixed(1).padStart(9)}${s.p99.toFixed(1).padStart(9)}${(REQUESTS / s.seconds).toFixed(0).padStart(9)}${String(s.errors).padStart(8)}`;
  console.log(`\n${REQUESTS} signed requests, ${CONCURRENCY} concurrent, loopback`);
  console.log(
    `${'handler'.padEnd(26)}${'p50 ms'.padStart(9)}${'p99 ms'.padStart(9)}${'req/s'.padStart(9)}${'errors'.padStart(8)}`,
  );
  console.log(row('no-op HTTP handler', noopStats));
  console.log(row('/burn (DynamoDB Local)', realStats));
  const ratio = realStats.p99 / Math.max(noopStats.p99, 0.001);
  console.log(
    `\np99 ${realStats.p99.toFixed(1)} ms (target < 300 ms): ${realStats.p99 < 300 ? 'PASS' : 'MISS'}`,
  );
  console.log(`p99 ${ratio.toFixed(2)}× the no-op's (target ≤ 3×): ${ratio <= 3 ? 'PASS' : 'MISS'}`);
} finally {
  await local.stop();
}
