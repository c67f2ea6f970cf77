import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { describe, expect, it } from 'vitest';
import { createSlackNotifier } from '../../../functions/adapters/slack/slack-notifier.js';
import { SnsAlertPublisher } from '../../../functions/adapters/sns/sns-publisher.js';
import type { LedgerStep } from '../../../functions/core/alerts/delivery-ledger.js';
import { alertStateSchema } from '../../../functions/core/alerts/lifecycle.js';
import type { AlertRunDeps } from '../../../functions/core/alerts/run-alerts.js';
import { parseConfig } from '../../../functions/core/config/load.js';
import { runDailyJob } from '../../../functions/core/daily-job.js';
import { eachDay } from '../../../functions/core/dates.js';
import { usdToMicros } from '../../../functions/core/money.js';
import type { Store } from '../../../functions/core/ports.js';
import { aRecord } from '../../helpers/builders.js';
import { useLocalDynamo } from '../../helpers/dynamo.js';
import { useFakeSlack } from '../../helpers/fake-slack.js';
import { replaceDays } from '../../helpers/store-reads.js';

const dynamo = useLocalDynamo();
const TOKEN = 'xoxb-crash';
const { slack, sns: snsMock } = useFakeSlack({
  token: TOKEN,
});
const AS_OF = '2026-03-31';
const NOTICE = `payments:ALERT#budget:${AS_OF}:enter`;
const config = parseConfig({
  organization: { name: 'Acme' },
  fiscalYear: { startMonth: 1, startDay: 1 },
  teams: [{ id: 'payments', name: 'Payments', annualBudgetUsd: 240_000, slackChannel: '#payments-eng' }],
  sources: [{ id: 'anthropic', type: 'anthropic', secretName: 'burnwatch/anthropic' }],
  finance: { slackChannel: 'C0FINANCE', digestWeekday: 'monday' },
});

class Crash extends Error {}

function deps(store: Store, over: Partial<AlertRunDeps> = {}): AlertRunDeps {
  snsMock.on(PublishCommand).resolves({ MessageId: 'm-1' });
  return {
    config,
    store,
    clock: { now: () => new Date('2026-04-01T06:30:00Z') },
    slack: createSlackNotifier(TOKEN, { slackApiUrl: slack.apiUrl, retries: 0 }),
    sns: new SnsAlertPublisher(new SNSClient({ region: 'us-east-1' }), 'arn:aws:sns:us-east-1:1:alerts'),
    runId: `daily-job:${AS_OF}`,
    digest: 'never',
    ...over,
  };
}

const TARGETS = ['slack:#payments-eng', 'slack:C0FINANCE', 'sns'];
const STEPS: LedgerStep[] = ['claimed', 'accepted', 'confirmed'];

describe('alert delivery with a crash at every step', () => {
  it.each(STEPS.flatMap((step) => TARGETS.map((target) => [step, target] as const)))(
    'crash after %s for %s, then the retry a minute later: one Slack message per channel, SNS repeated only in the documented window',
    async (step, target) => {
      // Prepare: Payments at $2,000 a day since 1 Jan is critical on 31 Mar.
      const { store } = await dynamo.newStore();
      const days = eachDay('2026-01-01', AS_OF);
      await replaceDays(
        store,
        'anthropic',
        days,
        days.map((date) => aRecord({ date, costMicros: usdToMicros(2_000) })),
      );
      let crashed = false;
      const crashing = deps(store, {
        afterStep: (s, t) => {
          if (!crashed && s === step && t === target) {
            crashed = true;
            throw new Crash(`crash after ${s} for ${t}`);
          }
        },
      });

      // Act
      const first = await runDailyJob(crashing, AS_OF);
      const retry = await runDailyJob(
        deps(store, { clock: { now: () => new Date('2026-04-01T06:31:00Z') } }),
        AS_OF,
      );

      // Assess
      expect(crashed).toBe(true);
      expect(first.alerts.problems.join()).toContain('delivery interrupted');
      const byChannel = (id: string) =>
        slack.posts.filter((p) => p.channelId === id && p.metadata?.event_payload.notice_id === NOTICE);
      expect(byChannel('C0PAYMENTS')).toHaveLength(1);
      expect(byChannel('C0FINANCE')).toHaveLength(1);
      // The one window SNS repeats: it accepted, and the run died before recording it.
      const snsRepeats = step === 'accepted' && target === 'sns' ? 2 : 1;
      expect(snsMock.commandCalls(PublishCommand)).toHaveLength(snsRepeats);
      for (const call of snsMock.commandCalls(PublishCommand))
        expect(call.args[0].input.MessageAttributes?.notice_id?.StringValue).toBe(NOTICE);
      const state = await store.getState('payments', 'ALERT#budget');
      const parsed = alertStateSchema.parse(state?.value);
      expect(parsed.pending).toBeUndefined();
      expect(parsed.lastNotice?.id).toBe(NOTICE);
      expect(retry.alerts.problems.filter((p) => !p.includes('sending again'))).toEqual([]);
    },
  );
});

describe('a Slack post answered too late (Slack took it, the client timed out)', () => {
  it('is not posted again: not by the client, and not by the next run, which asks Slack first', async () => {
    // Prepare
    const { store } = await dynamo.newStore();
    const days = eachDay('2026-01-01', AS_OF);
    await replaceDays(
      store,
      'anthropic',
      days,
      days.map((date) => aRecord({ date, costMicros: usdToMicros(2_000) })),
    );
    slack.answerLate('chat.postMessage', 1, 1_500);
    const slow = {
      slack: createSlackNotifier(TOKEN, { slackApiUrl: slack.apiUrl, timeoutMs: 500, retries: 2 }),
    };

    // Act: the first run's team-channel post gets no answer in time; the next day's run follows.
    const first = await runDailyJob(deps(store, slow), AS_OF);
    await runDailyJob(
      deps(store, {
        ...slow,
        clock: { now: () => new Date('2026-04-02T06:30:00Z') },
        runId: 'daily-job:2026-04-01',
      }),
      '2026-04-01',
    );

    // Assess
    const byChannel = (id: string) =>
      slack.posts.filter((p) => p.channelId === id && p.metadata?.event_payload.notice_id === NOTICE);
    expect(byChannel('C0PAYMENTS')).toHaveLength(1);
    expect(byChannel('C0FINANCE')).toHaveLength(1);
    expect(first.alerts.problems.join()).toContain('it may have gone out');
    const state = alertStateSchema.parse((await store.getState('payments', 'ALERT#budget'))?.value);
    expect(state.pending).toBeUndefined();
  }, 30_000);
});
