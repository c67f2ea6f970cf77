import { computeBurnReport } from '../../../functions/core/burn-report.js';
import { parseConfig } from '../../../functions/core/config/load.js';
import { eachDay } from '../../../functions/core/dates.js';
import { fiscalYearOf } from '../../../functions/core/fiscal-calendar.js';
import type { Clock } from '../../../functions/core/ports.js';
import { answerBurnCommand, type SlashDeps } from '../../../functions/core/slash/burn-command.js';
import { engineForecaster } from '../../../functions/core/team-reports.js';
import { aTotal } from '../../helpers/builders.js';
import { MemoryStore } from '../alerts/fakes.js';

export const config = parseConfig({
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
export const fy = fiscalYearOf(config.fiscalYear, '2026-03-31');

/**
 * Payments ($240k, 20 engineers, $1,500 a day) and Search ($900k, $1,000 a day) through Q1 2026,
 * with forecasts stored as of 31 Mar; `ask` answers `/burn` as a Slack user would be answered.
 */
export function setup(clock: Clock = { now: () => new Date('2026-04-01T09:00:00Z') }) {
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
      clock,
      forecaster: engineForecaster(config),
    },
  };
  const ask = (user_id: string, text: string) => answerBurnCommand({ command: '/burn', user_id, text }, deps);
  const said = async (user: string, text: string) =>
    JSON.stringify((await ask(user, text)).blocks).replace(/\\n/g, '\n');
  return { store, ask, said };
}
