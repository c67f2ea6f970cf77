import { describe, expect, it } from 'vitest';
import { computeBurnReport } from '../../../functions/core/burn-report.js';
import { parseConfig } from '../../../functions/core/config/load.js';
import { eachDay } from '../../../functions/core/dates.js';
import { fiscalYearOf } from '../../../functions/core/fiscal-calendar.js';
import { answerBurnCommand, type SlashDeps } from '../../../functions/core/slash/burn-command.js';
import { engineForecaster } from '../../../functions/core/team-reports.js';
import { aTotal } from '../../helpers/builders.js';
import { MemoryStore } from '../alerts/fakes.js';

const config = parseConfig({
  organization: { name: 'Acme' },
  fiscalYear: { startMonth: 1, startDay: 1 },
  holidayCalendar: 'none',
  teams: [
    {
      id: 'payments',
      name: 'Payments',
      annualBudgetUsd: 240_000,
      headcount: 20,
      managers: { slackUserIds: ['UPAYMGR'] },
    },
    { id: 'search', name: 'Search', annualBudgetUsd: 900_000, managers: { slackUserIds: ['USRCHMGR'] } },
  ],
  finance: { slackChannel: '#finance', slackUserIds: ['UCFO'] },
});
const days = eachDay('2026-01-01', '2026-03-31');
const fy = fiscalYearOf(config.fiscalYear, '2026-03-31');

function setup() {
  const store = new MemoryStore();
  store.totals = days.flatMap((d) => [
    aTotal(d, 1_500, { team: 'payments' }),
    aTotal(d, 1_000, { team: 'search' }),
  ]);
  for (const [team, name, budgetUsd] of [
    ['payments', 'Payments', 240_000],
    ['search', 'Search', 900_000],
  ] as const) {
    const forecast = engineForecaster(config)({
      team: { id: team, name, budgetUsd },
      daily: days.map((date) => ({ date, usd: team === 'payments' ? 1_500 : 1_000 })),
      fiscalYear: fy,
      asOf: '2026-03-31',
    });
    store.summaries.set(
      team,
      computeBurnReport({
        team,
        name,
        budgetUsd,
        fiscalYear: fy,
        asOf: '2026-03-31',
        totals: store.totals.filter((t) => t.team === team),
        ...(forecast ? { forecast } : {}),
        now: new Date(0),
      }),
    );
  }
  const deps: SlashDeps = {
    config,
    summaries: store,
    groupMembers: async () => [],
    decisions: {
      store,
      clock: { now: () => new Date('2026-04-01T09:00:00Z') },
      forecaster: engineForecaster(config),
    },
  };
  const ask = (user_id: string, text: string) => answerBurnCommand({ command: '/burn', user_id, text }, deps);
  const said = async (user: string, text: string) =>
    JSON.stringify((await ask(user, text)).blocks).replace(/\\n/g, '\n');
  return { store, ask, said };
}

describe('/burn decisions', () => {
  it("a team's manager plans a change; it is stored with who and when, listed, and can be removed", async () => {
    const { store, said } = setup();
    const added = await said('UPAYMGR', 'payments plan +20 engineers from 2026-06-01');
    const [plan] = await store.listTeamRecords('payments', 'plan');
    const listed = await said('UPAYMGR', 'payments plans');
    const id = (plan as { id: string }).id;
    const removed = await said('UPAYMGR', `payments plan remove ${id}`);

    expect(added).toMatch(/Planned for \*Payments\*: \+20 engineers from 2026-06-01/);
    expect(plan).toMatchObject({
      team: 'payments',
      kind: 'headcount',
      amount: 20,
      by: 'UPAYMGR',
      at: '2026-04-01T09:00:00.000Z',
    });
    expect(listed).toContain('+20 engineers from 2026-06-01');
    expect(removed).toMatch(/Removed from \*Payments\*'s plans/);
    expect((await store.listTeamRecords('payments', 'plan'))[0]).toMatchObject({
      removed: { by: 'UPAYMGR' },
    });
  });

  it("refuses another team's manager, and lets only finance change a budget", async () => {
    const { store, said } = setup();
    expect(await said('USRCHMGR', 'payments plan +5 engineers from 2026-06-01')).toMatch(
      /Only a team's managers and finance/,
    );
    expect(await said('UPAYMGR', 'payments budget 300000 reason more')).toMatch(
      /Only finance changes budgets/,
    );
    expect(await said('UCFO', 'payments budget 300000 from 2026-04-01 reason hiring plan')).toMatch(
      /annual budget \$300,000 from 2026-04-01 \(was \$240,000 in the config\), set by <@UCFO>: hiring plan/,
    );
    expect(await store.listTeamRecords('payments', 'budget')).toEqual([
      expect.objectContaining({ annualUsd: 300_000, from: '2026-04-01', by: 'UCFO', reason: 'hiring plan' }),
    ]);
    expect(await said('UPAYMGR', 'payments budget')).toMatch(/\$300,000 from 2026-04-01 — by <@UCFO>/);
  });

  it('answers a what-if with the year end before and after, storing nothing', async () => {
    const { store, said } = setup();
    const text = await said('UPAYMGR', 'payments what-if +10 hires');
    expect(text).toMatch(/What if, Payments/);
    expect(text).toMatch(/\*Now:\* \$\d+k/);
    expect(text).toMatch(/\*With it:\* \$\d+k/);
    expect(store.records.size).toBe(0);
  });

  it('suggests budget moves to finance and applies one as two budget changes', async () => {
    const { store, said } = setup();
    const moves = await said('UCFO', 'all moves');
    const applied = await said('UCFO', 'all move search payments 200000 reason Q2 rebalance');
    expect(moves).toMatch(/from \*Search\* to \*Payments\*/);
    expect(applied).toMatch(
      /Moved \*\$200,000\* from \*Search\* \(now \$700,000\) to \*Payments\* \(now \$440,000\)/,
    );
    expect(await store.listTeamRecords('search', 'budget')).toEqual([
      expect.objectContaining({ annualUsd: 700_000 }),
    ]);
    expect(await store.listTeamRecords('payments', 'budget')).toEqual([
      expect.objectContaining({ annualUsd: 440_000 }),
    ]);
    expect(await said('UPAYMGR', 'all moves')).toMatch(/for finance/);
  });
});
