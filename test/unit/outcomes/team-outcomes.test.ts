import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../../functions/core/config/load.js';
import { createSeatHistory } from '../../../functions/core/ingest/seat-history.js';
import { usdToMicros } from '../../../functions/core/money.js';
import { computeTeamBurns } from '../../../functions/core/team-reports.js';
import { aRecord, aTotal, deliveredDays } from '../../helpers/builders.js';
import { MemoryStore } from '../alerts/fakes.js';

/**
 * One team's outcomes from the store, end to end through the burn report, worked out by hand: one
 * person across vendors (Ana in Cursor by email and in Copilot by login is one engineer), an
 * unmatched login, idle seats, and the two figures that used to mislead (per engineer by the busiest
 * day of one source; per "PR" by Claude Code's PR count).
 */
const config = parseConfig({
  organization: { name: 'Acme' },
  fiscalYear: { startMonth: 1, startDay: 1 },
  teams: [{ id: 'payments', name: 'Payments', annualBudgetUsd: 100_000, headcount: 4 }],
  sources: [
    {
      id: 'cursor',
      type: 'cursor',
      attribution: [{ match: { userEmail: '*@pay.example' }, team: 'payments' }],
    },
    {
      id: 'copilot',
      type: 'copilot',
      organization: 'acme',
      seatPriceUsdPerMonth: 19,
      attribution: [{ match: { githubTeam: 'payments' }, team: 'payments' }],
    },
    {
      id: 'copilot-metrics',
      type: 'copilot-metrics',
      organization: 'acme',
      attribution: [{ match: { githubTeam: 'payments' }, team: 'payments' }],
    },
    {
      id: 'github',
      type: 'github',
      organization: 'acme',
      attribution: [{ match: { githubTeam: 'payments' }, team: 'payments' }],
    },
  ],
  finance: { slackChannel: '#finance' },
  identities: { githubLoginRules: [{ githubLogin: '*-pay', email: '{1}@pay.example' }] },
});
const asOf = '2026-03-31';
const day = '2026-03-30';

async function storeWithOutcomes() {
  const store = new MemoryStore();
  for (const s of config.sources) store.manifests.push(...deliveredDays(s.id, '2026-01-01', asOf));
  store.totals.push(
    // Cursor: Ana $60 and Bo $40 (2 people that day); Claude Code-style "PRs" it reports don't count.
    aTotal(day, 100, {
      source: 'cursor',
      vendor: 'cursor',
      activeUsers: 2,
      lines: 2,
      outcomes: { pullRequests: 9 },
    }),
    // Copilot usage metrics: ana-pay, cy-pay and zed (no rule maps zed): 50 accepted lines.
    aTotal(day, 0, {
      source: 'copilot-metrics',
      vendor: 'copilot',
      byModel: {},
      lines: 3,
      outcomes: { linesAccepted: 50 },
    }),
    // GitHub: 4 merged PRs, 1 AI-assisted.
    aTotal(day, 0, {
      source: 'github',
      vendor: 'github',
      byModel: {},
      lines: 2,
      outcomes: { mergedPullRequests: 4, aiAssistedPullRequests: 1 },
    }),
  );
  const line = (source: string, vendor: string, identities: Record<string, string>, usd = 0) =>
    aRecord({
      source,
      vendor,
      date: day,
      team: 'payments',
      identities,
      costMicros: usdToMicros(usd),
      billable: usd > 0,
    });
  store.lines.push(
    line('cursor', 'cursor', { userEmail: 'ana@pay.example' }, 60),
    line('cursor', 'cursor', { userEmail: 'Bo@pay.example' }, 40),
    line('copilot-metrics', 'copilot', { githubLogin: 'ana-pay', githubTeam: 'payments' }),
    line('copilot-metrics', 'copilot', { githubLogin: 'cy-pay', githubTeam: 'payments' }),
    line('copilot-metrics', 'copilot', { githubLogin: 'zed', githubTeam: 'payments' }),
  );
  // Copilot seats as of as-of: Ana and Cy use theirs, Dan has not in 30 days; Eve's is 11 days old.
  await createSeatHistory(store, 'copilot').seatsByDay(
    asOf,
    [
      { login: 'ana-pay', team: 'payments', createdOn: '2026-01-05' },
      { login: 'cy-pay', team: 'payments', createdOn: '2026-01-05' },
      { login: 'dan-pay', team: 'payments', createdOn: '2026-01-05' },
      { login: 'eve-pay', team: 'payments', createdOn: '2026-03-20' },
    ],
    [],
  );
  // Cursor's member list as of as-of (its connector keeps emails in lower case): Ana and Bo used
  // Cursor on the 30th, Fay has not in 30 days. No seat price configured: Cursor's $40.
  await createSeatHistory(store, 'cursor').seatsByDay(
    asOf,
    ['ana@pay.example', 'bo@pay.example', 'fay@pay.example'].map((login) => ({
      login,
      team: null,
      createdOn: '1970-01-01',
    })),
    [],
  );
  return store;
}

describe('a team’s outcomes from the store', () => {
  it('counts one person once across vendors, and divides by people, not by the busiest day', async () => {
    const store = await storeWithOutcomes();
    const { burns } = await computeTeamBurns({ config, store, asOf, now: new Date(0) });
    const r = burns.find((b) => b.report.team === 'payments')?.report;
    // Ana (Cursor email = Copilot login by the rule), Bo, Cy and the unmatched zed: 4, not 5.
    expect(r?.activeEngineers).toBe(4);
    // $100 in the last 28 days ÷ 4 active × 30/28 = $26.79 a month.
    expect(r?.perEngineerMonthlyUsd).toBe(26.79);
    expect(r?.perEngineerBasis).toBe('active');
    // Merged PRs from GitHub (4), not the 9 PRs a vendor says its agent opened: $100 ÷ 4.
    expect(r?.mergedPullRequests).toBe(4);
    expect(r?.costPerMergedPrUsd).toBe(25);
    expect(r?.outcomes?.last4Weeks).toMatchObject({
      spendUsd: 100,
      mergedPullRequests: 4,
      aiAssistedShare: 0.25,
      acceptedLines: 50,
      activeEngineers: 4,
      spendPerMergedPrUsd: 25,
      spendPerAcceptedLineUsd: 2, // $100 ÷ 50
      spendPerActiveEngineerUsd: 25, // $100 ÷ 4 engineer-weeks
      adoption: 0.25, // 4 ÷ (4 weeks × headcount 4)
    });
    expect(r?.outcomes?.previous4Weeks.spendPerMergedPrUsd).toBeNull();
    expect(r?.outcomes?.change.spendPerMergedPr).toBeNull();
    expect(r?.outcomes?.unmatchedIdentities).toBe(1);
    // Copilot: 4 seats held, Dan's idle ($19 a month); Eve's is too new to call idle. Cursor: 3
    // members, Fay's idle ($40); Bo's activity under "Bo@" is his.
    expect(r?.outcomes?.idleSeats).toEqual([
      { vendor: 'copilot', seats: 4, idle: 1, monthlyUsd: 19 },
      { vendor: 'cursor', seats: 3, idle: 1, monthlyUsd: 40 },
    ]);
    // Per-person detail, for the viewers config.privacy allows: names only, by name.
    expect(r?.people).toEqual({
      overCap: [],
      idleSeats: [
        { vendor: 'copilot', login: 'dan-pay' },
        { vendor: 'cursor', login: 'fay@pay.example' },
      ],
      unmatchedIdentities: ['github:zed'],
    });
  });

  it('does not call Copilot seats idle without usage metrics for the organization', async () => {
    const store = await storeWithOutcomes();
    // No copilot-metrics day delivered in the 30 days: idle cannot be told from unused.
    store.manifests = store.manifests.filter((m) => m.source !== 'copilot-metrics' || m.date < '2026-03-02');
    const { burns } = await computeTeamBurns({ config, store, asOf, now: new Date(0) });
    // Cursor's seats are still told apart by its own activity.
    expect(burns[0]?.report.outcomes?.idleSeats.map((x) => x.vendor)).toEqual(['cursor']);
  });
});
