import { describe, expect, it } from 'vitest';
import { createOpenAiConnector } from '../../../functions/adapters/vendors/openai.js';
import { parseConfig } from '../../../functions/core/config/load.js';
import { eachDay } from '../../../functions/core/dates.js';
import { runIngest } from '../../../functions/core/ingest/run-ingest.js';
import { type CostRow, type Fault, startOpenAiServer } from '../../fixtures/vendors/openai-server.js';
import { useLocalDynamo } from '../../helpers/dynamo.js';

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

async function ingestFrom(server: { baseUrl: string }, store: Parameters<typeof runIngest>[0]['store']) {
  const connector = createOpenAiConnector({
    sourceId: 'openai',
    apiKey: async () => KEY,
    baseUrl: server.baseUrl,
    sleep: async () => undefined,
    timeoutMs: 200,
    pageSize: 7, // 20 daily buckets → three pages
  });
  return runIngest({ config, store, connectors: [connector], range, today: '2026-03-21' });
}

async function withServer<T>(
  data: () => CostRow[],
  faults: Record<number, Fault>,
  fn: (s: { baseUrl: string; requests: () => number }) => Promise<T>,
) {
  const server = await startOpenAiServer({ key: KEY, rows: data, faults });
  try {
    return await fn(server);
  } finally {
    await server.close();
  }
}

const sumMicros = (xs: Array<{ costMicros: bigint }>) => xs.reduce((a, x) => a + x.costMicros, 0n);

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
    expect(requests).toBe(5); // the 429, the 500, then three pages of 7 daily buckets
    const served = rows().reduce((a, r) => a + BigInt(Math.round(r.usd * 1e6)), 0n);
    const payments = await store.teamDailyTotals('payments', range.from, range.to);
    const unallocated = await store.teamDailyTotals('unallocated', range.from, range.to);
    expect(sumMicros(payments) + sumMicros(unallocated)).toBe(served);
    expect(outcome?.unallocatedUsd).toBe(4); // 20 days × $0.20 on the default project
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
    expect(sumMicros(payments)).toBe(expected);
  });

  it.each([
    [
      'a malformed amount',
      { 2: 'malformed' as Fault },
      /openai \/organization\/costs page \d: data\[0\]\.results\[0\]\.amount\.value: expected a number of dollars/,
    ],
    ['a truncated body', { 1: 'truncated' as Fault }, /page 1: response is not valid JSON/],
  ])('aborts on %s, names it, and leaves the store as it was', async (_name, faults, message) => {
    const { store } = await dynamo.newStore();
    await withServer(
      () => rows(),
      {},
      (s) => ingestFrom(s, store),
    );
    const before = sumMicros(await store.teamDailyTotals('payments', range.from, range.to));
    const [outcome] = await withServer(
      () => rows(5),
      faults,
      (s) => ingestFrom(s, store),
    );
    expect(outcome?.status).toBe('failed');
    expect(outcome?.error).toMatch(message);
    expect(outcome?.error).not.toContain(KEY);
    expect(sumMicros(await store.teamDailyTotals('payments', range.from, range.to))).toBe(before);
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
