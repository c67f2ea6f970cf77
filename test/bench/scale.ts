import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import * as z from 'zod';
import { createDocumentClient, DynamoStore } from '../../functions/adapters/dynamo/dynamo-store.js';
import { startLocalDynamo } from '../../functions/adapters/dynamo/local-dynamodb.js';
import { ensureTable } from '../../functions/adapters/dynamo/table.js';
import { runIngest } from '../../functions/core/ingest/run-ingest.js';
import {
  FISCAL_START,
  PER_USER_FROM,
  perUserConnector,
  scaleConfig,
  TEAMS,
  teamConnector,
} from './scale-org.js';

/**
 * `npm run bench:scale [-- --85k]`: an organisation of N = 5,000 and 20,000 engineers (and 85,000
 * with `--85k`) in 200 teams on DynamoDB Local (in memory), measured as the deployed functions run:
 *
 * 1. backfill chunk: 1–29 March of per-user lines (N a day) through the ingest, one run;
 * 2. daily run: the next morning's ingest of the per-user source (the trailing 7 days: 30 March new,
 *    29 March revised by the vendor, five days unchanged);
 * 3. the daily job (forecast, summaries, alerts) as of 30 March with the per-engineer cap off and on,
 *    alternately, twice each.
 *
 * Each step runs in its own Node process with a 512 MB heap cap (`--max-old-space-size=512`), which
 * reports its own wall time (without process start-up), peak RSS and heap, and what it wrote
 * (items, and the write units DynamoDB Local reports). The cap's cost is judged against the same
 * job with the cap off, measured in the same run.
 */
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
const HEAP_CAP_MB = 512;
const sizes = [5_000, 20_000, ...(process.argv.includes('--85k') ? [85_000] : [])];
const only = process.env.BENCH_SCALE_N ? [Number(process.env.BENCH_SCALE_N)] : undefined;
const child = join(import.meta.dirname, 'scale-child.ts');

const stepResult = z.object({
  seconds: z.number(),
  peakRssMb: z.number(),
  peakHeapMb: z.number(),
  meter: z.object({
    puts: z.number(),
    deletes: z.number(),
    singles: z.number(),
    writeUnits: z.number(),
    requests: z.number(),
  }),
  days: z.number().optional(),
  records: z.number().optional(),
  teams: z.number().optional(),
  overCap: z.number().optional(),
  problems: z.number().optional(),
});
type StepResult = z.infer<typeof stepResult>;

/** Runs one step in a child process with the heap cap; its last stdout line is the result. */
function step(args: Record<string, unknown>): Promise<StepResult> {
  return new Promise((resolve, reject) => {
    const proc = spawn(
      process.execPath,
      [
        `--max-old-space-size=${HEAP_CAP_MB}`,
        // BENCH_CPU_PROF=<dir>: each step writes a V8 CPU profile there (to find where a step's time goes).
        ...(process.env.BENCH_CPU_PROF ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_CPU_PROF}`] : []),
        '--import',
        'tsx',
        child,
        JSON.stringify(args),
      ],
      { stdio: ['ignore', 'pipe', 'pipe'], env: process.env },
    );
    let out = '';
    let err = '';
    proc.stdout.on('data', (c: Buffer) => {
      out += c.toString();
    });
    proc.stderr.on('data', (c: Buffer) => {
      err = (err + c.toString()).slice(-4000);
    });
    proc.once('exit', (code) => {
      const last = out.trim().split('\n').at(-1) ?? '';
      if (code !== 0) reject(new Error(`step ${JSON.stringify(args.step)} exited with ${code}:\n${err}`));
      else resolve(stepResult.parse(JSON.parse(last)));
    });
  });
}

const fmt = (n: number, digits = 1) => n.toFixed(digits).padStart(9);
const count = (n: number) => n.toLocaleString('en-US').padStart(11);

interface SizeResult {
  readonly engineers: number;
  readonly backfill: StepResult;
  readonly daily: StepResult;
  readonly off: StepResult[];
  readonly on: StepResult[];
}

async function measure(engineers: number): Promise<SizeResult> {
  const local = await startLocalDynamo();
  try {
    const table = `scale-${engineers}`;
    await ensureTable(local.client, table);
    const store = new DynamoStore(createDocumentClient(local.client), { tableName: table });
    const config = scaleConfig(engineers, false);
    const t0 = performance.now();
    // The fiscal year's team-level history, and the per-user source's empty (affirmed) days before March.
    await runIngest({
      config,
      store,
      connectors: [teamConnector()],
      range: { from: FISCAL_START, to: '2026-03-30' },
      clock: { now: () => new Date('2026-03-31T05:00:00Z') },
    });
    await runIngest({
      config,
      store,
      connectors: [perUserConnector(engineers, { today: '2026-03-30' })],
      range: { from: FISCAL_START, to: '2026-02-28' },
      clock: { now: () => new Date('2026-03-30T06:00:00Z') },
    });
    console.error(`  ${engineers}: history seeded in ${((performance.now() - t0) / 1000).toFixed(0)} s`);
    const base = { endpoint: local.endpoint, table, engineers };
    const backfill = await step({
      ...base,
      step: 'ingest',
      now: '2026-03-30T06:00:00Z',
      from: PER_USER_FROM,
      to: '2026-03-29',
    });
    console.error(`  ${engineers}: backfill chunk ${backfill.seconds.toFixed(0)} s`);
    const daily = await step({ ...base, step: 'ingest', now: '2026-03-31T06:00:00Z', revise: '2026-03-29' });
    console.error(`  ${engineers}: daily run ${daily.seconds.toFixed(0)} s`);
    const off: StepResult[] = [];
    const on: StepResult[] = [];
    for (let round = 0; round < 2; round++)
      for (const cap of [false, true]) {
        const r = await step({ ...base, step: 'job', cap, now: '2026-03-31T06:30:00Z', asOf: '2026-03-30' });
        (cap ? on : off).push(r);
        console.error(`  ${engineers}: job cap ${cap ? 'on ' : 'off'} ${r.seconds.toFixed(1)} s`);
      }
    return { engineers, backfill, daily, off, on };
  } finally {
    await local.stop();
  }
}

const results: SizeResult[] = [];
for (const n of only ?? sizes) {
  console.error(`Measuring ${n.toLocaleString('en-US')} engineers in ${TEAMS} teams…`);
  results.push(await measure(n));
}

console.log(
  `\nbench:scale: ${TEAMS} teams, DynamoDB Local in memory, each step in its own process with --max-old-space-size=${HEAP_CAP_MB}`,
);
console.log('\nIngest of the per-user source (one line per engineer and day)');
console.log(
  `${'engineers'.padStart(9)}  ${'step'.padEnd(26)}${'days'.padStart(5)}${'records'.padStart(11)}${'seconds'.padStart(9)}${'peak RSS MB'.padStart(12)}${'peak heap'.padStart(10)}${'puts'.padStart(11)}${'deletes'.padStart(11)}${'single'.padStart(8)}${'write units'.padStart(12)}`,
);
for (const r of results)
  for (const [name, s] of [
    ['backfill chunk (1–29 Mar)', r.backfill],
    ['daily run (7-day re-pull)', r.daily],
  ] as const)
    console.log(
      `${count(r.engineers).slice(2)}  ${name.padEnd(26)}${String(s.days ?? 0).padStart(5)}${count(s.records ?? 0)}${fmt(s.seconds)}${fmt(s.peakRssMb, 0).padStart(12)}${fmt(s.peakHeapMb, 0).slice(-10).padStart(10)}${count(s.meter.puts)}${count(s.meter.deletes)}${String(s.meter.singles).padStart(8)}${count(s.meter.writeUnits).padStart(12)}`,
    );

console.log(
  '\nDaily job (forecast every team, store summaries, evaluate alerts) as of 30 Mar, run twice each',
);
console.log(
  `${'engineers'.padStart(9)}${'cap off s'.padStart(16)}${'cap on s'.padStart(16)}${'on ÷ off'.padStart(10)}${'over cap'.padStart(10)}${'peak RSS MB'.padStart(13)}`,
);
const best = (xs: readonly StepResult[]) => Math.min(...xs.map((x) => x.seconds));
for (const r of results) {
  const ratio = best(r.on) / best(r.off);
  console.log(
    `${count(r.engineers).slice(2)}${r.off
      .map((x) => x.seconds.toFixed(1))
      .join(' / ')
      .padStart(16)}${r.on
      .map((x) => x.seconds.toFixed(1))
      .join(' / ')
      .padStart(
        16,
      )}${ratio.toFixed(2).padStart(10)}${String(r.on[0]?.overCap ?? 0).padStart(10)}${fmt(Math.max(...[...r.on, ...r.off].map((x) => x.peakRssMb)), 0).padStart(13)}`,
  );
}
console.log('(on ÷ off: the faster of each pair; over cap: engineers over the $1,500 cap the job found)');

const largest = results.at(-1);
if (largest) {
  const ratio = best(largest.on) / best(largest.off);
  const peak = Math.max(largest.backfill.peakRssMb, largest.daily.peakRssMb);
  const n = largest.engineers.toLocaleString('en-US');
  console.log(
    `\nat ${n}: cap-on job ${ratio.toFixed(2)}× cap-off (target ≤ 1.3×): ${ratio <= 1.3 ? 'PASS' : 'MISS'}; ${best(largest.on).toFixed(1)} s (target < 60 s): ${best(largest.on) < 60 ? 'PASS' : 'MISS'}`,
  );
  console.log(
    `at ${n}: ingest peak RSS ${peak.toFixed(0)} MB, backfill chunk and daily run (target < 512 MB): ${peak < 512 ? 'PASS' : 'MISS'}`,
  );
  if (results.length > 1) {
    const first = results[0];
    if (first)
      console.log(
        `ingest peak RSS from ${first.engineers.toLocaleString('en-US')} to ${n} engineers: backfill ${first.backfill.peakRssMb.toFixed(0)} → ${largest.backfill.peakRssMb.toFixed(0)} MB, daily ${first.daily.peakRssMb.toFixed(0)} → ${largest.daily.peakRssMb.toFixed(0)} MB`,
      );
  }
}
