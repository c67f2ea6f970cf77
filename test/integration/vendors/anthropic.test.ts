import { describe, expect, it } from 'vitest';
import { createAnthropicConnector } from '../../../functions/adapters/vendors/anthropic.js';
import { parseConfig } from '../../../functions/core/config/load.js';
import { eachDay } from '../../../functions/core/dates.js';
import { runIngest } from '../../../functions/core/ingest/run-ingest.js';
import { centsStringToMicros } from '../../../functions/core/money.js';
import {
  type AnthropicFault,
  type CostReportRow,
  startAnthropicServer,
} from '../../fixtures/vendors/anthropic-server.js';
import { useLocalDynamo } from '../../helpers/dynamo.js';

const dynamo = useLocalDynamo();
const KEY = 'sk-ant-admin01-test';
const config = parseConfig({
  organization: { name: 'Acme' },
  fiscalYear: { startMonth: 1, startDay: 1 },
  teams: [{ id: 'payments', name: 'Payments', annualBudgetUsd: 100_000 }],
  sources: [
    {
      id: 'anthropic',
      type: 'anthropic',
      attribution: [{ match: { workspace: 'wrkspc_payments' }, team: 'payments' }],
    },
  ],
  finance: { slackChannel: '#finance' },
});
const range = { from: '2026-08-01', to: '2026-08-12' };
const rows = (extraCents = 0): CostReportRow[] =>
  eachDay(range.from, range.to).flatMap((day, i) => [
    {
      day,
      workspace: 'wrkspc_payments',
      description: 'Claude Sonnet 4.6 Usage - Output Tokens',
      cents: (4650.125 + i + extraCents).toFixed(3),
    },
    {
      day,
      workspace: 'wrkspc_payments',
      description: 'Claude Sonnet 4.6 Usage - Input Tokens',
      cents: '123.45',
    },
    { day, workspace: null, description: 'Web search', cents: '10' },
  ]);
const served = (rs: CostReportRow[]) => rs.reduce((a, r) => a + centsStringToMicros(r.cents), 0n);

async function ingest(
  rs: () => CostReportRow[],
  faults: Record<number, AnthropicFault>,
  store: Parameters<typeof runIngest>[0]['store'],
) {
  const server = await startAnthropicServer({
    key: KEY,
    rows: rs,
    faults,
    claudeCode: () => [{ email: 'dana@corp.com', cents: 612.5, prs: 1 }],
    messages: () =>
      eachDay(range.from, range.to).flatMap((day) => [
        {
          day,
          workspace: 'wrkspc_payments',
          apiKey: 'apikey_01',
          model: 'claude-sonnet-4-6',
          input: 1000,
          output: 200,
        },
        { day, workspace: 'wrkspc_payments', apiKey: null, model: 'claude-sonnet-4-6', input: 10, output: 2 },
      ]),
  });
  try {
    const connector = createAnthropicConnector({
      sourceId: 'anthropic',
      apiKey: async () => KEY,
      baseUrl: server.baseUrl,
      sleep: async () => undefined,
      pageSize: 5,
      timeoutMs: 200,
    });
    const outcomes = await runIngest({ config, store, connectors: [connector], range, today: '2026-08-20' });
    return { outcome: outcomes[0], requests: server.requests() };
  } finally {
    await server.close();
  }
}

describe('Anthropic cost report connector over loopback into DynamoDB Local', () => {
  it('stores the served cents as dollars to the micro, across pages, after a 429 and a 500', async () => {
    const { store } = await dynamo.newStore();
    const { outcome, requests } = await ingest(() => rows(), { 1: '429', 2: '500' }, store);
    expect(outcome?.status).toBe('ok');
    // 429, 500, 12 days of cost report and of messages usage in pages of 5, 12 Claude Code days
    expect(requests).toBe(2 + 3 + 3 + 12);
    const stored = [
      ...(await store.teamDailyTotals('payments', range.from, range.to)),
      ...(await store.teamDailyTotals('unallocated', range.from, range.to)),
    ];
    expect(stored.reduce((a, t) => a + t.costMicros, 0n)).toBe(served(rows()));
    // Cents, not dollars: $46.50125 for the first day's output tokens, not $4,650.
    const first = await store.teamLines('anthropic', range.from, 'payments');
    expect(first.find((l) => l.lineItem.endsWith('Output Tokens'))?.costMicros).toBe(46_501_250n);
    // Claude Code per-user detail: stored for the per-person rules, not added to spend a second time.
    const perUser = await store.teamLines('anthropic', range.from, 'unallocated');
    expect(perUser.find((l) => l.identities.userEmail === 'dana@corp.com')).toMatchObject({
      costMicros: 6_125_000n,
      billable: false,
      outcomes: { pullRequests: 1, commits: 3 },
    });
    // Token detail from the messages report: per API key, no cost of its own.
    expect(first.find((l) => l.identities.apiKey === 'apikey_01')).toMatchObject({
      lineItem: 'Tokens claude-sonnet-4-6',
      costMicros: 0n,
      billable: false,
      tokens: { input: 1000, output: 200, cacheWrite: 100 },
    });
    const [day1] = await store.teamDailyTotals('payments', range.from, range.from);
    expect(day1?.tokens).toMatchObject({ input: 1010, output: 202 });
  });

  it.each([
    [
      'a truncated body',
      { 3: 'truncated' as AnthropicFault },
      /anthropic cost_report page 3: response is not valid JSON/,
    ],
    [
      'a malformed token count',
      { 5: 'malformed' as AnthropicFault },
      /anthropic usage_report\/messages page 2: data\[0\]\.results\[0\]\.output_tokens: expected a token count/,
    ],
  ])('aborts on %s, names it, and leaves the store as it was', async (_name, faults, message) => {
    const { store } = await dynamo.newStore();
    await ingest(() => rows(), {}, store);
    const before = await store.teamDailyTotals('payments', range.from, range.to);
    const { outcome } = await ingest(() => rows(7), faults, store);
    expect(outcome?.status).toBe('failed');
    expect(outcome?.error).toMatch(message);
    expect(await store.teamDailyTotals('payments', range.from, range.to)).toEqual(before);
  });

  it('retries an answer slower than the timeout', async () => {
    const { store } = await dynamo.newStore();
    const { outcome, requests } = await ingest(() => rows(), { 2: 'slow' }, store);
    expect(outcome?.status).toBe('ok');
    expect(requests).toBe(1 + 3 + 3 + 12);
  });

  it('replaces revised days and aborts on a malformed amount without touching the store', async () => {
    const { store } = await dynamo.newStore();
    await ingest(() => rows(), {}, store);
    await ingest(() => rows(100), {}, store);
    const revised = served(rows(100).filter((r) => r.workspace === 'wrkspc_payments'));
    const total = async () =>
      (await store.teamDailyTotals('payments', range.from, range.to)).reduce((a, t) => a + t.costMicros, 0n);
    expect(await total()).toBe(revised);
    const { outcome } = await ingest(() => rows(999), { 2: 'malformed' }, store);
    expect(outcome?.status).toBe('failed');
    expect(outcome?.error).toMatch(
      /anthropic cost_report page 2: data\[0\]\.results\[0\]\.amount: expected a decimal string of cents/,
    );
    expect(outcome?.error).not.toContain(KEY);
    expect(await total()).toBe(revised);
  });
});
