import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { describe, expect, it } from 'vitest';
import { createPngRenderer } from '../../../functions/adapters/chart-png/render-png.js';
import { createSlackNotifier } from '../../../functions/adapters/slack/slack-notifier.js';
import { SnsAlertPublisher } from '../../../functions/adapters/sns/sns-publisher.js';
import { alertStateSchema } from '../../../functions/core/alerts/lifecycle.js';
import type { AlertRunDeps } from '../../../functions/core/alerts/run-alerts.js';
import { parseConfig } from '../../../functions/core/config/load.js';
import { runDailyJob } from '../../../functions/core/daily-job.js';
import { eachDay } from '../../../functions/core/dates.js';
import { usdToMicros } from '../../../functions/core/money.js';
import type { Store } from '../../../functions/core/ports.js';
import { aRecord } from '../../helpers/builders.js';
import { runCliCaptured } from '../../helpers/cli.js';
import { useLocalDynamo } from '../../helpers/dynamo.js';
import { useFakeSlack } from '../../helpers/fake-slack.js';
import { replaceDays } from '../../helpers/store-reads.js';

const dynamo = useLocalDynamo();
const TOKEN = 'xoxb-integration';
const { slack, sns: snsMock } = useFakeSlack({
  token: TOKEN,
});
const TOPIC = 'arn:aws:sns:us-east-1:123456789012:burnwatch-alerts';
const AS_OF = '2026-03-31'; // Tuesday (digest on Mondays)
const renderPng = createPngRenderer();

const config = parseConfig({
  organization: { name: 'Acme' },
  fiscalYear: { startMonth: 1, startDay: 1 },
  teams: [{ id: 'payments', name: 'Payments', annualBudgetUsd: 240_000, slackChannel: '#payments-eng' }],
  sources: [{ id: 'anthropic', type: 'anthropic', secretName: 'burnwatch/anthropic' }],
  finance: { slackChannel: 'C0FINANCE', digestWeekday: 'monday' },
});

/** A fresh table with Payments spending $2,000/day since 1 Jan: $180k of $240k gone by 31 Mar. */
async function seededStore(): Promise<Store> {
  return (await seededTable()).store;
}

async function seededTable(): Promise<{ store: Store; tableName: string }> {
  const { store, tableName } = await dynamo.newStore();
  const days = eachDay('2026-01-01', AS_OF);
  await replaceDays(
    store,
    'anthropic',
    days,
    days.map((date) => aRecord({ date, costMicros: usdToMicros(2_000) })),
  );
  return { store, tableName };
}

function deps(store: Store, over: Partial<AlertRunDeps> = {}): AlertRunDeps {
  snsMock.on(PublishCommand).resolves({ MessageId: 'm-1' });
  return {
    config,
    store,
    clock: { now: () => new Date('2026-04-01T06:30:00Z') },
    slack: createSlackNotifier(TOKEN, { slackApiUrl: slack.apiUrl, retries: 2 }),
    sns: new SnsAlertPublisher(new SNSClient({ region: 'us-east-1' }), TOPIC),
    renderPng,
    ...over,
  };
}

async function budgetState(store: Store) {
  const s = await store.getState('payments', 'ALERT#budget');
  return s ? alertStateSchema.parse(s.value) : undefined;
}

describe('forecast+alert job on DynamoDB Local and a local Slack API', () => {
  it('posts one critical alert to the team and finance channels with the chart PNG in its thread, and SNS once', async () => {
    // Prepare
    const store = await seededStore();

    // Act
    const first = await runDailyJob(deps(store), AS_OF);
    const again = await runDailyJob(deps(store), AS_OF);

    // Assess
    expect(first.alerts.problems).toEqual([]);
    expect(slack.posts.map((p) => p.channelId)).toEqual(['C0PAYMENTS', 'C0FINANCE']);
    expect(slack.posts[0]?.text).toContain('CRITICAL: Payments will run out of AI budget');
    expect(slack.uploads.map((u) => [u.channelId, u.threadTs, u.isPng])).toEqual([
      ['C0PAYMENTS', slack.posts[0]?.ts, true],
      ['C0FINANCE', slack.posts[1]?.ts, true],
    ]);
    expect(snsMock.commandCalls(PublishCommand)).toHaveLength(1);
    expect(again.alerts.notices).toEqual([]);
    expect(slack.posts).toHaveLength(2);
    expect(await store.getTeamSummary('payments')).toMatchObject({ team: 'payments', asOf: AS_OF });
    expect(await store.getForecastSnapshot('payments', AS_OF)).toMatchObject({ status: 'critical' });
  });

  it('a retried run after a crash between send and record sends nothing twice', async () => {
    // Prepare: the write that marks the first Slack delivery sent fails once (write 1 is the
    // intent, write 2 the team's thread).
    const store = await seededStore();
    let writes = 0;
    const crashing: Store = Object.assign(Object.create(store) as Store, {
      putState: (scope: string, key: string, value: unknown, v: number) =>
        ++writes === 3 ? Promise.reject(new Error('simulated crash')) : store.putState(scope, key, value, v),
    });
    await runDailyJob(deps(crashing), AS_OF);
    expect(slack.posts).toHaveLength(1);

    // Act: the retry comes after the claim's lease, so it checks Slack for the notice first.
    const retry = await runDailyJob(
      deps(store, { clock: { now: () => new Date('2026-04-01T07:30:00Z') } }),
      AS_OF,
    );

    // Assess
    expect(retry.alerts.problems).toEqual([]);
    expect(slack.calls).toContain('conversations.history');
    expect(slack.posts.map((p) => p.channelId)).toEqual(['C0PAYMENTS', 'C0FINANCE']);
    expect(snsMock.commandCalls(PublishCommand)).toHaveLength(1);
    expect((await budgetState(store))?.lastNotice?.kind).toBe('enter');
  });

  it('waits out rate limits, reports a missing channel, still sends SNS, and retries only the failed channel next run', async () => {
    // Prepare
    const store = await seededStore();
    slack.failNext('chat.postMessage', 'channel_not_found');
    slack.rateLimit('chat.postMessage', 1, 1);

    // Act
    const first = await runDailyJob(deps(store), AS_OF);
    const afterFirst = await budgetState(store);
    const next = await runDailyJob(
      deps(store, { clock: { now: () => new Date('2026-04-02T06:30:00Z') } }),
      '2026-04-01',
    );

    // Assess
    expect(first.alerts.problems.join('\n')).toContain('slack:#payments-eng: channel_not_found');
    expect(afterFirst?.pending?.deliveries.map((d) => `${d.target}=${d.status}`)).toEqual([
      'slack:#payments-eng=failed',
      'slack:C0FINANCE=sent',
      'sns=sent',
    ]);
    expect(next.alerts.problems).toEqual([]);
    expect(slack.posts.map((p) => p.channelId)).toEqual(['C0FINANCE', 'C0PAYMENTS']);
    expect(snsMock.commandCalls(PublishCommand)).toHaveLength(1);
  });

  it('records nothing as sent when the Slack token is revoked, and delivers once it is fixed', async () => {
    // Prepare
    const store = await seededStore();
    slack.revokeToken();

    // Act
    const revoked = await runDailyJob(deps(store), AS_OF);
    const statuses = (await budgetState(store))?.pending?.deliveries.map((d) => `${d.target}=${d.status}`);
    slack.reset();
    await runDailyJob(deps(store, { clock: { now: () => new Date('2026-04-02T06:30:00Z') } }), '2026-04-01');

    // Assess
    expect(revoked.alerts.problems.join('\n')).toContain('token_revoked');
    expect(statuses).toEqual(['slack:#payments-eng=failed', 'slack:C0FINANCE=failed', 'sns=sent']);
    expect(slack.posts.map((p) => p.channelId)).toEqual(['C0PAYMENTS', 'C0FINANCE']);
  });

  it('burnwatch alerts previews without a token and sends with one, once', async () => {
    // Prepare
    const { store, tableName } = await seededTable();
    const dir = mkdtempSync(join(tmpdir(), 'burnwatch-alerts-'));
    const configFile = join(dir, 'burnwatch.config.json');
    writeFileSync(configFile, JSON.stringify({ ...config, sources: [] }));
    const env = { BURNWATCH_DYNAMODB_ENDPOINT: dynamo.endpoint, BURNWATCH_TABLE: tableName };
    const argv = ['alerts', '--config', configFile, '--as-of', AS_OF];

    // Act
    const preview = await runCliCaptured(argv, { env, cwd: dir });
    const stateAfterPreview = await store.getState('payments', 'ALERT#budget');
    const withToken = { ...env, SLACK_BOT_TOKEN: TOKEN, SLACK_API_URL: slack.apiUrl };
    const sent = await runCliCaptured(argv, { env: withToken, cwd: dir });
    const rerun = await runCliCaptured(argv, { env: withToken, cwd: dir });

    // Assess
    expect(preview.code).toBe(0);
    expect(preview.err).toContain('No SLACK_BOT_TOKEN');
    expect(preview.out).toContain('ENTER payments/budget → slack:#payments-eng, slack:C0FINANCE');
    const html = readFileSync(join(dir, 'burnwatch-report', 'alerts.html'), 'utf8');
    expect(html).toContain('Payments will run out of AI budget');
    expect(html).toContain('src="data:image/png;base64,');
    expect(stateAfterPreview).toBeUndefined();
    expect(sent.code).toBe(0);
    expect(sent.out).toContain('slack:#payments-eng [sent], slack:C0FINANCE [sent]');
    expect(rerun.out).toContain('0 notice(s)');
    expect(slack.posts).toHaveLength(2);
  });
});
