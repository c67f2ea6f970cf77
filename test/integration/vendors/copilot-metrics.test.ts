import { describe, expect, it } from 'vitest';
import { createCopilotMetricsConnector } from '../../../functions/adapters/vendors/copilot-metrics.js';
import { parseConfig } from '../../../functions/core/config/load.js';
import { runIngest } from '../../../functions/core/ingest/run-ingest.js';
import { createIdentityResolver } from '../../../functions/core/outcomes/identity.js';
import type { UsageStore } from '../../../functions/core/ports.js';
import {
  type FakeUserDay,
  type MetricsFault,
  startCopilotMetricsServer,
} from '../../fixtures/vendors/copilot-metrics-server.js';
import { useLocalDynamo } from '../../helpers/dynamo.js';

const dynamo = useLocalDynamo();
const config = parseConfig({
  organization: { name: 'Acme' },
  fiscalYear: { startMonth: 1, startDay: 1 },
  teams: [
    { id: 'payments', name: 'Payments', annualBudgetUsd: 100_000 },
    { id: 'search', name: 'Search', annualBudgetUsd: 100_000 },
  ],
  sources: [
    {
      id: 'copilot-metrics',
      type: 'copilot-metrics',
      organization: 'acme',
      attribution: [
        { match: { githubTeam: 'payments' }, team: 'payments' },
        { match: { userEmail: '*@search.acme.example' }, team: 'search' },
      ],
    },
  ],
  finance: { slackChannel: '#finance' },
  identities: { githubLoginRules: [{ githubLogin: '*-search', email: '{1}@search.acme.example' }] },
});
const source = config.sources[0];
if (source?.type !== 'copilot-metrics') throw new Error('fixture');

const users: Record<string, FakeUserDay[]> = {
  '2026-05-06': [
    { login: 'ana', interactions: 5, suggested: 200, added: 88, acceptances: 12, generations: 40 },
    { login: 'bo', interactions: 3, suggested: 80, added: 24, acceptances: 7, deleted: 4 },
    // Listed but idle that day: not a line.
    { login: 'cy' },
    { login: 'dee-search', usedChat: true, interactions: 2 },
  ],
  '2026-05-07': [{ login: 'ana', interactions: 1, suggested: 10, added: 5, acceptances: 1 }],
};
const teams = {
  '2026-05-06': { ana: ['payments', 'guild'], bo: ['payments'] },
  '2026-05-07': { ana: ['payments'] },
};
const range = { from: '2026-05-06', to: '2026-05-07' };

async function ingest(
  store: UsageStore,
  r: { faults?: Record<number, MetricsFault>; waits?: number[]; days?: Record<string, FakeUserDay[]> } = {},
) {
  const server = await startCopilotMetricsServer({
    token: 'ghp_test',
    org: 'acme',
    users: r.days ?? users,
    teams,
    faults: r.faults ?? {},
  });
  try {
    const connector = createCopilotMetricsConnector({
      sourceId: 'copilot-metrics',
      organization: 'acme',
      token: async () => 'ghp_test',
      baseUrl: server.baseUrl,
      today: '2026-05-08',
      attribution: source?.attribution ?? [],
      resolver: async () => createIdentityResolver(config.identities),
      sleep: async (ms) => void r.waits?.push(ms),
      random: () => 0.1,
      timeoutMs: 1000,
    });
    const [outcome] = await runIngest({
      config,
      store,
      connectors: [connector],
      range,
      clock: { now: () => new Date('2026-05-08T06:00:00Z') },
    });
    return { outcome, calls: server.calls(), downloadsWithAuth: server.downloadsWithAuth() };
  } finally {
    await server.close();
  }
}

/** Per team and day: [accepted lines, suggested lines, acceptances, requests], and the day's lines. */
async function activity(store: UsageStore) {
  const out: Record<string, Record<string, number[]>> = {};
  for (const team of ['payments', 'search', 'unallocated'])
    for (const t of await store.teamDailyTotals(team, range.from, range.to)) {
      out[team] ??= {};
      const o = t.outcomes;
      out[team][t.date] = [
        o.linesAccepted ?? 0,
        o.linesSuggested ?? 0,
        o.acceptances ?? 0,
        o.requests ?? 0,
        t.lines,
      ];
    }
  return out;
}

const EXPECTED = {
  // Ana (88, 200, 12, 5) and Bo (24, 80, 7, 3) on 6 May; Ana (5, 10, 1, 1) on 7 May.
  payments: { '2026-05-06': [112, 280, 19, 8, 2], '2026-05-07': [5, 10, 1, 1, 1] },
  // Dee is in no team of 5+ seats: placed by the email her login resolves to.
  search: { '2026-05-06': [0, 0, 0, 2, 1] },
};

describe('Copilot usage metrics reports over loopback into DynamoDB Local', () => {
  it('stores one detail line per active user and day, joined with their teams, without sending the token to the download links', async () => {
    const { store } = await dynamo.newStore();
    const { outcome, calls, downloadsWithAuth } = await ingest(store);
    expect(outcome?.status).toBe('ok');
    expect(outcome?.usd).toBe(0);
    expect(await activity(store)).toEqual(EXPECTED);
    expect(calls.filter((c) => c.startsWith('/orgs/'))).toEqual([
      '/orgs/acme/copilot/metrics/reports/users-1-day?day=2026-05-06',
      '/orgs/acme/copilot/metrics/reports/user-teams-1-day?day=2026-05-06',
      '/orgs/acme/copilot/metrics/reports/users-1-day?day=2026-05-07',
      '/orgs/acme/copilot/metrics/reports/user-teams-1-day?day=2026-05-07',
    ]);
    // Both files of each users report are read; none with the token.
    expect(calls.filter((c) => c.startsWith('/downloads/users-'))).toHaveLength(4);
    expect(downloadsWithAuth).toEqual([]);
    const [ana] = (await store.teamLines('copilot-metrics', '2026-05-06', 'payments')).filter(
      (l) => l.identities.githubLogin === 'ana',
    );
    expect(ana).toMatchObject({
      identities: { githubLogin: 'ana', githubTeam: 'payments' },
      billable: false,
      costMicros: 0n,
      outcomes: {
        linesAccepted: 88,
        linesSuggested: 200,
        linesRemoved: 0,
        acceptances: 12,
        suggestionsShown: 40,
        requests: 5,
      },
    });
    const dee = await store.teamLines('copilot-metrics', '2026-05-06', 'search');
    expect(dee[0]?.identities).toEqual({ githubLogin: 'dee-search', userEmail: 'dee@search.acme.example' });
  });

  it('stores exactly what was served after a 429 (waiting as Retry-After asks), a 500 and a slow answer, on a report and on a download', async () => {
    const { store } = await dynamo.newStore();
    const waits: number[] = [];
    // 1–3: the first users report fails three ways; 4: it answers; 5: user-teams; 6–8: the first download.
    const faults = { 1: '429', 2: '500', 3: 'slow', 6: '429', 7: '500', 8: 'slow' } as const;
    const { outcome } = await ingest(store, { faults, waits });
    expect(outcome?.status).toBe('ok');
    expect(waits).toEqual([1000, 600, 1200, 1000, 600, 1200]);
    expect(await activity(store)).toEqual(EXPECTED);
  });

  it.each([
    [
      'a truncated NDJSON file',
      { 3: 'truncated' },
      /users-1-day file 1 page 1: response is not valid NDJSON: line \d+ is not JSON/,
    ],
    [
      'a malformed row',
      { 3: 'malformed' },
      /users-1-day file 1 page 1: \[0\]\.loc_added_sum: expected a count/,
    ],
    [
      'a report without links',
      { 1: 'malformed' },
      /copilot\/metrics\/reports\/users-1-day page 1: download_links/,
    ],
    ['the metrics policy off', { 1: '403' }, /HTTP 403 .*enable the "Copilot usage metrics" policy/],
  ] as const)(
    'fails the source on %s and keeps the stored days as they were',
    async (_n, faults, message) => {
      const { store } = await dynamo.newStore();
      await ingest(store);
      const { outcome } = await ingest(store, { faults });
      expect(outcome?.status).toBe('failed');
      expect(outcome?.error).toMatch(message);
      expect(await activity(store)).toEqual(EXPECTED);
    },
  );

  it('replaces re-pulled days rather than adding to them (GitHub revises recent reports)', async () => {
    const { store } = await dynamo.newStore();
    await ingest(store);
    // 6 May revised: Ana kept 90 lines (not 88), Bo's row is gone; 7 May unchanged.
    const revised = {
      ...users,
      '2026-05-06': [
        { login: 'ana', interactions: 5, suggested: 200, added: 90, acceptances: 12 },
        { login: 'dee-search', usedChat: true, interactions: 2 },
      ],
    };
    const { outcome } = await ingest(store, { days: revised });
    expect(outcome?.status).toBe('ok');
    expect(await activity(store)).toEqual({
      payments: { '2026-05-06': [90, 200, 12, 5, 1], '2026-05-07': [5, 10, 1, 1, 1] },
      search: { '2026-05-06': [0, 0, 0, 2, 1] },
    });
  });

  it('leaves a day without a report undelivered (GitHub has not generated it yet)', async () => {
    const { store } = await dynamo.newStore();
    const { outcome } = await ingest(store, { days: { '2026-05-06': users['2026-05-06'] ?? [] } });
    expect(outcome?.status).toBe('ok');
    const days = await store.sourceDays('copilot-metrics', range.from, range.to);
    expect(days.map((d) => [d.date, d.status])).toEqual([
      ['2026-05-06', 'complete'],
      ['2026-05-07', 'missing'],
    ]);
  });
});
