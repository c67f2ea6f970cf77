import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { createDocumentClient, DynamoStore } from '../../functions/adapters/dynamo/dynamo-store.js';
import { startLocalDynamo } from '../../functions/adapters/dynamo/local-dynamodb.js';
import { ensureTable } from '../../functions/adapters/dynamo/table.js';
import { computeBurnReport } from '../../functions/core/burn-report.js';
import { parseConfig } from '../../functions/core/config/load.js';
import { addDays, eachDay } from '../../functions/core/dates.js';
import { fiscalYearOf } from '../../functions/core/fiscal-calendar.js';
import { forecastSpend } from '../../functions/core/forecast/engine.js';
import { orgSummaryOf } from '../../functions/core/org-summary.js';
import { signSlackRequest } from '../../functions/core/slash/verify-signature.js';
import { aTotal } from '../helpers/builders.js';

/**
 * `/burn` over loopback, each server in its own process (the load generator is this process):
 * `burnwatch serve-slack` (the Lambda's handler: signature check, authorization, one summary read on
 * DynamoDB Local, batched with the reads of askers answered at the same time, Block Kit) and a no-op
 * HTTP server as the baseline, both measured in the same run,
 * one after the other (never at the same time, so neither slows the other).
 *
 * 1. Baseline: 2,000 signed requests at 50 concurrent (a team's `/burn`, one in five by finance),
 *    beside the no-op, three rounds each in turn (the median round's p99 is the figure).
 * 2. `/burn all`: 2,000 signed requests from finance at 50 concurrent, each answered from the org
 *    summary the daily job stores (200 teams' lines in one item).
 * 3. Flood: 2,000 requests with bad signatures (fresh timestamps and well-formed `v0=` signatures, so
 *    each costs a full HMAC before its 401) at 100 concurrent, with 200 valid requests interleaved
 *    (one in every eleven), the same schedule sent to the no-op server.
 *
 * DynamoDB Local holds 200 teams × 2 fiscal years of forecast snapshots and each team's summary.
 */
const TEAMS = 200;
const REQUESTS = 2000;
/** Rounds of the no-op, `/burn` and `/burn all` cases (see where they are measured). */
const ROUNDS = 3;
const CONCURRENCY = 50;
const FLOOD_BAD = 2000;
const FLOOD_CONCURRENCY = 100;
const VALID_EVERY = 11;
const SECRET = 'bench-signing-secret';
const repo = join(import.meta.dirname, '..', '..');

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
const teamId = (i: number) => `team-${String(i).padStart(3, '0')}`;
const managerId = (i: number) => `UMGR${String(i).padStart(4, '0')}`;
const configJson = {
  organization: { name: 'Bench' },
  fiscalYear: { startMonth: 1, startDay: 1 },
  teams: Array.from({ length: TEAMS }, (_, i) => ({
    id: teamId(i),
    name: `Team ${i}`,
    annualBudgetUsd: 100_000 + i * 1000,
    managers: { slackUserIds: [managerId(i)] },
  })),
  finance: { slackChannel: '#finance', slackUserIds: ['UFINANCE1'] },
};
const config = parseConfig(configJson);

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
  const reports = Array.from({ length: TEAMS }, (_, i) => ({
    ...report,
    team: teamId(i),
    name: `Team ${i}`,
  }));
  // What the daily job stores for /burn all (functions/core/daily-job.ts): every team, `unallocated`
  // last (no budget), so the answer is the one GetItem it is in production.
  const unallocated = {
    ...report,
    team: 'unallocated',
    name: 'Unallocated',
    budgetUsd: null,
    percentUsed: null,
  };
  writes.push(
    store.putOrgSummary(orgSummaryOf([...reports, unallocated], new Date().toISOString(), undefined, true)),
  );
  for (const [i, r] of reports.entries()) {
    writes.push(store.putTeamSummary(teamId(i), r));
    // Two fiscal years of weekly snapshots: the partition /burn reads from is not empty.
    for (let w = 0; w < 104; w += 1)
      writes.push(store.putForecastSnapshot(teamId(i), addDays('2025-01-05', w * 7), forecast));
    if (writes.length > 200) await Promise.all(writes.splice(0));
  }
  await Promise.all(writes);
}

type Kind = 'valid' | 'all' | 'bad';
interface Sample {
  readonly kind: Kind;
  readonly ms: number;
  readonly status: number;
  /** Whether the answer is about what was asked (checked on burnwatch's answers only). */
  readonly answered: boolean;
}

function validRequest(i: number, all = false) {
  const asFinance = all || i % 5 === 0;
  const team = teamId((i * 37) % TEAMS);
  const body = new URLSearchParams({
    command: '/burn',
    text: all ? 'all' : asFinance ? `${team} vendors` : team,
    user_id: asFinance ? 'UFINANCE1' : managerId((i * 37) % TEAMS),
  }).toString();
  const ts = String(Math.floor(Date.now() / 1000));
  return {
    body,
    headers: { 'x-slack-request-timestamp': ts, 'x-slack-signature': signSlackRequest(SECRET, ts, body) },
    // How burnwatch's answer starts: the team asked about (its outlook sentence), or the org's list.
    answer: all ? '"text":"AI spend, every team' : `"text":"Team ${(i * 37) % TEAMS}`,
  };
}

/** A forged request: right shape, fresh timestamp, a signature no secret produced. */
function badRequest(i: number) {
  const body = new URLSearchParams({
    command: '/burn',
    text: `team-${i % 7}`,
    user_id: 'UATTACKER1',
  }).toString();
  const ts = String(Math.floor(Date.now() / 1000));
  return {
    body,
    headers: {
      'x-slack-request-timestamp': ts,
      'x-slack-signature': `v0=${randomBytes(32).toString('hex')}`,
    },
  };
}

/**
 * Sends the schedule with `concurrency` workers; latency of each request, by kind. `checkAnswers`: each
 * valid answer must be about the team asked (one asker is never sent another's team).
 */
async function measure(url: string, schedule: readonly Kind[], concurrency: number, checkAnswers = false) {
  const samples: Sample[] = [];
  let next = 0;
  const t0 = performance.now();
  const worker = async () => {
    while (next < schedule.length) {
      const i = next++;
      const kind = schedule[i] ?? 'valid';
      const req = kind === 'bad' ? badRequest(i) : validRequest(i, kind === 'all');
      const start = performance.now();
      const res = await fetch(url, { method: 'POST', headers: req.headers, body: req.body });
      const text = await res.text();
      const ms = performance.now() - start;
      const answered =
        !checkAnswers || !('answer' in req) || [' ', ':'].some((end) => text.includes(`${req.answer}${end}`));
      samples.push({ kind, ms, status: res.status, answered });
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  return { samples, seconds: (performance.now() - t0) / 1000 };
}

interface Row {
  readonly name: string;
  readonly n: number;
  readonly p50: number;
  readonly p99: number;
  readonly rate: number;
  readonly wrong: number;
}
function row(
  name: string,
  samples: readonly Sample[],
  seconds: number,
  expected: (s: Sample) => boolean,
): Row {
  const ms = samples.map((s) => s.ms).sort((a, b) => a - b);
  const q = (p: number) => ms[Math.min(ms.length - 1, Math.floor(p * ms.length))] ?? 0;
  return {
    name,
    n: samples.length,
    p50: q(0.5),
    p99: q(0.99),
    rate: samples.length / seconds,
    wrong: samples.filter((s) => !expected(s)).length,
  };
}

const freePort = () =>
  new Promise<number>((resolve) => {
    const probe = createServer();
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolve(port));
    });
  });

/** Starts a server process and resolves once it prints `ready` on stderr; its output is drained. */
function startProcess(args: string[], env: Record<string, string>, ready: string): Promise<ChildProcess> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, {
      env: { PATH: process.env.PATH ?? '', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let seen = '';
    child.stdout?.resume();
    child.stderr?.on('data', (c: Buffer) => {
      if (seen.length < 10_000) seen += c.toString();
      if (seen.includes(ready)) resolve(child);
    });
    child.once('exit', (code) => reject(new Error(`server exited with ${code}:\n${seen}`)));
  });
}

const NOOP_SERVER = `
const http = require('node:http');
http.createServer((req, res) => {
  req.resume();
  req.on('end', () => res.writeHead(200, { 'content-type': 'application/json' }).end('{"text":"ok"}'));
}).listen(Number(process.env.PORT), '127.0.0.1', () => process.stderr.write('no-op listening\\n'));
`;

const local = await startLocalDynamo();
const children: ChildProcess[] = [];
try {
  await ensureTable(local.client, 'bench-slash');
  const store = new DynamoStore(createDocumentClient(local.client), { tableName: 'bench-slash' });
  console.log(`Seeding ${TEAMS} teams × 2 fiscal years (summaries and weekly forecast snapshots)…`);
  await seed(store);
  const dir = mkdtempSync(join(tmpdir(), 'burnwatch-bench-slash-'));
  writeFileSync(join(dir, 'burnwatch.config.json'), JSON.stringify(configJson));
  const [realPort, noopPort] = [await freePort(), await freePort()];
  children.push(
    await startProcess(
      [
        join(repo, 'functions/cli/bin.mjs'),
        'serve-slack',
        '--port',
        String(realPort),
        '--config',
        join(dir, 'burnwatch.config.json'),
      ],
      {
        BURNWATCH_SLACK_SIGNING_SECRET: SECRET,
        BURNWATCH_DYNAMODB_ENDPOINT: local.endpoint,
        BURNWATCH_TABLE: 'bench-slash',
        AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
      },
      'Serving /burn on',
    ),
    await startProcess(['-e', NOOP_SERVER], { PORT: String(noopPort) }, 'no-op listening'),
  );
  const realUrl = `http://127.0.0.1:${realPort}/`;
  const noopUrl = `http://127.0.0.1:${noopPort}/`;
  const allValid: Kind[] = Array.from({ length: REQUESTS }, () => 'valid');
  const allTeams: Kind[] = Array.from({ length: REQUESTS }, () => 'all');
  // One valid request in every eleven: 2,000 bad signatures and 200 valid requests.
  const flood: Kind[] = Array.from({ length: (FLOOD_BAD * VALID_EVERY) / (VALID_EVERY - 1) }, (_, i) =>
    i % VALID_EVERY === VALID_EVERY - 1 ? 'valid' : 'bad',
  );
  // Warm both (JIT, connection pools, the server's DynamoDB client) so neither pays set-up in its runs.
  await measure(realUrl, allValid, CONCURRENCY);
  await measure(noopUrl, allValid, CONCURRENCY);
  await measure(realUrl, allTeams, CONCURRENCY);
  await measure(realUrl, flood, FLOOD_CONCURRENCY);
  // A /burn all answer really lists the teams (not an error or an empty org).
  const probe = validRequest(0, true);
  const probed = await (
    await fetch(realUrl, { method: 'POST', headers: probe.headers, body: probe.body })
  ).text();
  if (!probed.includes(teamId(TEAMS - 1)) && !probed.includes(`Team ${TEAMS - 1}`))
    throw new Error(`/burn all did not list the teams: ${probed.slice(0, 300)}`);

  const ok = (s: Sample) => s.status === 200 && s.answered;
  const rejected = (s: Sample) => s.status === 401;
  // The p99 of 2,000 requests is their 20th slowest, which one scheduler or GC hiccup on a shared
  // machine moves by half: each of the three cases is measured ROUNDS times, in turn, and the round
  // with the median p99 is the case's row (every round's p99 is printed below the table).
  const rounds: Array<{ noop: Row; base: Row; all: Row }> = [];
  for (let r = 0; r < ROUNDS; r++) {
    const noop = await measure(noopUrl, allValid, CONCURRENCY);
    const base = await measure(realUrl, allValid, CONCURRENCY, true);
    const all = await measure(realUrl, allTeams, CONCURRENCY, true);
    rounds.push({
      noop: row('no-op, valid only', noop.samples, noop.seconds, ok),
      base: row('/burn, valid only (baseline)', base.samples, base.seconds, ok),
      all: row('/burn all (finance, 200 teams)', all.samples, all.seconds, ok),
    });
  }
  const medianRound = (pick: (r: (typeof rounds)[number]) => Row) =>
    rounds.map(pick).sort((a, b) => a.p99 - b.p99)[ROUNDS >> 1] as Row;
  const noopFlood = await measure(noopUrl, flood, FLOOD_CONCURRENCY);
  const realFlood = await measure(realUrl, flood, FLOOD_CONCURRENCY, true);
  const rows = [
    medianRound((r) => r.noop),
    medianRound((r) => r.base),
    medianRound((r) => r.all),
    row('no-op, flood schedule', noopFlood.samples, noopFlood.seconds, ok),
    row(
      '/burn flood: bad signatures',
      realFlood.samples.filter((s) => s.kind === 'bad'),
      realFlood.seconds,
      rejected,
    ),
    row(
      '/burn flood: valid interleaved',
      realFlood.samples.filter((s) => s.kind === 'valid'),
      realFlood.seconds,
      ok,
    ),
  ];
  const fmt = (r: Row) =>
    `${r.name.padEnd(32)}${String(r.n).padStart(6)}${r.p50.toFixed(1).padStart(9)}${r.p99.toFixed(1).padStart(9)}${r.rate.toFixed(0).padStart(9)}${String(r.wrong).padStart(8)}`;
  console.log(
    `\nEach server in its own process, loopback. Baseline: ${REQUESTS} signed requests, ${CONCURRENCY} concurrent.` +
      `\nFlood: ${FLOOD_BAD} bad signatures + ${flood.length - FLOOD_BAD} valid interleaved, ${FLOOD_CONCURRENCY} concurrent (req/s: of that kind, over the whole schedule).`,
  );
  console.log(
    `${'case'.padEnd(32)}${'n'.padStart(6)}${'p50 ms'.padStart(9)}${'p99 ms'.padStart(9)}${'req/s'.padStart(9)}${'wrong'.padStart(8)}`,
  );
  for (const r of rows) console.log(fmt(r));
  console.log(
    '(wrong: answers other than 200 for valid requests and the no-op, or not about the team asked; other than 401 for bad signatures)',
  );
  const p99s = (pick: (r: (typeof rounds)[number]) => Row) =>
    rounds.map((r) => pick(r).p99.toFixed(1)).join(' / ');
  console.log(
    `p99 by round (ms; the rows above are each case's median round): no-op ${p99s((r) => r.noop)}, /burn ${p99s((r) => r.base)}, /burn all ${p99s((r) => r.all)}`,
  );
  const wrongInRounds = rounds.reduce((a, r) => a + r.noop.wrong + r.base.wrong + r.all.wrong, 0);
  if (wrongInRounds > 0) console.log(`WRONG answers in the rounds: ${wrongInRounds}`);
  const [noopRow, baseRow, allRow, noopFloodRow, badRow, validFloodRow] = rows as [
    Row,
    Row,
    Row,
    Row,
    Row,
    Row,
  ];
  const ratio = (a: number, b: number) => a / Math.max(b, 0.001);
  console.log(
    `\nbaseline /burn p99 ${baseRow.p99.toFixed(1)} ms (target < 300 ms): ${baseRow.p99 < 300 ? 'PASS' : 'MISS'}`,
  );
  console.log(
    `baseline /burn p99 ${ratio(baseRow.p99, noopRow.p99).toFixed(2)}× the no-op's (target ≤ 3×): ${ratio(baseRow.p99, noopRow.p99) <= 3 ? 'PASS' : 'MISS'}`,
  );
  console.log(
    `/burn all p99 ${allRow.p99.toFixed(1)} ms (target < 300 ms): ${allRow.p99 < 300 ? 'PASS' : 'MISS'}; ${ratio(allRow.p99, noopRow.p99).toFixed(2)}× the no-op's (target ≤ 3×): ${ratio(allRow.p99, noopRow.p99) <= 3 ? 'PASS' : 'MISS'}`,
  );
  console.log(
    `flood: rejection p99 ${ratio(badRow.p99, noopFloodRow.p99).toFixed(2)}× the no-op's under the same schedule; valid p99 ${ratio(validFloodRow.p99, baseRow.p99).toFixed(2)}× the /burn baseline's (target < 3 s, Slack's limit: ${validFloodRow.p99 < 3000 ? 'PASS' : 'MISS'})`,
  );
  const wrong = wrongInRounds + noopFloodRow.wrong + badRow.wrong + validFloodRow.wrong;
  console.log(
    `wrong answers (a status other than expected, or another team's answer) ${wrong} (target 0): ${wrong === 0 ? 'PASS' : 'MISS'}`,
  );
} finally {
  for (const c of children) c.kill('SIGTERM');
  await local.stop();
}
