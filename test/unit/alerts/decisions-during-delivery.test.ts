import { describe, expect, it } from 'vitest';
import { ACTIONS, DECISIONS_BLOCK_ID } from '../../../functions/core/alerts/decision-buttons.js';
import { alertStateSchema, decideTransition } from '../../../functions/core/alerts/lifecycle.js';
import type { AlertCondition } from '../../../functions/core/alerts/types.js';
import { runDailyJob } from '../../../functions/core/daily-job.js';
import { eachDay } from '../../../functions/core/dates.js';
import { handleInteraction } from '../../../functions/core/slash/interactions.js';
import { engineForecaster } from '../../../functions/core/team-reports.js';
import { aConfig, aTotal, MemoryStore, RecordingSlack, RecordingSns } from './fakes.js';

const AS_OF = '2026-03-31';
const config = aConfig({
  teams: [
    {
      id: 'payments',
      name: 'Payments',
      annualBudgetUsd: 610_000,
      slackChannel: 'C0PAYMENTS',
      managers: { slackUserIds: ['UPAYMGR'] },
    },
  ],
});

describe('Acknowledge pressed while the alert is still being delivered', () => {
  it('the finance channel and SNS still get the alert in the same run, and the acknowledgement is kept', async () => {
    const store = new MemoryStore();
    store.totals = eachDay('2026-01-01', AS_OF).map((d) => aTotal(d, 5_000));
    const slack = new RecordingSlack();
    const sns = new RecordingSns();
    let pressed = false;
    const { alerts } = await runDailyJob(
      {
        config,
        store,
        clock: { now: () => new Date('2026-04-01T06:30:00Z') },
        slack,
        sns,
        runId: `daily-job:${AS_OF}`,
        digest: 'never',
        // The manager presses Acknowledge on the team-channel message seconds after it lands.
        afterStep: async (step, target) => {
          if (pressed || step !== 'accepted' || target !== 'slack:C0PAYMENTS') return;
          pressed = true;
          const post = slack.posts[0];
          if (!post) throw new Error('no post');
          const actions = post.message.blocks.find(
            (b) => (b as { block_id?: string }).block_id === DECISIONS_BLOCK_ID,
          ) as unknown as { elements: Array<{ action_id: string; value: string }> };
          const ack = actions.elements.find((e) => e.action_id === ACTIONS.ack);
          await handleInteraction(
            {
              type: 'block_actions',
              user: { id: 'UPAYMGR' },
              actions: [{ action_id: ACTIONS.ack, value: ack?.value ?? '' }],
            },
            {
              config,
              groupMembers: async () => [],
              store,
              clock: { now: () => new Date('2026-04-01T06:30:05Z') },
              forecaster: engineForecaster(config),
              slack: { updateMessage: async () => {}, openView: async () => {}, postMessage: async () => {} },
              postResponse: async () => {},
            },
          );
        },
      },
      AS_OF,
    );
    const state = alertStateSchema.parse((await store.getState('payments', 'ALERT#budget'))?.value);
    expect(slack.posts.map((p) => p.channel)).toEqual(['C0PAYMENTS', 'C0FINANCE']);
    expect(sns.published).toHaveLength(1);
    expect(state.acknowledged?.by).toBe('UPAYMGR');
    expect(state.pending).toBeUndefined();
    expect(alerts.problems.join()).not.toContain('another run');
  });

  it('on an older, superseded message does not silence the newer notice, and the presser is told', async () => {
    const store = new MemoryStore();
    const responses: unknown[] = [];
    // Escalated to critical on 10 Mar (notice ...:2026-03-10:escalate); nobody acknowledged it.
    await store.putState(
      'payments',
      'ALERT#budget',
      {
        rule: 'budget',
        notified: 'critical',
        notifiedExhaustionP50: '2026-06-30',
        current: 'critical',
        calmDays: 0,
        lastEvaluated: '2026-03-10',
        since: '2026-03-10',
        lastNotice: { id: 'payments:ALERT#budget:2026-03-10:escalate', kind: 'escalate', asOf: '2026-03-10' },
      },
      0,
    );
    // A manager presses Acknowledge on the 1 Mar *warning* message, still in the thread with its buttons.
    const old = JSON.stringify({
      t: 'payments',
      k: 'ALERT#budget',
      n: 'payments:ALERT#budget:2026-03-01:enter',
    });
    await handleInteraction(
      {
        type: 'block_actions',
        user: { id: 'UPAYMGR' },
        response_url: 'https://hooks.slack.com/actions/T1/1/x',
        actions: [{ action_id: ACTIONS.ack, value: old }],
      },
      {
        config,
        groupMembers: async () => [],
        store,
        clock: { now: () => new Date('2026-03-12T09:00:00Z') },
        forecaster: engineForecaster(config),
        slack: { updateMessage: async () => {}, openView: async () => {}, postMessage: async () => {} },
        postResponse: async (_u, m) => void responses.push(m),
        responseUrlAllowed: () => true,
      },
    );
    const state = alertStateSchema.parse((await store.getState('payments', 'ALERT#budget'))?.value);
    // 20 Mar: the exhaustion date moves 6 weeks earlier.
    const cond: AlertCondition = {
      team: 'payments',
      rule: 'budget',
      key: 'ALERT#budget',
      severity: 'critical',
      exhaustionP50: '2026-05-19',
    };
    const t = decideTransition(state, cond, '2026-03-20', { worseningDays: 14, recoveryDays: 14 });
    expect(state.acknowledged).toBeUndefined();
    expect(JSON.stringify(responses)).toContain('earlier notice');
    expect(t.notice).toBe('worsen');
  });

  it('Snooze on an older, superseded message does not silence the newer notice either', async () => {
    // Prepare: escalated to critical on 10 Mar; the 1 Mar warning message still has its buttons.
    const store = new MemoryStore();
    const responses: unknown[] = [];
    await store.putState(
      'payments',
      'ALERT#budget',
      {
        rule: 'budget',
        notified: 'critical',
        notifiedExhaustionP50: '2026-06-30',
        current: 'critical',
        calmDays: 0,
        lastEvaluated: '2026-03-10',
        since: '2026-03-10',
        lastNotice: { id: 'payments:ALERT#budget:2026-03-10:escalate', kind: 'escalate', asOf: '2026-03-10' },
      },
      0,
    );
    const old = JSON.stringify({
      t: 'payments',
      k: 'ALERT#budget',
      n: 'payments:ALERT#budget:2026-03-01:enter',
    });

    // Act: a manager presses Snooze 7 days on the old warning.
    await handleInteraction(
      {
        type: 'block_actions',
        user: { id: 'UPAYMGR' },
        response_url: 'https://hooks.slack.com/actions/T1/1/x',
        actions: [{ action_id: ACTIONS.snooze, value: old }],
      },
      {
        config,
        groupMembers: async () => [],
        store,
        clock: { now: () => new Date('2026-03-12T09:00:00Z') },
        forecaster: engineForecaster(config),
        slack: { updateMessage: async () => {}, openView: async () => {}, postMessage: async () => {} },
        postResponse: async (_u, m) => void responses.push(m),
        responseUrlAllowed: () => true,
      },
    );

    // Assess: nothing snoozed, the presser is told, and the critical alert's follow-up still goes out.
    const state = alertStateSchema.parse((await store.getState('payments', 'ALERT#budget'))?.value);
    const cond: AlertCondition = {
      team: 'payments',
      rule: 'budget',
      key: 'ALERT#budget',
      severity: 'critical',
      exhaustionP50: '2026-05-19',
    };
    const t = decideTransition(state, cond, '2026-03-17', { worseningDays: 14, recoveryDays: 14 });
    expect(state.snoozedUntil).toBeUndefined();
    expect(JSON.stringify(responses)).toContain('earlier notice');
    expect(t.notice).toBe('worsen');
  });
});
