import { describe, expect, it } from 'vitest';
import { createOpenAiConnector } from '../../../functions/adapters/vendors/openai.js';
import { parseConfig } from '../../../functions/core/config/load.js';
import { eachDay } from '../../../functions/core/dates.js';
import { runIngest } from '../../../functions/core/ingest/run-ingest.js';
import { sumMicros } from '../../../functions/core/money.js';
import { type CostRow, type Fault, startOpenAiServer } from '../../fixtures/vendors/openai-server.js';
import { useLocalDynamo } from '../../helpers/dynamo.js';
import { deliveredDates, teamSpend } from '../../helpers/store-reads.js';

const dynamo = useLocalDynamo();
const KEY = 'sk-admin-test';
const config = parseConfig({
  organization: { name: 'Acme' },
  fiscalYear: { startMonth: 1, startDay: 1 },
  teams: [{ id: 'payments', name: 'Payments', annualBudgetUsd: 100_000 }],
  sources: [
    {
      id: 'openai',
      type: 'openai',
      attribution: [{ match: { project: 'proj_payments' }, team: 'payments' }],
    },
  ],
  finance: { slackChannel: '#finance' },
});
const range = { from: '2026-03-01', to: '2026-03-20' }; // 20 buckets: three pages of 7 at limit 7
const rows = (bump = 0): CostRow[] =>
  eachDay(range.from, range.to).flatMap((day, i) => [
    { day, project: 'proj_payments', lineItem: 'gpt-5, input', usd: 12.3456 + i + bump },
    { day, project: 'proj_payments', lineItem: 'gpt-5, output', usd: 0.1 },
    { day, project: null, lineItem: 'gpt-5-mini, input', usd: 0.2 },
  ]);

async function ingestFrom(
  server: { baseUrl: string },
  store: Parameters<typeof runIngest>[0]['store'],
  waits?: number[],
) {
  const connector = createOpenAiConnector({
    sourceId: 'openai',
    apiKey: async () => KEY,
    baseUrl: server.baseUrl,
    sleep: async (ms) => void waits?.push(ms),
    random: () => 0.1,
    timeoutMs: 1000,
    pageSize: 7, // 20 daily buckets → three pages
    usagePageSize: 7,
  });
  return runIngest({
    config,
    store,
    connectors: [connector],
    range,
    clock: { now: () => new Date('2026-03-21T06:00:00Z') },
  });
}

async function withServer<T>(
  data: () => CostRow[],
  faults: Record<number, Fault>,
  fn: (s: { baseUrl: string; requests: () => number }) => Promise<T>,
  input = 900_000,
) {
  const server = await startOpenAiServer({
    key: KEY,
    rows: data,
    faults,
    usage: () =>
      eachDay(range.from, range.to).map((day) => ({
        day,
        project: 'proj_payments',
        model: 'gpt-5',
        apiKey: 'key_abc',
        input,
        cached: 300_000,
        output: 120_000,
      })),
  });
  try {
    return await fn(server);
  } finally {
    await server.close();
  }
}

describe('OpenAI costs connector over loopback into DynamoDB Local', () => {
  it('stores exactly what the server served, across pages, after a 429 and a 500', async () => {
    const { store } = await dynamo.newStore();
    let requests = 0;
    const [outcome] = await withServer(
      () => rows(),
      { 1: '429', 2: '500' },
      async (s) => {
        const result = await ingestFrom(s, store);
        requests = s.requests();
        return result;
      },
    );
    expect(outcome?.status).toBe('ok');
    expect(requests).toBe(8); // the 429, the 500, three pages of 7 cost buckets, three of usage
    const served = rows().reduce((a, r) => a + BigInt(Math.round(r.usd * 1e6)), 0n);
    const payments = await store.teamDailyTotals('payments', range.from, range.to);
    const unallocated = await store.teamDailyTotals('unallocated', range.from, range.to);
    expect(sumMicros([...payments, ...unallocated].map((t) => t.costMicros))).toBe(served);
    expect(outcome?.unallocatedUsd).toBe(4); // 20 days × $0.20 on the default project
    // Completions tokens: detail per API key, cached input kept apart, no cost of its own.
    const [line] = (await store.teamLines('openai', range.from, 'payments')).filter(
      (l) => l.identities.apiKey,
    );
    expect(line).toMatchObject({
      lineItem: 'Tokens gpt-5',
      costMicros: 0n,
      billable: false,
      tokens: { input: 600_000, cacheRead: 300_000, output: 120_000 },
    });
  });

  it('names a malformed token count in the completions usage and stores nothing', async () => {
    const { store } = await dynamo.newStore();
    const [outcome] = await withServer(
      () => rows(),
      { 4: 'malformed' },
      (s) => ingestFrom(s, store),
    );
    expect(outcome?.error).toMatch(
      /openai \/organization\/usage\/completions page 1: data\[0\]\.results\[0\]\.input_tokens: /,
    );
    expect(await deliveredDates(store, 'openai', range)).toEqual([]);
  });

  it('ends the list at the invalid-page-token 400 only once every day was served', async () => {
    const { store } = await dynamo.newStore();
    // The bug: has_more with a token the next call rejects (here the server forgets its tokens).
    // Mid-list that would drop days 15–20, so the source fails and stores nothing.
    const [cut] = await withServer(
      () => rows(),
      { 3: 'forget' },
      (s) => ingestFrom(s, store),
    );
    expect(cut?.status).toBe('failed');
    expect(cut?.error).toMatch(/\/organization\/costs page 3: page token rejected before 2026-03-20/);
    expect(await deliveredDates(store, 'openai', range)).toEqual([]);
    // Empty pages past end_time with has_more still true: the list ends there, not at the page cap.
    const server = await startOpenAiServer({ key: KEY, rows: () => rows(), endless: true });
    try {
      const [endless] = await ingestFrom(server, store);
      expect(endless?.status).toBe('ok');
      expect(server.requests()).toBe(8); // three pages of costs + one empty, three of usage + one empty
    } finally {
      await server.close();
    }
    // Past the last day, the rejected token is the end of the list.
    const rejecting = await startOpenAiServer({
      key: KEY,
      rows: () => rows(),
      endless: true,
      faults: { 4: 'forget' },
    });
    try {
      const [ended] = await ingestFrom(rejecting, store);
      expect(ended?.status).toBe('ok');
      expect(await teamSpend(store, 'payments', range)).toBe(
        rows()
          .filter((r) => r.project === 'proj_payments')
          .reduce((a, r) => a + BigInt(Math.round(r.usd * 1e6)), 0n),
      );
    } finally {
      await rejecting.close();
    }
  });

  it('stops a source that keeps being rate limited when its share of the run is spent; the next still runs', async () => {
    const { store } = await dynamo.newStore();
    // Every request is a 429 asking for a second's wait; real waits, a run with 0.6 s left.
    const limited = await startOpenAiServer({
      key: KEY,
      rows: () => rows(),
      faults: Object.fromEntries(Array.from({ length: 9 }, (_, i) => [i + 1, '429' as Fault])),
    });
    const healthy = await startOpenAiServer({ key: KEY, rows: () => rows() });
    const connector = (sourceId: string, baseUrl: string) =>
      createOpenAiConnector({ sourceId, apiKey: async () => KEY, baseUrl, timeoutMs: 2_000, pageSize: 7 });
    try {
      const started = Date.now();
      const [stuck, next] = await runIngest({
        config,
        store,
        connectors: [connector('openai', limited.baseUrl), connector('openai-b', healthy.baseUrl)],
        range,
        clock: { now: () => new Date('2026-03-21T06:00:00Z') },
        timeLeftMs: () => started + 600 - Date.now(),
      });
      expect(stuck?.status).toBe('failed');
      expect(stuck?.error).toMatch(
        /openai \/organization\/costs page 1: stopped, the source's time for this run ran out/,
      );
      expect(next?.status).toBe('ok');
      expect(await deliveredDates(store, 'openai', range)).toEqual([]);
      expect((await deliveredDates(store, 'openai-b', range)).length).toBe(20);
      // Stopped, not retried through: one request, then the 1 s wait the 429 asked for outlasted its
      // share (a count, not a timing, so a slow machine cannot flip the verdict).
      expect(limited.requests()).toBeLessThanOrEqual(1);
    } finally {
      await limited.close();
      await healthy.close();
    }
  });

  it('replaces earlier days when the vendor revises them', async () => {
    const { store } = await dynamo.newStore();
    await withServer(
      () => rows(),
      {},
      (s) => ingestFrom(s, store),
    );
    await withServer(
      () => rows(1),
      {},
      (s) => ingestFrom(s, store),
    );
    const payments = await store.teamDailyTotals('payments', range.from, range.to);
    const expected = rows(1)
      .filter((r) => r.project === 'proj_payments')
      .reduce((a, r) => a + BigInt(Math.round(r.usd * 1e6)), 0n);
    expect(sumMicros(payments.map((t) => t.costMicros))).toBe(expected);
  });

  it('reads dollars sent as decimal strings exactly', async () => {
    const { store } = await dynamo.newStore();
    const server = await startOpenAiServer({ key: KEY, rows: () => rows(), stringAmounts: true });
    try {
      const [outcome] = await ingestFrom(server, store);
      expect(outcome?.status).toBe('ok');
    } finally {
      await server.close();
    }
    const served = rows()
      .filter((r) => r.project === 'proj_payments')
      .reduce((a, r) => a + BigInt(Math.round(r.usd * 1e4)) * 100n, 0n);
    expect(await teamSpend(store, 'payments', range)).toBe(served);
  });

  it.each([
    [
      'a malformed amount',
      { 2: 'malformed' as Fault },
      /openai \/organization\/costs page \d: data\[0\]\.results\[0\]\.amount\.value: expected dollars as a number or a decimal string/,
    ],
    ['a truncated body', { 1: 'truncated' as Fault }, /page 1: response is not valid JSON/],
  ])('aborts on %s, names it, and leaves the store as it was', async (_name, faults, message) => {
    const { store } = await dynamo.newStore();
    await withServer(
      () => rows(),
      {},
      (s) => ingestFrom(s, store),
    );
    const before = await teamSpend(store, 'payments', range);
    const [outcome] = await withServer(
      () => rows(5),
      faults,
      (s) => ingestFrom(s, store),
    );
    expect(outcome?.status).toBe('failed');
    expect(outcome?.error).toMatch(message);
    expect(outcome?.error).not.toContain(KEY);
    expect(await teamSpend(store, 'payments', range)).toBe(before);
  });

  it('recovers from a 429 (waiting as Retry-After asks), a 500 and a slow answer on completions usage', async () => {
    const { store } = await dynamo.newStore();
    const waits: number[] = [];
    // Costs pages at requests 1–3; completions usage meets the faults at 4–6, then pages at 7–9.
    const [outcome] = await withServer(
      () => rows(),
      { 4: '429', 5: '500', 6: 'slow' },
      (s) => ingestFrom(s, store, waits),
    );
    expect(outcome?.status).toBe('ok');
    expect(waits).toEqual([1000, 600, 1200]);
    const [day1] = await store.teamDailyTotals('payments', range.from, range.from);
    expect(day1?.tokens).toMatchObject({ input: 600_000, cacheRead: 300_000, output: 120_000 });
  });

  it('replaces revised token counts, and a truncated completions page leaves them as they were', async () => {
    const { store } = await dynamo.newStore();
    const tokens = async () => (await store.teamDailyTotals('payments', range.from, range.from))[0]?.tokens;
    await withServer(
      () => rows(),
      {},
      (s) => ingestFrom(s, store),
    );
    await withServer(
      () => rows(),
      {},
      (s) => ingestFrom(s, store),
      1_000_000,
    );
    expect(await tokens()).toMatchObject({ input: 700_000, cacheRead: 300_000 });
    const before = await store.teamDailyTotals('payments', range.from, range.to);
    const [outcome] = await withServer(
      () => rows(2),
      { 5: 'truncated' },
      (s) => ingestFrom(s, store),
      5_000_000,
    );
    expect(outcome?.error).toMatch(
      /openai \/organization\/usage\/completions page 2: response is not valid JSON/,
    );
    expect(await store.teamDailyTotals('payments', range.from, range.to)).toEqual(before);
  });

  it('retries a response slower than the timeout', async () => {
    const { store } = await dynamo.newStore();
    const [outcome] = await withServer(
      () => rows(),
      { 1: 'slow' },
      (s) => ingestFrom(s, store),
    );
    expect(outcome?.status).toBe('ok');
  });
});
