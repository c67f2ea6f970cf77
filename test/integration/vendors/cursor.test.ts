import { describe, expect, it } from 'vitest';
import { createCursorConnector } from '../../../functions/adapters/vendors/cursor.js';
import { parseConfig } from '../../../functions/core/config/load.js';
import { runIngest } from '../../../functions/core/ingest/run-ingest.js';
import { centsNumberToMicros } from '../../../functions/core/money.js';
import {
  type CursorEvent,
  type CursorFault,
  startCursorServer,
} from '../../fixtures/vendors/cursor-server.js';
import { useLocalDynamo } from '../../helpers/dynamo.js';

const dynamo = useLocalDynamo();
const KEY = 'crsr_test_key';
const config = parseConfig({
  organization: { name: 'Acme' },
  fiscalYear: { startMonth: 1, startDay: 1 },
  teams: [{ id: 'payments', name: 'Payments', annualBudgetUsd: 100_000 }],
  sources: [
    {
      id: 'cursor',
      type: 'cursor',
      attribution: [{ match: { userEmail: '*@payments.corp.com' }, team: 'payments' }],
    },
  ],
  finance: { slackChannel: '#finance' },
});
const range = { from: '2026-08-01', to: '2026-08-03' };
const day0 = Date.parse('2026-08-01T00:00:00Z');
// 3 days × 40 events, two users, fractional cents; the last millisecond of the range is inclusive.
const events = (scale = 1): CursorEvent[] =>
  Array.from({ length: 120 }, (_, i) => ({
    at:
      i === 119
        ? Date.parse('2026-08-03T23:59:59.999Z')
        : day0 + Math.floor(i / 40) * 86_400_000 + (i % 40) * 60_000,
    userEmail: i % 3 === 0 ? 'dana@payments.corp.com' : 'lee@elsewhere.com',
    model: 'claude-4.5-sonnet',
    chargedCents: (19.4 + (i % 7) * 0.0125) * scale,
  }));
const served = (es: CursorEvent[]) => es.reduce((a, e) => a + centsNumberToMicros(e.chargedCents), 0n);

async function ingest(
  es: () => CursorEvent[],
  faults: Record<number, CursorFault>,
  store: Parameters<typeof runIngest>[0]['store'],
) {
  const server = await startCursorServer({ key: KEY, events: es, faults });
  try {
    const connector = createCursorConnector({
      sourceId: 'cursor',
      apiKey: async () => KEY,
      baseUrl: server.baseUrl,
      sleep: async () => undefined,
      pageSize: 50,
    });
    const [outcome] = await runIngest({ config, store, connectors: [connector], range, today: '2026-08-10' });
    return { outcome, requests: server.requests() };
  } finally {
    await server.close();
  }
}

describe('Cursor usage-events connector over loopback into DynamoDB Local', () => {
  it('rolls events up per user and day and stores exactly the cents served, across pages, after a 429 and a 500', async () => {
    const { store } = await dynamo.newStore();
    const { outcome, requests } = await ingest(() => events(), { 1: '429', 2: '500' }, store);
    expect(outcome?.status).toBe('ok');
    expect(requests).toBe(5); // 429, 500, then 120 events in pages of 50
    const stored = [
      ...(await store.teamDailyTotals('payments', range.from, range.to)),
      ...(await store.teamDailyTotals('unallocated', range.from, range.to)),
    ];
    expect(stored.reduce((a, t) => a + t.costMicros, 0n)).toBe(served(events()));
    const dana = await store.teamLines('cursor', '2026-08-01', 'payments');
    expect(dana.map((l) => l.identities.userEmail)).toEqual(['dana@payments.corp.com']);
  });

  it('replaces revised days, and a malformed page leaves the store as it was', async () => {
    const { store } = await dynamo.newStore();
    await ingest(() => events(), {}, store);
    await ingest(() => events(2), {}, store);
    const total = async () =>
      (await store.teamDailyTotals('payments', range.from, range.to)).reduce((a, t) => a + t.costMicros, 0n);
    const revised = served(events(2).filter((e) => e.userEmail.endsWith('@payments.corp.com')));
    expect(await total()).toBe(revised);
    const { outcome } = await ingest(() => events(3), { 2: 'malformed' }, store);
    expect(outcome?.error).toMatch(
      /cursor filtered-usage-events page 2: usageEvents\[0\]\.chargedCents: expected a number of cents/,
    );
    expect(await total()).toBe(revised);
  });
});
