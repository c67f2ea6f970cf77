import { describe, expect, it } from 'vitest';
import type { SlackSender } from '../../../functions/core/alerts/delivery.js';
import { eachDay } from '../../../functions/core/dates.js';
import type { TeamForecaster } from '../../../functions/core/team-reports.js';
import { createForecastHandler, unavailableSlack } from '../../../functions/forecast/handler.js';
import { aConfig, aTotal, MemoryStore, RecordingSlack, RecordingSns } from './fakes.js';

function handlerWith(slack: SlackSender = new RecordingSlack(), forecaster?: TeamForecaster) {
  const store = new MemoryStore();
  store.totals = eachDay('2026-01-01', '2026-03-31').map((d) => aTotal(d, 5_000));
  const failures: number[] = [];
  const forecastFailures: number[] = [];
  const logged: string[] = [];
  const handler = createForecastHandler({
    config: aConfig(),
    store,
    clock: { now: () => new Date('2026-04-01T06:30:00Z') },
    slack,
    sns: new RecordingSns(),
    logger: { info: (m: string) => logged.push(m), warn: (m: string) => logged.push(m), error: () => {} },
    ...(forecaster ? { forecaster } : {}),
    recordFailures: (n, f) => {
      failures.push(n);
      forecastFailures.push(f);
    },
  } as Parameters<typeof createForecastHandler>[0]);
  return { handler, store, failures, forecastFailures, logged };
}

describe('forecast+alert Lambda handler', () => {
  it('runs yesterday by default, stores summaries and reports delivery failures as a metric', async () => {
    // Prepare
    const slack = new RecordingSlack();
    slack.failures.set('C0PAYMENTS', 'channel_not_found');
    const { handler, store, failures } = handlerWith(slack);

    // Act
    const result = await handler({ source: 'aws.events', 'detail-type': 'Scheduled Event' });

    // Assess
    expect(result).toEqual({ asOf: '2026-03-31', teams: 2, notices: 1, deliveryFailures: 1 });
    expect(failures).toEqual([1]);
    expect(store.summaries.has('payments')).toBe(true);
  });

  it('counts the teams whose forecast failed as a metric of their own (0 on a clean run), and logs why', async () => {
    // Prepare
    const failing: TeamForecaster = () => {
      throw new RangeError('the engine could not fit');
    };
    const clean = handlerWith();
    const broken = handlerWith(new RecordingSlack(), failing);

    // Act
    await clean.handler({});
    await broken.handler({});

    // Assess
    expect(clean.forecastFailures).toEqual([0]);
    expect(broken.forecastFailures).toEqual([1]);
    expect(broken.logged).toContain('alert run problem');
  });

  it('re-runs a past day on request and rejects a malformed one by name', async () => {
    // Prepare
    const { handler } = handlerWith();

    // Act
    const past = await handler({ asOf: '2026-03-15' });
    const bad = await handler({ asOf: '2026-02-30' }).catch((e: unknown) => e);

    // Assess
    expect(past.asOf).toBe('2026-03-15');
    expect(String(bad)).toContain('asOf must be a calendar day written YYYY-MM-DD');
  });

  it('still alerts through SNS when the Slack token cannot be read, recording Slack as failed for the next run', async () => {
    // Prepare
    const { handler, store, failures } = handlerWith(
      unavailableSlack('not_authed', 'secret burnwatch/slack-bot-token could not be read'),
    );

    // Act
    const result = await handler({});

    // Assess
    expect(result.deliveryFailures).toBe(2);
    expect(failures).toEqual([2]);
    const state = await store.getState('payments', 'ALERT#budget');
    expect(JSON.stringify(state?.value)).toContain('"target":"sns","status":"sent"');
    expect(JSON.stringify(state?.value)).toContain('"code":"not_authed"');
  });
});
