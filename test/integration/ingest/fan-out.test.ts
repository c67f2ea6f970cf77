import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../../functions/core/config/load.js';
import { eachDay } from '../../../functions/core/dates.js';
import { chunksInFlight } from '../../../functions/core/ingest/fan-out.js';
import { sumMicros, usdStringToMicros } from '../../../functions/core/money.js';
import { createPlanHandler, type PlannedChunk } from '../../../functions/fan-out/handler.js';
import { createIngestHandler } from '../../../functions/ingest/handler.js';
import { type CostRow, type Fault, startOpenAiServer } from '../../fixtures/vendors/openai-server.js';
import { useLocalDynamo } from '../../helpers/dynamo.js';
import { LocalFanOut } from '../../helpers/fan-out-driver.js';
import { deliveredDates, teamSpend } from '../../helpers/store-reads.js';

const dynamo = useLocalDynamo();

const window = { from: '2026-03-01', to: '2026-03-28' }; // four chunks of 7 days
const days = eachDay(window.from, window.to);
/** Each day its own amount, so a day counted twice or lost changes the total. */
const rowsOf = (scale: number): CostRow[] =>
  days.map((day, i) => ({ day, project: 'proj_payments', lineItem: 'gpt-5, input', usd: scale + i * 0.37 }));
const exact = (rows: readonly CostRow[], pick: (day: string) => boolean = () => true) =>
  sumMicros(rows.filter((r) => pick(r.day)).map((r) => usdStringToMicros(r.usd.toFixed(2))));
const dayOfStart = (url: URL) =>
  new Date(Number(url.searchParams.get('start_time')) * 1000).toISOString().slice(0, 10);

describe('ingest fanned out on the state machine (the same plan and chunk handlers, the same sequence)', () => {
  it('runs each source’s chunks at its concurrency, retries a transient failure, stops only the failing source’s branch and fails the execution naming it, and a new execution resuming since the failed one fills its holes with exact totals', async () => {
    // Prepare: two vendors; the first fails its first chunk once, and is down for its second chunk
    // (8–14 March) until healed.
    const rowsA = rowsOf(11.05);
    const rowsB = rowsOf(3.5);
    let down = true;
    let flakyLeft = 1;
    const askedA: string[] = [];
    const askedB: string[] = [];
    const serverA = await startOpenAiServer({
      key: 'sk-a',
      rows: () => rowsA,
      faultFor: (url): Fault | undefined => {
        const start = dayOfStart(url);
        askedA.push(start);
        // Down for those days, whichever part of them is asked for.
        if (down && start >= '2026-03-08' && start <= '2026-03-14') return 'malformed';
        if (start === '2026-03-01' && flakyLeft > 0) {
          flakyLeft--;
          return 'malformed';
        }
        return undefined;
      },
    });
    const serverB = await startOpenAiServer({
      key: 'sk-b',
      rows: () => rowsB,
      faultFor: (url) => {
        askedB.push(dayOfStart(url));
        return undefined;
      },
    });
    const config = parseConfig({
      organization: { name: 'Acme' },
      fiscalYear: { startMonth: 1, startDay: 1 },
      teams: [{ id: 'payments', name: 'Payments', annualBudgetUsd: 100_000 }],
      sources: [
        {
          id: 'openai',
          type: 'openai',
          secretName: 'a',
          baseUrl: serverA.baseUrl,
          maxConcurrentChunks: 1,
          attribution: [{ match: { project: 'proj_payments' }, team: 'payments' }],
        },
        {
          id: 'openai-eu',
          type: 'openai',
          secretName: 'b',
          baseUrl: serverB.baseUrl,
          attribution: [{ match: { project: 'proj_payments' }, team: 'payments' }],
        },
      ],
      finance: { slackChannel: '#finance' },
      ingest: { chunkDays: 7 },
    });
    const { store } = await dynamo.newStore();
    // Each source's own ingest function, as deployed (BURNWATCH_SOURCE), is the chunk handler.
    const ingestFunction = (source: string) =>
      createIngestHandler({
        config,
        onlySource: source,
        store,
        secret: async (name) => ({ a: 'sk-a', b: 'sk-b' })[name] ?? '',
        clock: { now: () => new Date('2026-03-29T06:00:00Z') },
        reportAge: () => undefined,
        log: () => undefined,
      });
    const plan = createPlanHandler(config);
    const branches = config.sources.map((s) => ({
      source: s.id,
      maxConcurrency: chunksInFlight(s),
      plan,
      chunk: ingestFunction(s.id),
    }));
    const firstStart = '2026-03-29T05:59:30.000Z';
    try {
      // Act: the first execution.
      const first = await new LocalFanOut(branches, window, firstStart).start();

      // Assess: the plan cut the window into four chunks per source, each carrying the start time.
      const itemsOf = (source: string) =>
        first.chunks.filter((c) => c.item.source === source).map((c) => c.item);
      expect(itemsOf('openai').map((c) => [c.from, c.to])).toEqual([
        ['2026-03-01', '2026-03-07'],
        ['2026-03-08', '2026-03-14'],
        ['2026-03-15', '2026-03-21'],
        ['2026-03-22', '2026-03-28'],
      ]);
      expect(new Set(first.chunks.map((c) => c.item.resumeSince))).toEqual(new Set([firstStart]));
      // At most the vendor's concurrency in flight, per source.
      expect(first.peakInFlight.get('openai')).toBe(1);
      expect(first.peakInFlight.get('openai-eu')).toBe(2); // OpenAI's default (DEFAULT_CHUNKS_IN_FLIGHT)
      // The flaky chunk succeeds on its retry; the outage outlasts the retries (1 + 3 attempts) and
      // stops that source's branch (its later chunks never start), not the other vendor's; the
      // execution fails naming the source (alarm FanOutFailed).
      const status = (c: { item: PlannedChunk; status: string; attempts: number }) =>
        `${c.item.source} ${c.item.from} ${c.status} after ${c.attempts}`;
      expect(first.status).toBe('failed');
      expect(first.failedSources).toEqual(['openai']);
      expect(first.cause).toMatch(/ingest failed for sources \["openai"\]/);
      expect(first.chunks.map(status)).toEqual([
        'openai 2026-03-01 succeeded after 2',
        'openai 2026-03-08 failed after 4',
        'openai 2026-03-15 not-started after 0',
        'openai 2026-03-22 not-started after 0',
        'openai-eu 2026-03-01 succeeded after 1',
        'openai-eu 2026-03-08 succeeded after 1',
        'openai-eu 2026-03-15 succeeded after 1',
        'openai-eu 2026-03-22 succeeded after 1',
      ]);
      // The failed and unstarted chunks are holes: their days undelivered, everything else stored once.
      const delivered = (d: string) => d <= '2026-03-07';
      expect(await deliveredDates(store, 'openai', window)).toEqual(days.filter(delivered));
      expect(await deliveredDates(store, 'openai-eu', window)).toEqual(days);
      expect(await teamSpend(store, 'payments', window)).toBe(exact(rowsA, delivered) + exact(rowsB));

      // Act: the vendor recovers; a new execution of the same range resumes since the failed one's start
      // (a redrive would run again only the execution's Fail state).
      down = false;
      askedA.length = 0;
      askedB.length = 0;
      const again = await new LocalFanOut(
        branches,
        { ...window, resumeSince: firstStart },
        '2026-03-29T07:00:00.000Z',
      ).start();

      // Assess: only the days the first execution did not deliver are fetched, and the totals are exact.
      expect(again.status).toBe('succeeded');
      expect(again.failedSources).toEqual([]);
      expect(new Set(again.chunks.map((c) => c.item.resumeSince))).toEqual(new Set([firstStart]));
      expect([...new Set(askedA)].sort()).toEqual(['2026-03-08', '2026-03-15', '2026-03-22']);
      expect(askedB).toEqual([]);
      expect(await deliveredDates(store, 'openai', window)).toEqual(days);
      expect(await teamSpend(store, 'payments', window)).toBe(exact(rowsA) + exact(rowsB));
      // Day by day, each source's total is its vendor's amount for the day, once.
      const daily = await store.teamDailyTotals('payments', window.from, window.to);
      const rowsBySource = { openai: rowsA, 'openai-eu': rowsB } as const;
      expect(daily.map((t) => `${t.source} ${t.date} ${t.costMicros}`).sort()).toEqual(
        (['openai', 'openai-eu'] as const)
          .flatMap((source) =>
            days.map((d) => `${source} ${d} ${exact(rowsBySource[source], (x) => x === d)}`),
          )
          .sort(),
      );

      // A chunk Step Functions runs again although it had finished (its result lost) asks the vendor
      // for nothing: its days were delivered since the execution started.
      askedA.length = 0;
      const rerun = await ingestFunction('openai')(itemsOf('openai')[0] as PlannedChunk);
      expect(rerun.map((o) => [o.status, o.daysDue, o.days])).toEqual([['ok', 0, 0]]);
      expect(askedA).toEqual([]);
      expect(await teamSpend(store, 'payments', window)).toBe(exact(rowsA) + exact(rowsB));
    } finally {
      await serverA.close();
      await serverB.close();
    }
  });

  it('retries a chunk whose ingest function timed out (Sandbox.Timedout) as the state machine does, and not an error it does not retry', async () => {
    // Prepare: one source's chunk times out once; another's throws an error no retrier matches.
    const named = (name: string, message: string) => Object.assign(new Error(message), { name });
    let timeouts = 1;
    const plan = async (event: unknown) => ({
      chunks: [{ source: (event as { source: string }).source, resumeSince: '2026-03-29T05:00:00.000Z' }],
    });
    const fanOut = new LocalFanOut(
      [
        {
          source: 'slow',
          maxConcurrency: 1,
          plan,
          chunk: async () => {
            if (timeouts-- > 0) throw named('Sandbox.Timedout', 'Task timed out after 900.00 seconds');
          },
        },
        {
          source: 'broken',
          maxConcurrency: 1,
          plan,
          chunk: async () => {
            throw named('Runtime.ImportModuleError', 'cannot load the bundled config');
          },
        },
      ],
      {},
      '2026-03-29T05:00:00.000Z',
    );

    // Act
    const run = await fanOut.start();

    // Assess
    expect(run.chunks.map((c) => `${c.item.source} ${c.status} after ${c.attempts}`)).toEqual([
      'slow succeeded after 2',
      'broken failed after 1',
    ]);
    expect(run.failedSources).toEqual(['broken']);
  });

  it('plans the daily run as one item per source (what is due) and refuses a bad execution input', async () => {
    const config = parseConfig({
      organization: { name: 'Acme' },
      fiscalYear: { startMonth: 1, startDay: 1 },
      teams: [{ id: 'payments', name: 'Payments', annualBudgetUsd: 1000 }],
      sources: [{ id: 'cursor', type: 'cursor', secretName: 'c' }],
      finance: { slackChannel: '#finance' },
    });
    const plan = createPlanHandler(config);
    const startedAt = '2026-03-29T05:00:00.000Z';
    expect(await plan({ source: 'cursor', input: {}, startedAt })).toEqual({
      chunks: [{ source: 'cursor', resumeSince: startedAt }],
    });
    await expect(plan({ source: 'cursor', input: { from: '2026-03-01' }, startedAt })).rejects.toThrow(
      /bad plan event: input: from and to go together/,
    );
    await expect(
      plan({ source: 'cursor', input: { from: '2026-03-09', to: '2026-03-01' }, startedAt }),
    ).rejects.toThrow(/ends \(2026-03-01\) before it starts \(2026-03-09\)/);
    await expect(plan({ source: 'nope', input: {}, startedAt })).rejects.toThrow(/no source "nope"/);
    await expect(plan({ source: 'cursor', input: { resumeSince: 'last run' }, startedAt })).rejects.toThrow(
      /input.resumeSince: must be a UTC ISO timestamp/,
    );
    await expect(plan({ source: 'cursor', input: {}, startedAt: 'yesterday' })).rejects.toThrow(
      /startedAt: must be a UTC ISO timestamp/,
    );
  });
});
