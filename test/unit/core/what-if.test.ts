import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../../functions/core/config/load.js';
import { eachDay } from '../../../functions/core/dates.js';
import { usdToMicros } from '../../../functions/core/money.js';
import { engineForecaster } from '../../../functions/core/team-reports.js';
import { parseScenario, runWhatIf } from '../../../functions/core/what-if.js';
import { aRecord, aTotal } from '../../helpers/builders.js';
import { MemoryStore } from '../alerts/fakes.js';

const AS_OF = '2026-03-31';
const config = parseConfig({
  organization: { name: 'Acme' },
  fiscalYear: { startMonth: 1, startDay: 1 },
  holidayCalendar: 'none',
  teams: [{ id: 'payments', name: 'Payments', annualBudgetUsd: 500_000, headcount: 20 }],
  finance: { slackChannel: '#finance' },
});
const days = eachDay('2026-01-01', AS_OF);

/** Payments: $600 a day on Claude Opus and $400 on Sonnet (Anthropic), $500 a day on Cursor. */
function store(): MemoryStore {
  const s = new MemoryStore();
  s.totals = days.flatMap((d) => [
    {
      ...aTotal(d, 1_000, { vendor: 'anthropic' }),
      byModel: { 'claude-opus-4-6': usdToMicros(600), 'claude-sonnet-4-6': usdToMicros(400) },
    },
    aTotal(d, 500, { vendor: 'cursor', activeUsers: 3 }),
  ]);
  // Per-user Cursor lines in March: three people at $200, $100 and $200 a day.
  s.lines = eachDay('2026-03-01', AS_OF).flatMap((date) =>
    [
      ['a@corp.com', 200],
      ['b@corp.com', 100],
      ['c@corp.com', 200],
    ].map(([user, usd]) =>
      aRecord({
        date,
        source: 'cursor',
        vendor: 'cursor',
        identities: { userEmail: String(user) },
        lineItem: 'usage',
        costMicros: usdToMicros(Number(usd)),
      }),
    ),
  );
  return s;
}
const run = (text: string) => {
  const parsed = parseScenario(text, ['anthropic', 'cursor']);
  if (!parsed.ok) throw new Error(parsed.error);
  return runWhatIf({
    config,
    store: store(),
    asOf: AS_OF,
    team: 'payments',
    scenario: parsed.scenario,
    forecaster: engineForecaster(config),
    now: new Date('2026-04-01T06:00:00Z'),
  });
};
const SPENT = 90 * 1_500;
/** The rest of the year's spend after ÷ before: what the scenario multiplied it by. */
const ratio = (r: Awaited<ReturnType<typeof run>>) =>
  (r.after.yearEndUsd.p50 - SPENT) / (r.before.yearEndUsd.p50 - SPENT);

describe('what-if, checked by hand', () => {
  it('sonnet: Opus spend ($600 of $1,500 a day) repriced at Sonnet ($15 vs $75 output) is $120, so the rest of the year is 1,020/1,500', async () => {
    const r = await run('sonnet');
    expect(ratio(r)).toBeCloseTo(1_020 / 1_500, 3);
    expect(r.assumption).toMatch(/claude-sonnet-4-6 list prices/);
  });

  it('+5 hires on 3 active engineers at $500/day each… is +5/3 of the spend', async () => {
    const r = await run('+5 hires');
    expect(ratio(r)).toBeCloseTo(1 + 5 / 3, 3);
  });

  it('without cursor removes its third of the spend', async () => {
    const r = await run('without cursor');
    expect(ratio(r)).toBeCloseTo(1_000 / 1_500, 3);
  });

  it("cap 4500: March is a $6,200, $3,100 and $6,200 month; the cap cuts $1,700 + $1,700 of the three months' $135,000", async () => {
    const r = await run('cap 4500');
    // Jan–Mar: 90 days × $1,500; the per-user lines are March only.
    expect(ratio(r)).toBeCloseTo(1 - 3_400 / 135_000, 3);
    expect(r.assumption).toMatch(/2 people over it/);
  });

  it('never writes anything', async () => {
    const s = store();
    const parsed = parseScenario('sonnet', []);
    if (!parsed.ok) throw new Error(parsed.error);
    await runWhatIf({
      config,
      store: s,
      asOf: AS_OF,
      team: 'payments',
      scenario: parsed.scenario,
      forecaster: engineForecaster(config),
      now: new Date(),
    });
    expect(s.snapshots.size + s.summaries.size + s.records.size + s.stateWrites).toBe(0);
  });
});
