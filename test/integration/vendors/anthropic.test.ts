import { describe, expect, it } from 'vitest';
import { createAnthropicConnector } from '../../../functions/adapters/vendors/anthropic.js';
import { parseConfig } from '../../../functions/core/config/load.js';
import { eachDay } from '../../../functions/core/dates.js';
import { runIngest } from '../../../functions/core/ingest/run-ingest.js';
import { centsStringToMicros } from '../../../functions/core/money.js';
import type { UsageStore } from '../../../functions/core/ports.js';
import {
  type AnthropicFault,
  type CostReportRow,
  type MessagesUsageRow,
  startAnthropicServer,
} from '../../fixtures/vendors/anthropic-server.js';
import { useLocalDynamo } from '../../helpers/dynamo.js';
import { storedUsage, teamSpend } from '../../helpers/store-reads.js';

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
const messages = (extra = 0): MessagesUsageRow[] =>
  eachDay(range.from, range.to).flatMap((day) => [
    {
      day,
      workspace: 'wrkspc_payments',
      apiKey: 'apikey_01',
      model: 'claude-sonnet-4-6',
      input: 1000 + extra,
      output: 200,
    },
    { day, workspace: 'wrkspc_payments', apiKey: null, model: 'claude-sonnet-4-6', input: 10, output: 2 },
  ]);

interface Served {
  rows?: () => CostReportRow[];
  messages?: () => MessagesUsageRow[];
  claudeCodeCents?: number;
  faults?: Record<number, AnthropicFault>;
  waits?: number[];
}

/**
 * One run through a fresh server. Requests in order: cost report pages 1–3 (12 days, 5 a page),
 * messages usage pages 4–6, then Claude Code one day a call (7–18), each shifted by any faults.
 */
async function ingest(store: UsageStore, s: Served = {}) {
  const server = await startAnthropicServer({
    key: KEY,
    rows: s.rows ?? (() => rows()),
    faults: s.faults ?? {},
    claudeCode: () => [{ email: 'dana@corp.com', cents: s.claudeCodeCents ?? 612.5, prs: 1 }],
    messages: s.messages ?? (() => messages()),
  });
  try {
    const connector = createAnthropicConnector({
      sourceId: 'anthropic',
      apiKey: async () => KEY,
      baseUrl: server.baseUrl,
      sleep: async (ms) => void s.waits?.push(ms),
      random: () => 0.1,
      pageSize: 5,
      timeoutMs: 1000,
    });
    const outcomes = await runIngest({
      config,
      store,
      connectors: [connector],
      range,
      clock: { now: () => new Date('2026-08-20T06:00:00Z') },
    });
    return { outcome: outcomes[0], requests: server.requests() };
  } finally {
    await server.close();
  }
}

const money = (store: UsageStore) => teamSpend(store, 'payments', range);
const everything = (store: UsageStore) => storedUsage(store, 'anthropic', range);

describe('Anthropic Admin API connector over loopback into DynamoDB Local', () => {
  it('stores the served cents as dollars to the micro across pages, after a 429, a 500 and a slow answer on every endpoint', async () => {
    const { store } = await dynamo.newStore();
    const waits: number[] = [];
    // Each endpoint's first request meets a 429, a 500, then an answer slower than the timeout.
    const faults: Record<number, AnthropicFault> = {};
    for (const first of [1, 7, 13])
      Object.assign(faults, { [first]: '429', [first + 1]: '500', [first + 2]: 'slow' });
    const { outcome, requests } = await ingest(store, { faults, waits });
    expect(outcome?.status).toBe('ok');
    expect(requests).toBe(9 + 3 + 3 + 12);
    // Retry-After: 2 s, then jittered backoff (0.6 × 500 ms × 2^(attempt-1)) for the 500 and the timeout.
    expect(waits).toEqual([2000, 600, 1200, 2000, 600, 1200, 2000, 600, 1200]);
    const stored =
      (await teamSpend(store, 'payments', range)) + (await teamSpend(store, 'unallocated', range));
    expect(stored).toBe(served(rows()));
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
      'a truncated cost report page',
      { 3: 'truncated' },
      /anthropic cost_report page 3: response is not valid JSON/,
    ],
    [
      'a malformed amount',
      { 2: 'malformed' },
      /anthropic cost_report page 2: data\[0\]\.results\[0\]\.amount: expected a decimal string of cents/,
    ],
    [
      'a truncated messages usage page',
      { 4: 'truncated' },
      /anthropic usage_report\/messages page 1: response is not valid JSON/,
    ],
    [
      'a malformed token count',
      { 5: 'malformed' },
      /anthropic usage_report\/messages page 2: data\[0\]\.results\[0\]\.output_tokens: expected a token count/,
    ],
    [
      'a truncated Claude Code day',
      { 7: 'truncated' },
      /anthropic usage_report\/claude_code page 1: response is not valid JSON/,
    ],
    [
      'a malformed Claude Code cost',
      { 9: 'malformed' },
      /anthropic usage_report\/claude_code page 1: data\[0\]\.model_breakdown\[0\]\.estimated_cost\.amount: expected a number of cents/,
    ],
  ] as const)(
    'fails the source on %s, names it, and leaves the store as it was',
    async (_name, faults, message) => {
      const { store } = await dynamo.newStore();
      await ingest(store);
      const before = await everything(store);
      const { outcome } = await ingest(store, {
        rows: () => rows(7),
        messages: () => messages(7),
        claudeCodeCents: 700,
        faults,
      });
      expect(outcome?.status).toBe('failed');
      expect(outcome?.error).toMatch(message);
      expect(outcome?.error).not.toContain(KEY);
      expect(await everything(store)).toEqual(before);
    },
  );

  it('replaces revised days on every endpoint rather than adding to them', async () => {
    const { store } = await dynamo.newStore();
    await ingest(store);
    await ingest(store, { rows: () => rows(100), messages: () => messages(500), claudeCodeCents: 800 });
    expect(await money(store)).toBe(served(rows(100).filter((r) => r.workspace === 'wrkspc_payments')));
    const [day1] = await store.teamDailyTotals('payments', range.from, range.from);
    expect(day1?.tokens).toMatchObject({ input: 1510, output: 202 });
    const perUser = await store.teamLines('anthropic', range.from, 'unallocated');
    expect(perUser.filter((l) => l.identities.userEmail === 'dana@corp.com')).toMatchObject([
      { costMicros: 8_000_000n, outcomes: { pullRequests: 1 } },
    ]);
  });
});
