import { describe, expect, it } from 'vitest';
import { createCursorConnector } from '../../../functions/adapters/vendors/cursor.js';
import { parseConfig } from '../../../functions/core/config/load.js';
import { addDays, eachDay } from '../../../functions/core/dates.js';
import type { DayRange } from '../../../functions/core/ingest/connector.js';
import { runIngest } from '../../../functions/core/ingest/run-ingest.js';
import {
  createSeatHistory,
  type SeatHistory,
  seatsOnDay,
} from '../../../functions/core/ingest/seat-history.js';
import { centsNumberToMicros } from '../../../functions/core/money.js';
import type { UsageStore } from '../../../functions/core/ports.js';
import {
  type CursorDailyUsage,
  type CursorEvent,
  type CursorFault,
  startCursorServer,
} from '../../fixtures/vendors/cursor-server.js';
import { useLocalDynamo } from '../../helpers/dynamo.js';
import { storedUsage, teamSpend } from '../../helpers/store-reads.js';

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
// Daily activity: kim works only within the plan (no usage-based events), so has activity but no spend.
const daily = (bump = 0, days: readonly string[] = eachDay(range.from, range.to)): CursorDailyUsage[] =>
  days.flatMap((day, i) => [
    {
      day,
      email: 'dana@payments.corp.com',
      linesAdded: 300 + i + bump,
      acceptedLinesAdded: 120 + bump,
      requests: 40,
      mostUsedModel: 'claude-4.5-sonnet',
    },
    {
      day,
      email: 'kim@payments.corp.com',
      linesAdded: 80,
      acceptedLinesAdded: 30,
      requests: 9 + bump,
      mostUsedModel: 'gpt-5',
    },
    {
      day,
      email: 'lee@elsewhere.com',
      linesAdded: 10,
      acceptedLinesAdded: 5,
      requests: 3,
      mostUsedModel: 'claude-4.5-sonnet',
    },
  ]);

interface IngestOptions {
  faults?: Record<number, CursorFault>;
  members?: ReadonlyArray<{ email: string; removed?: boolean }>;
  seatHistory?: SeatHistory;
  daily?: () => CursorDailyUsage[];
  includeDailyUsage?: boolean;
  withoutTabsShown?: boolean;
  eventCost?: 'charged' | 'token-usage' | 'nowhere';
  range?: DayRange;
  waits?: number[];
}

/**
 * One run through a fresh server: events in pages of 50 (three pages), daily usage in pages of two
 * members (dana, idle, kim, lee: two pages per window).
 */
async function ingest(es: () => CursorEvent[], store: UsageStore, o: IngestOptions = {}) {
  const server = await startCursorServer({
    key: KEY,
    events: es,
    daily: o.daily ?? (() => daily()),
    idleMembers: ['idle@payments.corp.com'],
    faults: o.faults ?? {},
    ...(o.members ? { members: o.members } : {}),
    ...(o.withoutTabsShown ? { withoutTabsShown: true } : {}),
    ...(o.eventCost ? { eventCost: o.eventCost } : {}),
  });
  try {
    const connector = createCursorConnector({
      sourceId: 'cursor',
      apiKey: async () => KEY,
      baseUrl: server.baseUrl,
      sleep: async (ms) => void o.waits?.push(ms),
      random: () => 0.1,
      timeoutMs: 1000,
      pageSize: 50,
      dailyUsagePageSize: 2,
      includeDailyUsage: o.includeDailyUsage ?? true,
      ...(o.seatHistory ? { seatHistory: o.seatHistory } : {}),
      today: '2026-09-10',
    });
    const [outcome] = await runIngest({
      config,
      store,
      connectors: [connector],
      range: o.range ?? range,
      clock: { now: () => new Date('2026-09-10T06:00:00Z') },
    });
    return { outcome, requests: server.requests(), calls: server.calls() };
  } finally {
    await server.close();
  }
}

const money = (store: UsageStore, team = 'payments') => teamSpend(store, team, range);
const everything = (store: UsageStore) => storedUsage(store, 'cursor', range);

describe('Cursor connector over loopback into DynamoDB Local', () => {
  it('stores exactly the cents served across pages, after a 429 (waiting as Retry-After asks), a 500 and a slow answer on each endpoint', async () => {
    const { store } = await dynamo.newStore();
    const waits: number[] = [];
    // Events: requests 1–3 fail, then pages at 4–6. Daily usage: 7–9 fail, then pages at 10–11.
    const faults = { 1: '429', 2: '500', 3: 'slow', 7: '429', 8: '500', 9: 'slow' } as const;
    const { outcome, requests } = await ingest(() => events(), store, { faults, waits });
    expect(outcome?.status).toBe('ok');
    expect(requests).toBe(11);
    // Retry-After: 1 s, then jittered backoff (0.6 × 500 ms × 2^(attempt-1)) for the 500 and the timeout.
    expect(waits).toEqual([1000, 600, 1200, 1000, 600, 1200]);
    expect((await money(store)) + (await money(store, 'unallocated'))).toBe(served(events()));
    const dana = await store.teamLines('cursor', '2026-08-01', 'payments');
    expect(new Set(dana.map((l) => l.identities.userEmail))).toEqual(
      new Set(['dana@payments.corp.com', 'kim@payments.corp.com']),
    );
  });

  it('stores daily usage as per-user detail lines that leave the money as the usage events charged it', async () => {
    const withDaily = (await dynamo.newStore()).store;
    const without = (await dynamo.newStore()).store;
    await ingest(() => events(), withDaily);
    await ingest(() => events(), without, { includeDailyUsage: false });
    // Same money per team and day, to the micro, with or without the detail lines.
    for (const team of ['payments', 'unallocated']) {
      const a = await withDaily.teamDailyTotals(team, range.from, range.to);
      const b = await without.teamDailyTotals(team, range.from, range.to);
      expect(a.map((t) => [t.date, t.costMicros, t.byModel])).toEqual(
        b.map((t) => [t.date, t.costMicros, t.byModel]),
      );
    }
    expect((await money(withDaily)) + (await money(withDaily, 'unallocated'))).toBe(served(events()));
    const lines = await withDaily.teamLines('cursor', '2026-08-02', 'payments');
    expect(
      lines.find((l) => l.lineItem === 'Cursor activity' && l.identities.userEmail?.startsWith('dana')),
    ).toMatchObject({
      costMicros: 0n,
      billable: false,
      model: 'claude-4.5-sonnet',
      outcomes: {
        linesAdded: 301,
        linesRemoved: 7,
        linesAccepted: 120,
        requests: 40,
        // Tab: 12 of 40 suggestions taken; agent diffs: 5 accepted, 1 rejected.
        acceptances: 12,
        suggestionsShown: 40,
        toolAccepted: 5,
        toolRejected: 1,
      },
    });
    // The member with no activity is not stored; kim (plan usage only) counts as active with no spend.
    expect(lines.map((l) => l.identities.userEmail)).not.toContain('idle@payments.corp.com');
    const [day2] = await withDaily.teamDailyTotals('payments', '2026-08-02', '2026-08-02');
    expect(day2).toMatchObject({ activeUsers: 2, outcomes: { linesAdded: 381, requests: 49 } });
    const [plain] = await without.teamDailyTotals('payments', '2026-08-02', '2026-08-02');
    expect(plain?.activeUsers).toBe(1);
  });

  it('reads an event without chargedCents from tokenUsage.totalCents plus cursorTokenFee, to the micro', async () => {
    const { store } = await dynamo.newStore();
    const { outcome } = await ingest(() => events(), store, { eventCost: 'token-usage' });
    expect(outcome?.status).toBe('ok');
    expect((await money(store)) + (await money(store, 'unallocated'))).toBe(served(events()));
  });

  it('refuses a chargeable event whose cost is nowhere, instead of storing it as $0', async () => {
    const { store } = await dynamo.newStore();
    const { outcome } = await ingest(() => events(), store, { eventCost: 'nowhere' });
    expect(outcome?.status).toBe('failed');
    expect(outcome?.error).toMatch(
      /filtered-usage-events page 1: usageEvents\[0\]\.chargedCents: a chargeable event without chargedCents or tokenUsage\.totalCents/,
    );
    expect(await money(store)).toBe(0n);
  });

  it('keeps Tab acceptances out of the suggestion rate when the answer does not say how many were shown', async () => {
    const { store } = await dynamo.newStore();
    await ingest(() => events(), store, { withoutTabsShown: true });
    const lines = await store.teamLines('cursor', '2026-08-02', 'payments');
    const dana = lines.find(
      (l) => l.lineItem === 'Cursor activity' && l.identities.userEmail?.startsWith('dana'),
    );
    // 12 accepted of an unknown number shown is not 12 of 0: no suggestionsShown, so the rate leaves
    // the day out instead of reading it as more than everything accepted.
    expect(dana?.outcomes).toMatchObject({ acceptances: 12, toolAccepted: 5 });
    expect(dana?.outcomes?.suggestionsShown).toBeUndefined();
  });

  it('asks daily usage for at most 30 days at a time', async () => {
    const { store } = await dynamo.newStore();
    const long = { from: '2026-08-01', to: '2026-08-31' }; // one 31-day chunk of the runner
    const { outcome, calls } = await ingest(() => events(), store, {
      range: long,
      daily: () => daily(0, ['2026-08-01', '2026-08-31']),
    });
    expect(outcome?.status).toBe('ok');
    const windows = calls
      .filter((c) => c.path === '/teams/daily-usage-data' && c.body.page === 1)
      .map((c) => [c.body.startDate, c.body.endDate]);
    expect(windows).toEqual([
      [Date.parse('2026-08-01T00:00:00Z'), Date.parse('2026-08-30T23:59:59.999Z')],
      [Date.parse('2026-08-31T00:00:00Z'), Date.parse('2026-08-31T23:59:59.999Z')],
    ]);
    const last = await store.teamLines('cursor', '2026-08-31', 'payments');
    expect(last.filter((l) => l.lineItem === 'Cursor activity')).toHaveLength(2);
    expect(addDays(long.from, 30)).toBe(long.to);
  });

  it('replaces revised days on both endpoints rather than adding to them', async () => {
    const { store } = await dynamo.newStore();
    await ingest(() => events(), store);
    await ingest(() => events(2), store, { daily: () => daily(1000) });
    expect(await money(store)).toBe(
      served(events(2).filter((e) => e.userEmail.endsWith('@payments.corp.com'))),
    );
    const [day1] = await store.teamDailyTotals('payments', range.from, range.from);
    expect(day1?.outcomes).toMatchObject({ linesAdded: 300 + 1000 + 80, requests: 40 + 9 + 1000 });
  });

  it.each([
    [
      'a malformed usage event',
      { 2: 'malformed' },
      /cursor filtered-usage-events page 2: usageEvents\[0\]\.chargedCents: expected a number of cents/,
    ],
    [
      'a truncated usage-events page',
      { 3: 'truncated' },
      /cursor filtered-usage-events page 3: response is not valid JSON/,
    ],
    [
      'a malformed daily usage record',
      { 5: 'malformed' },
      /cursor daily-usage-data page 2: data\[0\]\.acceptedLinesAdded: expected a count/,
    ],
    [
      'a truncated daily-usage page',
      { 4: 'truncated' },
      /cursor daily-usage-data page 1: response is not valid JSON/,
    ],
  ] as const)(
    'fails the source on %s, names it, and leaves the store as it was',
    async (_name, faults, message) => {
      const { store } = await dynamo.newStore();
      await ingest(() => events(), store);
      const before = await everything(store);
      const { outcome } = await ingest(() => events(3), store, { faults, daily: () => daily(500) });
      expect(outcome?.status).toBe('failed');
      expect(outcome?.error).toMatch(message);
      expect(outcome?.error).not.toContain(KEY);
      expect(await everything(store)).toEqual(before);
    },
  );

  it('keeps the member list as the day’s seat snapshot (removed members hold no seat), for idle seats', async () => {
    const { store } = await dynamo.newStore();
    const { outcome, calls } = await ingest(() => events(), store, {
      seatHistory: createSeatHistory(store, 'cursor'),
      members: [
        { email: 'Dana@payments.corp.com' },
        { email: 'idle@payments.corp.com' },
        { email: 'gone@payments.corp.com', removed: true },
      ],
    });
    expect(outcome?.status).toBe('ok');
    expect(calls.filter((c) => c.path === '/teams/members')).toHaveLength(1);
    const seats = await seatsOnDay(store, 'cursor', '2026-09-10');
    expect(seats?.map((s) => s.login)).toEqual(['dana@payments.corp.com', 'idle@payments.corp.com']);
  });

  it('still pulls the spend when the member list cannot be read, and says so', async () => {
    const { store } = await dynamo.newStore();
    const { outcome } = await ingest(() => events(), store, {
      seatHistory: createSeatHistory(store, 'cursor'),
    });
    expect(outcome?.status).toBe('ok');
    expect(outcome?.notes?.join('\n')).toMatch(
      /member list not read \(cursor teams\/members page 1: HTTP 404 .*idle Cursor seats are not counted this run/,
    );
    expect(await money(store)).toBe(
      served(events().filter((e) => e.userEmail.endsWith('@payments.corp.com'))),
    );
    expect(await seatsOnDay(store, 'cursor', '2026-09-10')).toBeUndefined();
  });
});
