import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSlackNotifier } from '../../../functions/adapters/slack/slack-notifier.js';
import { createSlackInteractionApi } from '../../../functions/adapters/slack-api/interaction-api.js';
import { createResponseUrlPoster } from '../../../functions/adapters/slack-api/response-url.js';
import { createUserGroupMembers } from '../../../functions/adapters/slack-api/user-groups.js';
import { createSlashServer, isLocalOrSlackResponseUrl } from '../../../functions/cli/commands/serve-slack.js';
import { ACTIONS, DECISIONS_BLOCK_ID } from '../../../functions/core/alerts/decision-buttons.js';
import { alertStateSchema } from '../../../functions/core/alerts/lifecycle.js';
import { parseConfig } from '../../../functions/core/config/load.js';
import { runDailyJob } from '../../../functions/core/daily-job.js';
import { eachDay } from '../../../functions/core/dates.js';
import { usdToMicros } from '../../../functions/core/money.js';
import { planSchema } from '../../../functions/core/plans.js';
import type { Store } from '../../../functions/core/ports.js';
import { signSlackRequest } from '../../../functions/core/slash/verify-signature.js';
import { engineForecaster } from '../../../functions/core/team-reports.js';
import { startFakeResponseUrl } from '../../fixtures/slack/fake-response-url.js';
import { FakeSlackServer, type PostedMessage } from '../../fixtures/slack/fake-slack-server.js';
import { aRecord } from '../../helpers/builders.js';
import { useLocalDynamo } from '../../helpers/dynamo.js';
import { replaceDays } from '../../helpers/store-reads.js';

/**
 * Deciding on an alert in Slack, end to end over loopback: the daily job posts to the local Slack
 * Web API (DynamoDB Local holds the data and the state), then signed interactivity requests go to
 * the serve-slack server, whose buttons call the same fake Slack (chat.update, views.open) and
 * refuse through a fake response_url.
 */
const dynamo = useLocalDynamo();
const TOKEN = 'xoxb-interactive';
const SECRET = 'interactive-signing-secret';
const config = parseConfig({
  organization: { name: 'Acme' },
  fiscalYear: { startMonth: 1, startDay: 1 },
  teams: [
    {
      id: 'payments',
      name: 'Payments',
      annualBudgetUsd: 240_000,
      slackChannel: '#payments-eng',
      managers: { slackUserIds: ['UPAYMGR'] },
    },
    {
      id: 'search',
      name: 'Search',
      annualBudgetUsd: 900_000,
      slackChannel: 'C0SEARCH',
      managers: { slackUserGroupIds: ['SLEADS'] },
    },
  ],
  sources: [{ id: 'anthropic', type: 'anthropic', secretName: 'burnwatch/anthropic' }],
  finance: { slackChannel: 'C0FINANCE', slackUserIds: ['UCFO'], digestWeekday: 'monday' },
});
const slack = new FakeSlackServer({
  token: TOKEN,
  channels: { 'payments-eng': 'C0PAYMENTS', 'finance-ai': 'C0FINANCE', 'search-eng': 'C0SEARCH' },
  userGroups: { SLEADS: ['USRCHLEAD'] },
});

let store: Store;
let hooks: Awaited<ReturnType<typeof startFakeResponseUrl>>;
let endpoint: string;
let close: () => Promise<void>;
const rejections: string[] = [];
const failures: string[] = [];

/** Payments spends $2,000 a day from 1 Jan ($180k of $240k by 31 Mar: critical), then $9,000 on 1 Apr (a spike). */
beforeAll(async () => {
  await slack.start();
  hooks = await startFakeResponseUrl();
  ({ store } = await dynamo.newStore());
  const days = eachDay('2026-01-01', '2026-04-01');
  await replaceDays(
    store,
    'anthropic',
    days,
    days.map((date) => aRecord({ date, costMicros: usdToMicros(date === '2026-04-01' ? 9_000 : 2_000) })),
  );
  const groupMembers = createUserGroupMembers({ token: async () => TOKEN, slackApiUrl: slack.apiUrl });
  const forecaster = engineForecaster(config);
  const slackApi = createSlackInteractionApi({ token: async () => TOKEN, slackApiUrl: slack.apiUrl });
  const server = createSlashServer({
    config,
    summaries: store,
    decisions: {
      store,
      clock: { now: () => new Date('2026-04-02T09:15:00Z') },
      forecaster,
      announce: slackApi.postMessage,
    },
    groupMembers,
    signingSecret: async () => SECRET,
    clock: { now: () => new Date() },
    onReject: (reason) => rejections.push(reason),
    onFailure: (stage, cause) =>
      failures.push(`${stage}: ${cause instanceof Error ? cause.message : String(cause)}`),
    interactions: {
      config,
      groupMembers,
      store,
      clock: { now: () => new Date('2026-04-02T09:15:00Z') },
      forecaster,
      slack: slackApi,
      postResponse: createResponseUrlPoster(),
      responseUrlAllowed: isLocalOrSlackResponseUrl,
    },
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  close = () => new Promise<void>((r) => server.close(() => r()));
});
afterAll(async () => {
  await close?.();
  await hooks?.close();
  await slack.stop();
});

const alertDeps = (now: string) => ({
  config,
  store,
  clock: { now: () => new Date(now) },
  slack: createSlackNotifier(TOKEN, { slackApiUrl: slack.apiUrl, retries: 1 }),
});

/** A request as Slack signs it: `payload=<json>`, form-encoded, timestamp and v0 signature. */
function interaction(
  payload: unknown,
  opts: { ageSeconds?: number; tamper?: (body: string) => string } = {},
) {
  const body = new URLSearchParams({ payload: JSON.stringify(payload) }).toString();
  const ts = String(Math.floor(Date.now() / 1000) - (opts.ageSeconds ?? 0));
  return fetch(endpoint, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      'x-slack-request-timestamp': ts,
      'x-slack-signature': signSlackRequest(SECRET, ts, body),
    },
    body: opts.tamper ? opts.tamper(body) : body,
  });
}

/** A button press on `message`, as Slack sends it (the message's own blocks and the button's value). */
function press(message: PostedMessage, actionId: string, user: string, responseId: string) {
  const actions = message.blocks.find((b) => (b as { type?: string }).type === 'actions') as
    | { elements: Array<{ action_id: string; value: string }> }
    | undefined;
  const button = actions?.elements.find((e) => e.action_id === actionId);
  if (!button) throw new Error(`no ${actionId} button on the message`);
  return {
    type: 'block_actions',
    user: { id: user },
    trigger_id: slack.issueTrigger(),
    response_url: hooks.url(responseId),
    channel: { id: message.channelId },
    message: { ts: message.ts, text: message.text, blocks: message.blocks },
    actions: [{ action_id: actionId, value: button.value, type: 'button' }],
  };
}

const budgetState = async () =>
  alertStateSchema.parse((await store.getState('payments', 'ALERT#budget'))?.value);

describe('deciding on an alert in Slack', () => {
  let parent: PostedMessage;

  it('keeps one thread per team and fiscal year: the next notice replies in it and the parent is edited to it', async () => {
    // Act
    const first = await runDailyJob(alertDeps('2026-04-01T06:30:00Z'), '2026-03-31');
    const second = await runDailyJob(alertDeps('2026-04-02T06:30:00Z'), '2026-04-01');

    // Assess
    expect(first.alerts.problems).toEqual([]);
    expect(second.alerts.problems).toEqual([]);
    const inTeamChannel = slack.posts.filter((p) => p.channelId === 'C0PAYMENTS');
    expect(inTeamChannel.map((p) => [p.text.slice(0, 30), p.threadTs === undefined])).toEqual([
      [expect.stringContaining('CRITICAL'), true],
      [expect.stringMatching(/spike/i), false],
    ]);
    parent = inTeamChannel[0] as PostedMessage;
    const reply = inTeamChannel[1] as PostedMessage;
    expect(reply.threadTs).toBe(parent.ts);
    // A new alert in the thread is also shown in the channel.
    expect(reply.broadcast).toBe(true);
    const edit = slack.updates.find((u) => u.channelId === 'C0PAYMENTS' && u.ts === parent.ts);
    expect(edit?.text).toBe(reply.text);
    expect(JSON.stringify(edit?.blocks)).toContain('Every notice this fiscal year is in the thread');
    // Finance's channel has its own thread for Payments.
    const inFinance = slack.posts.filter((p) => p.channelId === 'C0FINANCE' && p.text.includes('Payments'));
    expect(inFinance.filter((p) => !p.threadTs)).toHaveLength(1);
    expect(inFinance.filter((p) => p.threadTs)).toHaveLength(1);
  });

  it('turns away a tampered request and a stale one, and changes nothing', async () => {
    // Prepare
    const updates = slack.updates.length;
    const ack = press(parent, ACTIONS.ack, 'UPAYMGR', 'tampered');

    // Act
    const tampered = await interaction(ack, {
      tamper: (body) => body.replace(encodeURIComponent('UPAYMGR'), encodeURIComponent('UCFO')),
    });
    const stale = await interaction(press(parent, ACTIONS.ack, 'UPAYMGR', 'stale'), { ageSeconds: 6 * 60 });

    // Assess
    expect([tampered.status, stale.status]).toEqual([401, 401]);
    expect(rejections).toEqual(['bad-signature', 'stale-timestamp']);
    expect(slack.updates).toHaveLength(updates);
    expect((await budgetState()).acknowledged).toBeUndefined();
  });

  it("refuses someone who is neither the team's manager nor finance, ephemerally, and changes nothing", async () => {
    // Prepare: Search's lead may act for Search, not for Payments.
    const updates = slack.updates.length;

    // Act
    const res = await interaction(press(parent, ACTIONS.ack, 'USRCHLEAD', 'refused'));
    await hooks.received(1);

    // Assess
    expect(res.status).toBe(200);
    const refusal = hooks.posts.find((p) => p.path.includes('/refused/'));
    expect(refusal?.body).toMatchObject({ response_type: 'ephemeral' });
    expect(refusal?.body.text).toContain("Only Payments's managers and finance");
    expect(slack.updates).toHaveLength(updates);
    expect((await budgetState()).acknowledged).toBeUndefined();
    expect(slack.views).toHaveLength(0);
  });

  it("records the manager's Acknowledge and edits the message in place to say who and when", async () => {
    // Act
    const res = await interaction(press(parent, ACTIONS.ack, 'UPAYMGR', 'ack'));

    // Assess
    expect(res.status).toBe(200);
    expect(await res.text()).toBe('');
    expect((await budgetState()).acknowledged).toEqual({
      by: 'UPAYMGR',
      at: '2026-04-02T09:15:00.000Z',
      notice: expect.any(String),
    });
    const edit = slack.updates.at(-1);
    expect(edit).toMatchObject({ channelId: 'C0PAYMENTS', ts: parent.ts });
    const text = JSON.stringify(edit?.blocks);
    expect(text).toContain('Acknowledged by <@UPAYMGR> on 2 Apr at 09:15 UTC');
    // The decision buttons give way to the record of who acted (the console links stay).
    expect(edit?.blocks.some((b) => (b as { block_id?: string }).block_id === DECISIONS_BLOCK_ID)).toBe(
      false,
    );
    expect(parent.blocks.some((b) => (b as { block_id?: string }).block_id === DECISIONS_BLOCK_ID)).toBe(
      true,
    );
    expect(failures).toEqual([]);
  });

  it('opens the planned-change modal for finance, and a submitted plan is stored with who and when', async () => {
    // Act: finance presses Planned change…, then submits the modal Slack opened.
    const pressed = await interaction(press(parent, ACTIONS.plan, 'UCFO', 'plan'));
    const opened = slack.views.at(-1);
    const view = opened?.view as {
      callback_id: string;
      private_metadata: string;
      blocks: Array<{ block_id: string; element: { action_id: string } }>;
    };
    const input = view.blocks[0];
    const submitted = await interaction({
      type: 'view_submission',
      user: { id: 'UCFO' },
      view: {
        callback_id: view.callback_id,
        private_metadata: view.private_metadata,
        state: {
          values: {
            [input?.block_id ?? '']: {
              [input?.element.action_id ?? '']: {
                type: 'plain_text_input',
                value: '+20 engineers from 2026-05-01',
              },
            },
          },
        },
      },
    });

    // Assess
    expect(pressed.status).toBe(200);
    expect(opened?.view).toMatchObject({ type: 'modal', title: { text: 'Planned change' } });
    expect(submitted.status).toBe(200);
    const answer = (await submitted.json()) as { response_action: string; view: unknown };
    expect(answer.response_action).toBe('update');
    expect(JSON.stringify(answer.view)).toContain('+20 engineers from 2026-05-01');
    const plans = (await store.listTeamRecords('payments', 'plan')).map((p) => planSchema.parse(p));
    expect(plans).toEqual([
      expect.objectContaining({
        kind: 'headcount',
        amount: 20,
        from: '2026-05-01',
        by: 'UCFO',
        at: '2026-04-02T09:15:00.000Z',
      }),
    ]);
  });

  it('answers a what-if submission in the modal with year-end P10–P90 before and after, and stores nothing', async () => {
    // Prepare
    await interaction(press(parent, ACTIONS.whatIf, 'UPAYMGR', 'whatif'));
    const view = slack.views.at(-1)?.view as { callback_id: string; private_metadata: string };
    const plansBefore = await store.listTeamRecords('payments', 'plan');

    // Act
    const res = await interaction({
      type: 'view_submission',
      user: { id: 'UPAYMGR' },
      view: { ...view, state: { values: { input: { text: { value: 'without anthropic' } } } } },
    });

    // Assess
    const answer = (await res.json()) as { response_action: string; view: unknown };
    expect(answer.response_action).toBe('update');
    const text = JSON.stringify(answer.view);
    expect(text).toMatch(/\*Now:\*.*P10/);
    expect(text).toMatch(/\*With it:\*/);
    expect(await store.listTeamRecords('payments', 'plan')).toEqual(plansBefore);
  });

  it('says what is wrong with a planned change it cannot read, in the field', async () => {
    // Prepare
    await interaction(press(parent, ACTIONS.plan, 'UPAYMGR', 'plan-bad'));
    const view = slack.views.at(-1)?.view as { callback_id: string; private_metadata: string };

    // Act
    const res = await interaction({
      type: 'view_submission',
      user: { id: 'UPAYMGR' },
      view: { ...view, state: { values: { input: { text: { value: 'more people soon' } } } } },
    });

    // Assess
    const answer = (await res.json()) as { response_action: string; errors: Record<string, string> };
    expect(answer.response_action).toBe('errors');
    expect(answer.errors.input).toBeTruthy();
  });

  it("announces a budget move in both teams' channels, so both managers see it", async () => {
    // Prepare
    const body = new URLSearchParams({
      command: '/burn',
      text: 'all move search payments 40000 reason Q2 rebalance',
      user_id: 'UCFO',
      team_id: 'T1',
      channel_id: 'C0FINANCE',
      response_url: hooks.url('move'),
    }).toString();
    const ts = String(Math.floor(Date.now() / 1000));

    // Act
    const posted = hooks.posts.length;
    const res = await fetch(endpoint, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        'x-slack-request-timestamp': ts,
        'x-slack-signature': signSlackRequest(SECRET, ts, body),
      },
      body,
    });

    // Assess: a move changes state, so it runs once, in the worker, and answers through response_url.
    expect(JSON.stringify(await res.json())).toContain('Working on it');
    await hooks.received(posted + 1);
    const answer = hooks.posts.find((p) => p.path.includes('/move/'));
    expect(JSON.stringify(answer?.body)).toContain('Moved *$40,000* from *Search*');
    const announced = slack.posts.filter((p) => p.text.includes('moved *$40,000*'));
    expect(announced.map((p) => p.channelId).sort()).toEqual(['C0PAYMENTS', 'C0SEARCH']);
    expect(announced[0]?.text).toContain('<@UCFO>');
  });
});
