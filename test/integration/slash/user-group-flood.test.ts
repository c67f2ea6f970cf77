import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createUserGroupMembers } from '../../../functions/adapters/slack-api/user-groups.js';
import { createSlashServer } from '../../../functions/cli/commands/serve-slack.js';
import { computeBurnReport } from '../../../functions/core/burn-report.js';
import { parseConfig } from '../../../functions/core/config/load.js';
import { eachDay } from '../../../functions/core/dates.js';
import { fiscalYearOf } from '../../../functions/core/fiscal-calendar.js';
import { systemClock } from '../../../functions/core/ports.js';
import { signSlackRequest } from '../../../functions/core/slash/verify-signature.js';
import { FakeSlackServer } from '../../fixtures/slack/fake-slack-server.js';
import { aTotal } from '../../helpers/builders.js';
import { useLocalDynamo } from '../../helpers/dynamo.js';

/**
 * A team's managers are a Slack user group, and they all type `/burn search` at once on a cold
 * membership cache (serve-slack answers them in one process). `usergroups.users.list` is a Tier 2
 * method (about 20 calls a minute): one lookup per asker would be rate limited, and those askers told
 * "could not answer". The lookups of one group in flight are one call.
 */
const dynamo = useLocalDynamo();
const SECRET = 'flood-signing-secret';
const ASKERS = 20;
const leads = Array.from({ length: ASKERS }, (_, i) => `ULEAD${i}`);
const config = parseConfig({
  organization: { name: 'Acme' },
  fiscalYear: { startMonth: 1, startDay: 1 },
  teams: [
    { id: 'search', name: 'Search', annualBudgetUsd: 300_000, managers: { slackUserGroupIds: ['SLEADS'] } },
  ],
  finance: { slackChannel: '#finance' },
});
const slack = new FakeSlackServer({ token: 'xoxb-flood', userGroups: { SLEADS: leads } });
let base = '';
let close: () => Promise<void> = async () => {};

beforeAll(async () => {
  const { store } = await dynamo.newStore();
  await store.putTeamSummary(
    'search',
    computeBurnReport({
      team: 'search',
      name: 'Search',
      budgetUsd: 300_000,
      fiscalYear: fiscalYearOf(config.fiscalYear, '2026-03-31'),
      asOf: '2026-03-31',
      totals: eachDay('2026-01-01', '2026-03-31').map((d) => aTotal(d, 1000, { team: 'search' })),
      now: new Date(0),
    }),
  );
  await slack.start();
  const server = createSlashServer({
    config,
    summaries: store,
    groupMembers: createUserGroupMembers({ token: async () => 'xoxb-flood', slackApiUrl: slack.apiUrl }),
    signingSecret: async () => SECRET,
    clock: systemClock,
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  close = () => new Promise((r) => server.close(() => r()));
});
afterAll(async () => {
  await close();
  await slack.stop();
});

async function burn(text: string, user: string): Promise<string> {
  const body = new URLSearchParams({ command: '/burn', text, user_id: user }).toString();
  const ts = String(Math.floor(Date.now() / 1000));
  const res = await fetch(base, {
    method: 'POST',
    headers: { 'x-slack-request-timestamp': ts, 'x-slack-signature': signSlackRequest(SECRET, ts, body) },
    body,
  });
  return ((await res.json()) as { text: string }).text;
}

describe('/burn from a whole user group at once, cold membership cache', () => {
  it('asks Slack who is in the group once, and answers every asker', async () => {
    // Prepare: Slack takes 300 ms to answer, so every asker arrives while the first lookup is out.
    slack.answerLate('usergroups.users.list', ASKERS, 300);

    // Act
    const answers = await Promise.all(leads.map((u) => burn('search', u)));

    // Assess
    expect(slack.calls.filter((c) => c === 'usergroups.users.list')).toHaveLength(1);
    expect(answers.every((a) => a.includes('Search'))).toBe(true);
  });
});
