import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../../functions/core/config/load.js';
import { changesState } from '../../../functions/core/slash/decide-commands.js';
import {
  type DeferredDeps,
  handleSlashRequest,
  runDeferredRequest,
  type SlashRequestDeps,
} from '../../../functions/core/slash/handle-request.js';
import { signSlackRequest } from '../../../functions/core/slash/verify-signature.js';
import { engineForecaster } from '../../../functions/core/team-reports.js';
import { MemoryStore } from '../alerts/fakes.js';

const SECRET = 's';
const config = parseConfig({
  organization: { name: 'Acme' },
  fiscalYear: { startMonth: 1, startDay: 1 },
  teams: [
    {
      id: 'payments',
      name: 'Payments',
      annualBudgetUsd: 240_000,
      managers: { slackUserGroupIds: ['SLEADS'] },
    },
  ],
  finance: { slackChannel: '#finance' },
});

describe('a /burn command that changes state, slower than the answer budget', () => {
  it('is carried out once: handed to the worker at once, never raced and re-run', async () => {
    const store = new MemoryStore();
    let lookups = 0;
    const background: Promise<unknown>[] = [];
    const clock = { now: () => new Date('2026-04-01T09:00:00Z') };
    const deps: SlashRequestDeps & DeferredDeps = {
      config,
      summaries: store,
      // A cold user-group cache: the first lookup takes 1.5 s (Slack's usergroups.users.list), later ones are fast.
      groupMembers: async () => {
        if (lookups++ === 0) await new Promise((r) => setTimeout(r, 1_500));
        return ['UPAYMGR'];
      },
      decisions: { store, clock, forecaster: engineForecaster(config) },
      signingSecret: async () => SECRET,
      clock: { now: () => new Date() },
      answerBudgetMs: 1_200,
      // As serve-slack does (and the Lambda via its own async invocation): the worker answers.
      defer: async (job) => {
        background.push(runDeferredRequest(job, deps));
      },
      postResponse: async () => {},
      responseUrlAllowed: () => true,
    };
    const body = new URLSearchParams({
      command: '/burn',
      text: 'payments plan +20 engineers from 2026-06-01',
      user_id: 'UPAYMGR',
      response_url: 'https://hooks.slack.com/commands/x',
    }).toString();
    const ts = String(Math.floor(Date.now() / 1000));
    const res = await handleSlashRequest(
      {
        method: 'POST',
        headers: { 'x-slack-request-timestamp': ts, 'x-slack-signature': signSlackRequest(SECRET, ts, body) },
        body,
      },
      deps,
    );
    expect(res.body).toContain('Working on it');
    await Promise.all(background);
    await new Promise((r) => setTimeout(r, 2_000)); // the first attempt, still running, finishes too
    const plans = await store.listTeamRecords('payments', 'plan');
    expect(plans).toHaveLength(1);
  }, 20_000);

  it.each([
    ['payments plan +20 engineers from 2026-06-01', true],
    ['payments plan remove p-1', true],
    ['payments budget 300000 reason reforecast', true],
    ['payments budget 300000 share', true],
    ['all move search payments 40000 reason Q2', true],
    ['payments plans', false],
    ['payments plan', false],
    ['payments plan share', false],
    ['payments budget', false],
    ['payments what-if +10%', false],
    ['all moves', false],
    ['payments', false],
  ])('%j changes state: %s', (text, expected) => {
    expect(changesState(text)).toBe(expected);
  });
});
