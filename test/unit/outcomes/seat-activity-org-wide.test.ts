import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../../functions/core/config/load.js';
import { createSeatHistory } from '../../../functions/core/ingest/seat-history.js';
import { computeTeamBurns } from '../../../functions/core/team-reports.js';
import { aRecord, aTotal, deliveredDays } from '../../helpers/builders.js';
import { MemoryStore } from '../alerts/fakes.js';

/**
 * Review G, finding 3: a Copilot seat is idle when its holder has no Copilot usage-metrics activity in
 * the 30 days, wherever that activity is attributed (docs/outcomes.md). Computing one team
 * (`burnwatch burn payments`, what-if, `burnwatch limits`) read only that team's rows, so a holder
 * whose usage went to another team (a member of two GitHub teams, placed by the first matching rule)
 * was called idle there, though the daily job's summary (`/burn payments outcomes`) said in use.
 */
const config = parseConfig({
  organization: { name: 'Acme' },
  fiscalYear: { startMonth: 1, startDay: 1 },
  teams: [
    { id: 'platform', name: 'Platform', annualBudgetUsd: 100_000 },
    { id: 'payments', name: 'Payments', annualBudgetUsd: 100_000 },
  ],
  sources: [
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
      attribution: [
        { match: { githubTeam: 'platform' }, team: 'platform' },
        { match: { githubTeam: 'payments' }, team: 'payments' },
      ],
    },
  ],
  finance: { slackChannel: '#finance' },
});
const asOf = '2026-03-31';
const day = '2026-03-30';

async function store() {
  const s = new MemoryStore();
  for (const src of config.sources) s.manifests.push(...deliveredDays(src.id, '2026-01-01', asOf));
  // Ana used Copilot yesterday; her usage-metrics line went to Platform (her first matching team).
  s.totals.push(
    aTotal(day, 0, { team: 'platform', source: 'copilot-metrics', vendor: 'copilot', byModel: {}, lines: 1 }),
  );
  s.lines.push(
    aRecord({
      source: 'copilot-metrics',
      vendor: 'copilot',
      date: day,
      team: 'platform',
      identities: { githubLogin: 'ana', githubTeam: 'platform' },
      costMicros: 0n,
      billable: false,
    }),
  );
  // Her seat was assigned through the payments team.
  await createSeatHistory(s, 'copilot').seatsByDay(
    asOf,
    [{ login: 'ana', team: 'payments', createdOn: '2026-01-05' }],
    [],
  );
  return s;
}

describe('idle seats are told from org-wide activity', () => {
  it('are the same whether one team or the whole org is computed', async () => {
    // Act
    const org = await computeTeamBurns({ config, store: await store(), asOf, now: new Date(0) });
    const one = await computeTeamBurns({
      config,
      store: await store(),
      asOf,
      now: new Date(0),
      teams: ['payments'],
      orgWideSeatActivity: true,
    });
    // Assess
    const seatsOf = (b: typeof org) =>
      b.burns.find((x) => x.report.team === 'payments')?.report.outcomes?.idleSeats;
    // The daily job (whole org): Ana's seat is in use.
    expect(seatsOf(org)).toEqual([{ vendor: 'copilot', seats: 1, idle: 0, monthlyUsd: 0 }]);
    // `burnwatch burn payments`: must say the same.
    expect(seatsOf(one)).toEqual(seatsOf(org));
    // ... and the other team's activity read for seats counts nowhere else (active engineers, adoption).
    const outcomesOf = (b: typeof org) => b.burns.find((x) => x.report.team === 'payments')?.report.outcomes;
    expect(outcomesOf(one)).toEqual(outcomesOf(org));
  });
});
