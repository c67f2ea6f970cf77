import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { describe, expect, it } from 'vitest';
import { createPngRenderer } from '../../../functions/adapters/chart-png/render-png.js';
import { createSlackNotifier } from '../../../functions/adapters/slack/slack-notifier.js';
import { SnsAlertPublisher } from '../../../functions/adapters/sns/sns-publisher.js';
import { parseConfig } from '../../../functions/core/config/load.js';
import { runForecastJob } from '../../../functions/core/daily-job.js';
import { eachDay } from '../../../functions/core/dates.js';
import { usdToMicros } from '../../../functions/core/money.js';
import type { Store } from '../../../functions/core/ports.js';
import { engineForecaster } from '../../../functions/core/team-reports.js';
import { createForecastHandler } from '../../../functions/forecast/handler.js';
import { aRecord } from '../../helpers/builders.js';
import { useLocalDynamo } from '../../helpers/dynamo.js';
import { useFakeSlack } from '../../helpers/fake-slack.js';
import { replaceDays } from '../../helpers/store-reads.js';

const dynamo = useLocalDynamo();
const TOKEN = 'xoxb-daily-job';
const { slack, sns: snsMock } = useFakeSlack({
  token: TOKEN,
});
const TOPIC = 'arn:aws:sns:us-east-1:123456789012:burnwatch-alerts';

const config = parseConfig({
  organization: { name: 'Acme' },
  fiscalYear: { startMonth: 1, startDay: 1 },
  teams: [
    { id: 'payments', name: 'Payments', annualBudgetUsd: 240_000, slackChannel: '#payments-eng' },
    { id: 'search', name: 'Search', annualBudgetUsd: 500_000 },
  ],
  sources: [
    {
      id: 'anthropic',
      type: 'anthropic',
      secretName: 'burnwatch/anthropic',
      attribution: [
        { match: { workspace: 'payments' }, team: 'payments' },
        { match: { workspace: 'search' }, team: 'search' },
      ],
    },
  ],
  finance: { slackChannel: 'C0FINANCE', digestWeekday: 'monday' },
});

async function seededStore(to: string): Promise<Store> {
  const { store } = await dynamo.newStore();
  const days = eachDay('2026-01-01', to);
  await replaceDays(
    store,
    'anthropic',
    days,
    days.flatMap((date) => [
      aRecord({
        date,
        costMicros: usdToMicros(2_000),
        team: 'payments',
        identities: { workspace: 'payments' },
      }),
      aRecord({ date, costMicros: usdToMicros(500), team: 'search', identities: { workspace: 'search' } }),
    ]),
  );
  return store;
}

function handlerAt(store: Store, iso: string) {
  snsMock.on(PublishCommand).resolves({ MessageId: 'm-1' });
  return createForecastHandler({
    config,
    store,
    clock: { now: () => new Date(iso) },
    slack: createSlackNotifier(TOKEN, { slackApiUrl: slack.apiUrl, retries: 2 }),
    sns: new SnsAlertPublisher(new SNSClient({ region: 'us-east-1' }), TOPIC),
    renderPng: createPngRenderer(),
    forecaster: engineForecaster(config),
    logger: { info: () => {}, warn: () => {}, error: () => {} },
    recordFailures: () => {},
  });
}

const digestPosts = () =>
  slack.posts.filter(
    (p) => p.channelId === 'C0FINANCE' && JSON.stringify(p).includes('Weekly AI spend digest'),
  );

describe('the daily forecast job', () => {
  it('posts the weekly digest on finance.digestWeekday itself, from that morning’s run, and not again the day after', async () => {
    // Prepare: the scheduled runs of Monday 30 and Tuesday 31 Mar 2026, 06:30 UTC.
    const store = await seededStore('2026-03-30');

    // Act
    await handlerAt(
      store,
      '2026-03-30T06:30:00Z',
    )({ source: 'aws.events', 'detail-type': 'Scheduled Event' });
    await handlerAt(
      store,
      '2026-03-31T06:30:00Z',
    )({ source: 'aws.events', 'detail-type': 'Scheduled Event' });

    // Assess: finance configured monday: one digest, from Monday's run (as of Sunday).
    expect(digestPosts()).toHaveLength(1);
    expect(JSON.stringify(digestPosts()[0])).toContain('As of 2026-03-29');
  });

  it("forecasts, stores and reports every other team when one team's forecast throws", async () => {
    // Prepare
    const store = await seededStore('2026-03-31');
    const engine = engineForecaster(config);
    const forecaster: typeof engine = (input) => {
      if (input.team.id === 'search') throw new RangeError('the engine could not fit');
      return engine(input);
    };

    // Act
    const org = await runForecastJob(
      { config, store, clock: { now: () => new Date('2026-04-01T06:30:00Z') }, forecaster },
      '2026-03-31',
    );

    // Assess: Payments is forecast and stored; Search gets the run-rate outlook, and the run says why.
    expect(await store.getTeamSummary('payments')).toMatchObject({ team: 'payments', asOf: '2026-03-31' });
    expect(org.burns.find((b) => b.report.team === 'payments')?.forecast).toBeDefined();
    expect(org.burns.find((b) => b.report.team === 'search')?.forecast).toBeUndefined();
    expect(await store.getTeamSummary('search')).toMatchObject({ team: 'search', asOf: '2026-03-31' });
    expect(org.problems).toEqual([
      'search: forecast failed (the engine could not fit); its outlook is the trailing run-rate',
    ]);
  });
});
