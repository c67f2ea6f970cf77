import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DynamoStore } from '../../../functions/adapters/dynamo/dynamo-store.js';
import { createSlashServer } from '../../../functions/cli/commands/serve-slack.js';
import { computeBurnReport } from '../../../functions/core/burn-report.js';
import { parseConfig } from '../../../functions/core/config/load.js';
import { eachDay } from '../../../functions/core/dates.js';
import { fiscalYearOf } from '../../../functions/core/fiscal-calendar.js';
import { orgSummaryOf } from '../../../functions/core/org-summary.js';
import { systemClock } from '../../../functions/core/ports.js';
import { signSlackRequest } from '../../../functions/core/slash/verify-signature.js';
import { aTotal } from '../../helpers/builders.js';
import { useLocalDynamo } from '../../helpers/dynamo.js';

/**
 * Many askers at once (issue 14): serve-slack sends their summary reads together, and each asker
 * still gets its own team's answer, read after it asked.
 */
const dynamo = useLocalDynamo();
const SECRET = 'test-signing-secret';
const TEAMS = 12;
const id = (i: number) => `team-${i}`;
const manager = (i: number) => `UMGR${i}`;
const config = parseConfig({
  organization: { name: 'Acme' },
  fiscalYear: { startMonth: 1, startDay: 1 },
  teams: Array.from({ length: TEAMS }, (_, i) => ({
    id: id(i),
    name: `Squad ${String.fromCharCode(65 + i)}`,
    annualBudgetUsd: 100_000 + i * 10_000,
    managers: { slackUserIds: [manager(i)] },
  })),
  finance: { slackChannel: '#finance', slackUserIds: ['UCFO'] },
});
const fy = fiscalYearOf(config.fiscalYear, '2026-03-31');
const reportOf = (i: number, usdPerDay: number) =>
  computeBurnReport({
    team: id(i),
    name: `Squad ${String.fromCharCode(65 + i)}`,
    budgetUsd: 100_000 + i * 10_000,
    fiscalYear: fy,
    asOf: '2026-03-31',
    totals: eachDay('2026-01-01', '2026-03-31').map((d) => aTotal(d, usdPerDay)),
    now: new Date(0),
  });

let store: DynamoStore;
let base = '';
let close: () => Promise<void>;
const teamReads: number[] = [];

beforeAll(async () => {
  ({ store } = await dynamo.newStore());
  const reports = Array.from({ length: TEAMS }, (_, i) => reportOf(i, 100 + i));
  await Promise.all(reports.map((r, i) => store.putTeamSummary(id(i), r)));
  await store.putOrgSummary(orgSummaryOf(reports, new Date(0).toISOString(), undefined, true));
  const server = createSlashServer({
    config,
    // The real store; the wrapper only counts how many reads reach it.
    summaries: {
      getTeamSummaries: (teams) => {
        teamReads.push(teams.length);
        return store.getTeamSummaries(teams);
      },
      getOrgSummary: () => store.getOrgSummary(),
    },
    groupMembers: async () => [],
    signingSecret: async () => SECRET,
    clock: systemClock,
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  close = () => new Promise((r) => server.close(() => r()));
});
afterAll(async () => close?.());

async function answer(text: string, user: string): Promise<{ text: string; blocks: unknown[] }> {
  const body = new URLSearchParams({ command: '/burn', text, user_id: user }).toString();
  const ts = String(Math.floor(Date.now() / 1000));
  const res = await fetch(base, {
    method: 'POST',
    headers: { 'x-slack-request-timestamp': ts, 'x-slack-signature': signSlackRequest(SECRET, ts, body) },
    body,
  });
  expect(res.status).toBe(200);
  return (await res.json()) as { text: string; blocks: unknown[] };
}
const burn = async (text: string, user: string) => (await answer(text, user)).text;

describe('/burn from many askers at once (serve-slack, DynamoDB Local)', () => {
  it("answers each asker with its own team's summary, in fewer reads than askers", async () => {
    teamReads.length = 0;
    const asks = Array.from({ length: 4 * TEAMS }, (_, k) => {
      const i = (k * 5) % TEAMS;
      // Managers and finance interleaved, overview and a view.
      return k % 3 === 0
        ? { i, text: `${id(i)} vendors`, user: 'UCFO' }
        : { i, text: id(i), user: manager(i) };
    });
    const answers = await Promise.all(asks.map((a) => burn(a.text, a.user)));
    answers.forEach((text, k) => {
      const name = `Squad ${String.fromCharCode(65 + (asks[k]?.i ?? 0))}`;
      expect(text.startsWith(`${name} `) || text.startsWith(`${name}'s `)).toBe(true);
    });
    expect(teamReads.length).toBeGreaterThan(0);
    expect(teamReads.length).toBeLessThan(asks.length);
  });

  it('shows a summary written while other askers are answered to everyone who asks after the write', async () => {
    const busy = Array.from({ length: 20 }, (_, k) => burn(id(k % TEAMS), manager(k % TEAMS)));
    await store.putTeamSummary(id(3), reportOf(3, 5000));
    const after = await Promise.all(Array.from({ length: 5 }, () => burn(id(3), manager(3))));
    await Promise.all(busy);
    for (const text of after) expect(text).toMatch(/^Squad D has spent \$450,000, over its \$130,000 budget/);
  });

  it("gives finance's /burn all every team from the org summary under the same load", async () => {
    const all = await Promise.all(Array.from({ length: 20 }, () => answer('all', 'UCFO')));
    for (const a of all) expect(a).toEqual(all[0]);
    const shown = JSON.stringify(all[0]?.blocks);
    for (let i = 0; i < TEAMS; i++) expect(shown).toContain(`Squad ${String.fromCharCode(65 + i)}`);
  });
});
