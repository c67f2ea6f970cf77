import { describe, expect, it } from 'vitest';
import { createSlackNotifier } from '../../../functions/adapters/slack/slack-notifier.js';
import { stripMrkdwn } from '../../../functions/core/alerts/messages.js';
import { outlookSentence, statusLabel } from '../../../functions/core/burn-text.js';
import { parseConfig } from '../../../functions/core/config/load.js';
import { runDailyJob } from '../../../functions/core/daily-job.js';
import { addDays, eachDay, type IsoDay } from '../../../functions/core/dates.js';
import type { Connector } from '../../../functions/core/ingest/connector.js';
import { runIngest } from '../../../functions/core/ingest/run-ingest.js';
import type { Clock } from '../../../functions/core/ports.js';
import { engineForecaster } from '../../../functions/core/team-reports.js';
import { useLocalDynamo } from '../../helpers/dynamo.js';
import { useFakeSlack } from '../../helpers/fake-slack.js';

const dynamo = useLocalDynamo();
const TOKEN = 'xoxb-incomplete';
const { slack } = useFakeSlack({
  token: TOKEN,
});

const config = parseConfig({
  organization: { name: 'Acme' },
  fiscalYear: { startMonth: 1, startDay: 1 },
  teams: [{ id: 'payments', name: 'Payments', annualBudgetUsd: 400_000, slackChannel: '#payments-eng' }],
  sources: [
    {
      id: 'anthropic',
      type: 'anthropic',
      secretName: 'burnwatch/anthropic',
      attribution: [{ match: { workspace: 'wrkspc_payments' }, team: 'payments' }],
    },
  ],
  finance: { slackChannel: 'C0FINANCE', digestWeekday: 'monday' },
});

/** Anthropic-shaped: a day bucket per day, $2,000 a working day for Payments; silent from `silentFrom`. */
function anthropic(silentFrom?: IsoDay): Connector {
  return {
    sourceId: 'anthropic',
    vendor: 'anthropic',
    async fetchUsage(range) {
      const days = eachDay(range.from, range.to).filter((d) => !silentFrom || d < silentFrom);
      return {
        answeredDays: new Set(days),
        lines: days.map((date) => ({
          date,
          vendor: 'anthropic' as const,
          identities: { workspace: 'wrkspc_payments' },
          lineItem: 'claude-opus-4-6',
          model: 'claude-opus-4-6',
          costMicros: 2_000_000_000n,
          provisional: false,
        })),
      };
    },
  };
}

const morningAfter = (asOf: IsoDay): Clock => ({ now: () => new Date(`${addDays(asOf, 1)}T06:30:00Z`) });

describe('a source silent for 10 days', () => {
  it('sends no recovery notice, says "incomplete data" in burn, digest and alert text, and the stale alert names the last complete day', async () => {
    // Prepare: $2,000 a day against $400k is on track to run out in July: critical by the end of March.
    const { store } = await dynamo.newStore();
    const job = (asOf: IsoDay, digest: 'auto' | 'always' = 'auto') =>
      runDailyJob(
        {
          config,
          store,
          clock: morningAfter(asOf),
          slack: createSlackNotifier(TOKEN, { slackApiUrl: slack.apiUrl, retries: 0 }),
          forecaster: engineForecaster(config),
          // One calm day would be enough to announce a recovery: missing data must not provide it.
          recoveryDays: 1,
          digest,
        },
        asOf,
      );
    await runIngest({ config, store, connectors: [anthropic()], clock: morningAfter('2026-03-21') });
    const entered = await job('2026-03-21');

    // Act: the vendor goes silent on 22 Mar; ingest and the daily job keep running every morning.
    const results = [];
    for (const asOf of eachDay('2026-03-22', '2026-03-31')) {
      await runIngest({ config, store, connectors: [anthropic('2026-03-22')], clock: morningAfter(asOf) });
      results.push(await job(asOf, asOf === '2026-03-31' ? 'always' : 'auto'));
    }
    const last = results.at(-1);
    const payments = last?.burns.find((b) => b.report.team === 'payments')?.report;
    const posted = slack.posts.map((p) => stripMrkdwn(`${p.text} ${JSON.stringify(p.blocks)}`));

    // Assess: the critical alert went out before the silence, and nothing said it recovered.
    expect(entered.alerts.notices.map((n) => `${n.rule}:${n.kind}:${n.severity}`)).toContain(
      'budget:enter:critical',
    );
    expect(results.flatMap((r) => r.alerts.notices).filter((n) => n.kind === 'recover')).toEqual([]);
    expect(posted.join('\n')).not.toMatch(/RESOLVED|Back on track/);
    // burn: the ten days are estimated, not $0, and the team is reported as incomplete.
    expect(payments?.dataStatus).toBe('incomplete');
    expect(payments?.sources).toEqual([
      expect.objectContaining({ source: 'anthropic', completeThrough: '2026-03-21', estimatedDays: 10 }),
    ]);
    expect(payments?.spentToDateUsd).toBe(80 * 2_000);
    expect(payments?.estimatedUsd).toBeGreaterThan(10_000);
    expect(payments && statusLabel(payments)).not.toBe('on track');
    expect(payments && outlookSentence(payments)).toMatch(
      /Incomplete data: Anthropic data through 21 Mar \(10 days estimated\)/,
    );
    // digest and alert text
    const digest = posted.filter((p) => p.includes('Weekly AI spend digest')).at(-1);
    expect(digest).toMatch(/Payments · incomplete data/);
    const stale = posted.find((p) => p.includes('is complete only through'));
    expect(stale).toMatch(/WARNING: Data from anthropic \(Anthropic\) is complete only through 21 Mar/);
    expect(stale).toMatch(/Last complete day.{0,10}2026-03-21/);
    expect(stale).toMatch(/reported as .{0,2}incomplete data/);
    // And once the vendor delivers again, the days are filled and the data is complete.
    await runIngest({ config, store, connectors: [anthropic()], clock: morningAfter('2026-04-01') });
    const healed = await job('2026-04-01');
    expect(healed.burns.find((b) => b.report.team === 'payments')?.report.dataStatus).toBe('complete');
  });
});
