import { describe, expect, it } from 'vitest';
import { createAnthropicConnector } from '../../../functions/adapters/vendors/anthropic.js';
import { parseConfig } from '../../../functions/core/config/load.js';
import { eachDay } from '../../../functions/core/dates.js';
import { runIngest } from '../../../functions/core/ingest/run-ingest.js';
import { centsStringToMicros, sumMicros } from '../../../functions/core/money.js';
import type { UsageStore } from '../../../functions/core/ports.js';
import {
  type AnalyticsCostRow,
  type AnthropicFault,
  type CostReportRow,
  startAnthropicServer,
} from '../../fixtures/vendors/anthropic-server.js';
import { useLocalDynamo } from '../../helpers/dynamo.js';
import { storedUsage, teamSpend } from '../../helpers/store-reads.js';

const dynamo = useLocalDynamo();
const KEY = 'sk-ant-admin01-test';
const config = parseConfig({
  organization: { name: 'Acme' },
  fiscalYear: { startMonth: 1, startDay: 1 },
  teams: [
    { id: 'payments', name: 'Payments', annualBudgetUsd: 100_000 },
    { id: 'search', name: 'Search', annualBudgetUsd: 100_000 },
  ],
  sources: [
    {
      id: 'anthropic',
      type: 'anthropic',
      costSource: 'analytics',
      // The analytics API groups cost by API key, which the legacy cost report cannot.
      attribution: [
        { match: { apiKey: 'apikey_search' }, team: 'search' },
        { match: { workspace: 'wrkspc_payments' }, team: 'payments' },
      ],
    },
  ],
  finance: { slackChannel: '#finance' },
});
const range = { from: '2026-11-01', to: '2026-11-04' };
const analyticsRows = (extra = 0): AnalyticsCostRow[] =>
  eachDay(range.from, range.to).flatMap((day, i) => [
    {
      day,
      workspace: 'wrkspc_payments',
      apiKey: 'apikey_pay',
      model: 'claude-sonnet-4-6',
      serviceTier: 'standard',
      cents: (4650.125 + i + extra).toFixed(3),
    },
    {
      day,
      workspace: 'wrkspc_payments',
      apiKey: 'apikey_pay',
      model: 'claude-sonnet-4-6',
      serviceTier: 'batch',
      cents: '100.5',
    },
    {
      day,
      workspace: 'wrkspc_payments',
      apiKey: 'apikey_search',
      model: 'claude-haiku-4-5',
      serviceTier: 'standard',
      cents: '0.0001',
    },
  ]);
const legacyRows: CostReportRow[] = eachDay(range.from, range.to).map((day) => ({
  day,
  workspace: 'wrkspc_payments',
  description: 'Claude Sonnet 4.6 Usage - Output Tokens',
  cents: '2000',
}));
const served = (rs: readonly { cents: string }[]) => sumMicros(rs.map((r) => centsStringToMicros(r.cents)));

async function ingest(
  store: UsageStore,
  s: {
    analytics?: () => AnalyticsCostRow[];
    noAnalytics?: boolean;
    faults?: Record<number, AnthropicFault>;
    waits?: number[];
  } = {},
) {
  const server = await startAnthropicServer({
    key: KEY,
    rows: () => legacyRows,
    faults: s.faults ?? {},
    ...(s.noAnalytics ? {} : { analytics: s.analytics ?? (() => analyticsRows()) }),
  });
  try {
    const connector = createAnthropicConnector({
      sourceId: 'anthropic',
      apiKey: async () => KEY,
      baseUrl: server.baseUrl,
      sleep: async (ms) => void s.waits?.push(ms),
      random: () => 0.1,
      timeoutMs: 1000,
      costSource: 'analytics',
      // 12 rows, 5 a page: pages at requests 1–3 (shifted by faults).
      analyticsPageSize: 5,
      includeMessagesUsage: false,
      includeClaudeCode: false,
    });
    const [outcome] = await runIngest({
      config,
      store,
      connectors: [connector],
      range,
      clock: { now: () => new Date('2026-11-20T06:00:00Z') },
    });
    return { outcome, requests: server.requests() };
  } finally {
    await server.close();
  }
}

const everything = (store: UsageStore) => storedUsage(store, 'anthropic', range);

describe('Anthropic Usage and Cost Analytics API as the cost source (issue 16)', () => {
  it('stores the fractional cents exactly per workspace, API key, model and tier, across pages, after a 429, a 500 and a slow page', async () => {
    const { store } = await dynamo.newStore();
    const waits: number[] = [];
    const { outcome, requests } = await ingest(store, { faults: { 1: '429', 3: '500', 5: 'slow' }, waits });
    expect(outcome?.status).toBe('ok');
    expect(outcome?.notes).toBeUndefined();
    expect(requests).toBe(6);
    // Retry-After: 2 s, then jittered backoff (0.6 × 500 ms) for the 500 and the timeout.
    expect(waits).toEqual([2000, 300, 300]);
    const all = analyticsRows();
    expect(await teamSpend(store, 'search', range)).toBe(
      served(all.filter((r) => r.apiKey === 'apikey_search')),
    );
    expect(await teamSpend(store, 'payments', range)).toBe(
      served(all.filter((r) => r.apiKey === 'apikey_pay')),
    );
    const lines = await store.teamLines('anthropic', '2026-11-02', 'payments');
    expect(lines.map((l) => [l.lineItem, l.modelId, l.identities.apiKey, l.costMicros]).sort()).toEqual([
      ['claude-sonnet-4-6 (batch)', 'claude-sonnet-4-6', 'apikey_pay', 1_005_000n],
      ['claude-sonnet-4-6', 'claude-sonnet-4-6', 'apikey_pay', 46_511_250n],
    ]);
  });

  it('falls back to the legacy cost report where the organization has no analytics API, and says so', async () => {
    const { store } = await dynamo.newStore();
    const { outcome } = await ingest(store, { noAnalytics: true });
    expect(outcome?.status).toBe('ok');
    expect(outcome?.notes).toEqual([
      'the Usage and Cost Analytics API is not available to this organization (HTTP 403/404); used the legacy cost report',
    ]);
    expect(await teamSpend(store, 'payments', range)).toBe(served(legacyRows));
    // The legacy report's empty-bucket rule still holds on this path: every day affirmed.
    expect((await store.sourceDays('anthropic', range.from, range.to)).map((m) => m.status)).toEqual([
      'complete',
      'complete',
      'complete',
      'complete',
    ]);
  });

  it('replaces a revised day rather than adding to it', async () => {
    const { store } = await dynamo.newStore();
    await ingest(store);
    await ingest(store, { analytics: () => analyticsRows(10) });
    expect(await teamSpend(store, 'payments', range)).toBe(
      served(analyticsRows(10).filter((r) => r.apiKey === 'apikey_pay')),
    );
  });

  it('does not affirm a day without rows: it stays unconfirmed until a later run says the same', async () => {
    const { store } = await dynamo.newStore();
    const { outcome } = await ingest(store, {
      analytics: () => analyticsRows().filter((r) => r.day !== '2026-11-03'),
    });
    expect(outcome?.status).toBe('ok');
    const days = await store.sourceDays('anthropic', range.from, range.to);
    expect(days.map((d) => [d.date, d.status])).toEqual([
      ['2026-11-01', 'complete'],
      ['2026-11-02', 'complete'],
      ['2026-11-03', 'unconfirmed'],
      ['2026-11-04', 'complete'],
    ]);
  });

  it.each([
    ['a truncated page', { 2: 'truncated' }, /anthropic analytics\/cost page 2: response is not valid JSON/],
    [
      'a malformed amount',
      { 3: 'malformed' },
      /anthropic analytics\/cost page 3: data\[0\]\.cost\.amount: expected a decimal amount of cents/,
    ],
  ] as const)(
    'fails the source on %s, names page and field, and leaves the store as it was',
    async (_n, faults, message) => {
      const { store } = await dynamo.newStore();
      await ingest(store);
      const before = await everything(store);
      const { outcome } = await ingest(store, { analytics: () => analyticsRows(5), faults });
      expect(outcome?.status).toBe('failed');
      expect(outcome?.error).toMatch(message);
      expect(outcome?.error).not.toContain(KEY);
      expect(await everything(store)).toEqual(before);
    },
  );
});
