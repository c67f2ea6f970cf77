import { describe, expect, it } from 'vitest';
import { budgetChanges, budgetInForce } from '../../../functions/core/budgets.js';
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
    { id: 'payments', name: 'Payments', annualBudgetUsd: 240_000, managers: { slackUserIds: ['UPAYMGR'] } },
    { id: 'search', name: 'Search', annualBudgetUsd: 900_000, managers: { slackUserIds: ['USRCHMGR'] } },
  ],
  finance: { slackChannel: '#finance', slackUserIds: ['UCFO'] },
});
const days = eachDay('2026-01-01', '2026-03-31');
const fy = fiscalYearOf(config.fiscalYear, '2026-03-31');

describe('budget moves from Slack', () => {
  it('two moves on the same day, before the next forecast, add up', async () => {
    const store = new MemoryStore();
    store.totals = days.flatMap((d) => [
      aTotal(d, 1_500, { team: 'payments' }),
      aTotal(d, 1_000, { team: 'search' }),
    ]);
    for (const [team, name, budgetUsd] of [
      ['payments', 'Payments', 240_000],
      ['search', 'Search', 900_000],
    ] as const)
      store.summaries.set(
        team,
        computeBurnReport({
          team,
          name,
          budgetUsd,
          fiscalYear: fy,
          asOf: '2026-03-31',
          totals: store.totals.filter((t) => t.team === team),
          now: new Date(0),
        }),
      );
    let t = Date.parse('2026-04-01T09:00:00Z');
    const deps: SlashDeps = {
      config,
      summaries: store,
      groupMembers: async () => [],
      decisions: {
        store,
        clock: {
          now: () => {
            t += 60_000; // each command a minute after the last
            return new Date(t);
          },
        },
        forecaster: engineForecaster(config),
      },
    };
    const ask = (text: string) => answerBurnCommand({ command: '/burn', user_id: 'UCFO', text }, deps);
    await ask('all move search payments 40000 reason first');
    await ask('all move search payments 10000 reason second');
    const inForce = async (team: string) =>
      budgetInForce(
        0,
        await budgetChanges(store, team),
        '2026-04-01',
        fiscalYearOf(config.fiscalYear, '2026-04-01'),
      ).usd;
    const s = await inForce('search');
    const p = await inForce('payments');
    expect(s).toBe(850_000);
    expect(p).toBe(290_000);
  });

  it('refuses a move larger than what the donor has, and records nothing', async () => {
    const store = new MemoryStore();
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
    const res = await answerBurnCommand(
      { command: '/burn', user_id: 'UCFO', text: 'all move payments search 240000 reason all of it' },
      deps,
    );
    expect(res.text).toContain("Not moved: Payments's annual budget is $240,000");
    expect(await budgetChanges(store, 'payments')).toEqual([]);
    expect(await budgetChanges(store, 'search')).toEqual([]);
  });
});
