import { describe, expect, it } from 'vitest';
import { createCopilotConnector } from '../../../functions/adapters/vendors/copilot.js';
import { parseConfig } from '../../../functions/core/config/load.js';
import { runIngest } from '../../../functions/core/ingest/run-ingest.js';
import { createSeatHistory, type SeatHistory } from '../../../functions/core/ingest/seat-history.js';
import { roundDiv } from '../../../functions/core/money.js';
import type { UsageStore } from '../../../functions/core/ports.js';
import {
  type CopilotFault,
  ORG_ID,
  type Seat,
  startCopilotServer,
} from '../../fixtures/vendors/copilot-server.js';
import { useLocalDynamo } from '../../helpers/dynamo.js';
import { storedUsage, teamSpend } from '../../helpers/store-reads.js';

const dynamo = useLocalDynamo();
const config = parseConfig({
  organization: { name: 'Acme' },
  fiscalYear: { startMonth: 1, startDay: 1 },
  teams: [{ id: 'payments', name: 'Payments', annualBudgetUsd: 100_000 }],
  sources: [
    {
      id: 'copilot',
      type: 'copilot',
      organization: 'acme',
      attribution: [{ match: { githubTeam: 'payments' }, team: 'payments' }],
    },
  ],
  finance: { slackChannel: '#finance' },
});
// 150 seats (two pages of 100): the first `payments` assigned by the payments team, the rest
// individually; 10 cancelled mid-June.
const seatList = (payments = 120): Seat[] =>
  Array.from({ length: 150 }, (_, i) => ({
    login: `dev${i}`,
    team: i < payments ? 'payments' : null,
    createdAt: '2026-01-05',
    ...(i < 10 ? { cancelOn: '2026-06-15' } : {}),
  }));
const seats = seatList();

interface Run {
  seats?: readonly Seat[];
  netAmount?: number;
  faults?: Record<number, CopilotFault>;
  range?: { from: string; to: string };
  waits?: number[];
  perPage?: number;
  totalSeats?: number | null;
  linkOrigin?: string;
  /** @default null: a legacy plan billed in premium requests (the tests before AI credits) */
  aiCreditsFrom?: string | null;
  aiCredits?: (day: string, user?: string) => Array<{ model: string; credits: number }>;
  aiCreditsPerUser?: boolean;
  refuseUserFilter?: boolean;
  seatHistory?: SeatHistory;
  /** The run's clock. @default 2026-07-01T06:00:00Z */
  now?: string;
}
const short = { from: '2026-06-01', to: '2026-06-03' };

/** One run through a fresh server: seat pages first (1–2), then premium usage one day a call. */
async function ingest(store: UsageStore, r: Run = {}) {
  const server = await startCopilotServer({
    token: 'ghp_test',
    org: 'acme',
    seats: r.seats ?? seats,
    premium: (day) => [
      {
        sku: 'Copilot Premium Request',
        model: 'Claude Sonnet 4.5',
        netAmount: r.netAmount ?? (day === '2026-06-20' ? 8 : 4.04),
      },
    ],
    faults: r.faults ?? {},
    ...(r.totalSeats !== undefined ? { totalSeats: r.totalSeats } : {}),
    ...(r.linkOrigin ? { linkOrigin: r.linkOrigin } : {}),
    ...(r.aiCredits ? { aiCredits: r.aiCredits } : {}),
    ...(r.refuseUserFilter ? { refuseUserFilter: true } : {}),
  });
  try {
    const connector = createCopilotConnector({
      sourceId: 'copilot',
      organization: 'acme',
      seatPriceUsdPerMonth: 39,
      token: async () => 'ghp_test',
      baseUrl: server.baseUrl,
      sleep: async (ms) => void r.waits?.push(ms),
      random: () => 0.1,
      timeoutMs: 1000,
      ...(r.perPage ? { perPage: r.perPage } : {}),
      aiCreditsFrom: r.aiCreditsFrom === undefined ? null : r.aiCreditsFrom,
      ...(r.aiCreditsPerUser ? { aiCreditsPerUser: true } : {}),
      ...(r.seatHistory ? { seatHistory: r.seatHistory } : {}),
      ...(r.now ? { today: r.now.slice(0, 10) } : {}),
    });
    const [outcome] = await runIngest({
      config,
      store,
      connectors: [connector],
      range: r.range ?? short,
      clock: { now: () => new Date(r.now ?? '2026-07-01T06:00:00Z') },
    });
    return {
      outcome,
      requests: server.requests(),
      seatUrls: server.seatUrls(),
      billingUrls: server.billingUrls(),
    };
  } finally {
    await server.close();
  }
}

const money = (store: UsageStore, team: string) => teamSpend(store, team, short);
const everything = (store: UsageStore) => storedUsage(store, 'copilot', short);
// June has 30 days: a seat costs $1.30 a day.
const SEAT_DAY = 1_300_000n;

describe('Copilot connector over loopback into DynamoDB Local', () => {
  it('accrues seats per day to the assigning team and stores premium requests, across pages', async () => {
    const { store } = await dynamo.newStore();
    // A week around the cancellations (each individually assigned seat is a line of its own per day).
    const { outcome, seatUrls } = await ingest(store, { range: { from: '2026-06-14', to: '2026-06-20' } });
    expect(outcome?.status).toBe('ok');
    // Page 2 is wherever GitHub's Link header says (here the organization-id form), not a built URL.
    expect(seatUrls).toEqual([
      '/orgs/acme/copilot/billing/seats?per_page=100',
      `/organizations/${ORG_ID}/copilot/billing/seats?per_page=100&page=2`,
    ]);
    // Payments: 120 seats to Jun 15, 110 after.
    const payments = await store.teamDailyTotals('payments', '2026-06-14', '2026-06-20');
    expect(payments.find((t) => t.date === '2026-06-15')?.costMicros).toBe(120n * SEAT_DAY);
    expect(payments.find((t) => t.date === '2026-06-16')?.costMicros).toBe(110n * SEAT_DAY);
    // Premium requests are organization-level: unallocated unless a rule maps the org.
    const unallocated = await store.teamDailyTotals('unallocated', '2026-06-20', '2026-06-20');
    expect(unallocated[0]?.costMicros).toBe(30n * SEAT_DAY + 8_000_000n);
  });

  it('starts a seat on the UTC day of its created_at, whatever offset GitHub wrote it with', async () => {
    // Prepare: 18:00 on 1 June in UTC−6 is 00:00 on 2 June UTC; 01:00 on 3 June in UTC+2 is 23:00
    // on 2 June UTC.
    const { store } = await dynamo.newStore();
    const seatsWithOffsets: Seat[] = [
      {
        login: 'ana',
        team: 'payments',
        createdAt: '2026-06-01',
        createdAtWritten: '2026-06-01T18:00:00-06:00',
      },
      {
        login: 'bo',
        team: 'payments',
        createdAt: '2026-06-03',
        createdAtWritten: '2026-06-03T01:00:00+02:00',
      },
    ];
    // Act
    const { outcome } = await ingest(store, { seats: seatsWithOffsets });
    // Assess: no seat on 1 June; both from 2 June.
    expect(outcome?.status).toBe('ok');
    const payments = await store.teamDailyTotals('payments', short.from, short.to);
    expect(payments.map((t) => [t.date, t.costMicros])).toEqual([
      ['2026-06-02', 2n * SEAT_DAY],
      ['2026-06-03', 2n * SEAT_DAY],
    ]);
  });

  it('stores exactly what was served after a 429 (waiting as Retry-After asks), a 500 and a slow answer on each endpoint', async () => {
    const { store } = await dynamo.newStore();
    const waits: number[] = [];
    // Seats: requests 1–3 fail, pages at 4–5. Premium usage: 6–8 fail, the three days at 9–11.
    const faults = { 1: '429', 2: '500', 3: 'slow', 6: '429', 7: '500', 8: 'slow' } as const;
    const { outcome, requests } = await ingest(store, { faults, waits, netAmount: 4.04 });
    expect(outcome?.status).toBe('ok');
    expect(requests).toBe(11);
    // Retry-After: 1 s, then jittered backoff (0.6 × 500 ms × 2^(attempt-1)) for the 500 and the timeout.
    expect(waits).toEqual([1000, 600, 1200, 1000, 600, 1200]);
    expect(await money(store, 'payments')).toBe(3n * 120n * SEAT_DAY);
    expect(await money(store, 'unallocated')).toBe(3n * (30n * SEAT_DAY + 4_040_000n));
  });

  it('waits out a 403 rate limit until x-ratelimit-reset, but fails at once on a 403 without access', async () => {
    const { store } = await dynamo.newStore();
    const waits: number[] = [];
    const limited = await ingest(store, { faults: { 1: '403-limit' }, waits, netAmount: 4.04 });
    expect(limited.outcome?.status).toBe('ok');
    expect(waits).toHaveLength(1);
    expect(waits[0]).toBeGreaterThan(0);
    expect(waits[0]).toBeLessThanOrEqual(2_000);
    const denied = await ingest(store, { faults: { 1: '403' } });
    expect(denied.outcome?.status).toBe('failed');
    expect(denied.outcome?.error).toMatch(
      /copilot\/billing\/seats page 1: HTTP 403 .*Resource not accessible/,
    );
  });

  it('replaces revised seats and premium usage rather than adding to them', async () => {
    const { store } = await dynamo.newStore();
    await ingest(store, { netAmount: 4 });
    // Twenty seats move from the payments team to individual assignment; premium usage is revised.
    await ingest(store, { seats: seatList(100), netAmount: 5 });
    expect(await money(store, 'payments')).toBe(3n * 100n * SEAT_DAY);
    expect(await money(store, 'unallocated')).toBe(3n * (50n * SEAT_DAY + 5_000_000n));
  });

  it('follows Link rel="next" to the last page when total_seats is absent', async () => {
    const { store } = await dynamo.newStore();
    const day = { from: '2026-06-01', to: '2026-06-01' };
    const { outcome, seatUrls } = await ingest(store, { range: day, perPage: 40, totalSeats: null });
    expect(outcome?.status).toBe('ok');
    expect(seatUrls).toHaveLength(4); // 150 seats, 40 a page
    const [payments] = await store.teamDailyTotals('payments', day.from, day.to);
    expect(payments?.costMicros).toBe(120n * SEAT_DAY);
  });

  it.each([
    [
      'fewer seats listed than total_seats announced',
      { totalSeats: 151 },
      /copilot copilot\/billing\/seats: total_seats is 151 but the pages listed 150/,
    ],
    [
      'a Link to another origin',
      { linkOrigin: 'http://127.0.0.2:9' },
      /copilot copilot\/billing\/seats page 1: Link rel="next" points to http:\/\/127\.0\.0\.2:9/,
    ],
  ] as const)('fails the source on %s and leaves the store as it was', async (_name, run, message) => {
    const { store } = await dynamo.newStore();
    await ingest(store, { netAmount: 4 });
    const before = await everything(store);
    const { outcome } = await ingest(store, { ...run, seats: seatList(90), netAmount: 9 });
    expect(outcome?.status).toBe('failed');
    expect(outcome?.error).toMatch(message);
    expect(await everything(store)).toEqual(before);
  });

  it.each([
    [
      'a malformed seat',
      { 2: 'malformed' },
      /copilot copilot\/billing\/seats page 2: seats\[0\]\.created_at: expected an ISO 8601 timestamp/,
    ],
    [
      'a truncated seats page',
      { 1: 'truncated' },
      /copilot copilot\/billing\/seats page 1: response is not valid JSON/,
    ],
    [
      'a malformed premium amount',
      { 4: 'malformed' },
      /copilot billing\/premium_request\/usage page 1: usageItems\[0\]\.netAmount: expected a number of dollars/,
    ],
    [
      'a truncated premium usage answer',
      { 3: 'truncated' },
      /copilot billing\/premium_request\/usage page 1: response is not valid JSON/,
    ],
  ] as const)(
    'fails the source on %s, names it, and leaves the store as it was',
    async (_name, faults, message) => {
      const { store } = await dynamo.newStore();
      await ingest(store, { netAmount: 4 });
      const before = await everything(store);
      const { outcome } = await ingest(store, { seats: seatList(90), netAmount: 9, faults });
      expect(outcome?.status).toBe('failed');
      expect(outcome?.error).toMatch(message);
      expect(outcome?.error).not.toContain('ghp_test');
      expect(await everything(store)).toEqual(before);
    },
  );

  it('moves from premium requests to AI credits on 1 Jun: every day billed once, none twice (issue 16)', async () => {
    // Prepare: the org's plan changed on 1 Jun. GitHub still answers premium requests for June (the
    // legacy meter) and AI credits for May (nothing): burnwatch must ask each day exactly one.
    const { store } = await dynamo.newStore();
    const range = { from: '2026-05-29', to: '2026-06-03' };
    // Act
    const { outcome, billingUrls } = await ingest(store, {
      range,
      aiCreditsFrom: '2026-06-01',
      netAmount: 4.04,
      aiCredits: (day) => (day >= '2026-06-01' ? [{ model: 'Claude Sonnet 4.6', credits: 750 }] : []),
    });
    // Assess
    expect(outcome?.status).toBe('ok');
    expect(billingUrls).toEqual([
      'premium_request 2026-05-29',
      'premium_request 2026-05-30',
      'premium_request 2026-05-31',
      'ai_credit 2026-06-01',
      'ai_credit 2026-06-02',
      'ai_credit 2026-06-03',
    ]);
    const org = await store.teamDailyTotals('unallocated', range.from, range.to);
    // May has 31 days ($39 ÷ 31 a seat, each individually assigned seat a line), June 30; metered: $4.04 of premium requests, then $7.50 of credits.
    const seatDay = (day: string) => (day < '2026-06-01' ? 30n * roundDiv(39_000_000n, 31n) : 30n * SEAT_DAY);
    expect(org.map((t) => [t.date, t.costMicros - seatDay(t.date)])).toEqual([
      ['2026-05-29', 4_040_000n],
      ['2026-05-30', 4_040_000n],
      ['2026-05-31', 4_040_000n],
      ['2026-06-01', 7_500_000n],
      ['2026-06-02', 7_500_000n],
      ['2026-06-03', 7_500_000n],
    ]);
    const [credits] = (await store.teamLines('copilot', '2026-06-02', 'unallocated')).filter(
      (l) => l.lineItem !== 'Copilot seats',
    );
    expect(credits).toMatchObject({
      lineItem: 'Copilot AI Credits (Claude Sonnet 4.6)',
      modelId: 'claude-sonnet-4-6',
      quantity: { value: 750, unit: 'Credits' },
      costMicros: 7_500_000n,
    });
  });

  it('attributes AI credits per user to the seat’s team, the rest to the organization, summing to it exactly', async () => {
    const { store } = await dynamo.newStore();
    const day = { from: '2026-06-10', to: '2026-06-10' };
    const few: Seat[] = [
      { login: 'ana', team: 'payments', createdAt: '2026-01-05' },
      { login: 'bo', team: null, createdAt: '2026-01-05' },
    ];
    const { outcome, billingUrls } = await ingest(store, {
      range: day,
      seats: few,
      aiCreditsFrom: '2026-06-01',
      aiCreditsPerUser: true,
      aiCredits: (_d, user) => [
        { model: 'GPT-5 mini', credits: user === 'ana' ? 120 : user === 'bo' ? 30 : 175.5 },
      ],
    });
    expect(outcome?.status).toBe('ok');
    expect(billingUrls).toEqual([
      'ai_credit 2026-06-10',
      'ai_credit 2026-06-10 ana',
      'ai_credit 2026-06-10 bo',
    ]);
    const payments = await store.teamLines('copilot', '2026-06-10', 'payments');
    expect(payments.find((l) => l.identities.account === 'ana')).toMatchObject({
      identities: { account: 'ana', githubTeam: 'payments' },
      costMicros: 1_200_000n,
    });
    const rest = (await store.teamLines('copilot', '2026-06-10', 'unallocated')).filter(
      (l) => l.lineItem !== 'Copilot seats',
    );
    expect(rest.map((l) => [l.identities.account, l.costMicros]).sort()).toEqual([
      ['acme', 255_000n],
      ['bo', 300_000n],
    ]);
  });

  it('says to turn per-user AI credits off when GitHub refuses the user filter', async () => {
    const { store } = await dynamo.newStore();
    const { outcome } = await ingest(store, {
      range: { from: '2026-06-10', to: '2026-06-10' },
      seats: [{ login: 'ana', team: 'payments', createdAt: '2026-01-05' }],
      aiCreditsFrom: '2026-06-01',
      aiCreditsPerUser: true,
      refuseUserFilter: true,
      aiCredits: () => [{ model: 'GPT-5', credits: 10 }],
    });
    expect(outcome?.status).toBe('failed');
    expect(outcome?.error).toMatch(/HTTP 403 .*cannot filter usage by user.*set aiCreditsPerUser: false/);
  });

  it.each([
    ['429', { 3: '429' }, 'ok'],
    ['500', { 3: '500' }, 'ok'],
    ['slow', { 3: 'slow' }, 'ok'],
    ['truncated', { 3: 'truncated' }, /billing\/ai_credit\/usage page 1: response is not valid JSON/],
    [
      'malformed',
      { 3: 'malformed' },
      /billing\/ai_credit\/usage page 1: usageItems\[0\]\.netAmount: expected a number of dollars/,
    ],
  ] as const)(
    'AI credits: on %s it stores exactly what was served or fails and keeps the store',
    async (_f, faults, expected) => {
      const { store } = await dynamo.newStore();
      const r = { aiCreditsFrom: '2026-06-01', aiCredits: () => [{ model: 'GPT-5', credits: 404 }] };
      await ingest(store, { ...r, netAmount: 1 });
      const before = await everything(store);
      // Requests 1–2: seat pages; 3: the first day's AI credits.
      const { outcome } = await ingest(store, {
        ...r,
        aiCredits: () => [{ model: 'GPT-5', credits: 505 }],
        faults,
        waits: [],
      });
      if (expected === 'ok') {
        expect(outcome?.status).toBe('ok');
        expect(await money(store, 'unallocated')).toBe(3n * (30n * SEAT_DAY + 5_050_000n));
      } else {
        expect(outcome?.status).toBe('failed');
        expect(outcome?.error).toMatch(expected);
        expect(await everything(store)).toEqual(before);
      }
    },
  );

  it('keeps each day’s seats as burnwatch saw them that day, from the day it was installed', async () => {
    // Prepare: installed 1 Jun, when ana's seat came from payments; on 2 Jun it moved to the search team.
    const { store } = await dynamo.newStore();
    const history = createSeatHistory(store, 'copilot');
    const ana = (team: string) => [{ login: 'ana', team, createdAt: '2026-01-05' }];
    const days = { from: '2026-05-31', to: '2026-06-02' };
    await ingest(store, {
      seats: ana('payments'),
      seatHistory: history,
      range: days,
      now: '2026-06-01T06:00:00Z',
    });
    // Act: the next day's run (seat moved) re-pulls all three days.
    const { outcome } = await ingest(store, {
      seats: ana('search'),
      seatHistory: history,
      range: days,
      now: '2026-06-02T06:00:00Z',
    });
    // Assess: 1 Jun stays with payments (its snapshot); 2 Jun is search's; 31 May predates the first
    // snapshot and is rebuilt from it (approximate, and said so).
    expect(outcome?.error).toBeUndefined();
    const payments = await store.teamDailyTotals('payments', days.from, days.to);
    expect(payments.map((t) => t.date)).toEqual(['2026-05-31', '2026-06-01']);
    const search = await store.teamLines('copilot', '2026-06-02', 'unallocated');
    const seatLines = search.filter((l) => l.lineItem === 'Copilot seats');
    expect(seatLines.map((l) => l.identities)).toEqual([{ githubTeam: 'search' }]);
    expect(outcome?.notes).toEqual([
      'seats before the first stored seat snapshot are rebuilt from the earliest list (approximate)',
    ]);
  });
});
