import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSlackNotifier } from '../../../functions/adapters/slack/slack-notifier.js';
import { createSlackInteractionApi } from '../../../functions/adapters/slack-api/interaction-api.js';
import { createResponseUrlPoster } from '../../../functions/adapters/slack-api/response-url.js';
import { createUserGroupMembers } from '../../../functions/adapters/slack-api/user-groups.js';
import { limitApisFor } from '../../../functions/adapters/vendors/limits/limit-apis.js';
import { createSlashServer, isLocalOrSlackResponseUrl } from '../../../functions/cli/commands/serve-slack.js';
import { parseConfig } from '../../../functions/core/config/load.js';
import type { BurnwatchConfig } from '../../../functions/core/config/schema.js';
import { runDailyJob } from '../../../functions/core/daily-job.js';
import { eachDay } from '../../../functions/core/dates.js';
import { listProposals } from '../../../functions/core/limits/apply.js';
import { runLimitRequest } from '../../../functions/core/limits/limit-requests.js';
import { LIMIT_ACTIONS, LIMIT_BLOCK_IDS } from '../../../functions/core/limits/message.js';
import { usdToMicros } from '../../../functions/core/money.js';
import type { Store } from '../../../functions/core/ports.js';
import { signSlackRequest } from '../../../functions/core/slash/verify-signature.js';
import { engineForecaster } from '../../../functions/core/team-reports.js';
import { startFakeResponseUrl } from '../../fixtures/slack/fake-response-url.js';
import { FakeSlackServer, type PostedMessage } from '../../fixtures/slack/fake-slack-server.js';
import { startAnthropicLimitServer, startCursorLimitServer } from '../../fixtures/vendors/limit-servers.js';
import { aRecord } from '../../helpers/builders.js';
import { useLocalDynamo } from '../../helpers/dynamo.js';
import { replaceDays } from '../../helpers/store-reads.js';

/**
 * Limits decided in Slack, end to end over loopback: the daily job posts the cap alert with its
 * proposal (DynamoDB Local, the local Slack Web API), signed Approve / Undo presses go to the
 * serve-slack server, and approved ones are applied at local Cursor and Anthropic limit servers.
 */
const dynamo = useLocalDynamo();
const TOKEN = 'xoxb-limits';
const SECRET = 'limits-signing-secret';
const KEYS: Record<string, string> = {
  'burnwatch/cursor-admin': 'crsr_admin_key_slack_1',
  'burnwatch/anthropic-admin': 'sk-ant-admin01-slack-1',
};
const slack = new FakeSlackServer({
  token: TOKEN,
  channels: { 'payments-eng': 'C0PAYMENTS', 'finance-ai': 'C0FINANCE' },
  userGroups: {},
});

let store: Store;
let hooks: Awaited<ReturnType<typeof startFakeResponseUrl>>;
let cursor: Awaited<ReturnType<typeof startCursorLimitServer>>;
let anthropic: Awaited<ReturnType<typeof startAnthropicLimitServer>>;
let endpoint: string;
let close: () => Promise<void>;
/** The limits the press is applied with: a test switches dryRun by replacing it. */
let limitsConfig: BurnwatchConfig;
const failures: string[] = [];

const configWith = (dryRun: boolean) =>
  parseConfig({
    organization: { name: 'Acme' },
    fiscalYear: { startMonth: 1, startDay: 1 },
    teams: [
      {
        id: 'payments',
        name: 'Payments',
        annualBudgetUsd: 2_400_000,
        slackChannel: '#payments-eng',
        managers: { slackUserIds: ['UPAYMGR'] },
      },
    ],
    sources: [{ id: 'cursor', type: 'cursor', secretName: 'burnwatch/cursor' }],
    alerts: { perEngineerMonthlyCapUsd: 1_500 },
    finance: { slackChannel: 'C0FINANCE', slackUserIds: ['UCFO'], digestWeekday: 'monday' },
    privacy: { perPersonVisibleTo: { slackUserIds: ['UCFO'] } },
    limits: {
      dryRun,
      cursor: { adminSecretName: 'burnwatch/cursor-admin', baseUrl: cursor.url },
      anthropic: { adminSecretName: 'burnwatch/anthropic-admin', baseUrl: anthropic.url },
    },
  });

/** April: amy spends $80/day with Cursor and $20 with Claude Code, bob $75 with Cursor, cat $10. */
beforeAll(async () => {
  await slack.start();
  hooks = await startFakeResponseUrl();
  cursor = await startCursorLimitServer({
    adminKey: KEYS['burnwatch/cursor-admin'] ?? '',
    members: { 'amy@corp.com': null, 'bob@corp.com': 500, 'cat@corp.com': null },
  });
  anthropic = await startAnthropicLimitServer({
    adminKey: KEYS['burnwatch/anthropic-admin'] ?? '',
    members: [{ userId: 'user_01AMY', email: 'amy@corp.com' }],
  });
  ({ store } = await dynamo.newStore());
  const days = eachDay('2026-04-01', '2026-04-20');
  const line = (date: string, vendor: 'cursor' | 'anthropic', user: string, usd: number) =>
    aRecord({
      date,
      source: vendor,
      vendor,
      identities: { userEmail: user },
      lineItem: `${user} ${vendor}`,
      model: vendor === 'cursor' ? 'gpt-5' : 'claude-sonnet-4-6',
      costMicros: usdToMicros(usd),
    });
  await replaceDays(
    store,
    'cursor',
    days,
    days.flatMap((d) => [
      line(d, 'cursor', 'amy@corp.com', 80),
      line(d, 'cursor', 'bob@corp.com', 75),
      line(d, 'cursor', 'cat@corp.com', 10),
    ]),
  );
  await replaceDays(
    store,
    'anthropic',
    days,
    days.map((d) => line(d, 'anthropic', 'amy@corp.com', 20)),
  );
  const config = configWith(false);
  limitsConfig = config;
  const groupMembers = createUserGroupMembers({ token: async () => TOKEN, slackApiUrl: slack.apiUrl });
  const slackApi = createSlackInteractionApi({ token: async () => TOKEN, slackApiUrl: slack.apiUrl });
  const postResponse = createResponseUrlPoster();
  const clock = { now: () => new Date('2026-04-21T09:15:00Z') };
  const server = createSlashServer({
    config,
    summaries: store,
    decisions: { store, clock, forecaster: engineForecaster(config) },
    groupMembers,
    signingSecret: async () => SECRET,
    clock: { now: () => new Date() },
    onFailure: (stage, cause) =>
      failures.push(`${stage}: ${cause instanceof Error ? cause.message : String(cause)}`),
    interactions: {
      config,
      groupMembers,
      store,
      clock,
      forecaster: engineForecaster(config),
      slack: slackApi,
      postResponse,
      responseUrlAllowed: isLocalOrSlackResponseUrl,
      // In process, as serve-slack runs it; the stack hands the same request to the limits function.
      limits: async (request) => {
        await runLimitRequest(
          {
            config: limitsConfig,
            store,
            clock,
            apis: limitApisFor(limitsConfig.limits, async (n) => KEYS[n] ?? '', { sleep: async () => {} }),
            slack: slackApi,
            postResponse,
            responseUrlAllowed: isLocalOrSlackResponseUrl,
            groupMembers,
          },
          request,
        );
      },
    },
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  close = () => new Promise<void>((r) => server.close(() => r()));
});
afterAll(async () => {
  await close?.();
  await Promise.all([hooks?.close(), cursor?.close(), anthropic?.close(), slack.stop()]);
});

function interaction(payload: unknown) {
  const body = new URLSearchParams({ payload: JSON.stringify(payload) }).toString();
  const ts = String(Math.floor(Date.now() / 1000));
  return fetch(endpoint, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      'x-slack-request-timestamp': ts,
      'x-slack-signature': signSlackRequest(SECRET, ts, body),
    },
    body,
  });
}

/** A press of `actionId` on the message as it now reads (after any chat.update). */
function press(message: PostedMessage, actionId: string, user: string, responseId: string) {
  const current = slack.updates
    .filter((u) => u.ts === message.ts && u.channelId === message.channelId)
    .at(-1);
  const blocks = (current?.blocks ?? message.blocks) as Array<{
    type?: string;
    block_id?: string;
    elements?: Array<{ action_id: string; value: string }>;
  }>;
  const button = blocks
    .filter((b) => b.block_id === LIMIT_BLOCK_IDS.actions)
    .flatMap((b) => b.elements ?? [])
    .find((e) => e.action_id === actionId);
  if (!button) throw new Error(`no ${actionId} button on the message`);
  return {
    type: 'block_actions',
    user: { id: user },
    response_url: hooks.url(responseId),
    channel: { id: message.channelId },
    message: { ts: message.ts, text: current?.text ?? message.text, blocks },
    actions: [{ action_id: actionId, value: button.value, type: 'button' }],
  };
}

const proposal = async () => (await listProposals(store, 'payments'))[0];

describe('limits decided in Slack', () => {
  let alert: PostedMessage;

  it('posts the cap alert with the proposed limits and Approve, naming nobody in the channel', async () => {
    // Act
    const run = await runDailyJob(
      {
        config: limitsConfig,
        store,
        clock: { now: () => new Date('2026-04-21T06:30:00Z') },
        slack: createSlackNotifier(TOKEN, { slackApiUrl: slack.apiUrl, retries: 1 }),
      },
      '2026-04-20',
    );

    // Assess: amy ($1,600 Cursor, $400 Anthropic) and bob ($1,500.00 → not over) … amy alone is over.
    expect(run.alerts.problems).toEqual([]);
    const found = slack.posts.find((p) => p.channelId === 'C0FINANCE' && p.text.includes('over the'));
    expect(found).toBeDefined();
    alert = found as PostedMessage;
    const text = JSON.stringify(alert.blocks);
    expect(text).toContain('Proposed limits:');
    expect(text).toContain('Cursor: $1,500/month for 1 engineer');
    expect(text).toContain('Anthropic: $1,500/month for 1 engineer');
    expect(text).not.toContain('amy@');
    const p = await proposal();
    expect(p?.items.map((i) => [i.vendor, i.subject])).toEqual([
      ['cursor', 'amy@corp.com'],
      ['anthropic', 'amy@corp.com'],
    ]);
  });

  it("refuses the team's manager ephemerally and sends nothing to any vendor", async () => {
    // Prepare
    const updates = slack.updates.length;

    // Act
    const res = await interaction(press(alert, LIMIT_ACTIONS.approve, 'UPAYMGR', 'refused'));
    await hooks.received(1);

    // Assess
    expect(res.status).toBe(200);
    const refusal = hooks.posts.find((p) => p.path.includes('/refused/'));
    expect(refusal?.body).toMatchObject({ response_type: 'ephemeral' });
    expect(refusal?.body.text).toContain('Only finance');
    expect(cursor.calls).toHaveLength(0);
    expect(anthropic.calls).toHaveLength(0);
    expect(slack.updates).toHaveLength(updates);
    expect((await proposal())?.status).toBe('proposed');
  });

  it('with dryRun, Approve shows what would be sent and sends nothing', async () => {
    // Prepare
    limitsConfig = configWith(true);

    // Act
    const res = await interaction(press(alert, LIMIT_ACTIONS.approve, 'UCFO', 'dry'));
    await hooks.received(2);

    // Assess
    expect(res.status).toBe(200);
    expect(cursor.calls).toHaveLength(0);
    expect(anthropic.calls).toHaveLength(0);
    const told = hooks.posts.find((p) => p.path.includes('/dry/'));
    expect(told?.body.text).toContain('Dry run');
    expect(told?.body.text).toContain('POST /teams/user-spend-limit');
    expect(JSON.stringify(slack.updates.at(-1)?.blocks)).toContain('nothing was sent');
    expect((await proposal())?.status).toBe('proposed');
  });

  it('finance approves: the limits are applied, read back, recorded and the message shows the result', async () => {
    // Prepare
    limitsConfig = configWith(false);

    // Act
    const res = await interaction(press(alert, LIMIT_ACTIONS.approve, 'UCFO', 'approve'));
    await hooks.received(3);

    // Assess
    expect(res.status).toBe(200);
    expect(failures).toEqual([]);
    expect(cursor.limitOf('amy@corp.com')).toBe(1_500);
    expect(anthropic.limitOf('user:user_01AMY')?.amount).toBe('150000');
    const p = await proposal();
    expect(p?.status).toBe('applied');
    expect(p?.history.at(-1)).toMatchObject({ action: 'apply', by: 'UCFO' });
    const edit = slack.updates.at(-1);
    expect(edit).toMatchObject({ channelId: alert.channelId, ts: alert.ts });
    const blocks = JSON.stringify(edit?.blocks);
    expect(blocks).toContain('2 of 2 limits applied and confirmed by reading back');
    expect(blocks).toContain('In place: Cursor 1, Anthropic 1');
    expect(blocks).not.toContain('amy@');
    expect(blocks).toContain(LIMIT_ACTIONS.undo);
    // The CFO may see per-person figures (config.privacy), so the ephemeral answer names who.
    const told = hooks.posts.find((p) => p.path.includes('/approve/'));
    expect(told?.body.text).toContain('Cursor · amy@corp.com: applied');
  });

  it('Undo restores the limits each vendor held before', async () => {
    // Act
    const res = await interaction(press(alert, LIMIT_ACTIONS.undo, 'UCFO', 'undo'));
    await hooks.received(4);

    // Assess
    expect(res.status).toBe(200);
    expect(cursor.limitOf('amy@corp.com')).toBeNull();
    expect(anthropic.limitOf('user:user_01AMY')).toBeUndefined();
    expect((await proposal())?.status).toBe('undone');
    expect(JSON.stringify(slack.updates.at(-1)?.blocks)).toContain('Undone: Cursor 1, Anthropic 1');
  });
});
